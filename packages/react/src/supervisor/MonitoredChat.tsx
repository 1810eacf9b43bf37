'use client';
import type { ChatMessage, ConversationView } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { MessageText } from '../components/MessageText';
import { useStickToEnd } from '../hooks/useStickToEnd';
import { constantStore, useStore } from '../hooks/useStore';
import { useTranslator } from '../i18n/translator';
import { useSupervisorSession } from './useSupervisorSession';

const NO_TRANSCRIPTS = constantStore<Readonly<Record<string, ConversationView>>>({});

/**
 * The transcript of a chat the supervisor monitors, read-only: its history then each message as it comes, in a
 * polite live region. Messages are text through the safe renderer (`MessageText`), never HTML. Shows nothing while
 * the chat is not monitored. `<SupervisionControls>` shows it under a monitored chat's controls.
 *
 * @example
 * ```tsx
 * <MonitoredChat cid={interaction.cid} customerName="Ada" />
 * ```
 */
export function MonitoredChat({
  cid,
  customerName,
}: {
  /** The monitored interaction. */
  readonly cid: string;
  /** The customer's name, shown as the author of their messages. */
  readonly customerName: string;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { supervision } = useSupervisorSession();
  const transcripts = useStore(supervision?.$transcripts ?? NO_TRANSCRIPTS);
  const headingId = useId();
  const view = transcripts[cid];
  const log = useStickToEnd<HTMLDivElement>(view?.messages.length ?? 0);
  if (!view) return null;

  const author = (message: ChatMessage): string =>
    message.from.role === 'visitor' ? customerName : message.from.name || t('customerFallbackName');

  return (
    <section className="helpline-monitored" aria-labelledby={headingId}>
      <h3 id={headingId} className="helpline-monitored__title" dir="auto">
        {t('supervisionTranscript', { name: customerName })}
      </h3>
      <div
        className="helpline-chat__log helpline-monitored__log"
        ref={log.ref}
        onScroll={log.onScroll}
        role="log"
        aria-live="polite"
        aria-labelledby={headingId}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls, so keyboard users must reach it
        tabIndex={0}
      >
        {view.messages.length === 0 ? (
          <p className="helpline-monitored__empty">{t('supervisionTranscriptEmpty')}</p>
        ) : (
          <ol className="helpline-chat__messages">
            {view.messages.map((message) => (
              <li key={message.key} className="helpline-message" data-author={message.from.role}>
                <span className="helpline-message__author" dir="auto">
                  {author(message)}
                </span>
                <div className="helpline-message__text" dir="auto">
                  <MessageText text={message.text} />
                </div>
                <span className="helpline-message__meta">
                  <time dateTime={new Date(message.at).toISOString()}>{i18n.time(message.at)}</time>
                </span>
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
