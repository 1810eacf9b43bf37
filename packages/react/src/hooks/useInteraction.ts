'use client';
import type {
  ChatFlags,
  ConversationView,
  Queue,
  TransferTarget,
  WireInteraction,
  WrapUpInput,
} from '@helpline/core';
import { useClient } from '../context/HelplineContext';
import { interactionFlags } from './derive';
import { useQueues } from './useQueues';
import { useStore } from './useStore';

/** One interaction: its latest state, conversation, queue, derived flags and the actions on it. */
export interface InteractionView {
  /** `undefined` while unknown (not offered to or handled by this agent). */
  readonly interaction: WireInteraction | undefined;
  readonly conversation: ConversationView | undefined;
  readonly queue: Queue | undefined;
  /** Chat machine flags under the queue's policy (`canEnd`, `isWrappingUp`, `needsDisposition`…). */
  readonly flags: ChatFlags | undefined;
  /** Ends the conversation; it moves to wrap-up unless the queue's ACW policy is `none`. */
  end(): Promise<void>;
  /** Finishes wrap-up; rejects with `wrapup/disposition-required` when the queue needs one. */
  wrapUp(input?: WrapUpInput): Promise<void>;
  /** Hands it to a queue or an available agent, with an optional note for them. */
  transfer(target: TransferTarget): Promise<void>;
}

/**
 * One interaction by id: offered to the agent, handled by them, or finished.
 *
 * @example
 * ```tsx
 * const { interaction, flags, end } = useInteraction(cid);
 * {flags?.canEnd && <button onClick={end}>End chat</button>}
 * ```
 */
export function useInteraction(id: string): InteractionView {
  const agent = useClient('agent');
  // The session records every interaction it hears of (offered, handled, ended) in its conversation.
  const conversation = useStore(agent.$conversations)[id];
  const offer = useStore(agent.$offers)[id];
  const interaction = conversation?.interaction ?? offer?.interaction;
  const queue = useQueues().find((q) => q.id === interaction?.queueId);
  return {
    interaction,
    conversation,
    queue,
    flags: interaction && interactionFlags(interaction, queue),
    end: () => agent.end(id),
    wrapUp: (input) => agent.wrapUp(id, input),
    transfer: (target) => agent.transfer(id, target),
  };
}
