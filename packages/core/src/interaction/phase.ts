import type { CallbackState } from './callback.machine';
import type { ChatState } from './chat.machine';
import type { Channel } from './interaction.types';

/**
 * Where an interaction stands, in words that mean the same on every channel. The machines name their states;
 * everything outside them asks for the phase instead of listing state names.
 *
 * - `intake`: the customer is still telling what they want (a chat's pre-chat form, a callback just requested).
 * - `scheduled`: a callback waits for a time, outside any queue: its slot, or its next attempt after no answer.
 * - `waiting`: in a queue, no agent yet.
 * - `offered`: offered to an agent, who has not answered yet.
 * - `handling`: an agent holds it (a callback being dialled counts: the agent's capacity is in use).
 * - `wrap-up`: the conversation is over, the agent is doing after-call work.
 * - `final`: nothing more happens.
 *
 * Every phase but `final` is open: the customer can come back to it after a reload.
 */
export type Phase = 'intake' | 'scheduled' | 'waiting' | 'offered' | 'handling' | 'wrap-up' | 'final';

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

/**
 * The phase of an interaction of `channel` in `state`. Voice and offline messages follow the chat machine,
 * callbacks their own. A state no machine knows (sent by a newer server) reads as `final`, so nothing waits for it.
 *
 * @example
 * ```ts
 * phaseOf('callback', 'retry-wait'); // 'scheduled'
 * phaseOf('chat', 'wrap-up'); // 'wrap-up'
 * ```
 */
export function phaseOf(channel: Channel, state: string): Phase {
  const phases: Readonly<Record<string, Phase>> = channel === 'callback' ? CALLBACK_PHASES : CHAT_PHASES;
  return Object.hasOwn(phases, state) ? (phases[state] as Phase) : 'final';
}
