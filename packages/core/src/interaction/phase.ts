import type { CallbackState } from './callback.machine';
import type { ChatState } from './chat.machine';
import { type Channel, isMessagingChannel } from './interaction.types';
import type { MessagingState } from './messaging.machine';

/**
 * Where an interaction stands, in words that mean the same on every channel. The machines name their states;
 * everything outside them asks for the phase instead of listing state names.
 *
 * - `intake`: the customer is still telling what they want (a chat's pre-chat form, a callback just requested).
 * - `scheduled`: a callback waits for a time, outside any queue: its slot, or its next attempt after no answer.
 * - `waiting`: in a queue, no agent yet.
 * - `offered`: offered to an agent, who has not answered yet.
 * - `handling`: an agent holds it (a callback being dialled counts: the agent's capacity is in use).
 * - `pending`: assigned to an agent, who waits — for the customer's answer or a snooze's end; no capacity in use
 *   (the messaging channels' `pending` and `snoozed`).
 * - `wrap-up`: the conversation is over, the agent is doing after-call work.
 * - `final`: nothing more happens — but for a resolved conversation on a messaging channel, which the customer's
 *   next message reopens, as a new contact would start.
 *
 * Every phase but `final` is open: the customer can come back to it after a reload.
 */
export type Phase =
  | 'intake'
  | 'scheduled'
  | 'waiting'
  | 'offered'
  | 'handling'
  | 'pending'
  | 'wrap-up'
  | 'final';

/** The states the chat and the callback machine share, meaning the same in both. */
const SHARED_PHASES = {
  queued: 'waiting',
  offered: 'offered',
  active: 'handling',
  'wrap-up': 'wrap-up',
} as const;

// Typed as complete records, so a state added to a machine without a phase does not compile.
const CHAT_PHASES: Readonly<Record<ChatState, Phase>> = {
  ...SHARED_PHASES,
  prechat: 'intake',
  ended: 'final',
};

const CALLBACK_PHASES: Readonly<Record<CallbackState, Phase>> = {
  ...SHARED_PHASES,
  requested: 'intake',
  scheduled: 'scheduled',
  'retry-wait': 'scheduled',
  dialing: 'handling',
  completed: 'final',
  cancelled: 'final',
  failed: 'final',
};

const MESSAGING_PHASES: Readonly<Record<MessagingState, Phase>> = {
  queued: 'waiting',
  offered: 'offered',
  active: 'handling',
  pending: 'pending',
  snoozed: 'pending',
  resolved: 'final',
};

/** The phases of a machine's states, by the channel it serves. */
function phasesOf(channel: Channel): Readonly<Record<string, Phase>> {
  if (channel === 'callback') return CALLBACK_PHASES;
  return isMessagingChannel(channel) ? MESSAGING_PHASES : CHAT_PHASES;
}

/**
 * The phase of an interaction of `channel` in `state`. Voice and offline messages follow the chat machine,
 * callbacks and the messaging channels their own. A state no machine knows (sent by a newer server) reads as `final`, so nothing waits for it.
 *
 * @example
 * ```ts
 * phaseOf('callback', 'retry-wait'); // 'scheduled'
 * phaseOf('chat', 'wrap-up'); // 'wrap-up'
 * phaseOf('email', 'snoozed'); // 'pending'
 * ```
 */
export function phaseOf(channel: Channel, state: string): Phase {
  const phases = phasesOf(channel);
  return Object.hasOwn(phases, state) ? (phases[state] as Phase) : 'final';
}
