'use client';
import { LIMITS } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useInteraction } from '../hooks/useInteraction';
import { useTranslator } from '../i18n/translator';
import { AttachButton, ComposerFileList } from './Attachments';
import type { ComposerProps } from './composer';
import { emailSubject, replySubject } from './messaging';

/**
 * The reply composer of an email conversation: to whom it goes (the customer's address), the subject it goes out
 * with (`Re:` and the thread's subject — the email channel sets it, so it is shown, not edited), and the body as
 * plain text. Enter starts a new line; Ctrl+Enter (⌘+Enter) sends. The email channel quotes nothing and sends a
 * plain-text part with the thread's headers. Renders nothing on other channels.
 *
 * @example
 * ```tsx
 * const { draft, setDraft, submit } = useDraftSender(chat.send);
 * <EmailComposer id={cid} draft={draft} onDraftChange={setDraft} onSend={submit} />
 * ```
 */
export function EmailComposer({
  id,
  draft,
  onDraftChange,
  onSend,
  inputRef,
  files,
}: ComposerProps): ReactNode {
  const { t } = useTranslator();
  const fieldId = useId();
  const { interaction } = useInteraction(id);
  if (interaction?.channel !== 'email') return null;
  const subject = replySubject(emailSubject(interaction));
  const to = interaction.customer.email;
  return (
    <form
      className="helpline-chat__composer helpline-email-composer"
      aria-label={t('emailReply')}
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <dl className="helpline-email-composer__headers">
        <div>
          <dt>{t('emailTo')}</dt>
          <dd dir="ltr">{to ?? t('none')}</dd>
        </div>
        <div>
          <dt>{t('emailSubject')}</dt>
          <dd dir="auto">{subject ?? t('emailNoSubject')}</dd>
        </div>
      </dl>
      <label className="helpline-label" htmlFor={fieldId}>
        {t('messageLabel')}
      </label>
      <textarea
        id={fieldId}
        ref={inputRef}
        className="helpline-textarea"
        rows={6}
        maxLength={LIMITS.text}
        value={draft}
        aria-describedby={`${fieldId}-hint`}
        onChange={(event) => onDraftChange(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.nativeEvent.isComposing) {
            event.preventDefault();
            onSend();
          }
        }}
      />
      <p className="helpline-composer__hint" id={`${fieldId}-hint`}>
        {t('emailSendHint')}
      </p>
      {files && <AttachButton files={files} />}
      <button
        type="submit"
        className="helpline-button helpline-button--primary"
        disabled={!draft.trim() && !files?.ready.length}
      >
        {t('sendEmail')}
      </button>
      {files && <ComposerFileList files={files} />}
    </form>
  );
}
