'use client';
import { type ReactNode, useId, useState } from 'react';
import { ChannelBadge } from '../components/ChannelBadge';
import { cx } from '../components/shared';
import { useQueues } from '../hooks/useQueues';
import { useBoard } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';

/**
 * The messaging channels' KPIs of the board's window (today by default), per channel: conversations (episodes:
 * a reopened conversation counts again), mean first response time, mean resolution time and replies per
 * resolution — over all queues, or one queue picked in the labelled select. Shown from the supervisor snapshot's
 * `messaging` and `messagingByQueue`; the CSV export carries the same figures.
 *
 * @example
 * ```tsx
 * <ChannelStatsTable />
 * ```
 */
export function ChannelStatsTable({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { messaging, messagingByQueue = {}, queues } = useBoard();
  const configured = useQueues();
  const [scope, setScope] = useState('');
  const id = useId();
  const byChannel = (scope ? messagingByQueue[scope] : messaging) ?? {};
  // Every messaging channel the server reports, in its order (the overall figures list them all, even at zero).
  const channels = Object.keys(messaging ?? {});
  const queueIds = queues.map((queue) => queue.queueId);
  const queueName = (queueId: string) =>
    configured.find((q) => q.id === queueId)?.name ??
    queues.find((q) => q.queueId === queueId)?.name ??
    queueId;
  const seconds = (value: number | undefined) => (value === undefined ? t('none') : i18n.duration(value));
  return (
    <section className={cx('helpline-channel-stats', className)} aria-labelledby={`${id}-title`}>
      <h2 className="helpline-channel-stats__title" id={`${id}-title`}>
        {t('channelStatsTitle')}
      </h2>
      <label className="helpline-channel-stats__scope">
        {t('channelStatsScope')}{' '}
        <select value={scope} onChange={(event) => setScope(event.currentTarget.value)}>
          <option value="">{t('channelStatsAllQueues')}</option>
          {queueIds.map((queueId) => (
            <option key={queueId} value={queueId}>
              {queueName(queueId)}
            </option>
          ))}
        </select>
      </label>
      <table className="helpline-table">
        <caption>
          {t('channelStatsTitle')}
          {' — '}
          {scope ? queueName(scope) : t('channelStatsAllQueues')}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('channelStatsChannel')}</th>
            <th scope="col">{t('channelStatsConversations')}</th>
            <th scope="col">{t('channelStatsFirstResponse')}</th>
            <th scope="col">{t('channelStatsResolution')}</th>
            <th scope="col">{t('channelStatsReplies')}</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((channel) => {
            const kpis = byChannel[channel];
            return (
              <tr key={channel}>
                <th scope="row">
                  <ChannelBadge channel={channel} />
                </th>
                <td>{i18n.number(kpis?.episodes ?? 0)}</td>
                <td>{seconds(kpis?.firstResponseSeconds)}</td>
                <td>{seconds(kpis?.resolutionSeconds)}</td>
                <td>
                  {kpis?.repliesPerResolution === undefined
                    ? t('none')
                    : i18n.number(kpis.repliesPerResolution, 1)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
