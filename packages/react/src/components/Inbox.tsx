'use client';
import { tokenize, toPlainText } from '@helpline/core';
import type { ReactNode } from 'react';
import { type InboxItem, useInteractions } from '../hooks/useInteractions';
import { useMessages } from '../hooks/useMessages';
import { useNow } from '../hooks/useNow';
import { useQueues } from '../hooks/useQueues';
import { useTranslator } from '../i18n/translator';
import { ChannelBadge } from './ChannelBadge';
import { emailSubject } from './messaging';
import { Avatar, customerName, cx, stateLabel } from './shared';
import { useWaitingConversations } from './useWaitingConversations';

/** How close a reply timer is to the queue's SLA target. */
export type SlaLevel = 'ok' | 'warning' | 'breached';

/** `breached` past the target, `warning` from 75 % of it, else `ok` (also when there is no target). */
export function slaLevel(waitedSeconds: number, targetSeconds: number | undefined): SlaLevel {
  if (!targetSeconds) return 'ok';
  if (waitedSeconds >= targetSeconds) return 'breached';
  return waitedSeconds >= targetSeconds * 0.75 ? 'warning' : 'ok';
}

/** Props of {@link Inbox}. */
export interface InboxProps {
  /** The interaction shown as current (`aria-current`). */
  readonly selectedId?: string | undefined;
  readonly onSelect?: (id: string) => void;
  readonly className?: string | undefined;
}

/**
 * The agent's interactions across channels: customer (an email's subject), channel (icon and name), state, unread count and a reply timer
 * against the queue's SLA target. Each is a button that selects it.
 *
 * @example
 * ```tsx
 * <Inbox selectedId={current} onSelect={setCurrent} />
 * ```
 */
export function Inbox({ selectedId, onSelect, className }: InboxProps): ReactNode {
  const i18n = useTranslator();
  const items = useInteractions();
  const waiting = useWaitingConversations();
  return (
    <nav className={cx('helpline-inbox', className)} aria-label={i18n.t('inboxLabel')}>
      {items.length === 0 && waiting.length === 0 ? (
        <p className="helpline-empty">{i18n.t('inboxEmpty')}</p>
      ) : (
        items.length > 0 && (
          <ul className="helpline-inbox__list">
            {items.map((item) => (
              <li key={item.interaction.id}>
                <InboxEntry item={item} selected={item.interaction.id === selectedId} onSelect={onSelect} />
              </li>
            ))}
          </ul>
        )
      )}
      {waiting.length > 0 && (
        <>
          <h3 className="helpline-inbox__heading">{i18n.t('inboxWaiting', { count: waiting.length })}</h3>
          <ul className="helpline-inbox__list" data-waiting="">
            {waiting.map((interaction) => (
              <li key={interaction.id}>
                <InboxEntry
                  item={{ interaction, unread: 0, awaitingReplySince: undefined }}
                  selected={interaction.id === selectedId}
                  onSelect={onSelect}
                />
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}

function InboxEntry({
  item,
  selected,
  onSelect,
}: {
  item: InboxItem;
  selected: boolean;
  onSelect: ((id: string) => void) | undefined;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { interaction, unread, awaitingReplySince } = item;
  const queue = useQueues().find((q) => q.id === interaction.queueId);
  const name = customerName(i18n, interaction);
  // An email is known by its subject, as in a mail client; its sender goes on the line below.
  const subject = emailSubject(interaction);
  // The last word of the conversation, as the inboxes agents know show it (Zendesk, Intercom).
  const last = useMessages(interaction.id).messages.at(-1);
  return (
    <button
      type="button"
      className="helpline-inbox__item"
      aria-current={selected ? 'true' : undefined}
      data-channel={interaction.channel}
      data-state={interaction.state}
      onClick={() => onSelect?.(interaction.id)}
    >
      <Avatar name={name} />
      <span className="helpline-inbox__name" dir="auto">
        {subject ?? name}
      </span>
      <span className="helpline-inbox__meta">
        <ChannelBadge channel={interaction.channel} />
        {subject && (
          <>
            {' · '}
            <span dir="auto">{name}</span>
          </>
        )}
        {' · '}
        {/* A snoozed conversation says when it comes back ("Snoozed until 14:00"). */}
        {interaction.snoozedUntil === undefined
          ? stateLabel(i18n, interaction.state)
          : t('snoozedUntil', { time: i18n.time(interaction.snoozedUntil) })}
      </span>
      {last && (
        <span className="helpline-inbox__preview" dir="auto">
          {last.from.role === 'visitor'
            ? toPlainText(tokenize(last.text))
            : t('inboxPreviewMine', { text: toPlainText(tokenize(last.text)) })}
        </span>
      )}
      {unread > 0 && (
        <span className="helpline-badge">
          <span aria-hidden="true">{i18n.number(unread)}</span>
          <span className="helpline-visually-hidden">{t('unreadCount', { count: unread })}</span>
        </span>
      )}
      {awaitingReplySince !== undefined && (
        <ReplyTimer since={awaitingReplySince} targetSeconds={queue?.slaTargetSeconds} />
      )}
    </button>
  );
}

/** Props of {@link ReplyTimer}. */
export interface ReplyTimerProps {
  /** Epoch ms the wait started. */
  readonly since: number;
  /** The SLA target in seconds; colours the timer (`data-sla`). */
  readonly targetSeconds?: number | undefined;
}

/**
 * How long a customer has waited for a reply, with `data-sla="ok" | "warning" | "breached"` against the
 * target.
 *
 * @example
 * ```tsx
 * <ReplyTimer since={item.awaitingReplySince} targetSeconds={queue.slaTargetSeconds} />
 * ```
 */
export function ReplyTimer({ since, targetSeconds }: ReplyTimerProps): ReactNode {
  const i18n = useTranslator();
  const waited = Math.max(0, (useNow() - since) / 1000);
  const level = slaLevel(waited, targetSeconds);
  return (
    <span className="helpline-sla" data-sla={level}>
      {i18n.t('awaitingReply', { duration: i18n.duration(waited) })}
      {level === 'breached' && ` (${i18n.t('slaBreached')})`}
    </span>
  );
}
