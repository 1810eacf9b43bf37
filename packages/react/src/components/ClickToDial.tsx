'use client';
import {
  type AgentPresence,
  type DialCallOptions,
  type DialView,
  helplineError,
  isHelplineError,
  phaseOf,
  type WireInteraction,
} from '@helpline/core';
import { type ReactNode, useId, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { constantStore, useStore } from '../hooks/useStore';
import { useTranslator } from '../i18n/translator';
import { Icon } from './icons';
import { cx } from './shared';

/** Props of {@link ClickToDial}. */
export interface ClickToDialProps extends DialCallOptions {
  /** The number as the page shows it (`+44 20 7946 0958`, or national in the queue's region): the server checks it. */
  readonly number: string;
  /** What the button shows; default the number itself. */
  readonly children?: ReactNode;
  readonly className?: string | undefined;
}

/** Without an agent session the button reads as offline (a presence store with the one field it reads). */
const OFFLINE = constantStore<Pick<AgentPresence, 'status'>>({ status: 'offline' });
const NO_INTERACTIONS = constantStore<Readonly<Record<string, WireInteraction>>>({});

/**
 * A phone number in a CRM page as a call button: a click dials it from the agent session (`agent.dial`). The button is
 * disabled, with the reason, while the console cannot take calls or the agent is offline; the server's refusal (the
 * do-not-call list, calling hours with the next allowed time, an invalid number) and a simulated call (no Vonage
 * account) are announced in a polite live region next to it; "Calling…" goes once the call it placed has ended. Needs an agent in `<HelplineProvider>`.
 *
 * @example
 * ```tsx
 * <HelplineProvider agent={agent}>
 *   Call <ClickToDial number="+44 20 7946 0958" queueId="sales" /> about the renewal.
 * </HelplineProvider>
 * ```
 */
export function ClickToDial({ number, children, className, queueId, timeZone }: ClickToDialProps): ReactNode {
  const { agent } = useHelpline();
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const presence = useStore<Pick<AgentPresence, 'status'>>(agent?.$presence ?? OFFLINE);
  // This button's own dial (the session's `$dial` holds whichever button dialled last).
  const [view, setView] = useState<DialView | undefined>(undefined);
  const interactions = useStore(agent?.$interactions ?? NO_INTERACTIONS);
  // The call this button placed, while it lasts (its interaction in the agent's work, not yet in wrap-up).
  const placedCall = view?.status === 'placed' ? interactions[view.cid] : undefined;
  const calling = placedCall !== undefined && phaseOf(placedCall.channel, placedCall.state) === 'handling';
  const blocked = !agent?.takesCalls
    ? t('dialNoVoice')
    : presence.status === 'offline'
      ? t('dialOffline')
      : undefined;
  const placing = view?.status === 'placing';
  const status =
    view?.status === 'placing'
      ? t('dialPlacing', { number })
      : view?.status === 'placed' && calling
        ? `${t('dialPlaced', { number: view.number })}${view.simulated ? ` ${t('dialSimulated')}` : ''}`
        : view?.status === 'refused'
          ? t('dialRefused', { number, reason: i18n.error(view.error) })
          : '';
  const dial = () => {
    if (!agent || blocked || placing) return;
    setView({ status: 'placing', number });
    agent.dial(number, { ...(queueId ? { queueId } : {}), ...(timeZone ? { timeZone } : {}) }).then(
      (placed) => setView({ status: 'placed', ...placed }),
      (error: unknown) =>
        setView({
          status: 'refused',
          number,
          error: isHelplineError(error) ? error : helplineError('internal', { detail: String(error) }),
        }),
    );
  };
  return (
    <span
      className={cx('helpline-dial', className)}
      data-state={view?.status === 'placed' && !calling ? 'idle' : (view?.status ?? 'idle')}
    >
      <button
        type="button"
        className="helpline-dial__button"
        aria-label={t('dialCall', { number })}
        // Focusable while disabled, so keyboard and screen-reader users find out why.
        aria-disabled={blocked !== undefined || placing}
        aria-describedby={blocked ? `${id}-why` : undefined}
        onClick={dial}
      >
        <Icon name="answer" />
        <span className="helpline-dial__number">{children ?? number}</span>
      </button>
      {blocked ? (
        <span className="helpline-dial__why" id={`${id}-why`}>
          {blocked}
        </span>
      ) : null}
      <span className="helpline-dial__status" role="status" aria-live="polite">
        {status}
      </span>
    </span>
  );
}

/** Phone-like runs of digits: a `+` or a digit, then digits, spaces, dots, dashes and brackets, at least 7 digits. */
const PHONE_LIKE = /(?:\+|\b)\d[\d\s().-]{5,}\d\b/g;

/** Props of {@link PhoneNumberText}. */
export interface PhoneNumberTextProps extends DialCallOptions {
  /** Plain text (a note, an address block): rendered as text, never as HTML. */
  readonly text: string;
}

/**
 * Text with every phone number in it turned into a {@link ClickToDial} button; everything else stays text (React
 * escapes it: markup in the text shows as characters, never as HTML).
 *
 * @example
 * ```tsx
 * <PhoneNumberText text="Call Ada on +44 20 7946 0958 or 020 7946 0959 after 5pm." />
 * ```
 */
export function PhoneNumberText({ text, queueId, timeZone }: PhoneNumberTextProps): ReactNode {
  return <>{linkifyPhoneNumbers(text, { queueId, timeZone })}</>;
}

/**
 * Splits `text` into strings and {@link ClickToDial} buttons, one per phone-like run of at least seven digits: for
 * rendering inside your own elements. The strings stay text.
 *
 * @example
 * ```tsx
 * <p>{linkifyPhoneNumbers(customer.notes, { queueId: 'sales' })}</p>
 * ```
 */
export function linkifyPhoneNumbers(text: string, options: DialCallOptions = {}): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(PHONE_LIKE)) {
    const found = match[0];
    const digits = found.replace(/\D/g, '').length;
    if (digits < 7 || digits > 15) continue;
    const start = match.index ?? 0;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <ClickToDial
        key={`${start}-${found}`}
        number={found}
        queueId={options.queueId}
        timeZone={options.timeZone}
      />,
    );
    last = start + found.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
