'use client';
import type { ReactNode } from 'react';
import { ChannelBadge } from '../components/ChannelBadge';
import { cx, stateLabel } from '../components/shared';
import { useNow } from '../hooks/useNow';
import { useQueues } from '../hooks/useQueues';
import { useBoard } from '../hooks/useSupervisor';
import type { MessageKey } from '../i18n/en';
import { type Translator, useTranslator } from '../i18n/translator';
import type { BoardSlaRow } from './supervisor.types';

type Standing = BoardSlaRow['standing'];

const STANDING_LABELS: Readonly<Record<Standing, MessageKey>> = {
  'on-track': 'slaStandingOnTrack',
  'at-risk': 'slaStandingAtRisk',
  breached: 'slaStandingBreached',
  met: 'slaStandingMet',
};

/**
 * One target's cell: its standing, with the time left while it can still be met, or the time it was due once it
 * was missed (whether the reply or resolution then came late or not yet).
 */
export function targetText(i18n: Translator, standing: Standing, dueAt: number, now: number): string {
  const label = i18n.t(STANDING_LABELS[standing]);
  if (standing === 'met') return i18n.t('slaDone', { standing: label });
  if (standing === 'breached') return i18n.t('slaWasDue', { standing: label, time: i18n.dateTime(dueAt) });
  return i18n.t('slaDueIn', { standing: label, duration: i18n.duration(Math.max(0, dueAt - now) / 1000) });
}

/**
 * Written conversations (email, SMS, WhatsApp, Messenger) at risk of missing their first-response or resolution
 * target, or past it, the most urgent first, with a count of each; each row carries `data-sla` (`at-risk` or
 * `breached`) for styling. The list comes from the supervisor snapshot (`board.sla`) and changes live: the server
 * announces the board again the moment a conversation's standing changes.
 *
 * @example
 * ```tsx
 * <SlaBreachesTable />
 * ```
 */
export function SlaBreachesTable({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { sla = [], queues } = useBoard();
  const configured = useQueues();
  const now = useNow();
  const breached = sla.filter((row) => row.standing === 'breached').length;
  const queueName = (queueId: string) =>
    configured.find((q) => q.id === queueId)?.name ??
    queues.find((q) => q.queueId === queueId)?.name ??
    queueId;
  return (
    <table className={cx('helpline-table', 'helpline-sla', className)}>
      <caption>
        {t('slaTitle')}
        {' — '}
        <span className="helpline-sla__counts">
          {t('slaCounts', { breached: i18n.number(breached), atRisk: i18n.number(sla.length - breached) })}
        </span>
      </caption>
      <thead>
        <tr>
          <th scope="col">{t('slaCustomer')}</th>
          <th scope="col">{t('slaChannel')}</th>
          <th scope="col">{t('slaQueue')}</th>
          <th scope="col">{t('slaState')}</th>
          <th scope="col">{t('slaFirstResponse')}</th>
          <th scope="col">{t('slaResolution')}</th>
        </tr>
      </thead>
      <tbody>
        {sla.length === 0 ? (
          <tr>
            <td colSpan={6} className="helpline-empty">
              {t('slaEmpty')}
            </td>
          </tr>
        ) : (
          sla.map((row) => (
            <tr key={row.cid} data-sla={row.standing}>
              <th scope="row">{row.customerName || t('customerFallbackName')}</th>
              <td>
                <ChannelBadge channel={row.channel} />
              </td>
              <td>{queueName(row.queueId)}</td>
              <td>
                {row.snoozedUntil === undefined
                  ? stateLabel(i18n, row.state)
                  : t('snoozedUntil', { time: i18n.time(row.snoozedUntil) })}
              </td>
              <td data-sla={row.firstResponse}>
                {targetText(i18n, row.firstResponse, row.firstResponseDueAt, now)}
              </td>
              <td data-sla={row.resolution}>{targetText(i18n, row.resolution, row.resolutionDueAt, now)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
