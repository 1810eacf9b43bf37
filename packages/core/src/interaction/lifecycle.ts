import type { Action, DeadlineConfig, Guard, MachineEvent } from '../machine';
import type { Queue } from '../queue/queue.types';
import type { EndReason, InteractionTimestamps } from './interaction.types';

/** The wrap-up rules of the queue an interaction belongs to (copied into each interaction machine's context). */
export type WrapUpPolicy = Pick<Queue, 'acw' | 'dispositionRequired'>;

/** Wrap-up policy used when none is given: the agent may wrap up or skip, no disposition required. */
export const DEFAULT_WRAP_UP_POLICY: WrapUpPolicy = { acw: { kind: 'optional' }, dispositionRequired: false };

/** The wrap-up facts every interaction machine keeps in its context. */
export interface WrapUpFields extends WrapUpPolicy {
  /** Disposition chosen in wrap-up. */
  readonly disposition?: string | undefined;
  /** Agent's wrap-up notes. */
  readonly notes?: string | undefined;
}

/** True when the ACW policy sends a finished interaction straight to its end, with no wrap-up phase. */
export function skipsWrapUp(policy: WrapUpPolicy): boolean {
  return policy.acw.kind === 'none';
}

/** True when `disposition` satisfies the policy: present (non-blank) whenever the queue requires one. */
export function dispositionSatisfies(policy: WrapUpPolicy, disposition: string | undefined): boolean {
  return !policy.dispositionRequired || (disposition !== undefined && disposition.trim() !== '');
}

/**
 * True when the agent may leave wrap-up without finishing it. Only an `optional` (or `none`) policy allows it,
 * and never when a disposition is required, since skipping would leave the interaction without one.
 */
export function wrapUpSkippable(policy: WrapUpPolicy): boolean {
  return (policy.acw.kind === 'optional' || policy.acw.kind === 'none') && !policy.dispositionRequired;
}

/**
 * When a `timed` wrap-up ends on its own (epoch ms), given when the interaction ended; `undefined` for other
 * policies or before the end.
 *
 * @example
 * ```ts
 * wrapUpDeadlineAt({ acw: { kind: 'timed', seconds: 30 }, dispositionRequired: false }, endedAt); // endedAt + 30_000
 * ```
 */
export function wrapUpDeadlineAt(policy: WrapUpPolicy, endedAt: number | undefined): number | undefined {
  if (policy.acw.kind !== 'timed' || endedAt === undefined) return undefined;
  return endedAt + policy.acw.seconds * 1000;
}

/**
 * How long past a `timed` wrap-up's deadline it ends on its own: the agent's form submits what it has at the
 * deadline, and that submission (with its disposition) should win over the timer.
 */
export const WRAP_UP_GRACE_MS = 5_000;

/**
 * What runs out in an interaction, named alike on every channel: an offer nobody answered, a callback whose slot or
 * retry came due, a `timed` wrap-up, a snoozed conversation's wake-up. Each state declares at most one (`after` in
 * the machine tables).
 */
export type DeadlineKind = 'offer-timeout' | 'callback-due' | 'wrap-up-end' | 'snooze-wake';

/** The context an interaction machine with a wrap-up phase keeps: its policy, the outcome, and when it ended. */
export interface WrapUpContext extends WrapUpFields {
  readonly timestamps: { readonly endedAt?: number; readonly wrapUpEndedAt?: number };
}

/** The deadline of the `wrap-up` state: a `timed` wrap-up ends on its own, a short grace after its time is up. */
export const wrapUpDeadline: DeadlineConfig<WrapUpContext, WrapUpEvent, DeadlineKind> = {
  kind: 'wrap-up-end',
  at(context) {
    const deadline = wrapUpDeadlineAt(context, context.timestamps.endedAt);
    return deadline === undefined ? undefined : deadline + WRAP_UP_GRACE_MS;
  },
  event: (at) => ({ type: 'WRAP_UP_TIMEOUT', at }),
};

/** The events of the wrap-up phase, the same in every interaction machine that has one. */
export type WrapUpEvent =
  /** The agent finished wrap-up, with the disposition and notes chosen. */
  | {
      readonly type: 'WRAP_UP_DONE';
      readonly at: number;
      readonly disposition?: string | undefined;
      readonly notes?: string | undefined;
    }
  /** The `timed` wrap-up ran out. */
  | { readonly type: 'WRAP_UP_TIMEOUT'; readonly at: number }
  /** Leave wrap-up without finishing it (`optional` policy, no disposition required). */
  | { readonly type: 'SKIP_WRAP_UP'; readonly at: number };

type WrapUpDoneEvent = Extract<WrapUpEvent, { readonly type: 'WRAP_UP_DONE' }>;

/**
 * A supervisor moved waiting work to another queue: it keeps its place in time (its wait counts from when it first
 * queued) and takes the new queue's wrap-up policy, as a transfer does.
 */
export interface ReassignEvent {
  readonly type: 'REASSIGN';
  readonly at: number;
  readonly queueId: string;
  readonly acw?: Queue['acw'] | undefined;
  readonly dispositionRequired?: boolean | undefined;
}

/** The action of {@link ReassignEvent}, the same in every machine whose work waits in a queue. */
export function recordReassign<C extends WrapUpFields & { readonly queueId?: string | undefined }>(
  context: C,
  event: MachineEvent,
): C {
  const reassign = eventOfType(event as MachineEvent | ReassignEvent, 'REASSIGN') as ReassignEvent;
  return {
    ...context,
    queueId: reassign.queueId,
    acw: reassign.acw ?? context.acw,
    dispositionRequired: reassign.dispositionRequired ?? context.dispositionRequired,
  };
}

/** The events of offering a queued interaction to one agent, the same in every machine that routes. */
export type OfferEvent =
  /** The router reserved the interaction for `agentId` until `expiresAt`. */
  | { readonly type: 'OFFER'; readonly at: number; readonly agentId: string; readonly expiresAt: number }
  | { readonly type: 'ACCEPT'; readonly at: number; readonly agentId: string }
  | { readonly type: 'REJECT'; readonly at: number; readonly agentId: string }
  /** The offer ran out without an answer. */
  | { readonly type: 'OFFER_TIMEOUT'; readonly at: number }
  /**
   * The router took the offer back before it ran out (its agent went away or offline). Unanswered, so the
   * leg ends `missed`, as on a timeout.
   */
  | { readonly type: 'OFFER_WITHDRAWN'; readonly at: number };

function wrapUpDone(event: MachineEvent): WrapUpDoneEvent {
  return eventOfType(event as MachineEvent | WrapUpDoneEvent, 'WRAP_UP_DONE') as WrapUpDoneEvent;
}

/**
 * The guards of the wrap-up phase, named as {@link endIntoWrapUp} and {@link wrapUpExits} reference them.
 * `timeOf` is the machine's own clock for an event (recorded times never run backwards).
 */
export function wrapUpGuards<C extends WrapUpContext, E extends MachineEvent>(
  timeOf: (context: C, event: E) => number,
) {
  return {
    skipsWrapUp: (context) => skipsWrapUp(context),
    dispositionGiven: (context, event) => dispositionSatisfies(context, wrapUpDone(event).disposition),
    wrapUpTimeUp: (context, event) => {
      const deadline = wrapUpDeadlineAt(context, context.timestamps.endedAt);
      return deadline !== undefined && timeOf(context, event) >= deadline;
    },
    wrapUpSkippable: (context) => wrapUpSkippable(context),
  } satisfies Record<string, Guard<C, E>>;
}

/** The actions of the wrap-up phase: finish it with a disposition and notes, or just stamp its end. */
export function wrapUpActions<C extends WrapUpContext, E extends MachineEvent>(
  timeOf: (context: C, event: E) => number,
) {
  const stampWrapUpEnd: Action<C, E> = (context, event) => ({
    ...context,
    timestamps: { ...context.timestamps, wrapUpEndedAt: timeOf(context, event) },
  });
  const recordWrapUp: Action<C, E> = (context, event) => {
    const { disposition, notes } = wrapUpDone(event);
    return {
      ...stampWrapUpEnd(context, event),
      disposition: disposition ?? context.disposition,
      notes: notes ?? context.notes,
    };
  };
  return { recordWrapUp, stampWrapUpEnd };
}

/**
 * The candidates of an event that ends a conversation which took place: straight to `end` under ACW policy
 * `none`, otherwise into `wrap-up`; `action` records the end either way.
 */
export function endIntoWrapUp<const TEnd extends string, const TAction extends string>(
  end: TEnd,
  action: TAction,
) {
  return [
    { target: end, guard: 'skipsWrapUp', actions: [action] },
    { target: 'wrap-up', actions: [action] },
  ] as const;
}

/** The transitions of the `wrap-up` state when every way out of it leads to `end`. */
export function wrapUpExits<const TEnd extends string>(end: TEnd) {
  return {
    WRAP_UP_DONE: { target: end, guard: 'dispositionGiven', actions: ['recordWrapUp'] },
    WRAP_UP_TIMEOUT: { target: end, guard: 'wrapUpTimeUp', actions: ['stampWrapUpEnd'] },
    SKIP_WRAP_UP: { target: end, guard: 'wrapUpSkippable', actions: ['stampWrapUpEnd'] },
  } as const;
}

/** The latest epoch-ms time among the numeric fields of a timestamps object (`-Infinity` when none is set). */
export function latestTime(timestamps: object): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const time of Object.values(timestamps)) if (typeof time === 'number' && time > latest) latest = time;
  return latest;
}

/**
 * The time to record for an event stamped `at`, given the latest time already recorded. Recorded times never
 * run backwards: an event stamped earlier (clock skew between server nodes, a late timer) is recorded at the
 * latest known time, and a non-finite stamp is ignored the same way. Machines stay total over bad clocks
 * instead of rejecting the event.
 */
export function monotonicTime(latest: number, at: number): number {
  if (!Number.isFinite(at)) return Number.isFinite(latest) ? latest : 0;
  return Math.max(at, latest);
}

/** One offer of an interaction to one agent, from the offer until that agent's part ended. */
export interface OfferLeg {
  readonly agentId: string;
  /** Epoch ms. */
  readonly offeredAt: number;
  /** When the offer would have timed out, epoch ms. */
  readonly expiresAt: number;
  /** When the agent accepted, epoch ms. */
  readonly answeredAt?: number | undefined;
  readonly endedAt?: number | undefined;
  /** Why this agent's part ended: `rejected`, `missed`, `transferred`, or the interaction's own end reason. */
  readonly endReason?: EndReason | undefined;
}

/** Appends a new open leg. */
export function openLeg(
  legs: readonly OfferLeg[],
  agentId: string,
  at: number,
  expiresAt: number,
): OfferLeg[] {
  return [...legs, { agentId, offeredAt: at, expiresAt }];
}

function updateOpenLeg(legs: readonly OfferLeg[], update: (leg: OfferLeg) => OfferLeg): readonly OfferLeg[] {
  const last = legs.at(-1);
  if (last === undefined || last.endReason !== undefined) return legs;
  return [...legs.slice(0, -1), update(last)];
}

/** Marks the open leg (if any) answered at `at`. */
export function answerLeg(legs: readonly OfferLeg[], at: number): readonly OfferLeg[] {
  return updateOpenLeg(legs, (leg) => ({ ...leg, answeredAt: at }));
}

/** Ends the open leg (if any) at `at` with `reason`. */
export function closeLeg(legs: readonly OfferLeg[], at: number, reason: EndReason): readonly OfferLeg[] {
  return updateOpenLeg(legs, (leg) => ({ ...leg, endedAt: at, endReason: reason }));
}

/**
 * Narrows `event` to the one type an action was written for. A mismatch means the machine definition wires
 * the action to the wrong event, a bug in the definition, so it throws instead of silently doing nothing.
 */
export function eventOfType<TEvent extends MachineEvent, K extends TEvent['type']>(
  event: TEvent,
  type: K,
): Extract<TEvent, { readonly type: K }> {
  if (event.type !== type) throw new Error(`[helpline] an action for ${type} ran on ${event.type}`);
  return event as Extract<TEvent, { readonly type: K }>;
}

/** The queue-and-offer facts shared by the chat and callback machines. */
export interface OfferFields {
  /** The agent offered the interaction or handling it; kept after the end for wrap-up and reporting. */
  readonly agentId?: string | undefined;
  /** When the current offer times out; set only while offered. */
  readonly offerExpiresAt?: number | undefined;
  /** Every offer, oldest first, each with how that agent's part ended. */
  readonly offerHistory: readonly OfferLeg[];
  /** Offers that ended without an answer: timed out, or withdrawn from their agent. */
  readonly missCount: number;
  /** `queuedAt` is the first time it was queued, kept across transfers and re-queues. */
  readonly timestamps: InteractionTimestamps;
}

/** Back in (or first into) the queue: no agent, no offer; `queuedAt` keeps the first time. */
export function withQueued<C extends OfferFields>(context: C, at: number): C {
  return {
    ...context,
    agentId: undefined,
    offerExpiresAt: undefined,
    timestamps: { ...context.timestamps, queuedAt: context.timestamps.queuedAt ?? at },
  };
}

/** Reserved for `agentId` until `expiresAt`, with a new leg. */
export function withOffer<C extends OfferFields>(
  context: C,
  agentId: string,
  at: number,
  expiresAt: number,
): C {
  return {
    ...context,
    agentId,
    offerExpiresAt: expiresAt,
    offerHistory: openLeg(context.offerHistory, agentId, at, expiresAt),
    timestamps: { ...context.timestamps, offeredAt: at },
  };
}

/** The offered agent accepted. The first answer is kept in `answeredAt` (speed of answer); later ones are in the legs. */
export function withAnswer<C extends OfferFields>(context: C, at: number): C {
  return {
    ...context,
    offerExpiresAt: undefined,
    offerHistory: answerLeg(context.offerHistory, at),
    timestamps: { ...context.timestamps, answeredAt: context.timestamps.answeredAt ?? at },
  };
}

/** The current agent's part ended with `reason` (the offer, or the handling after it). */
export function withLegEnded<C extends OfferFields>(context: C, at: number, reason: EndReason): C {
  return {
    ...context,
    offerExpiresAt: undefined,
    offerHistory: closeLeg(context.offerHistory, at, reason),
  };
}

type OfferMade = Extract<OfferEvent, { readonly type: 'OFFER' }>;

/** The deadline of the `offered` state: the offer runs out at its `offerExpiresAt`. */
export const offerDeadline: DeadlineConfig<OfferFields, OfferEvent, DeadlineKind> = {
  kind: 'offer-timeout',
  at: (context) => context.offerExpiresAt,
  event: (at) => ({ type: 'OFFER_TIMEOUT', at }),
};

/** The guards of offering: a usable offer, an answer from the offered agent, an offer that ran out. */
export function offerGuards<C extends OfferFields, E extends MachineEvent>(
  timeOf: (context: C, event: E) => number,
) {
  return {
    validOffer: (context, event) => {
      const offer = eventOfType(event as MachineEvent | OfferEvent, 'OFFER') as OfferMade;
      return offer.agentId !== '' && offer.expiresAt > timeOf(context, event);
    },
    fromOfferedAgent: (context, event) => {
      const answer = event as MachineEvent & { readonly agentId?: string };
      return (answer.type === 'ACCEPT' || answer.type === 'REJECT') && answer.agentId === context.agentId;
    },
    offerExpired: (context, event) =>
      context.offerExpiresAt !== undefined && timeOf(context, event) >= context.offerExpiresAt,
  } satisfies Record<string, Guard<C, E>>;
}

/**
 * The actions of offering: record the offer, and close its leg when the agent rejects it, lets it run out, or it
 * is withdrawn (both `missed`).
 */
export function offerActions<C extends OfferFields, E extends MachineEvent>(
  timeOf: (context: C, event: E) => number,
) {
  return {
    recordOffer: (context, event) => {
      const { agentId, expiresAt } = eventOfType(event as MachineEvent | OfferEvent, 'OFFER') as OfferMade;
      return withOffer(context, agentId, timeOf(context, event), expiresAt);
    },
    closeLegRejected: (context, event) => withLegEnded(context, timeOf(context, event), 'rejected'),
    closeLegMissed: (context, event) => ({
      ...withLegEnded(context, timeOf(context, event), 'missed'),
      missCount: context.missCount + 1,
    }),
  } satisfies Record<string, Action<C, E>>;
}
