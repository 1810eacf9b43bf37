import {
  type Channel,
  isMessagingChannel,
  type MessagingState,
  messagingMachine,
  type WireInteraction,
} from '@helpline/core';

// Pure views over a messaging conversation (email, SMS, WhatsApp, Messenger) for the console: which of the agent's
// actions its machine allows now, the email's subject, the quoted history of a mail, snooze presets. Tested in Node.

/**
 * The `prechat` field where the hub keeps an email's subject (core's `THREAD_FIELDS.subject`, which is not exported
 * from a browser entry; messaging.test.ts pins the two together).
 */
export const SUBJECT_FIELD = 'channel.subject';

/** True for the channels whose conversations wait for the customer (email, SMS, WhatsApp, Messenger). */
export function isMessaging(channel: Channel | undefined): boolean {
  return channel !== undefined && isMessagingChannel(channel);
}

/** What the agent may do with a messaging conversation in its current state. */
export interface MessagingActions {
  /** "Waiting for customer": `active` or `snoozed` → `pending`. */
  readonly canSetPending: boolean;
  /** "Snooze until…": from any state where the agent holds it. */
  readonly canSnooze: boolean;
  readonly canResolve: boolean;
  /** Back to work: a snoozed or pending one before the customer writes, a resolved one for this agent. */
  readonly canReopen: boolean;
}

const NONE: MessagingActions = {
  canSetPending: false,
  canSnooze: false,
  canResolve: false,
  canReopen: false,
};

/**
 * The actions the messaging machine's table accepts in `state` (read from the table, so a change of the machine
 * changes the buttons). `queued` and `offered` allow none: the conversation is not the agent's yet.
 */
export function messagingActions(state: string | undefined): MessagingActions {
  if (state === undefined || !Object.hasOwn(messagingMachine.states, state)) return NONE;
  if (state === 'queued' || state === 'offered') return NONE;
  const on = messagingMachine.states[state as MessagingState].on ?? {};
  const accepts = (event: string) => Object.hasOwn(on, event);
  return {
    canSetPending: accepts('SET_PENDING'),
    canSnooze: accepts('SNOOZE'),
    canResolve: accepts('RESOLVE'),
    canReopen: accepts('REOPEN'),
  };
}

/** The subject of an email conversation, or `undefined` (another channel, or a mail without one). */
export function emailSubject(interaction: WireInteraction | undefined): string | undefined {
  if (interaction?.channel !== 'email') return undefined;
  return interaction.prechat[SUBJECT_FIELD]?.trim() || undefined;
}

/**
 * The subject our reply goes out with: the thread's, with `Re: ` in front unless a reply prefix (`Re:`, `AW:`,
 * `SV:`, `Antw:`, `VS:`) is already there — what the email channel sends.
 */
export function replySubject(subject: string | undefined): string | undefined {
  if (subject === undefined) return undefined;
  return /^(re|aw|sv|antw|vs)\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

/** A mail's own text and the quoted history below it. */
export interface QuotedSplit {
  readonly body: string;
  /** The quoted lines, `>` kept, as text; empty when there is none. */
  readonly quoted: string;
}

/**
 * Splits off the quoted history the email channel appends to a customer's mail (after a blank line, every line
 * starting with `>`). A mail that is nothing but quotes, or has text after the quote, stays whole: nothing the
 * customer wrote is hidden.
 */
export function splitQuoted(text: string): QuotedSplit {
  const lines = text.split('\n');
  let start = lines.length;
  while (start > 0 && (lines[start - 1]?.startsWith('>') || lines[start - 1]?.trim() === '')) start -= 1;
  // Skip the blank lines above the quote; the first quoted line must be a '>' line.
  while (start < lines.length && lines[start]?.trim() === '') start += 1;
  const body = lines.slice(0, start).join('\n').trimEnd();
  if (start >= lines.length || body.trim() === '') return { body: text, quoted: '' };
  return { body, quoted: lines.slice(start).join('\n').trimEnd() };
}

/** A snooze preset: the catalog key of its label and when it ends. */
export interface SnoozePreset {
  readonly key: 'snoozeInHour' | 'snoozeTomorrow' | 'snoozeNextWeek';
  readonly until: number;
}

/** The hour the "tomorrow" and "next week" presets wake at, in the agent's time zone. */
export const SNOOZE_MORNING_HOUR = 9;

/**
 * In one hour, tomorrow at 9:00 and next Monday at 9:00, in the browser's (the agent's) time zone. `Date`'s local
 * setters keep 9:00 across a daylight-saving change.
 */
export function snoozePresets(now: number): readonly SnoozePreset[] {
  const morning = (daysAhead: number) => {
    const date = new Date(now);
    date.setDate(date.getDate() + daysAhead);
    date.setHours(SNOOZE_MORNING_HOUR, 0, 0, 0);
    return date.getTime();
  };
  const weekday = new Date(now).getDay(); // 0 = Sunday
  const toMonday = (8 - weekday) % 7 || 7; // a Monday snoozes to the next one
  return [
    { key: 'snoozeInHour', until: now + 60 * 60 * 1000 },
    { key: 'snoozeTomorrow', until: morning(1) },
    { key: 'snoozeNextWeek', until: morning(toMonday) },
  ];
}
