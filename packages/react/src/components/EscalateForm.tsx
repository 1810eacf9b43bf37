'use client';
import { LIMITS } from '@helpline/core';
import { type ReactNode, useId, useState } from 'react';
import { useAction } from '../hooks/useAction';
import { useInteraction } from '../hooks/useInteraction';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText } from './shared';

/** Props of {@link EscalateForm}. */
export interface EscalateFormProps {
  /** The interaction to escalate. */
  readonly id: string;
  /** The supervisors' queue. */
  readonly queueId: string;
  readonly onDone?: () => void;
  readonly className?: string | undefined;
}

/**
 * Escalation to a supervisor: a button that opens a short form asking why, then transfers the interaction
 * to the supervisors' queue with that note.
 *
 * @example
 * ```tsx
 * <EscalateForm id={cid} queueId="supervisors" />
 * ```
 */
export function EscalateForm({ id, queueId, onDone, className }: EscalateFormProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const formId = useId();
  const { transfer } = useInteraction(id);
  const action = useAction();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  return (
    <div className={cx('helpline-escalate', className)}>
      <button
        type="button"
        className="helpline-button"
        aria-expanded={open}
        aria-controls={`${formId}-form`}
        onClick={() => setOpen((value) => !value)}
      >
        {t('escalate')}
      </button>
      {open && (
        <form
          id={`${formId}-form`}
          className="helpline-inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const trimmed = note.trim();
            void action.run(async () => {
              await transfer({ toQueueId: queueId, ...(trimmed ? { note: trimmed } : {}) });
              setOpen(false);
              onDone?.();
            });
          }}
        >
          <label className="helpline-label" htmlFor={`${formId}-note`}>
            {t('escalateNoteLabel')}
          </label>
          <textarea
            id={`${formId}-note`}
            className="helpline-textarea"
            rows={2}
            maxLength={LIMITS.comment}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
          />
          <button
            type="submit"
            className="helpline-button helpline-button--primary"
            disabled={action.pending}
          >
            {t('escalateSubmit')}
          </button>
        </form>
      )}
      <ErrorText error={action.error} i18n={i18n} />
    </div>
  );
}
