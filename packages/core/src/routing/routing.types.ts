import type { Agent, AwayReason, ChannelLoad, PresenceStatus } from '../agent/agent.types';
import type { Channel, SkillRequirement } from '../interaction/interaction.types';
import type { HelplineError } from '../protocol/errors';
import type { Queue } from '../queue/queue.types';

/** What the router needs to know about a waiting interaction. */
export interface RoutingItem {
  readonly id: string;
  readonly queueId: string;
  readonly channel: Channel;
  /** Higher first. VIP customers get a boost here. */
  readonly priority: number;
  /** Extra skills on top of the queue's own. */
  readonly requiredSkills: readonly SkillRequirement[];
  readonly language?: string | undefined;
  /** When the wait began (epoch ms). Kept across transfers and re-queues so order and reporting stay honest. */
  readonly waitingSince: number;
  /** Agents who declined or missed it already: offered to them only when nobody else can take it. */
  readonly passedOver?: readonly string[] | undefined;
}

/** An offer the router made: `interactionId` is reserved for `agentId` until `expiresAt`. */
export interface RoutingOffer {
  readonly interactionId: string;
  readonly agentId: string;
  readonly queueId: string;
  readonly channel: Channel;
  readonly offeredAt: number;
  readonly expiresAt: number;
}

/** Something the router decided, for the caller to act on (notify, persist). */
export type RoutingEvent =
  | { readonly type: 'offered'; readonly offer: RoutingOffer }
  | { readonly type: 'missed'; readonly offer: RoutingOffer }
  | { readonly type: 'requeued'; readonly interactionId: string; readonly queueId: string }
  | {
      readonly type: 'agent-away';
      readonly agentId: string;
      readonly reason: AwayReason;
    }
  | {
      readonly type: 'overflowed';
      readonly interactionId: string;
      /** The queue the interaction waits in (it stays there). */
      readonly queueId: string;
      /** The overflow queue whose agents may now take it, when the policy names one. */
      readonly toQueueId?: string | undefined;
    };

/** Place and estimated wait of one waiting interaction. */
export interface QueuePosition {
  readonly interactionId: string;
  readonly queueId: string;
  /** 1-based position among the interactions waiting in the same queue. */
  readonly position: number;
  /** Estimated wait in seconds, never negative; `undefined` when there is no data to estimate from. */
  readonly estimatedWaitSeconds: number | undefined;
}

/** Router settings. */
export interface RouterOptions {
  readonly queues: readonly Queue[];
  /** Injected clock, epoch ms. */
  readonly now: () => number;
  /** Consecutive missed offers before an agent is set away with reason `missed-offers`. Default 3. */
  readonly maxConsecutiveMisses?: number | undefined;
  /** How many recent handle times per queue feed the wait estimates. Default 50. */
  readonly handleTimeWindow?: number | undefined;
}

/** Live view of one agent inside the router. */
export interface RoutedAgent {
  readonly agent: Agent;
  readonly presence: PresenceStatus;
  readonly awayReason?: AwayReason | undefined;
  /** Interaction ids assigned (accepted) or offered to this agent. */
  readonly interactionIds: readonly string[];
  /** Since when the agent has held nothing (epoch ms); undefined while busy. */
  readonly idleSince?: number | undefined;
  readonly consecutiveMisses: number;
  /** Interactions held per channel (offered + assigned). */
  readonly load?: ChannelLoad | undefined;
}

/**
 * The ACD: pure and deterministic given the same calls and clock.
 * Mutating calls return the {@link RoutingEvent}s they caused; `route()` makes new offers.
 */
export interface Router {
  upsertQueue(queue: Queue): void;
  upsertAgent(agent: Agent): void;
  removeAgent(agentId: string): RoutingEvent[];
  setPresence(agentId: string, presence: PresenceStatus, reason?: AwayReason): RoutingEvent[];
  enqueue(item: RoutingItem): RoutingEvent[];
  /** Removes a waiting or offered interaction (abandoned, cancelled). */
  remove(interactionId: string): RoutingEvent[];
  /** Matches waiting interactions to agents with free capacity and returns the new offers. */
  route(): RoutingEvent[];
  /** The agent accepted: the interaction now holds the agent's capacity until `release`. */
  accept(interactionId: string, agentId: string): void;
  /** The agent declined: back to the queue at its original place. */
  reject(interactionId: string, agentId: string): RoutingEvent[];
  /** Capacity held by a finished interaction is freed (after wrap-up). */
  release(interactionId: string): void;
  /**
   * Enqueues `item` and offers it at once to `agentId` alone (a transfer to a named agent), with the queue's offer
   * timeout; declined or timed out, it waits in its queue like any other. Throws `agent/unavailable` when the agent
   * is not available, `validation/field` (`toAgentId`) when they do not serve the queue, `agent/capacity` when they
   * have no room for the channel; nothing is enqueued then.
   */
  offerTo(item: RoutingItem, agentId: string): RoutingEvent[];
  /**
   * Takes back an offer made before a restart, or by a routing leader that is gone: `item` stays offered to
   * `offer.agentId` until its original `expiresAt`, and holds that agent's capacity like any offer. Whatever the
   * agent's presence: after a restart nobody is connected yet, and going away or offline withdraws it as it does
   * any offer. An expiry already past is due at the next {@link Router.tick}. Throws `not-found` when the agent is
   * unknown, `validation/field` (`agentId`) when they no longer serve the queue, `agent/capacity` when they have no
   * room for the channel, `conflict/state` when the router holds the interaction already; nothing changes then.
   */
  restoreOffer(
    item: RoutingItem,
    offer: Pick<RoutingOffer, 'agentId' | 'offeredAt' | 'expiresAt'>,
  ): RoutingOffer;
  /** Agents who declined or missed an interaction the router holds (see {@link RoutingItem.passedOver}). */
  passedOverOf(interactionId: string): readonly string[];
  /** Why {@link Router.offerTo} would refuse, or `undefined` when it would offer (nothing changes). */
  refusalOfOfferTo(item: RoutingItem, agentId: string): HelplineError | undefined;
  /** Assigns directly to an agent (transfer to a named agent, agent-initiated outbound). */
  assign(interactionId: string, agentId: string, channel: Channel): void;
  /**
   * Gives back work an agent already holds (read from storage after a restart or a takeover), even past their
   * capacity: the work is theirs whatever the configuration says now, and they get no new offers until they are
   * below it. Never throws for capacity, so a restart cannot be refused by an over-assignment.
   */
  restoreAssigned(interactionId: string, agentId: string, channel: Channel): void;
  /** Moves a waiting or assigned interaction into another queue, keeping `waitingSince`. */
  transfer(interactionId: string, toQueueId: string): RoutingEvent[];
  /** Expires due offers (→ missed, re-queued) and applies overflow; call on every clock tick. */
  tick(): RoutingEvent[];
  /**
   * When the earliest waiting interaction is due to overflow (epoch ms), or `undefined` when none is: the caller
   * calls {@link Router.tick} then, so overflow happens on a quiet queue too.
   */
  nextOverflowAt(): number | undefined;
  /** Records a completed handle time (seconds) for EWT estimates. */
  recordHandleTime(queueId: string, seconds: number): void;
  positions(queueId?: string): QueuePosition[];
  agent(agentId: string): RoutedAgent | undefined;
  agents(): RoutedAgent[];
  /** Interactions waiting (not offered) in a queue, in service order. */
  waiting(queueId: string): RoutingItem[];
  /** The current offer of an interaction, if any. */
  offerOf(interactionId: string): RoutingOffer | undefined;
}
