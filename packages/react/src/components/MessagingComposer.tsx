'use client';
import {
  composerLimits,
  LIMITS,
  type LimitedChannel,
  smsSegments,
  textTooLong,
  whatsappWindow,
} from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useInteraction } from '../hooks/useInteraction';
import { useMessages } from '../hooks/useMessages';
import { useNow } from '../hooks/useNow';
import { type Translator, useTranslator } from '../i18n/translator';
import { AttachButton, ComposerFileList } from './Attachments';
import type { ComposerProps } from './composer';

/** Props of {@link MessagingComposer}. */
export interface MessagingComposerProps extends ComposerProps {
  /** The longest SMS an agent may send, in segments: the server's `messaging.smsMaxSegments`. Default 6. */
  readonly smsMaxSegments?: number | undefined;
}

const LIMITED: readonly string[] = ['sms', 'whatsapp', 'messenger'] satisfies LimitedChannel[];

/**
 * The composer of an SMS, WhatsApp or Messenger conversation, counting with core's composer helpers — the same the
 * server checks with: SMS segments (GSM-7 or UCS-2) and characters left, the length limits of WhatsApp and
 * Messenger. On WhatsApp, when the 24-hour customer-care window is closed (the customer last wrote more than a day
 * ago), it says so before the agent types (an alert) and the text field is disabled: only approved templates are
 * delivered then. Enter sends, Shift+Enter starts a new line. Renders nothing on other channels.
 *
 * @example
 * ```tsx
 * const { draft, setDraft, submit } = useDraftSender(chat.send);
 * <MessagingComposer id={cid} draft={draft} onDraftChange={setDraft} onSend={submit} />
 * ```
 */
export function MessagingComposer({
  id,
  draft,
  onDraftChange,
  onSend,
  inputRef,
  files,
  smsMaxSegments = 6,
}: MessagingComposerProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const fieldId = useId();
  const { interaction } = useInteraction(id);
  const { messages } = useMessages(id);
  const now = useNow();
  const channel = interaction?.channel;
  if (channel === undefined || !LIMITED.includes(channel)) return null;
  const limits = composerLimits(channel as LimitedChannel, smsMaxSegments);
  const tooLong = textTooLong(draft, limits) !== undefined;
  // The window runs from the customer's last message, as the server records it (server time, `at`).
  const lastInbound = messages.findLast((m) => m.from.role === 'visitor')?.at;
  // A WhatsApp conversation starts with the customer's message: none known yet means its history is still loading,
  // which is no reason to alarm the agent (the server refuses free text outside the window anyway).
  const window =
    channel === 'whatsapp' && lastInbound !== undefined ? whatsappWindow(lastInbound, now) : undefined;
  const closed = window !== undefined && !window.open;
  const count = counter(i18n, draft, limits);
  const describedBy = [closed && `${fieldId}-closed`, `${fieldId}-count`].filter(Boolean).join(' ');
  // SMS carries text only; WhatsApp and Messenger carry files as media (and outside the window, nothing but templates).
  const attachable = files !== undefined && channel !== 'sms' && !closed;
  const ready = attachable ? files.ready.length : 0;

  return (
    <form
      className="helpline-chat__composer helpline-composer"
      data-channel={channel}
      onSubmit={(event) => {
        event.preventDefault();
        if (!closed && !tooLong) onSend();
      }}
    >
      {closed && (
        <p className="helpline-notice" role="alert" id={`${fieldId}-closed`}>
          {t('whatsappWindowClosed')}
        </p>
      )}
      {window?.open && window.closesAt !== undefined && (
        <p className="helpline-composer__hint">
          {t('whatsappWindowOpen', { time: i18n.dateTime(window.closesAt) })}
        </p>
      )}
      <label className="helpline-label" htmlFor={fieldId}>
        {t('messageLabel')}
      </label>
      <textarea
        id={fieldId}
        ref={inputRef}
        className="helpline-textarea"
        rows={3}
        maxLength={limits.channel === 'sms' ? LIMITS.text : Math.min(LIMITS.text, limits.maxLength)}
        value={draft}
        disabled={closed}
        aria-invalid={tooLong || undefined}
        aria-describedby={describedBy}
        onChange={(event) => onDraftChange(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            if (!closed && !tooLong) onSend();
          }
        }}
      />
      <p className="helpline-composer__count" id={`${fieldId}-count`} data-over={tooLong || undefined}>
        {count.visible}
      </p>
      {/* Announced when it changes: the segment count or "too long", not every keystroke. */}
      <span className="helpline-visually-hidden" role="status">
        {count.announced}
      </span>
      {attachable && <AttachButton files={files} />}
      <button
        type="submit"
        className="helpline-button helpline-button--primary"
        disabled={closed || tooLong || (!draft.trim() && ready === 0)}
      >
        {t('send')}
      </button>
      {attachable && <ComposerFileList files={files} />}
    </form>
  );
}

/** The counter under the field, and the shorter text a screen reader hears when it changes. */
function counter(
  { t }: Translator,
  draft: string,
  limits: ReturnType<typeof composerLimits>,
): { visible: string; announced: string } {
  if (limits.channel === 'sms') {
    const sms = smsSegments(draft);
    const max = limits.maxSegments;
    if (sms.segments > max) {
      const text = t('smsTooLong', { segments: sms.segments, max });
      return { visible: text, announced: text };
    }
    const segments = Math.max(1, sms.segments);
    const visible = [
      t('smsCounter', { segments, max, remaining: sms.remaining }),
      sms.encoding === 'ucs-2' && sms.units > 0 ? t('smsUnicode') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return { visible, announced: t('smsSegmentsLive', { segments, max }) };
  }
  const left = limits.maxLength - [...draft].length;
  if (left < 0) {
    const text = t('textTooLong', { max: limits.maxLength });
    return { visible: text, announced: text };
  }
  return { visible: t('charactersLeft', { count: left }), announced: '' };
}
