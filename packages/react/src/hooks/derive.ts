import {
  asChatState,
  type Channel,
  type ChannelLoad,
  type ChatContext,
  type ChatFlags,
  type ConversationView,
  chatFlags,
  EMPTY_LOAD,
  type Queue,
  type WireInteraction,
} from '@helpline/core';

// Pure views over session state, shared by the hooks (and tested in Node).

/** Messages from others that `me` has not read yet (confirmed messages after `me`'s read mark). */
export function unreadCount(view: ConversationView | undefined, me: string | undefined): number {
  if (!view || me === undefined) return 0;
  const readUpTo = view.readUpTo[me] ?? 0;
  return view.messages.filter((m) => m.from.id !== me && (m.seq ?? 0) > readUpTo).length;
}

/**
 * Since when the customer waits for an answer: the time of their first message after the last message of
 * anyone else, or `undefined` when the last word was not theirs. The inbox's SLA timer runs from here.
 */
export function awaitingReplySince(view: ConversationView | undefined): number | undefined {
  let since: number | undefined;
  for (const message of view?.messages ?? []) {
    if (message.from.role !== 'visitor') since = undefined;
    else since ??= message.at;
  }
  return since;
}

/** Interactions held per channel, for presence's derived `busy`. */
export function loadOf(interactions: readonly WireInteraction[]): ChannelLoad {
  const load: Record<Channel, number> = { ...EMPTY_LOAD };
  for (const interaction of interactions) load[interaction.channel] += 1;
  return load;
}

/** The chat machine flags of an interaction (`canEnd`, `isWrappingUp`, `needsDisposition`…) under its queue's policy. */
export function interactionFlags(
  { state: wireState, timestamps, disposition }: WireInteraction,
  queue?: Queue,
): ChatFlags {
  const state = asChatState(wireState);
  // The flags read only the wrap-up policy, the timestamps and the disposition of the context.
  const context = {
    acw: queue?.acw ?? { kind: 'optional' },
    dispositionRequired: !!queue?.dispositionRequired,
    timestamps,
    disposition,
  };
  return chatFlags({ value: state, context: context as ChatContext });
}
