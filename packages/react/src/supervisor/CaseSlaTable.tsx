'use client';
import type { ReactNode } from 'react';
import { cx } from '../components/shared';
import { useNow } from '../hooks/useNow';
import { useQueues } from '../hooks/useQueues';
import { useBoard } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';
import { targetText } from './SlaBreachesTable';

/**
 * Cases (tickets) at risk of missing their first-response or resolution target, or past it, from the supervisor
 * snapshot (`board.caseSla`, docs/cases.md): the overdue ones first, with a count of each; each row carries
 * `data-sla` (`at-risk` or `breached`). The server announces the board again when a case joins or leaves the list.
 *
 * @example
 * ```tsx
 * <CaseSlaTable />
 * ```
 */
export function CaseSlaTable({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { caseSla, queues } = useBoard();
  const configured = useQueues();
  const now = useNow();
  const cases = caseSla?.cases ?? [];
  const queueName = (queueId: string) =>
    configured.find((q) => q.id === queueId)?.name ??
    queues.find((q) => q.queueId === queueId)?.name ??
    queueId;
  return (
    <table className={cx('helpline-table', 'helpline-sla', 'helpline-case-sla-table', className)}>
      <caption>
        {t('caseSlaBoardTitle')}
        {' — '}
        <span className="helpline-sla__counts">
          {t('slaCounts', {
            breached: i18n.number(caseSla?.breached ?? 0),
            atRisk: i18n.number(caseSla?.atRisk ?? 0),
          })}
        </span>
      </caption>
      <thead>
        <tr>
          <th scope="col">{t('caseSubject')}</th>
          <th scope="col">{t('slaQueue')}</th>
          <th scope="col">{t('caseAssignee')}</th>
          <th scope="col">{t('slaFirstResponse')}</th>
          <th scope="col">{t('slaResolution')}</th>
        </tr>
      </thead>
      <tbody>
        {cases.length === 0 ? (
          <tr>
            <td colSpan={5} className="helpline-empty">
              {t('caseSlaBoardEmpty')}
            </td>
          </tr>
        ) : (
          cases.map((kase) => (
            <tr key={kase.id} data-sla={kase.sla.standing}>
              <th scope="row">{kase.subject}</th>
              <td>{queueName(kase.queueId)}</td>
              <td>{kase.assigneeId ?? t('caseUnassigned')}</td>
              <td data-sla={kase.sla.firstResponse}>
                {targetText(i18n, kase.sla.firstResponse, kase.sla.firstResponseDueAt, now)}
              </td>
              <td data-sla={kase.sla.resolution}>
                {targetText(i18n, kase.sla.resolution, kase.sla.resolutionDueAt, now)}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
