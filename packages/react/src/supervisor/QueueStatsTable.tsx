'use client';
import { type ReactNode, useMemo } from 'react';
import { slaLevel } from '../components/Inbox';
import { cx } from '../components/shared';
import { useQueues } from '../hooks/useQueues';
import { useBoard, useQueueStats } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';

/**
 * Live queues: waiting, longest wait (coloured against the SLA target with `data-sla`), target, open or
 * closed; with a server that reports written conversations' SLA (`board.sla`), how many of each queue are at risk
 * and past their SLA.
 *
 * @example
 * ```tsx
 * <QueueStatsTable />
 * ```
 */
export function QueueStatsTable({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const queues = useQueueStats();
  const reportsSla = useBoard().sla !== undefined;
  // The configured queues carry the names in the viewer's language; the live stats carry the default name.
  const configured = useQueues();
  const names = useMemo(() => new Map(configured.map((queue) => [queue.id, queue.name])), [configured]);
  return (
    <table className={cx('helpline-table', 'helpline-queues', className)}>
      <caption>{t('queuesTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('queueName')}</th>
          <th scope="col">{t('queueWaiting')}</th>
          <th scope="col">{t('queueLongestWait')}</th>
          <th scope="col">{t('queueSla')}</th>
          <th scope="col">{t('queueStatus')}</th>
          {reportsSla && <th scope="col">{t('queueSlaAtRisk')}</th>}
          {reportsSla && <th scope="col">{t('queueSlaBreached')}</th>}
        </tr>
      </thead>
      <tbody>
        {queues.map((queue) => (
          <tr
            key={queue.queueId}
            data-sla={
              queue.longestWaitSeconds === undefined
                ? 'ok'
                : slaLevel(queue.longestWaitSeconds, queue.slaTargetSeconds)
            }
          >
            <th scope="row">{names.get(queue.queueId) ?? queue.name}</th>
            <td>{i18n.number(queue.waiting)}</td>
            <td>
              {queue.longestWaitSeconds === undefined ? t('none') : i18n.duration(queue.longestWaitSeconds)}
            </td>
            <td>{i18n.duration(queue.slaTargetSeconds)}</td>
            <td>{t(queue.open ? 'queueOpen' : 'queueClosed')}</td>
            {reportsSla && <td>{i18n.number(queue.slaAtRisk ?? 0)}</td>}
            {reportsSla && <td>{i18n.number(queue.slaBreached ?? 0)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
