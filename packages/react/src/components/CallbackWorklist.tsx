'use client';
import {
  CALLBACK_OVERDUE_AFTER_MS,
  type CallbackDue,
  type CallbackOutcome,
  callbackDue,
  callbackDueAt,
  isHelplineError,
  phaseOf,
} from '@helpline/core';
import { type ReactNode, useId, useMemo, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useAction } from '../hooks/useAction';
import { useAgent } from '../hooks/useAgent';
import { useInteractions } from '../hooks/useInteractions';
import { useNow } from '../hooks/useNow';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { customerName, cx, ErrorText, LocalDateTimeInput, toEpochMs } from './shared';

export type { CallbackOutcome };

const OUTCOMES: readonly [CallbackOutcome, MessageKey][] = [
  ['answered', 'outcomeAnswered'],
  ['no-answer', 'outcomeNoAnswer'],
  ['failed', 'outcomeFailed'],
  ['cancelled', 'outcomeCancelled'],
];

/** One callback to make. */
export interface CallbackItem {
  /** The callback's interaction id. */
  readonly id: string;
  readonly name: string;
  /** E.164 number. */
  readonly phone: string;
  /** When it is due, epoch ms. */
  readonly dueAt: number;
  /** Dials made so far. */
  readonly attempts?: number | undefined;
  readonly maxAttempts?: number | undefined;
  /** False once the customer was reached (the call then ends through wrap-up). Default true. */
  readonly canReschedule?: boolean | undefined;
}

/** Props of {@link CallbackWorklist}. */
export interface CallbackWorklistProps {
  /** The callbacks; default: the agent's callback interactions (due when they were queued). */
  readonly items?: readonly CallbackItem[] | undefined;
  /** Dials; default: the voice controller's `start(cid)` (a web callback), else its `dial(phone)`. */
  readonly onDial?: (item: CallbackItem) => Promise<void>;
  /**
   * Moves a callback to another time (epoch ms); default for the session's own callbacks (no `items`): hands
   * it back to the server for that time (`callback.reschedule`), which offers it again when the slot starts.
   * With `items` and no handler there is no Reschedule button.
   */
  readonly onReschedule?: (item: CallbackItem, at: number) => Promise<void>;
  /** Closes a callback with an outcome; default: reports it to the server (`callback.outcome`). */
  readonly onClose?: (item: CallbackItem, outcome: CallbackOutcome) => Promise<void>;
  /** How long after `dueAt` a callback counts as overdue. Default `CALLBACK_OVERDUE_AFTER_MS` (10 minutes). */
  readonly overdueAfterMs?: number | undefined;
  readonly className?: string | undefined;
}

/**
 * The callbacks to make: due, overdue (first) and upcoming, with attempt counts, and dial, reschedule and
 * close-with-outcome for each.
 *
 * @example
 * ```tsx
 * <CallbackWorklist overdueAfterMs={5 * 60_000} />
 * ```
 */
export function CallbackWorklist({
  items,
  onDial,
  onReschedule,
  onClose,
  overdueAfterMs = CALLBACK_OVERDUE_AFTER_MS,
  className,
}: CallbackWorklistProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const now = useNow();
  const { session } = useAgent();
  const { voice } = useHelpline();
  const interactions = useInteractions();
  const id = useId();
  const list = useMemo(
    () =>
      items ??
      interactions
        // Once the call is over the callback leaves the worklist for the wrap-up form.
        .filter(
          ({ interaction }) =>
            interaction.channel === 'callback' &&
            phaseOf(interaction.channel, interaction.state) !== 'wrap-up',
        )
        .map(({ interaction }) => {
          const plan = interaction.callback;
          return {
            id: interaction.id,
            name: customerName(i18n, interaction),
            phone: interaction.customer.phone ?? '',
            dueAt: callbackDueAt(interaction),
            ...(plan ? { attempts: plan.attempts, maxAttempts: plan.maxAttempts } : {}),
            canReschedule: interaction.state === 'dialing',
          };
        }),
    [items, interactions, i18n],
  );
  // Overdue, then due, then upcoming: the order of their due times (see callbackDue).
  const sorted = [...list].sort((a, b) => a.dueAt - b.dueAt);
  const dial =
    onDial ??
    (voice?.start
      ? (item: CallbackItem) => voice.start?.(item.id) ?? Promise.resolve()
      : voice?.dial
        ? (item: CallbackItem) => voice.dial?.(item.phone, item.id) ?? Promise.resolve()
        : undefined);
  // The server default applies to the session's own callbacks; items from the host app need their handler.
  const reschedule =
    onReschedule ??
    (items ? undefined : (item: CallbackItem, at: number) => session.rescheduleCallback(item.id, at));
  const close =
    onClose ??
    (async (item: CallbackItem, outcome: CallbackOutcome) => {
      await session.callbackOutcome(item.id, outcome);
      // Reached and talked to: closing it ends the call, which moves it on to wrap-up.
      if (outcome === 'answered') await session.end(item.id);
    });

  return (
    <section className={cx('helpline-callbacks', className)} aria-labelledby={`${id}-title`}>
      <h2 className="helpline-callbacks__title" id={`${id}-title`}>
        {t('callbacksTitle')}
      </h2>
      {sorted.length === 0 ? (
        <p className="helpline-empty">{t('callbacksEmpty')}</p>
      ) : (
        <ul className="helpline-callbacks__list">
          {sorted.map((item) => (
            <CallbackRow
              key={item.id}
              item={item}
              due={callbackDue(item.dueAt, now, overdueAfterMs)}
              now={now}
              onDial={dial}
              onReschedule={reschedule}
              onClose={close}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function CallbackRow({
  item,
  due,
  now,
  onDial,
  onReschedule,
  onClose,
}: {
  item: CallbackItem;
  due: CallbackDue;
  now: number;
  onDial: ((item: CallbackItem) => Promise<void>) | undefined;
  onReschedule: ((item: CallbackItem, at: number) => Promise<void>) | undefined;
  onClose: (item: CallbackItem, outcome: CallbackOutcome) => Promise<void>;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const action = useAction();
  const [open, setOpen] = useState<'reschedule' | 'close' | undefined>(undefined);
  const [when, setWhen] = useState('');
  const [invalidTime, setInvalidTime] = useState(false);
  // The server names the field when the time is in the past or outside business hours.
  const timeRefused =
    open === 'reschedule' && (invalidTime || (isHelplineError(action.error) && action.error.field === 'at'));
  const [outcome, setOutcome] = useState<CallbackOutcome>('answered');
  const toggle = (panel: 'reschedule' | 'close') => {
    setInvalidTime(false);
    setOpen((current) => (current === panel ? undefined : panel));
  };

  return (
    <li className="helpline-callback" data-due={due}>
      <span className="helpline-callback__name">{item.name}</span>
      <span className="helpline-callback__phone">{item.phone}</span>
      <span className="helpline-callback__due">
        {due === 'upcoming'
          ? t('callbackDueAt', { time: i18n.dateTime(item.dueAt) })
          : due === 'due'
            ? t('callbackDueNow')
            : t('callbackOverdue', { duration: i18n.duration((now - item.dueAt) / 1000) })}
      </span>
      <span className="helpline-callback__attempts">
        {item.attempts
          ? t('callbackAttempts', { attempts: item.attempts, max: item.maxAttempts ?? item.attempts })
          : t('callbackNoAttempts')}
      </span>
      <div className="helpline-actions">
        {onDial && (
          <button
            type="button"
            className="helpline-button helpline-button--primary"
            disabled={action.pending || !item.phone}
            onClick={() => void action.run(() => onDial(item))}
          >
            {t('dial')}
          </button>
        )}
        {onReschedule && item.canReschedule !== false && (
          <button
            type="button"
            className="helpline-button"
            aria-expanded={open === 'reschedule'}
            aria-controls={`${id}-reschedule`}
            onClick={() => toggle('reschedule')}
          >
            {t('reschedule')}
          </button>
        )}
        <button
          type="button"
          className="helpline-button"
          aria-expanded={open === 'close'}
          aria-controls={`${id}-close`}
          onClick={() => toggle('close')}
        >
          {t('closeCallback')}
        </button>
      </div>
      {open === 'reschedule' && onReschedule && item.canReschedule !== false && (
        <form
          id={`${id}-reschedule`}
          className="helpline-inline-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            const at = toEpochMs(when);
            if (Number.isNaN(at) || at <= now) {
              setInvalidTime(true);
              return;
            }
            setInvalidTime(false);
            void action
              .run(async () => {
                await onReschedule(item, at);
                return true;
              })
              .then((done) => done && setOpen(undefined));
          }}
        >
          <label className="helpline-label" htmlFor={`${id}-when`}>
            {t('rescheduleTo')}
          </label>
          <LocalDateTimeInput
            id={`${id}-when`}
            now={now}
            value={when}
            invalid={timeRefused}
            onChange={(value) => {
              setInvalidTime(false);
              setWhen(value);
            }}
          />
          <button type="submit" className="helpline-button" disabled={action.pending}>
            {t('save')}
          </button>
        </form>
      )}
      {open === 'close' && (
        <form
          id={`${id}-close`}
          className="helpline-inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(() => onClose(item, outcome));
          }}
        >
          <fieldset className="helpline-fieldset">
            <legend>{t('callbackOutcome')}</legend>
            {OUTCOMES.map(([value, label]) => (
              <label key={value} className="helpline-choice">
                <input
                  type="radio"
                  name={`${id}-outcome`}
                  value={value}
                  checked={outcome === value}
                  onChange={() => setOutcome(value)}
                />
                {t(label)}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="helpline-button" disabled={action.pending}>
            {t('closeWithOutcome')}
          </button>
        </form>
      )}
      {timeRefused ? (
        <p className="helpline-error" role="alert" id={`${id}-when-error`}>
          {t('rescheduleInvalid')}
        </p>
      ) : (
        // Any other failure (dial, close, a refused reschedule) is told as the server words it.
        <ErrorText error={action.error} i18n={i18n} />
      )}
    </li>
  );
}
