'use client';
import { type ReactNode, useId, useState } from 'react';
import { useTranslator } from '../i18n/translator';
import { MessageText } from './MessageText';
import { splitQuoted } from './messaging';

/** Props of {@link EmailText}. */
export interface EmailTextProps {
  /** A mail's text as the email channel stores it: the new part, then the quoted history as `>` lines. */
  readonly text: string;
}

/**
 * A mail in the conversation: its new part through the safe renderer, and the quoted history folded behind "Show
 * quoted text" (a disclosure button, `aria-expanded`). The history is shown as plain text, `>` kept, never as HTML.
 *
 * @example
 * ```tsx
 * <EmailText text={message.text} />
 * ```
 */
export function EmailText({ text }: EmailTextProps): ReactNode {
  const { t } = useTranslator();
  const id = useId();
  const [open, setOpen] = useState(false);
  const { body, quoted } = splitQuoted(text);
  return (
    <>
      <MessageText text={body} />
      {quoted && (
        <div className="helpline-quoted">
          <button
            type="button"
            className="helpline-link-button helpline-quoted__toggle"
            aria-expanded={open}
            aria-controls={id}
            onClick={() => setOpen((shown) => !shown)}
          >
            {open ? t('hideQuoted') : t('showQuoted')}
          </button>
          <pre id={id} className="helpline-quoted__text" dir="auto" hidden={!open}>
            {quoted}
          </pre>
        </div>
      )}
    </>
  );
}
