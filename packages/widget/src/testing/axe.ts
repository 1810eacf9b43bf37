// axe for the widget's browser tests (not exported by the package).
import axe from 'axe-core';
import type { WidgetWorld } from './widget-world';

/** axe over the widget (open shadow roots included), WCAG 2.0–2.2 A and AA rules; one line per violation. */
export async function axeViolations(w: Pick<WidgetWorld, 'widget'>): Promise<string[]> {
  const result = await axe.run(w.widget, {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
    // `region` judges the host page's landmarks, not the widget's; the panel itself is a labelled dialog.
    rules: { region: { enabled: false } },
  });
  return result.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} — ${violation.nodes
        .map((node) => `${node.target.join(' ')} (${node.failureSummary?.replace(/\s+/g, ' ')})`)
        .join(', ')}`,
  );
}
