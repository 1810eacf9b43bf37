'use client';
import { LIMITS } from '@helpline/core';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useAction } from '../hooks/useAction';
import { useInteraction } from '../hooks/useInteraction';
import { useNow } from '../hooks/useNow';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText } from './shared';

/** Props of {@link WrapUpForm}. */
export interface WrapUpFormProps {
  /** The interaction in wrap-up. */
  readonly id: string;
  /** Called once wrap-up is finished. */
  readonly onDone?: () => void;
  readonly className?: string | undefined;
}

/**
 * After-call work for one interaction: a disposition (required when the queue says so — the form will not
 * finish without one), notes, and the countdown of a `timed` ACW policy. When that runs out the form submits
 * itself if it is complete; the server ends wrap-up either way a moment later (without a disposition if none
 * was given). Renders nothing unless the interaction is in wrap-up.
 *
 * @example
 * ```tsx
 * <WrapUpForm id={cid} onDone={() => setCurrent(undefined)} />
 * ```
 */
export function WrapUpForm({ id, onDone, className }: WrapUpFormProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const formId = useId();
  const { interaction, queue, flags, wrapUp } = useInteraction(id);
  const action = useAction();
  const now = useNow();
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  const [missing, setMissing] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  const autoSubmitted = useRef(false);
  const required = queue?.dispositionRequired ?? false;
  const endedAt = interaction?.timestamps.endedAt;
  const deadline =
    queue?.acw.kind === 'timed' && endedAt !== undefined ? endedAt + queue.acw.seconds * 1000 : undefined;
  const secondsLeft = deadline === undefined ? undefined : Math.max(0, Math.ceil((deadline - now) / 1000));
  const wrappingUp = flags?.isWrappingUp ?? false;

  const submit = () => {
    if (required && !disposition) {
      setMissing(true);
      select.current?.focus();
      return;
    }
    void action.run(async () => {
      await wrapUp({ ...(disposition ? { disposition } : {}), notes });
      onDone?.();
    });
  };

  // A timed policy ends wrap-up when its time is up: submit what is there, once, if it is complete.
  const timeUp = secondsLeft === 0;
  const complete = !required || disposition !== '';
  useEffect(() => {
    if (timeUp && complete && wrappingUp && !autoSubmitted.current) {
      autoSubmitted.current = true;
      submit();
    }
  });

  if (!wrappingUp) return null;
  return (
    <form
      className={cx('helpline-wrapup', className)}
      aria-labelledby={`${formId}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <h2 className="helpline-wrapup__title" id={`${formId}-title`}>
        {t('wrapUpTitle')}
      </h2>
      {secondsLeft !== undefined && (
        <p className="helpline-wrapup__timer" data-urgent={secondsLeft <= 10 || undefined}>
          {timeUp ? t('wrapUpTimeUp') : t('wrapUpEndsIn', { duration: i18n.duration(secondsLeft) })}
        </p>
      )}
      <label className="helpline-label" htmlFor={`${formId}-disposition`}>
        {t('dispositionLabel')}
        {required && <span className="helpline-required"> {t('requiredMark')}</span>}
      </label>
      <select
        id={`${formId}-disposition`}
        ref={select}
        className="helpline-select"
        value={disposition}
        aria-required={required}
        aria-invalid={missing || undefined}
        aria-describedby={missing ? `${formId}-missing` : undefined}
        onChange={(event) => {
          setDisposition(event.currentTarget.value);
          setMissing(false);
        }}
      >
        <option value="">{t('dispositionPlaceholder')}</option>
        {(queue?.dispositions ?? []).map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
      {missing && (
        <p className="helpline-field-error" id={`${formId}-missing`}>
          {t('dispositionRequired')}
        </p>
      )}
      <label className="helpline-label" htmlFor={`${formId}-notes`}>
        {t('notesLabel')}
      </label>
      <textarea
        id={`${formId}-notes`}
        className="helpline-textarea"
        rows={3}
        maxLength={LIMITS.notes}
        value={notes}
        onChange={(event) => setNotes(event.currentTarget.value)}
      />
      <div className="helpline-actions">
        <button type="submit" className="helpline-button helpline-button--primary" disabled={action.pending}>
          {t('wrapUpFinish')}
        </button>
      </div>
      <ErrorText error={action.error} i18n={i18n} />
    </form>
  );
}
