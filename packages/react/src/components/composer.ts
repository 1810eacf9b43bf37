'use client';
import type { AttachmentRef } from '@helpline/core';
import { type Ref, useState } from 'react';
import { type ActionState, useAction } from '../hooks/useAction';
import type { ComposerFiles } from './Attachments';

/** What a conversation panel gives the composer of its channel: the draft it keeps, and sending it. */
export interface ComposerProps {
  /** The conversation (interaction) id. */
  readonly id: string;
  readonly draft: string;
  readonly onDraftChange: (text: string) => void;
  /** Sends the draft (the panel clears it, and puts it back when the send is refused). */
  readonly onSend: () => void;
  /** The text field, for the panel to focus ("Edit and resend", a canned response). */
  readonly inputRef?: Ref<HTMLTextAreaElement> | undefined;
  /** The conversation's attachments (`useComposerFiles`): an attach button and the files going with the reply. */
  readonly files?: ComposerFiles | undefined;
}

/** A panel's draft and its sending: nothing is lost, a text refused at once goes back into the composer. */
export interface DraftSender {
  readonly draft: string;
  setDraft(update: string | ((current: string) => string)): void;
  /**
   * Sends the trimmed draft with `attachments`, if there is either; the draft is cleared at once and restored when
   * `send` rejects.
   */
  submit(attachments?: readonly AttachmentRef[]): void;
  readonly sending: ActionState;
}

/** Keeps a draft and sends it with `send` (with the files given to `submit`, when there are any). */
export function useDraftSender(
  send: (text: string, attachments?: readonly AttachmentRef[]) => Promise<unknown>,
): DraftSender {
  const [draft, setDraft] = useState('');
  const sending = useAction();
  return {
    draft,
    setDraft,
    sending,
    submit(attachments) {
      const text = draft.trim();
      const files = attachments?.length ? attachments : undefined;
      if (!text && !files) return;
      setDraft('');
      // A message refused at once (too long) goes back into the composer; one refused after it was shown stays in
      // the log as "not sent", with its text.
      void sending.run(async () => {
        try {
          await (files ? send(text, files) : send(text));
        } catch (error) {
          setDraft((current) => (current.trim() ? current : text));
          throw error;
        }
      });
    },
  };
}
