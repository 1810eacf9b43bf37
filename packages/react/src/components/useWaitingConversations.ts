'use client';
import { phaseOf, type WireInteraction } from '@helpline/core';
import { useMemo } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from '../hooks/useStore';
import { isMessaging } from './messaging';

/**
 * The order of waiting conversations: the snoozed first, the one that wakes soonest on top, then those waiting for
 * the customer (no time to wait for), in the order they came.
 */
export function byWakeTime(a: WireInteraction, b: WireInteraction): number {
  if (a.snoozedUntil === undefined || b.snoozedUntil === undefined)
    return Number(a.snoozedUntil === undefined) - Number(b.snoozedUntil === undefined);
  return a.snoozedUntil - b.snoozedUntil;
}

/**
 * The agent's written conversations that wait — for the customer (`pending`) or until a time (`snoozed`) — from the
 * session's `$conversations`. They are still the agent's but hold no capacity, so the session's `$interactions` (what
 * the agent handles now) leaves them out; the inbox lists them apart, as mail clients list what waits — the snoozed
 * by the time they wake up ({@link byWakeTime}).
 */
export function useWaitingConversations(): readonly WireInteraction[] {
  const agent = useClient('agent');
  const conversations = useStore(agent.$conversations);
  const me = useStore(agent.connection.$subject)?.id;
  return useMemo(
    () =>
      Object.values(conversations)
        .flatMap(({ interaction }) =>
          interaction &&
          interaction.agentId === me &&
          isMessaging(interaction.channel) &&
          phaseOf(interaction.channel, interaction.state) === 'pending'
            ? [interaction]
            : [],
        )
        .sort(byWakeTime),
    [conversations, me],
  );
}
