import type { AwayReason } from '../agent/agent.types';
import type { Interaction } from '../interaction/interaction.types';
import { can, pendingDeadline } from '../machine';
import { isHelplineError } from '../protocol/errors';
import type { Notice, WireInteraction } from '../protocol/protocol.types';
import type { Router, RoutingEvent, RoutingItem, RoutingOffer } from '../routing/routing.types';
import { isRetryable, type ReportFailure, retryDelayOf } from './failures';
import type { HubClock } from './hub.types';
import type { Intent } from './lifecycles';
import { type Live, phaseOfLive } from './live';
import type { TimerGroup } from './timers.hub';

// The glue between the router (pure: who gets what) and the interactions' machines: every routing decision
// becomes a machine step in the conversation's turn, the router decides which offers ran out when the offered
// state's deadline wakes it (effects.hub.ts arms it), a decision storage could not take is repaired later, waiting
// customers hear their place in line, and a transfer to a named agent reports its outcome to the agent who asked.

/** What a transfer to a named agent came to, for the agent who asked. */
export type TransferOutcome = 'accepted' | 'declined' | 'missed';

/** What the routing glue needs from the hub. */
export interface RoutingHubDeps {
  readonly clock: HubClock;
  readonly router: Router;
  /** The interaction the hub holds live. */
  readonly live: (cid: string) => Live | undefined;
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** One machine step of the interaction, stored and made current (in the conversation's turn). */
  readonly drive: (current: Live, intent: Intent) => Promise<void>;
  readonly notify: (subjectId: string, notice: Notice) => void;
  /** The interaction as the agent it is offered to may see it. */
  readonly wireForAgent: (interaction: Interaction, agentId: string) => WireInteraction;
  /** Sets an agent away on the router's behalf (missed offers). */
  readonly setAway: (agentId: string, reason: AwayReason) => Promise<unknown>;
  /** The deadlines of decisions storage could not take. */
  readonly repairTimers: TimerGroup;
  /** The one timer that wakes the router when the earliest waiting interaction is due to overflow. */
  readonly overflowTimer: TimerGroup;
  readonly isClosed: () => boolean;
  readonly reportFailure: ReportFailure;
}

/** The routing glue of a hub. */
export interface RoutingHub {
  /** Runs one router step and what routing it sets off, after every earlier batch, in order. */
  run(step: () => RoutingEvent[]): Promise<void>;
  /** Routes again. */
  schedule(): Promise<void>;
  /**
   * Lets the router act on the time: offers that ran out become `missed` (each counted against its agent) and are
   * routed again. Called when an offered interaction's deadline falls due.
   */
  tick(): Promise<void>;
  /** Carries out what the router decided, now (then publishes queue positions). */
  apply(events: readonly RoutingEvent[]): Promise<void>;
  /** What the router needs of an interaction; its wait counts from when it first queued (kept across transfers). */
  itemOf(interaction: Interaction): RoutingItem;
  /** Puts an interaction in line (`passedOver`: agents who declined or missed it already). */
  enqueue(current: Live, passedOver?: readonly string[]): void;
  /**
   * Puts an interaction in line as its record says, in place of whatever the router holds for it then: a copy found
   * stale and reloaded (hub.ts, resync), whose record may have been put in line by the step that won meanwhile.
   */
  requeue(current: Live): void;
  /**
   * Puts work back in line offered to `agentId` first when they can take it now (a reopened conversation goes back to
   * the agent who knows it), otherwise in its queue like any other.
   */
  enqueuePreferring(current: Live, agentId: string): void;
  /**
   * Gives an interaction offered before a restart (or by a routing leader that is gone) back to the router as the
   * same offer: to the same agent, until the expiry its machine recorded. False when the router refuses it (the agent
   * is unknown, no longer serves the queue or has no room): then the caller takes the offer back.
   */
  restoreOffer(current: Live): boolean;
  /** Offers a transferred interaction to `to`; `from` hears whether it was taken, declined or missed. */
  transferTo(current: Live, from: string, to: string): void;
  /** A named transfer's offer to `agentId` has its answer. */
  transferSettled(cid: string, agentId: string, outcome: TransferOutcome): void;
  /** Tells each waiting customer their place in line, when it changed. */
  publishPositions(): void;
  /** The place in line the customer was last told, while the interaction waits. */
  standingOf(cid: string): Notice | undefined;
  /** The interaction no longer waits (taken, moved out of line, finished): its place is forgotten. */
  leftLine(cid: string): void;
}

/**
 * Creates the routing glue of a hub.
 *
 * @example
 * ```ts
 * const routing = createRoutingHub({ clock, router, live: (cid) => live.get(cid), serialized, drive, … });
 * routing.enqueue(current);
 * ```
 */
export function createRoutingHub(deps: RoutingHubDeps): RoutingHub {
  const { clock, router, repairTimers } = deps;
  /** The place in line each waiting interaction's customer was last told, by interaction id. */
  const lastPositions = new Map<string, { readonly key: string; readonly notice: Notice }>();
  /** Transfers to a named agent still waiting for that agent's answer: who asked, to whom. */
  const namedTransfers = new Map<string, { readonly from: string; readonly to: string }>();

  /**
   * Applies what the router decided, then publishes queue positions. Each decision stands alone: one that storage
   * cannot take is repaired later and does not hold up the others.
   */
  async function applyRouting(events: readonly RoutingEvent[]): Promise<void> {
    for (const event of events) {
      try {
        if (event.type === 'offered') await offer(event.offer);
        else if (event.type === 'missed') await missed(event.offer);
        else if (event.type === 'requeued') await withdrawn(event.interactionId);
        else if (event.type === 'agent-away') await deps.setAway(event.agentId, event.reason);
      } catch (error) {
        const cid =
          'offer' in event
            ? event.offer.interactionId
            : 'interactionId' in event
              ? event.interactionId
              : undefined;
        if (cid !== undefined && isRetryable(error)) repairLater(cid, retryDelayOf(error));
        else deps.reportFailure(`routing (${event.type})`, error);
      }
    }
    publishPositions();
  }

  async function offer(routed: RoutingOffer): Promise<void> {
    const cid = routed.interactionId;
    const current = deps.live(cid);
    if (!current) return;
    const intent: Intent = { kind: 'offer', agentId: routed.agentId, expiresAt: routed.expiresAt };
    const offered = await deps.serialized(cid, async () => {
      // It may have left the line while the router decided (cancelled, rescheduled): withdraw the offer — this
      // one, not another the router holds for it by now (an answer whose write failed gave its offer back).
      const event = current.lifecycle.event(intent, clock.now());
      if (!event || !can(current.lifecycle.machine, current.snapshot, event)) {
        if (router.offerOf(cid)?.agentId === routed.agentId) router.remove(cid);
        return false;
      }
      await deps.drive(current, intent);
      return true;
    });
    if (!offered) return;
    deps.notify(routed.agentId, {
      type: 'offer',
      offer: {
        interaction: deps.wireForAgent(current.interaction, routed.agentId),
        expiresAt: routed.expiresAt,
      },
    });
  }

  async function missed(routed: RoutingOffer): Promise<void> {
    const cid = routed.interactionId;
    const current = deps.live(cid);
    if (!current || phaseOfLive(current) !== 'offered') return;
    await deps.serialized(cid, () => deps.drive(current, { kind: 'offer-timeout' }));
    deps.notify(routed.agentId, { type: 'offer.revoked', cid, reason: 'missed' });
    transferSettled(cid, routed.agentId, 'missed');
  }

  /**
   * The router put an offered interaction back in line without a timeout (its agent went away or offline): the
   * machine follows, and the agent is told the offer is gone.
   */
  async function withdrawn(cid: string): Promise<void> {
    const current = deps.live(cid);
    const agentId = current?.interaction.agentId;
    if (!current || phaseOfLive(current) !== 'offered' || router.offerOf(cid) !== undefined || !agentId)
      return;
    await deps.serialized(cid, async () => {
      if (phaseOfLive(current) === 'offered' && router.offerOf(cid) === undefined)
        await deps.drive(current, { kind: 'offer-withdrawn' });
    });
    deps.notify(agentId, { type: 'offer.revoked', cid, reason: 'missed' });
    transferSettled(cid, agentId, 'missed');
  }

  /**
   * A routing step storage could not take: the interaction leaves the router until its machine can follow, so it
   * is neither offered against a stale state nor lost; then it joins the line again with its original wait.
   */
  function repairLater(cid: string, delayMs: number): void {
    // Who declined or missed it already is kept: they are not offered it first when it joins the line again.
    const passedOver = router.passedOverOf(cid);
    router.remove(cid);
    repairTimers.armAt(cid, clock.now() + delayMs, () => {
      deps
        .serialized(cid, async () => {
          const current = deps.live(cid);
          if (!current) return;
          // An offer whose timeout or withdrawal storage refused is taken back now, and its agent told, as then.
          const offeredTo = phaseOfLive(current) === 'offered' ? current.interaction.agentId : undefined;
          if (offeredTo !== undefined) {
            await deps.drive(current, { kind: 'offer-withdrawn' });
            deps.notify(offeredTo, { type: 'offer.revoked', cid, reason: 'missed' });
            transferSettled(cid, offeredTo, 'missed');
          }
          if (!current.lifecycle.waiting.has(current.snapshot.value)) return;
          // A transfer whose offer to the named agent storage refused: that agent has not answered yet, so it is
          // offered to them again rather than to whoever is free.
          const named = namedTransfers.get(cid);
          if (named) offerToNamed(current, named.to);
          else enqueueForRouting(current, passedOver);
        })
        .catch((error: unknown) => {
          if (isRetryable(error)) repairLater(cid, retryDelayOf(error));
          else deps.reportFailure('routing repair', error);
        });
    });
  }

  function publishPositions(): void {
    for (const position of router.positions()) {
      const current = deps.live(position.interactionId);
      if (!current) continue;
      const key = `${position.position}:${position.estimatedWaitSeconds ?? '?'}`;
      if (lastPositions.get(position.interactionId)?.key === key) continue;
      const notice: Notice = {
        type: 'position',
        cid: position.interactionId,
        position: position.position,
        ...(position.estimatedWaitSeconds === undefined
          ? {}
          : { estimatedWaitSeconds: position.estimatedWaitSeconds }),
      };
      lastPositions.set(position.interactionId, { key, notice });
      deps.notify(current.interaction.customer.id, notice);
    }
  }

  let routingChain: Promise<void> = Promise.resolve();
  /** Routing decisions are applied one batch at a time, in order. */
  function runRouting(step: () => RoutingEvent[]): Promise<void> {
    routingChain = routingChain
      .then(async () => {
        if (deps.isClosed()) return;
        await applyRouting(step());
        await applyRouting(router.route());
        armOverflow();
      })
      .catch((error: unknown) => {
        // A routing failure must not stop later routing; it is reported for the operator.
        deps.reportFailure('routing', error);
      });
    return routingChain;
  }

  /** Overflow is a deadline of the queue, not of a machine state: the router says when the next one falls due. */
  function armOverflow(): void {
    const at = router.nextOverflowAt();
    if (at === undefined) deps.overflowTimer.clear('overflow');
    else deps.overflowTimer.armAt('overflow', at, () => void runRouting(() => router.tick()));
  }

  function schedule(): Promise<void> {
    return runRouting(() => []);
  }

  /** What the router needs of an interaction; its wait counts from when it first queued (kept across transfers). */
  function routingItemOf(interaction: Interaction): RoutingItem {
    return {
      id: interaction.id,
      queueId: interaction.queueId,
      channel: interaction.channel,
      priority: interaction.priority,
      requiredSkills: interaction.requiredSkills,
      waitingSince: interaction.timestamps.queuedAt ?? clock.now(),
      ...(interaction.language ? { language: interaction.language } : {}),
    };
  }

  function restoreOffer(current: Live): boolean {
    const { interaction } = current;
    const deadline = pendingDeadline(current.lifecycle.machine, current.snapshot);
    if (!interaction.agentId || deadline?.kind !== 'offer-timeout') return false;
    const offer = {
      agentId: interaction.agentId,
      offeredAt: interaction.timestamps.offeredAt ?? clock.now(),
      expiresAt: deadline.at,
    };
    try {
      router.restoreOffer(routingItemOf(interaction), offer);
      return true;
    } catch (error) {
      if (isHelplineError(error)) return false;
      throw error;
    }
  }

  function enqueueForRouting(current: Live, passedOver: readonly string[] = []): void {
    void runRouting(() => router.enqueue({ ...routingItemOf(current.interaction), passedOver }));
  }

  function requeue(current: Live): void {
    void runRouting(() => {
      // In the chain, not before it: an enqueue already waiting in the chain then finds it held and would fail.
      router.remove(current.interaction.id);
      return router.enqueue(routingItemOf(current.interaction));
    });
  }

  /** Offers a transferred interaction to the agent it was transferred to, or, when they have no room, to its queue. */
  function offerToNamed(current: Live, agentId: string): void {
    const cid = current.interaction.id;
    void runRouting(() => {
      try {
        return router.offerTo(routingItemOf(current.interaction), agentId);
      } catch {
        // The agent's room went between the check and now: the work waits in its queue instead.
        transferSettled(cid, agentId, 'declined');
        return router.enqueue(routingItemOf(current.interaction));
      }
    });
  }

  /**
   * A transfer to a named agent has its answer: the transferring agent is told whether it was taken, declined or
   * missed (then it waits in its queue with its original wait).
   */
  function transferSettled(cid: string, agentId: string, outcome: TransferOutcome): void {
    const named = namedTransfers.get(cid);
    if (named?.to !== agentId) return;
    namedTransfers.delete(cid);
    deps.notify(named.from, { type: 'transfer.result', cid, toAgentId: agentId, outcome });
  }

  function enqueuePreferring(current: Live, agentId: string): void {
    void runRouting(() => {
      const item = routingItemOf(current.interaction);
      if (router.refusalOfOfferTo(item, agentId) !== undefined) return router.enqueue(item);
      try {
        return router.offerTo(item, agentId);
      } catch {
        return router.enqueue(item);
      }
    });
  }

  return {
    run: runRouting,
    schedule,
    enqueuePreferring,
    tick: () => runRouting(() => router.tick()),
    apply: applyRouting,
    itemOf: routingItemOf,
    enqueue: enqueueForRouting,
    requeue,
    restoreOffer,
    transferTo(current, from, to) {
      namedTransfers.set(current.interaction.id, { from, to });
      offerToNamed(current, to);
    },
    transferSettled,
    publishPositions,
    standingOf: (cid) => lastPositions.get(cid)?.notice,
    leftLine: (cid) => void lastPositions.delete(cid),
  };
}
