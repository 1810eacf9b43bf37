'use client';
import type { AwayReason, Channel, WireInteraction } from '@helpline/core';
import type { ReactNode } from 'react';
import type { MessageKey } from '../i18n/en';
import type { Translator } from '../i18n/translator';
import { Icon } from './icons';

// Small pieces every component uses: labels from the catalog and the error line.

const CHANNEL_KEYS: Record<Channel, MessageKey> = {
  chat: 'channelChat',
  voice: 'channelVoice',
  callback: 'channelCallback',
  'offline-message': 'channelOfflineMessage',
  voicemail: 'channelVoicemail',
  email: 'channelEmail',
  sms: 'channelSms',
  whatsapp: 'channelWhatsapp',
  messenger: 'channelMessenger',
};

/** The label of a channel ("Chat", "Call"…); an unknown channel shows as it is. */
export function channelLabel({ t }: Translator, channel: Channel | (string & {})): string {
  const key = CHANNEL_KEYS[channel as Channel] as MessageKey | undefined;
  return key ? t(key) : channel;
}

const REASON_KEYS: Readonly<Record<string, MessageKey>> = {
  break: 'reasonBreak',
  lunch: 'reasonLunch',
  meeting: 'reasonMeeting',
  training: 'reasonTraining',
  'missed-offers': 'reasonMissedOffers',
  supervisor: 'reasonSupervisor',
};

/** The label of an away reason: the catalog's for standard codes, the code itself for a site's own. */
export function reasonLabel({ t }: Translator, reason: AwayReason): string {
  const key = REASON_KEYS[reason];
  return key ? t(key) : reason;
}

// Every state of the chat, callback, voice and messaging machines, in words (a test walks the machines' tables).
const STATE_KEYS: Readonly<Record<string, MessageKey>> = {
  prechat: 'stateStarting',
  requested: 'stateRequested',
  scheduled: 'stateScheduled',
  queued: 'stateQueued',
  offered: 'stateOffered',
  dialing: 'stateDialing',
  ringing: 'stateRinging',
  connecting: 'stateConnecting',
  'retry-wait': 'stateRetryWait',
  active: 'stateActive',
  held: 'stateHeld',
  consulting: 'stateConsulting',
  conferenced: 'stateConferenced',
  'wrap-up': 'stateWrapUp',
  ended: 'stateEnded',
  completed: 'stateCompleted',
  cancelled: 'stateCancelled',
  failed: 'stateFailed',
  pending: 'statePending',
  snoozed: 'stateSnoozed',
  resolved: 'stateResolved',
};

/** The label of an interaction state in words ("Wrapping up"); a state this version does not know shows as it is. */
export function stateLabel({ t }: Translator, state: string): string {
  const key = STATE_KEYS[state];
  return key ? t(key) : state;
}

/** The customer's name as text, or the catalog's fallback. */
export function customerName({ t }: Translator, interaction: WireInteraction | undefined): string {
  return interaction?.customer.name?.trim() || t('customerFallbackName');
}

/**
 * Up to two initials for an avatar ("Noor de Vries" → "NV"); decorative, the name is always written out too. A name
 * without letters (a phone number: "+44 20 7946 0958") has none: its avatar is a phone.
 */
export function initials(name: string): string {
  const words = name.split(/\s+/).filter((word) => /^\p{L}/u.test(word));
  const first = words[0];
  const last = words.length > 1 ? words.at(-1) : undefined;
  return [first, last].map((word) => (word ? [...word][0]?.toUpperCase() : '')).join('');
}

/** A round avatar with the initials of `name` (a phone for a number), hidden from assistive technology. */
export function Avatar({ name }: { readonly name: string }): ReactNode {
  const letters = initials(name);
  return (
    <span className="helpline-avatar" aria-hidden="true">
      {letters || <Icon name="answer" />}
    </span>
  );
}

/** An error line (`role="alert"`), or nothing when there is no error. */
export function ErrorText({ error, i18n, id }: { error: unknown; i18n: Translator; id?: string }): ReactNode {
  if (error === undefined) return null;
  return (
    <p className="helpline-error" role="alert" id={id}>
      {i18n.error(error)}
    </p>
  );
}

/** `epochMs` as a `datetime-local` value (the agent's local time, to the minute). */
function localInputValue(epochMs: number): string {
  const local = new Date(epochMs - new Date(epochMs).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/**
 * A date and time in the agent's time zone (`datetime-local`), from `now` on; when `invalid`, it points to the error
 * line `${id}-error`. `toEpochMs` reads its value back.
 */
export function LocalDateTimeInput({
  id,
  now,
  value,
  invalid,
  onChange,
}: {
  readonly id: string;
  readonly now: number;
  readonly value: string;
  readonly invalid: boolean;
  readonly onChange: (value: string) => void;
}): ReactNode {
  return (
    <input
      id={id}
      className="helpline-input"
      type="datetime-local"
      required
      min={localInputValue(now)}
      value={value}
      aria-invalid={invalid || undefined}
      aria-describedby={invalid ? `${id}-error` : undefined}
      onChange={(event) => onChange(event.currentTarget.value)}
    />
  );
}

/** A `datetime-local` value as epoch ms (the agent's local time, as `Date` parses it); NaN when empty or invalid. */
export function toEpochMs(value: string): number {
  return value ? new Date(value).getTime() : Number.NaN;
}

/** Joins class names, skipping empty ones. */
export function cx(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
