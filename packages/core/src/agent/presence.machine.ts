import type { Channel } from '../interaction/interaction.types';
import { eventOfType, monotonicTime } from '../interaction/lifecycle';
import { type Action, defineMachine, type Guard, type Snapshot } from '../machine';
import {
  type AwayReason,
  type ChannelCapacity,
  type ChannelLoad,
  EMPTY_LOAD,
  hasCapacity,
  isBusy,
  type PresenceStatus,
} from './agent.types';

/** States of an agent's presence. `busy` is not one of them: it is derived from the capacity in use. */
export type PresenceState = PresenceStatus;

/** Everything that can change an agent's presence. Every event carries `at` (epoch ms). */
export type PresenceEvent =
  | { readonly type: 'GO_AVAILABLE'; readonly at: number }
  /** Step away; a reason code is required (break, lunch, meeting… or a site's own). */
  | { readonly type: 'GO_AWAY'; readonly at: number; readonly reason: AwayReason }
  | { readonly type: 'GO_OFFLINE'; readonly at: number }
  /**
   * Set by someone else: a supervisor (`by` is their id; `supervisor` when not given) or the system
   * (`by: 'system'`, for example after too many missed offers). Forcing `away` needs a reason too.
   */
  | {
      readonly type: 'FORCE';
      readonly at: number;
      readonly to: PresenceStatus;
      readonly reason?: AwayReason | undefined;
      readonly by?: string | undefined;
    };

/** The type names of {@link PresenceEvent}. */
export type PresenceEventType = PresenceEvent['type'];

/** Facts about an agent's presence. */
export interface PresenceContext {
  /** Why the agent is away; set exactly while away. */
  readonly reasonCode?: AwayReason | undefined;
  /** Since when the agent is in this presence (and, when away, for this reason), epoch ms. */
  readonly since: number;
  /** Who forced the current presence, when it was not the agent (a supervisor id, `supervisor` or `system`). */
  readonly forcedBy?: string | undefined;
}

/** A presence machine snapshot. */
export type PresenceSnapshot = Snapshot<PresenceState, PresenceContext>;

type PresenceGuard = Guard<PresenceContext, PresenceEvent>;
type PresenceAction = Action<PresenceContext, PresenceEvent>;

const isReason = (reason: string | undefined): reason is AwayReason =>
  reason !== undefined && reason.trim() !== '';

/** The away reason an event carries, if it is a real one. */
function reasonOf(event: PresenceEvent): AwayReason | undefined {
  if (event.type === 'GO_AWAY' || event.type === 'FORCE')
    return isReason(event.reason) ? event.reason : undefined;
  return undefined;
}

const guards = {
  hasReason: (_context, event) => reasonOf(event) !== undefined,
  forcedAvailable: (_context, event) => eventOfType(event, 'FORCE').to === 'available',
  forcedOffline: (_context, event) => eventOfType(event, 'FORCE').to === 'offline',
  forcedAwayWithReason: (_context, event) =>
    eventOfType(event, 'FORCE').to === 'away' && reasonOf(event) !== undefined,
} satisfies Record<string, PresenceGuard>;

const forcer = (event: PresenceEvent): string | undefined =>
  event.type === 'FORCE' ? (event.by ?? 'supervisor') : undefined;

/** Away for the event's reason. Picking the reason one already is away for changes nothing (keeps `since`). */
const away: PresenceAction = (context, event) => {
  const reasonCode = reasonOf(event);
  const forcedBy = forcer(event);
  if (reasonCode === context.reasonCode && forcedBy === context.forcedBy) return context;
  if (reasonCode === context.reasonCode) return { ...context, forcedBy };
  return { reasonCode, since: monotonicTime(context.since, event.at), forcedBy };
};

const actions = {
  /** Into `available` or `offline` from another presence. */
  enter: (context, event) => ({ since: monotonicTime(context.since, event.at), forcedBy: forcer(event) }),
  away,
  /** Forced into the presence the agent already has: only who decided it changes. */
  confirm: (context, event) => ({ ...context, forcedBy: forcer(event) }),
} satisfies Record<string, PresenceAction>;

/** FORCE from a state: into each other presence, or a confirmation when forced into the current one. */
const force = (current: PresenceState) =>
  [
    {
      target: 'available',
      guard: 'forcedAvailable',
      actions: [current === 'available' ? 'confirm' : 'enter'],
    },
    { target: 'away', guard: 'forcedAwayWithReason', actions: ['away'] },
    { target: 'offline', guard: 'forcedOffline', actions: [current === 'offline' ? 'confirm' : 'enter'] },
  ] as const;

/**
 * An agent's presence: `offline | available | away(reasonCode)`. Going away always needs a reason code.
 * Whether the agent is busy is not a state: derive it from the load with {@link presenceFlags}.
 *
 * @example
 * ```ts
 * const presence = createMachineStore(presenceMachine, presenceSnapshot({ at: Date.now() }));
 * presence.send({ type: 'GO_AVAILABLE', at: Date.now() });
 * presence.send({ type: 'GO_AWAY', at: Date.now(), reason: 'lunch' });
 * ```
 */
export const presenceMachine = defineMachine<PresenceState, PresenceEvent, PresenceContext>({
  id: 'presence',
  initial: 'offline',
  context: { since: 0 },
  states: {
    offline: {
      on: {
        GO_AVAILABLE: { target: 'available', actions: ['enter'] },
        GO_AWAY: { target: 'away', guard: 'hasReason', actions: ['away'] },
        FORCE: force('offline'),
      },
    },
    available: {
      on: {
        GO_AWAY: { target: 'away', guard: 'hasReason', actions: ['away'] },
        GO_OFFLINE: { target: 'offline', actions: ['enter'] },
        FORCE: force('available'),
      },
    },
    away: {
      on: {
        GO_AVAILABLE: { target: 'available', actions: ['enter'] },
        GO_AWAY: { target: 'away', guard: 'hasReason', actions: ['away'] },
        GO_OFFLINE: { target: 'offline', actions: ['enter'] },
        FORCE: force('away'),
      },
    },
  },
  guards,
  actions,
});

/**
 * A presence snapshot: `offline` since `at`.
 *
 * @example
 * ```ts
 * const start = presenceSnapshot({ at: Date.now() });
 * ```
 */
export function presenceSnapshot(options: { readonly at: number }): PresenceSnapshot {
  return { value: 'offline', context: { since: options.at } };
}

/** What an agent's presence means now, derived from the snapshot and the interactions they hold. */
export interface PresenceFlags {
  /** Logged in: `available` or `away`. */
  readonly isOnline: boolean;
  readonly isAvailable: boolean;
  readonly isAway: boolean;
  /** Holds at least one interaction (whatever the presence). */
  readonly isBusy: boolean;
  /** What to show next to the agent's name: `busy` is available but holding work. */
  readonly display: 'offline' | 'available' | 'busy' | 'away';
  /** Set by a supervisor or the system rather than the agent. */
  readonly isForced: boolean;
}

/**
 * Derives an agent's presence flags. `busy` comes from the load, never from the machine.
 *
 * @example
 * ```ts
 * presenceFlags(presence, { chat: 2, voice: 0, callback: 0, 'offline-message': 0 }).display; // 'busy'
 * ```
 */
export function presenceFlags(snapshot: PresenceSnapshot, load: ChannelLoad = EMPTY_LOAD): PresenceFlags {
  const { value, context } = snapshot;
  const busy = isBusy(load);
  return {
    isOnline: value !== 'offline',
    isAvailable: value === 'available',
    isAway: value === 'away',
    isBusy: busy,
    display: value === 'available' && busy ? 'busy' : value,
    isForced: context.forcedBy !== undefined,
  };
}

/**
 * True when the router may offer the agent one more interaction on `channel`: available, with free capacity.
 *
 * @example
 * ```ts
 * if (canReceiveOffer(presence, agent.capacity, load, 'chat')) offer(chat, agent);
 * ```
 */
export function canReceiveOffer(
  snapshot: PresenceSnapshot,
  capacity: ChannelCapacity,
  load: ChannelLoad,
  channel: Channel,
): boolean {
  return snapshot.value === 'available' && hasCapacity(capacity, load, channel);
}
