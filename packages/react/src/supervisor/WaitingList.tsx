'use client';
import { type ReactNode, useId } from 'react';
import { ChannelBadge } from '../components/ChannelBadge';
import { cx } from '../components/shared';
import { useNow } from '../hooks/useNow';
import { useQueues } from '../hooks/useQueues';
import { useBoard } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';
import { ReassignForm } from './ReassignForm';

/**
 * Interactions waiting in queues, longest first, each with a form to move it to another queue. Shown when the
 * board lists them (`board.waiting`, from the supervisor snapshot).
 *
 * @example
 * ```tsx
 * <WaitingList />
 * ```
 */
export function WaitingList({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { waiting = [], queues } = useBoard();
  const configured = useQueues();
  const now = useNow();
  const id = useId();
  // In service order: higher priority first (VIP, location rules), then the longest wait.
  const sorted = [...waiting].sort(
    (a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.waitingSince - b.waitingSince,
  );
  return (
    <section className={cx('helpline-waiting', className)} aria-labelledby={`${id}-title`}>
      <h2 className="helpline-waiting__title" id={`${id}-title`}>
        {t('waitingTitle')}
      </h2>
      {sorted.length === 0 ? (
        <p className="helpline-empty">{t('waitingEmpty')}</p>
      ) : (
        <ul className="helpline-waiting__list">
          {sorted.map((item) => (
            <li key={item.cid} className="helpline-waiting__item">
              <span>{item.customerName || t('customerFallbackName')}</span>
              {' · '}
              <ChannelBadge channel={item.channel} />
              {' · '}
              <span>
                {queues.find((q) => q.queueId === item.queueId)?.name ??
                  configured.find((q) => q.id === item.queueId)?.name ??
                  item.queueId}
              </span>
              {' · '}
              <span>{t('waitingSince', { duration: i18n.duration((now - item.waitingSince) / 1000) })}</span>
              {item.priority ? (
                <>
                  {' · '}
                  <span className="helpline-waiting__priority">
                    {t('waitingPriority', { priority: item.priority })}
                  </span>
                </>
              ) : null}
              {item.reasons && item.reasons.length > 0 ? (
                <>
                  {' · '}
                  <span className="helpline-waiting__reasons">
                    {t('waitingReasons', { reasons: item.reasons.join(', ') })}
                  </span>
                </>
              ) : null}
              <ReassignForm cid={item.cid} customerName={item.customerName} queueId={item.queueId} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
