'use client';
import type { ReactNode } from 'react';
import { cx } from '../components/shared';
import { useBoard } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';

/**
 * The board's escalation counter (docs/cases.md, "Escalation"): open escalations to team leaders — waiting on the
 * board with no team leader left, offered to one, and in a team leader's hands. Nothing when the server does not count
 * them. `<SupervisorBoard>` shows it under the KPIs.
 *
 * @example
 * ```tsx
 * <EscalationsCounter />
 * ```
 */
export function EscalationsCounter({ className }: { readonly className?: string | undefined }): ReactNode {
  const { t } = useTranslator();
  const { escalations } = useBoard();
  if (!escalations) return null;
  const rows = [
    ['boardEscalationsWaiting', escalations.waiting],
    ['boardEscalationsOffered', escalations.offered],
    ['boardEscalationsAccepted', escalations.accepted],
  ] as const;
  return (
    <section className={cx('helpline-board-escalations', className)} aria-label={t('boardEscalationsTitle')}>
      <h2>{t('boardEscalationsTitle')}</h2>
      <dl className="helpline-board-escalations__counts">
        {rows.map(([key, count]) => (
          <div
            key={key}
            data-count={key === 'boardEscalationsWaiting' && count > 0 ? 'attention' : undefined}
          >
            <dt>{t(key)}</dt>
            <dd>{count}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
