'use client';
import { ESCALATION_LIMITS, type EscalationSubject, type EscalationView } from '@helpline/core';
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText } from './shared';

/** Props of {@link EscalateToLeader}. */
export interface EscalateToLeaderProps {
  /** What to escalate: the live interaction the agent holds (`cid`), or a case assigned to them (`caseId`). */
  readonly target: EscalationSubject;
  /** Called with the escalation once the server took it. */
  readonly onEscalated?: ((escalation: EscalationView) => void) | undefined;
  readonly className?: string | undefined;
}

/**
 * "Escalate to a team leader" (docs/cases.md, "Escalation"): a button that opens a small dialog asking why (required,
 * at most {@link ESCALATION_LIMITS}.reason characters), then escalates the interaction or case to the team leaders of
 * its queue. Escape or Cancel closes the dialog and gives focus back to the button; the outcome is announced politely.
 * Unlike `EscalateForm` (a transfer to a supervisors' queue), the agent keeps the work until a team leader takes it.
 *
 * @example
 * ```tsx
 * <EscalateToLeader target={{ cid: interaction.id }} />
 * <EscalateToLeader target={{ caseId: kase.id }} />
 * ```
 */
export function EscalateToLeader({ target, onEscalated, className }: EscalateToLeaderProps): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<EscalationView | undefined>();
  const button = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);

  function close(): void {
    setOpen(false);
    setError(undefined);
    button.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close();
    }
  }

  async function submit(): Promise<void> {
    const trimmed = reason.trim();
    if (!trimmed) {
      setError(new Error(t('escalationReasonRequired')));
      field.current?.focus();
      return;
    }
    setPending(true);
    setError(undefined);
    try {
      const escalation = await agent.escalations.escalate(target, trimmed);
      setDone(escalation);
      setReason('');
      setOpen(false);
      button.current?.focus();
      onEscalated?.(escalation);
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  }

  return (
    <div className={cx('helpline-escalate-leader', className)}>
      <button
        ref={button}
        type="button"
        className="helpline-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? `${id}-dialog` : undefined}
        onClick={() => (open ? close() : setOpen(true))}
      >
        {t('escalationEscalate')}
      </button>
      {open && (
        <div
          id={`${id}-dialog`}
          role="dialog"
          aria-labelledby={`${id}-title`}
          className="helpline-dialog helpline-escalate-leader__dialog"
          onKeyDown={onKeyDown}
        >
          <h3 id={`${id}-title`} className="helpline-dialog__title">
            {t('escalationDialogTitle')}
          </h3>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <label className="helpline-label" htmlFor={`${id}-reason`}>
              {t('escalationReasonLabel')}
            </label>
            <textarea
              ref={field}
              id={`${id}-reason`}
              className="helpline-textarea"
              rows={3}
              required
              aria-required="true"
              aria-describedby={`${id}-hint`}
              maxLength={ESCALATION_LIMITS.reason}
              value={reason}
              onChange={(event) => setReason(event.currentTarget.value)}
            />
            <p id={`${id}-hint`} className="helpline-hint">
              {t('escalationReasonHint', { max: String(ESCALATION_LIMITS.reason - reason.length) })}
            </p>
            <ErrorText error={error} i18n={i18n} />
            <div className="helpline-actions">
              <button type="submit" className="helpline-button helpline-button--primary" disabled={pending}>
                {t('escalationSubmit')}
              </button>
              <button type="button" className="helpline-button" onClick={close}>
                {t('escalationCancel')}
              </button>
            </div>
          </form>
        </div>
      )}
      <p role="status" className="helpline-escalate-leader__status">
        {done ? t(done.state === 'offered' ? 'escalationSentOffered' : 'escalationSentBoard') : ''}
      </p>
    </div>
  );
}
