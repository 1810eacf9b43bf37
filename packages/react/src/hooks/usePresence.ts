'use client';
import {
  type AwayReason,
  type ChannelLoad,
  helplineError,
  type PresenceFlags,
  type PresenceStatus,
  presenceFlags,
} from '@helpline/core';
import { useClient } from '../context/HelplineContext';
import { loadOf } from './derive';
import { useStore } from './useStore';

/** The agent's presence with its derived flags and the action to change it. */
export interface PresenceView extends PresenceFlags {
  readonly status: PresenceStatus;
  readonly reason: AwayReason | undefined;
  /** Interactions held per channel. */
  readonly load: ChannelLoad;
  /**
   * Sets the presence. Going offline while holding work rejects with `agent/has-work` and changes nothing;
   * going away keeps the work (no new offers arrive).
   */
  setPresence(status: PresenceStatus, reason?: AwayReason): Promise<void>;
}

/**
 * The agent's presence (`available`, `away` with a reason, `offline`), whether they are busy, and `setPresence`.
 *
 * @example
 * ```tsx
 * const { display, setPresence } = usePresence();
 * <button onClick={() => setPresence('away', 'lunch')}>Lunch ({display})</button>
 * ```
 */
export function usePresence(): PresenceView {
  const agent = useClient('agent');
  const { status, reason } = useStore(agent.$presence);
  const interactions = useStore(agent.$interactions);
  const load = loadOf(Object.values(interactions));
  const work = Object.keys(interactions).length;
  return {
    ...presenceFlags({ value: status, context: { since: 0, reasonCode: reason } }, load),
    status,
    reason,
    load,
    async setPresence(next, nextReason) {
      if (next === 'offline' && work > 0) throw helplineError('agent/has-work', { count: work });
      await agent.setPresence(next, nextReason);
    },
  };
}
