// The guides' pictures come from the end-to-end tests of the demo, so they show the product as it is. The tests
// always save their screenshots into test-results/e2e/ (ignored by git); this script copies the ones the guides
// use into docs/images/ under stable names. Refresh them (Chromium needed, see the README):
//
//   node --import tsx --test tests/e2e/demo.e2e.test.ts tests/e2e/demo.languages.e2e.test.ts \
//     tests/e2e/crm-walkthrough.e2e.test.ts
//   node --import tsx scripts/docs/screenshots.ts
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One picture of the guides and the end-to-end screenshot it is taken from. */
export interface DocScreenshot {
  /** File name in docs/images/. */
  readonly image: string;
  /** The screenshot's file name in test-results/e2e/ (end-to-end tests number their steps, hence a pattern). */
  readonly shot: RegExp;
  /** The test that takes it. */
  readonly test: string;
}

export const DOC_SCREENSHOTS: readonly DocScreenshot[] = [
  { image: 'widget-en.png', shot: /^\d+-visitor-sees-typing\.png$/, test: 'tests/e2e/demo.e2e.test.ts' },
  { image: 'console-en.png', shot: /^\d+-crm-read-receipt\.png$/, test: 'tests/e2e/demo.e2e.test.ts' },
  {
    image: 'walkthrough-console.png',
    shot: /^walkthrough-console\.png$/,
    test: 'tests/e2e/crm-walkthrough.e2e.test.ts',
  },
  { image: 'board-en.png', shot: /^\d+-supervisor-kpis\.png$/, test: 'tests/e2e/demo.e2e.test.ts' },
  {
    image: 'widget-ar.png',
    shot: /^languages-01-widget-ar\.png$/,
    test: 'tests/e2e/demo.languages.e2e.test.ts',
  },
  {
    image: 'console-ar.png',
    shot: /^languages-02-console-ar\.png$/,
    test: 'tests/e2e/demo.languages.e2e.test.ts',
  },
  {
    image: 'board-nl.png',
    shot: /^languages-03-board-nl\.png$/,
    test: 'tests/e2e/demo.languages.e2e.test.ts',
  },
  {
    image: 'reports-month-by-agent.png',
    shot: /^reports-month-by-agent\.png$/,
    test: 'tests/e2e/demo.reports.e2e.test.ts',
  },
];

/** Copies the newest matching screenshot of each picture; returns the pictures it found no screenshot for. */
export function copyScreenshots(shotsDir: string, imagesDir: string): string[] {
  mkdirSync(imagesDir, { recursive: true });
  const files = existsSync(shotsDir) ? readdirSync(shotsDir) : [];
  const missing: string[] = [];
  for (const { image, shot, test } of DOC_SCREENSHOTS) {
    const newest = files
      .filter((file) => shot.test(file))
      .map((file) => join(shotsDir, file))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (newest) copyFileSync(newest, join(imagesDir, image));
    else missing.push(`${image} (run ${test})`);
  }
  return missing;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const missing = copyScreenshots(join(root, 'test-results', 'e2e'), join(root, 'docs', 'images'));
  for (const image of missing) console.error(`no screenshot for ${image}`);
  console.log(
    `${DOC_SCREENSHOTS.length - missing.length} of ${DOC_SCREENSHOTS.length} pictures in docs/images/`,
  );
  process.exitCode = missing.length > 0 ? 1 : 0;
}
