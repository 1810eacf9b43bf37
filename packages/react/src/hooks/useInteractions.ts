'use client';
import type { WireInteraction } from '@helpline/core';
import { useMemo } from 'react';
import { useClient } from '../context/HelplineContext';
import { awaitingReplySince, unreadCount } from './derive';
import { useStore } from './useStore';

/** One interaction in the agent's inbox. */
export interface InboxItem {
  readonly interaction: WireInteraction;
  /** Messages from others the agent has not read. */
  readonly unread: number;
  /** Since when the customer waits for an answer (epoch ms), for the SLA timer; `undefined` when not waiting. */
  readonly awaitingReplySince: number | undefined;
}

/**
 * The interactions the agent handles now (active and in wrap-up), across channels, in the order they came, with
 * unread counts and reply timers.
 *
 * @example
 * ```tsx
 * const items = useInteractions();
 * const unread = items.reduce((sum, item) => sum + item.unread, 0);
 * ```
 */
export function useInteractions(): readonly InboxItem[] {
  const agent = useClient('agent');
  const interactions = useStore(agent.$interactions);
  const conversations = useStore(agent.$conversations);
  const me = useStore(agent.connection.$subject)?.id;
  return useMemo(
    () =>
      Object.values(interactions).map((interaction) => ({
        interaction,
        unread: unreadCount(conversations[interaction.id], me),
        awaitingReplySince: awaitingReplySince(conversations[interaction.id]),
      })),
    [interactions, conversations, me],
  );
}
