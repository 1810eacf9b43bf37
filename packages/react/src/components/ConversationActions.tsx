'use client';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import { useAction } from '../hooks/useAction';
import { useInteraction } from '../hooks/useInteraction';
import { useNow } from '../hooks/useNow';
import { useTranslator } from '../i18n/translator';
import { isMessaging, messagingActions, snoozePresets } from './messaging';
import { cx, ErrorText, LocalDateTimeInput, stateLabel, toEpochMs } from './shared';

/** Props of {@link ConversationActions}. */
export interface ConversationActionsProps {
  /** A messaging conversation (email, SMS, WhatsApp, Messenger); renders nothing for other channels. */
  readonly id: string;
  readonly className?: string | undefined;
}

/**
 * Where a messaging conversation stands and what the agent can do with it, as the agent session's actions:
 * "Waiting for customer" (`setPending`), "Snooze until…" (an hour, tomorrow 9:00, next Monday 9:00 in the agent's
 * time zone, or a date and time), "Resolve" (with the queue's disposition when it has some) and "Reopen". Which
 * buttons show comes from the messaging machine's table for the current state; the state itself is the session's
 * (`$conversations`), announced politely when it changes.
 *
 * @example
 * ```tsx
 * <ConversationActions id={cid} />
 * ```
 */
export function ConversationActions({ id, className }: ConversationActionsProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const agent = useClient('agent');
  const { interaction, queue } = useInteraction(id);
  const action = useAction();
  const baseId = useId();
  const [open, setOpen] = useState<'snooze' | 'resolve' | undefined>(undefined);
  const snoozeButton = useRef<HTMLButtonElement>(null);
  const resolveButton = useRef<HTMLButtonElement>(null);
  const state = interaction?.state;
  const allowed = messagingActions(state);
  // A form for an action the new state does not allow any more closes by itself.
  const shown =
    (open === 'snooze' && allowed.canSnooze) || (open === 'resolve' && allowed.canResolve) ? open : undefined;
  if (!interaction || !isMessaging(interaction.channel)) return null;

  const run = (task: () => Promise<void>) =>
    void action.run(async () => {
      await task();
      setOpen(undefined);
    });
  const dispositions = queue?.dispositions ?? [];
  const toggle = (form: 'snooze' | 'resolve') => setOpen((current) => (current === form ? undefined : form));
  // Escape closes a form and gives focus back to the button that opened it.
  const close = () => {
    (open === 'snooze' ? snoozeButton : resolveButton).current?.focus();
    setOpen(undefined);
  };

  return (
    <div className={cx('helpline-conversation-actions', className)} data-state={state}>
      <p className="helpline-conversation-actions__state" role="status">
        {t('conversationState', { state: stateLabel(i18n, state ?? '') })}
      </p>
      {/* biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form fieldset */}
      <div
        className="helpline-conversation-actions__buttons"
        role="group"
        aria-label={t('conversationActions')}
      >
        {allowed.canSetPending && (
          <button
            type="button"
            className="helpline-button"
            disabled={action.pending}
            onClick={() => run(() => agent.setPending(id))}
          >
            {t('setPending')}
          </button>
        )}
        {allowed.canSnooze && (
          <button
            ref={snoozeButton}
            type="button"
            className="helpline-button"
            aria-expanded={shown === 'snooze'}
            aria-controls={`${baseId}-snooze`}
            onClick={() => toggle('snooze')}
          >
            {t('snooze')}
          </button>
        )}
        {allowed.canResolve && (
          <button
            ref={resolveButton}
            type="button"
            className="helpline-button helpline-button--primary"
            disabled={action.pending}
            {...(dispositions.length > 0
              ? { 'aria-expanded': shown === 'resolve', 'aria-controls': `${baseId}-resolve` }
              : {})}
            onClick={() => (dispositions.length > 0 ? toggle('resolve') : run(() => agent.resolve(id)))}
          >
            {t('resolve')}
          </button>
        )}
        {allowed.canReopen && (
          <button
            type="button"
            className="helpline-button"
            disabled={action.pending}
            onClick={() => run(() => agent.reopen(id))}
          >
            {state === 'resolved' ? t('reopen') : t('backToWork')}
          </button>
        )}
      </div>
      {shown === 'snooze' && (
        <SnoozeForm
          id={`${baseId}-snooze`}
          pending={action.pending}
          onSnooze={(until) => run(() => agent.snooze(id, until))}
          onClose={close}
        />
      )}
      {shown === 'resolve' && (
        <ResolveForm
          id={`${baseId}-resolve`}
          dispositions={dispositions}
          required={queue?.dispositionRequired ?? false}
          pending={action.pending}
          onResolve={(disposition) => run(() => agent.resolve(id, disposition ? { disposition } : {}))}
          onClose={close}
        />
      )}
      <ErrorText error={action.error} i18n={i18n} />
    </div>
  );
}

/** Presets and a date-and-time field, in the agent's time zone; Escape closes it. */
function SnoozeForm({
  id,
  pending,
  onSnooze,
  onClose,
}: {
  id: string;
  pending: boolean;
  onSnooze: (until: number) => void;
  onClose: () => void;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const now = useNow();
  const [when, setWhen] = useState('');
  const [invalid, setInvalid] = useState(false);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const presets = snoozePresets(now);
  return (
    // biome-ignore lint/a11y/useSemanticElements: preset buttons and a small form, not one form's fieldset
    <div
      id={id}
      className="helpline-snooze"
      role="group"
      aria-label={t('snoozeOptions')}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <ul className="helpline-snooze__presets">
        {presets.map((preset, index) => (
          <li key={preset.key}>
            <button
              ref={index === 0 ? first : undefined}
              type="button"
              className="helpline-button"
              disabled={pending}
              onClick={() => onSnooze(preset.until)}
            >
              {t(preset.key, { time: i18n.time(preset.until), date: i18n.dateTime(preset.until) })}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="helpline-inline-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const until = toEpochMs(when);
          if (Number.isNaN(until) || until <= Date.now()) {
            setInvalid(true);
            return;
          }
          setInvalid(false);
          onSnooze(until);
        }}
      >
        <label className="helpline-label" htmlFor={`${id}-when`}>
          {t('snoozeCustom')}
        </label>
        <LocalDateTimeInput
          id={`${id}-when`}
          now={now}
          value={when}
          invalid={invalid}
          onChange={(value) => {
            setInvalid(false);
            setWhen(value);
          }}
        />
        <button type="submit" className="helpline-button" disabled={pending}>
          {t('snoozeSubmit')}
        </button>
        {invalid && (
          <p className="helpline-error" role="alert" id={`${id}-when-error`}>
            {t('snoozeInPast')}
          </p>
        )}
      </form>
    </div>
  );
}

/** The queue's dispositions before resolving; a required one must be chosen. */
function ResolveForm({
  id,
  dispositions,
  required,
  pending,
  onResolve,
  onClose,
}: {
  id: string;
  dispositions: readonly { readonly id: string; readonly label: string }[];
  required: boolean;
  pending: boolean;
  onResolve: (disposition: string | undefined) => void;
  onClose: () => void;
}): ReactNode {
  const { t } = useTranslator();
  const [disposition, setDisposition] = useState('');
  const [missing, setMissing] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => select.current?.focus(), []);
  return (
    <form
      id={id}
      className="helpline-inline-form helpline-resolve"
      noValidate
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
      onSubmit={(event) => {
        event.preventDefault();
        if (required && !disposition) {
          setMissing(true);
          select.current?.focus();
          return;
        }
        onResolve(disposition || undefined);
      }}
    >
      <label className="helpline-label" htmlFor={`${id}-disposition`}>
        {t('dispositionLabel')}
        {required && <span className="helpline-required"> {t('requiredMark')}</span>}
      </label>
      <select
        id={`${id}-disposition`}
        ref={select}
        className="helpline-select"
        value={disposition}
        required={required}
        aria-invalid={missing || undefined}
        aria-describedby={missing ? `${id}-missing` : undefined}
        onChange={(event) => {
          setMissing(false);
          setDisposition(event.currentTarget.value);
        }}
      >
        <option value="">{t('dispositionPlaceholder')}</option>
        {dispositions.map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
      <button type="submit" className="helpline-button helpline-button--primary" disabled={pending}>
        {t('resolveSubmit')}
      </button>
      {missing && (
        <p className="helpline-error" role="alert" id={`${id}-missing`}>
          {t('resolveDispositionRequired')}
        </p>
      )}
    </form>
  );
}
