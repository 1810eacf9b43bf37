import type { Agent, AwayReason, PresenceStatus } from '../agent/agent.types';
import {
  type PresenceEvent,
  type PresenceSnapshot,
  presenceMachine,
  presenceSnapshot,
} from '../agent/presence.machine';
import { transition } from '../machine';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { helplineError } from '../protocol/errors';
import type { CommandArgs, CommandResult, Notice } from '../protocol/protocol.types';
import type { Router, RoutingEvent } from '../routing/routing.types';
import { authorizeRole } from './access';
import { isRetryable, type ReportFailure } from './failures';
import type { HubClock, HubStorage, PresenceChange, Subject } from './hub.types';
import type { TimerGroup } from './timers.hub';

/** Who asked for a presence change: the agent, a supervisor, or the hub itself (missed offers, a lost link). */
export type PresenceChangedBy = 'agent' | 'supervisor' | 'system';

/** What agents' presence needs from the hub. */
export interface PresenceHubDeps {
  readonly clock: HubClock;
  readonly agents: ReadonlyMap<string, Agent>;
  /** Where presence changes are kept (optional). */
  readonly storage: Pick<HubStorage, 'recordPresence'>;
  readonly router: Pick<Router, 'agent' | 'setPresence'>;
  /** Records a reporting event (occupancy). */
  readonly log: (event: KpiLogEvent) => void;
  readonly notify: (subjectId: string, notice: Notice) => void;
  /** Carries out what the router decided, in the background, then routes again. */
  readonly route: (events: readonly RoutingEvent[]) => void;
  /** Carries out what the router decided, now (a change the hub made itself waits for it). */
  readonly applyRouting: (events: readonly RoutingEvent[]) => Promise<void>;
  /** Routes again, in the background. */
  readonly schedule: () => Promise<void>;
  /** True while the agent has a connection to the hub. */
  readonly isOnline: (agentId: string) => boolean;
  /** The timers of agents who lost their last connection. */
  readonly graceTimers: TimerGroup;
  /** How long an agent may have no connection before they are set offline. */
  readonly agentGraceMs: number;
  readonly reportFailure: ReportFailure;
}

type PresenceOp = 'presence.set' | 'supervisor.force-presence';

type PresenceHandlers = {
  [Op in PresenceOp]: (
    caller: { readonly subject: Subject },
    args: CommandArgs<Op>,
  ) => Promise<CommandResult<Op>>;
};

/** Agents' presence on a hub: the presence machine per agent, its commands, and the grace after a lost link. */
export interface PresenceHub {
  readonly handlers: PresenceHandlers;
  /** An agent's presence (offline since now when never set). */
  presenceOf(agentId: string): PresenceSnapshot;
  /** An agent's presence, when it was ever set or read. */
  current(agentId: string): PresenceSnapshot | undefined;
  /**
   * Moves an agent's presence through the presence machine. A change an agent or a supervisor asked for is stored
   * before it is applied; one the hub made itself is applied and recorded as well as storage allows.
   */
  set(
    agentId: string,
    status: PresenceStatus,
    reason: AwayReason | undefined,
    by: PresenceChangedBy,
  ): Promise<PresenceSnapshot>;
  /**
   * An agent's every connection is gone: after a grace period (a reload, a short network loss) they are set
   * offline, offers to them are withdrawn and routed again, and no more work waits for them.
   */
  awaitReturn(agentId: string): void;
  /** An agent connected again within their grace period. */
  returned(agentId: string): void;
  /**
   * After a restart or a takeover: gives each agent the presence last kept for them, as if their link had just
   * dropped — they keep it if they connect within their grace period, and go offline after it. Nothing is recorded
   * again; an agent whose presence is already set, or who was offline, is left as is.
   */
  restore(changes: readonly PresenceChange[]): void;
}

/**
 * Creates the presence part of a hub.
 *
 * @example
 * ```ts
 * const presence = createPresenceHub({ clock, agents, storage, router, log, notify, route, … });
 * await presence.set('alice', 'available', undefined, 'agent');
 * ```
 */
export function createPresenceHub(deps: PresenceHubDeps): PresenceHub {
  const { clock } = deps;
  const presence = new Map<string, PresenceSnapshot>();

  function presenceOf(agentId: string): PresenceSnapshot {
    let snapshot = presence.get(agentId);
    if (!snapshot) {
      snapshot = presenceSnapshot({ at: clock.now() });
      presence.set(agentId, snapshot);
    }
    return snapshot;
  }

  async function set(
    agentId: string,
    status: PresenceStatus,
    reason: AwayReason | undefined,
    by: PresenceChangedBy,
  ): Promise<PresenceSnapshot> {
    const at = clock.now();
    const event: PresenceEvent =
      by !== 'agent'
        ? { type: 'FORCE', at, to: status, ...(reason ? { reason } : {}) }
        : status === 'available'
          ? { type: 'GO_AVAILABLE', at }
          : status === 'offline'
            ? { type: 'GO_OFFLINE', at }
            : { type: 'GO_AWAY', at, reason: reason ?? '' };
    const current = presenceOf(agentId);
    const result = transition(presenceMachine, current, event);
    if (!result.ok) {
      // Asking for the presence one already has is not an error.
      if (current.value === status && (status !== 'away' || current.context.reasonCode === reason))
        return current;
      if (status === 'away' && !reason) {
        throw helplineError(
          'validation/field',
          { scope: 'presence.set', field: 'reason', detail: 'is required when going away' },
          { field: 'reason' },
        );
      }
      throw helplineError(
        'conflict/state',
        { operation: `go ${status}`, entity: 'agent', state: current.value },
        { cause: result.error },
      );
    }
    const { reasonCode } = result.snapshot.context;
    // Offline has no reason of its own in the machine; why it happened (`disconnected`) is kept in the history.
    const recordedReason = reasonCode ?? (status === 'offline' ? reason : undefined);
    const { storage } = deps;
    if (result.changed && storage.recordPresence) {
      const change = {
        agentId,
        status: result.snapshot.value,
        at,
        ...(recordedReason ? { reason: recordedReason } : {}),
      };
      if (by === 'system')
        await storage
          .recordPresence(change)
          .catch((error: unknown) => deps.reportFailure('presence record', error));
      else await storage.recordPresence(change);
    }
    presence.set(agentId, result.snapshot);
    if (result.changed) deps.log({ type: 'presence', at, agentId, presence: result.snapshot.value });
    const events = deps.router.agent(agentId)
      ? deps.router.setPresence(agentId, result.snapshot.value, reasonCode)
      : [];
    deps.notify(agentId, {
      type: 'presence',
      status: result.snapshot.value,
      ...(reasonCode ? { reason: reasonCode } : {}),
    });
    // Offers the router withdrew from this agent go back in line (and the agent hears they are gone).
    if (by !== 'system') deps.route(events);
    else await deps.applyRouting(events);
    return result.snapshot;
  }

  function awaitReturn(agentId: string): void {
    deps.graceTimers.armAt(agentId, clock.now() + deps.agentGraceMs, () => {
      if (deps.isOnline(agentId) || presence.get(agentId)?.value === 'offline') return;
      set(agentId, 'offline', 'disconnected', 'system')
        // What was withdrawn from them is routed again.
        .then(() => deps.schedule())
        .catch((error: unknown) => {
          if (isRetryable(error)) awaitReturn(agentId);
          else deps.reportFailure('presence (disconnected)', error);
        });
    });
  }

  const handlers: PresenceHandlers = {
    async 'presence.set'(caller, args) {
      authorizeRole(caller.subject, 'presence.set', 'set presence');
      const snapshot = await set(caller.subject.id, args.status, args.reason, 'agent');
      const { reasonCode } = snapshot.context;
      return { status: snapshot.value, ...(reasonCode ? { reason: reasonCode } : {}) };
    },
    async 'supervisor.force-presence'(caller, args) {
      authorizeRole(caller.subject, 'supervisor.force-presence', "change another agent's presence");
      if (!deps.agents.has(args.agentId))
        throw helplineError('not-found', { entity: 'Agent', id: args.agentId });
      await set(args.agentId, args.status, args.reason ?? 'supervisor', 'supervisor');
      void deps.schedule();
      return {};
    },
  };

  return {
    handlers,
    presenceOf,
    current: (agentId) => presence.get(agentId),
    set,
    awaitReturn,
    returned: (agentId) => deps.graceTimers.clear(agentId),
    restore(changes) {
      for (const { agentId, status, reason, at } of changes) {
        if (status === 'offline' || !deps.agents.has(agentId) || presence.has(agentId)) continue;
        // Since when it was set, as kept: occupancy counts from then.
        const result = transition(presenceMachine, presenceSnapshot({ at }), {
          type: 'FORCE',
          at,
          to: status,
          ...(reason ? { reason: reason as AwayReason } : {}),
        });
        if (!result.ok) continue;
        presence.set(agentId, result.snapshot);
        if (deps.router.agent(agentId))
          deps.router.setPresence(agentId, result.snapshot.value, result.snapshot.context.reasonCode);
        if (!deps.isOnline(agentId)) awaitReturn(agentId);
      }
    },
  };
}
