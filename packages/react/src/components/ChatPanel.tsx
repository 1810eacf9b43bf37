'use client';
import {
  type ChatMessage,
  createTypingReporter,
  LIMITS,
  TYPING_IDLE_MS,
  type TypingReporter,
} from '@helpline/core';
import { type ReactNode, useEffect, useId, useMemo, useRef } from 'react';
import { unreadCount } from '../hooks/derive';
import { useAction } from '../hooks/useAction';
import { useAgent } from '../hooks/useAgent';
import { useInteraction } from '../hooks/useInteraction';
import { useMessages } from '../hooks/useMessages';
import { useCannedResponses } from '../hooks/useQueues';
import { useStickToEnd } from '../hooks/useStickToEnd';
import { useTranslator } from '../i18n/translator';
import { AttachButton, ComposerFileList, MessageFiles, useComposerFiles } from './Attachments';
import { ChannelBadge } from './ChannelBadge';
import { ConversationActions } from './ConversationActions';
import { useDraftSender } from './composer';
import { EmailComposer } from './EmailComposer';
import { EmailText } from './EmailText';
import { MessageText } from './MessageText';
import { MessagingComposer } from './MessagingComposer';
import { emailSubject, isMessaging } from './messaging';
import { fillPlaceholders, placeholderValues } from './placeholders';
import { customerName, cx, ErrorText, stateLabel } from './shared';
import { VoicemailCallBack } from './Voicemail';

/** Props of {@link ChatPanel}. */
export interface ChatPanelProps {
  /** The conversation (interaction) id. */
  readonly id: string;
  /** Stop sending "typing" this long after the last keystroke. Default `TYPING_IDLE_MS` (3 s), as the widget. */
  readonly typingIdleMs?: number | undefined;
  readonly className?: string | undefined;
}

/**
 * One conversation: the message log (safely rendered), the customer's typing and read state, and a composer
 * with canned responses for the interaction's queue. Enter sends, Shift+Enter starts a new line.
 *
 * @example
 * ```tsx
 * <ChatPanel id={cid} />
 * ```
 */
export function ChatPanel({ id, typingIdleMs = TYPING_IDLE_MS, className }: ChatPanelProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const headingId = useId();
  const { interaction, conversation, queue, flags, end } = useInteraction(id);
  const chat = useMessages(id);
  const { me, session } = useAgent();
  const ending = useAction();
  // With files, through the session itself (the hooks entry stays small: `chat.send` takes text only).
  const { draft, setDraft, submit, sending } = useDraftSender((text, attachments) =>
    attachments ? session.sendMessage(id, text, { attachments }) : chat.send(text),
  );
  // Files picked, dropped on the conversation or pasted into it: uploaded at once, sent with the next message.
  const files = useComposerFiles(id);
  const composer = useRef<HTMLTextAreaElement>(null);
  const name = customerName(i18n, interaction);
  const canSend = flags?.canSend ?? false;
  const channel = interaction?.channel;
  // Email, SMS, WhatsApp, Messenger: resolved rather than ended, a composer of their own, no typing indicator.
  const messaging = isMessaging(channel);
  const subject = emailSubject(interaction);
  const unread = unreadCount(conversation, chat.me);
  const { setTyping, markRead } = chat;

  // Read what is shown: mark the conversation read whenever unread messages arrive while it is open. Only
  // then — a read receipt is itself an event, so marking read unconditionally would never settle.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `unread` is the trigger; markRead is a new function each render
  useEffect(() => {
    if (unread > 0) markRead().catch(() => undefined);
  }, [unread]);

  const typing = useTypingReporter(setTyping, typingIdleMs);
  const log = useStickToEnd<HTMLDivElement>(`${chat.messages.length}:${conversation?.notes?.length ?? 0}`);

  const send = () => {
    const text = draft.trim();
    const ready = files.ready;
    if ((!text && ready.length === 0) || !canSend) return;
    typing.stop();
    log.toEnd(); // one's own message is brought into view, wherever the log was scrolled
    submit(ready);
    files.sent();
  };

  const lastReadMine = chat.messages.findLast(
    (m) => m.from.id === chat.me && m.seq !== undefined && m.seq <= chat.readByCustomerUpTo,
  )?.key;

  return (
    <section
      className={cx('helpline-chat', className)}
      aria-labelledby={headingId}
      data-state={interaction?.state}
      // SMS carries text only: nothing is dropped or pasted there.
      {...(canSend && channel !== 'sms' ? files.getDropProps() : {})}
    >
      <header className="helpline-chat__header">
        {channel && <ChannelBadge channel={channel} />}
        <h2 className="helpline-chat__title" id={headingId} dir="auto">
          {subject ??
            t(messaging ? 'conversationWith' : channel === 'voicemail' ? 'voicemailFrom' : 'chatWith', {
              name,
            })}
        </h2>
        {subject && (
          <span className="helpline-chat__from" dir="auto">
            {t('emailFrom', { name })}
          </span>
        )}
        {/* A written conversation's state is in its actions bar, with what can change it. */}
        {interaction && !messaging && (
          <span className="helpline-chat__state">{stateLabel(i18n, interaction.state)}</span>
        )}
        {flags?.canEnd && !messaging && (
          <button
            type="button"
            className="helpline-button"
            disabled={ending.pending}
            onClick={() => void ending.run(end)}
          >
            {t('endChat')}
          </button>
        )}
      </header>
      <ErrorText error={ending.error} i18n={i18n} />
      {messaging && <ConversationActions id={id} />}
      {channel === 'voicemail' &&
        interaction &&
        (interaction.state === 'active' || interaction.state === 'wrap-up') && (
          <VoicemailCallBack interaction={interaction} />
        )}
      <div
        className="helpline-chat__log"
        ref={log.ref}
        onScroll={log.onScroll}
        {...chat.getLogProps()}
        role="log"
        aria-label={t('messagesLabel')}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls, so keyboard users must reach it
        tabIndex={0}
      >
        <ol className="helpline-chat__messages">
          {chat.messages.map((message) => (
            <MessageItem
              key={message.key}
              message={message}
              mine={message.from.id === chat.me}
              customer={name}
              read={message.key === lastReadMine}
              email={channel === 'email'}
              onEdit={
                canSend
                  ? (text) => {
                      setDraft(text);
                      composer.current?.focus();
                    }
                  : undefined
              }
            />
          ))}
        </ol>
        {(conversation?.notes ?? []).map((note, index) => (
          // Notes are only ever appended: the index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <p key={index} className="helpline-chat__note">
            {t('transferNote', { note })}
          </p>
        ))}
      </div>
      {!messaging && (
        <p className="helpline-chat__typing" role="status">
          {chat.typing ? t('customerTyping', { name }) : ''}
        </p>
      )}
      {canSend && messaging ? (
        <>
          {channel === 'email' ? (
            <EmailComposer
              id={id}
              draft={draft}
              onDraftChange={setDraft}
              onSend={send}
              inputRef={composer}
              files={files}
            />
          ) : (
            <MessagingComposer
              id={id}
              draft={draft}
              onDraftChange={setDraft}
              onSend={send}
              inputRef={composer}
              files={files}
            />
          )}
          <ErrorText error={sending.error} i18n={i18n} />
        </>
      ) : canSend ? (
        <form
          className="helpline-chat__composer"
          onSubmit={(event) => {
            event.preventDefault();
            send();
          }}
        >
          <CannedResponsePicker
            queueId={interaction?.queueId}
            onPick={(template) => {
              const text = fillPlaceholders(template, placeholderValues(interaction, me?.name, queue));
              setDraft((current) => (current.trim() ? `${current.trimEnd()} ${text}` : text));
              composer.current?.focus();
            }}
          />
          <label className="helpline-label" htmlFor={`${headingId}-composer`}>
            {t('messageLabel')}
          </label>
          <textarea
            id={`${headingId}-composer`}
            ref={composer}
            className="helpline-textarea"
            rows={2}
            maxLength={LIMITS.text}
            value={draft}
            onChange={(event) => {
              setDraft(event.currentTarget.value);
              typing.keystroke();
            }}
            onBlur={typing.stop}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
                event.preventDefault();
                send();
              }
            }}
          />
          <AttachButton files={files} />
          <button
            type="submit"
            className="helpline-button helpline-button--primary"
            disabled={!draft.trim() && files.ready.length === 0}
          >
            {t('send')}
          </button>
          <ComposerFileList files={files} />
          <ErrorText error={sending.error} i18n={i18n} />
        </form>
      ) : (
        interaction && (
          <p className="helpline-chat__closed">
            {t(messaging ? 'conversationResolvedClosed' : 'chatClosed')}
          </p>
        )
      )}
    </section>
  );
}

function MessageItem({
  message,
  mine,
  customer,
  read,
  email,
  onEdit,
}: {
  message: ChatMessage;
  mine: boolean;
  /** The customer's one name (the header's, the inbox's): their socket may know them only as "Visitor". */
  customer: string;
  read: boolean;
  /** An email: the customer's quoted history folds. */
  email: boolean;
  onEdit: ((text: string) => void) | undefined;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  return (
    <li
      className="helpline-message"
      data-author={mine ? 'me' : message.from.role}
      data-status={message.status}
    >
      <span className="helpline-message__author" dir="auto">
        {mine
          ? t('you')
          : message.from.role === 'visitor'
            ? customer
            : message.from.name || t('customerFallbackName')}
      </span>
      <div className="helpline-message__text" dir="auto">
        {email ? <EmailText text={message.text} /> : <MessageText text={message.text} />}
      </div>
      {message.attachments && message.attachments.length > 0 && <MessageFiles files={message.attachments} />}
      <span className="helpline-message__meta">
        <time dateTime={new Date(message.at).toISOString()}>{i18n.time(message.at)}</time>
        {message.status === 'sending' && ` · ${t('sending')}`}
        {read && ` · ${t('readReceipt')}`}
      </span>
      {message.status === 'failed' && (
        <span className="helpline-message__failed">
          {t('notSent', { reason: i18n.error(message.error) })}{' '}
          {onEdit && (
            <button type="button" className="helpline-link-button" onClick={() => onEdit(message.text)}>
              {t('editAndResend')}
            </button>
          )}
        </span>
      )}
    </li>
  );
}

/** Core's typing reporter for this panel: kept across renders, reporting through the latest `setTyping`. */
function useTypingReporter(setTyping: (typing: boolean) => Promise<void>, idleMs: number): TypingReporter {
  const latest = useRef(setTyping);
  latest.current = setTyping;
  const reporter = useMemo(
    () => createTypingReporter((typing) => latest.current(typing), { idleMs }),
    [idleMs],
  );
  useEffect(() => () => reporter.dispose(), [reporter]);
  return reporter;
}

/** Props of {@link CannedResponsePicker}. */
export interface CannedResponsePickerProps {
  readonly queueId: string | undefined;
  /** Called with the chosen response's template; fill its placeholders with `fillPlaceholders`. */
  readonly onPick: (template: string) => void;
}

/**
 * A picker of the canned responses of a queue (from the provider's `cannedResponses`); renders nothing when
 * the queue has none.
 *
 * @example
 * ```tsx
 * <CannedResponsePicker queueId={interaction.queueId} onPick={(text) => setDraft(text)} />
 * ```
 */
export function CannedResponsePicker({ queueId, onPick }: CannedResponsePickerProps): ReactNode {
  const { t } = useTranslator();
  const responses = useCannedResponses(queueId);
  const id = useId();
  if (responses.length === 0) return null;
  return (
    <div className="helpline-canned">
      <label className="helpline-label" htmlFor={id}>
        {t('cannedLabel')}
      </label>
      <select
        id={id}
        className="helpline-select"
        value=""
        onChange={(event) => {
          const picked = responses.find((r) => r.id === event.currentTarget.value);
          if (picked) onPick(picked.text);
        }}
      >
        <option value="">{t('cannedPlaceholder')}</option>
        {responses.map((response) => (
          <option key={response.id} value={response.id}>
            {response.label}
          </option>
        ))}
      </select>
    </div>
  );
}
