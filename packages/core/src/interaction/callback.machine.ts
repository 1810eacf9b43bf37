import { type Action, can, type DeadlineConfig, defineMachine, type Guard, type Snapshot } from '../machine';
import type { EndedBy, EndReason } from './interaction.types';
import {
  answerLeg,
  DEFAULT_WRAP_UP_POLICY,
  type DeadlineKind,
  dispositionSatisfies,
  endIntoWrapUp,
  eventOfType,
  latestTime,
  monotonicTime,
  type OfferEvent,
  type OfferFields,
  offerActions,
  offerDeadline,
  offerGuards,
  type ReassignEvent,
  recordReassign,
  type WrapUpEvent,
  type WrapUpFields,
  type WrapUpPolicy,
  withLegEnded,
  withQueued,
  wrapUpActions,
  wrapUpDeadline,
  wrapUpDeadlineAt,
  wrapUpGuards,
} from './lifecycle';

/**
 * States of a callback: `requested → scheduled → queued → offered → dialing → active → wrap-up → completed`;
 * an unanswered dial waits in `retry-wait` and goes back to `queued`; `cancelled` and `failed` are the other ends.
 */
export type CallbackState =
  | 'requested'
  | 'scheduled'
  | 'queued'
  | 'offered'
  | 'dialing'
  | 'retry-wait'
  | 'active'
  | 'wrap-up'
  | 'completed'
  | 'cancelled'
  | 'failed';

/** A time window the customer picked for the callback, epoch ms (`start` inclusive, `end` exclusive). */
export interface CallbackSlot {
  readonly start: number;
  readonly end: number;
}

/** Everything that can happen to a callback. Every event carries `at` (epoch ms). */
export type CallbackEvent =
  /**
   * Call back in `slot`. Also moves a callback that is scheduled, waiting in the queue or for a retry, or that
   * an agent accepted but has not yet reached the customer on (the agent hands it back; the dial it counted is
   * returned).
   */
  | { readonly type: 'SCHEDULE'; readonly at: number; readonly slot: CallbackSlot }
  /** Call back as soon as possible. */
  | { readonly type: 'QUEUE'; readonly at: number }
  /** The timer the state waits on fired: the slot started, or the retry back-off is over. */
  | { readonly type: 'DUE'; readonly at: number }
  /** An accepted offer starts dialing, which counts as an attempt. */
  | OfferEvent
  /** The customer picked up. */
  | { readonly type: 'ANSWER'; readonly at: number }
  /** The customer did not pick up (no answer, busy, voicemail). */
  | { readonly type: 'NO_ANSWER'; readonly at: number }
  | { readonly type: 'HANG_UP'; readonly at: number; readonly by: EndedBy }
  /** Called off before dialing. */
  | { readonly type: 'CANCEL'; readonly at: number; readonly by: 'visitor' | 'agent' }
  /** A technical failure (carrier, media, invalid number). */
  | { readonly type: 'FAIL'; readonly at: number }
  | ReassignEvent
  | WrapUpEvent;

/** The type names of {@link CallbackEvent}. */
export type CallbackEventType = CallbackEvent['type'];

/** Facts about one callback. */
export interface CallbackContext extends WrapUpFields, OfferFields {
  readonly queueId?: string | undefined;
  /** E.164 number to call (validated by the protocol layer before it gets here). */
  readonly phone: string;
  /** The chosen window; unset for an as-soon-as-possible callback. */
  readonly slot?: CallbackSlot | undefined;
  /** True when the customer asked for a callback as soon as possible. */
  readonly asap: boolean;
  /** Dials started so far. */
  readonly attempts: number;
  /** Dials allowed in total; after the last one goes unanswered the callback fails. */
  readonly maxAttempts: number;
  /** Back-off before the first retry; each further retry waits twice as long. */
  readonly retryDelayMs: number;
  /** When the next dial may start; set only in `retry-wait`. */
  readonly nextAttemptAt?: number | undefined;
  /** When it last joined the queue to be dialled (its slot started, or a retry came due), epoch ms. */
  readonly dueSince?: number | undefined;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
}

/** A callback machine snapshot. */
export type CallbackSnapshot = Snapshot<CallbackState, CallbackContext>;

type CallbackGuard = Guard<CallbackContext, CallbackEvent>;
type CallbackAction = Action<CallbackContext, CallbackEvent>;

const timeOf = (context: CallbackContext, event: CallbackEvent): number =>
  monotonicTime(latestTime(context.timestamps), event.at);

const endedInFailure: CallbackGuard = (context) => context.endReason === 'failed';
const wrapUp = wrapUpGuards(timeOf);

const guards = {
  validSlot: (context, event) => {
    const { slot } = eventOfType(event, 'SCHEDULE');
    return Number.isFinite(slot.start) && slot.start < slot.end && slot.end > timeOf(context, event);
  },
  slotStarted: (context, event) => context.slot !== undefined && timeOf(context, event) >= context.slot.start,
  retryDue: (context, event) =>
    context.nextAttemptAt !== undefined && timeOf(context, event) >= context.nextAttemptAt,
  ...offerGuards(timeOf),
  attemptsLeft: (context) => context.attempts < context.maxAttempts,
  byVisitor: (_context, event) => eventOfType(event, 'CANCEL').by === 'visitor',
  ...wrapUp,
  // The runtime takes one guard per candidate, so the wrap-up exits of a failed call combine two.
  dispositionGivenAfterFailure: (context, event) =>
    endedInFailure(context, event) && wrapUp.dispositionGiven(context, event),
  wrapUpTimeUpAfterFailure: (context, event) =>
    endedInFailure(context, event) && wrapUp.wrapUpTimeUp(context, event),
  wrapUpSkippableAfterFailure: (context, event) =>
    endedInFailure(context, event) && wrapUp.wrapUpSkippable(context),
} satisfies Record<string, CallbackGuard>;

function end(reason: EndReason, by: EndedBy): CallbackAction {
  return (context, event) => {
    const at = timeOf(context, event);
    const next = withLegEnded(context, at, reason);
    return {
      ...next,
      nextAttemptAt: undefined,
      endReason: reason,
      endedBy: by,
      timestamps: { ...next.timestamps, endedAt: at },
    };
  };
}

const actions = {
  recordReassign,
  saveSlot: (context, event) => ({ ...context, slot: eventOfType(event, 'SCHEDULE').slot, asap: false }),
  markAsap: (context) => ({ ...context, asap: true }),
  clearRetry: (context) => ({ ...context, nextAttemptAt: undefined }),
  handBack: (context, event) => ({
    ...withLegEnded(context, timeOf(context, event), 'transferred'),
    agentId: undefined,
    attempts: Math.max(0, context.attempts - 1),
  }),
  markDue: (context, event) => ({ ...context, dueSince: timeOf(context, event) }),
  enterQueue: (context, event) => ({
    ...withQueued(context, timeOf(context, event)),
    nextAttemptAt: undefined,
  }),
  ...offerActions(timeOf),
  startDialing: (context, event) => ({
    ...context,
    attempts: context.attempts + 1,
    offerExpiresAt: undefined,
    offerHistory: answerLeg(context.offerHistory, timeOf(context, event)),
  }),
  recordCustomerAnswer: (context, event) => ({
    ...context,
    // `answeredAt` of a callback is when the customer picked up; the agent's acceptance is in the leg.
    timestamps: { ...context.timestamps, answeredAt: timeOf(context, event) },
  }),
  scheduleRetry: (context, event) => {
    const at = timeOf(context, event);
    const backOff = context.retryDelayMs * 2 ** Math.max(0, context.attempts - 1);
    // The dialing agent's part is over; the retry is offered afresh, possibly to someone else.
    return { ...withLegEnded(context, at, 'missed'), agentId: undefined, nextAttemptAt: at + backOff };
  },
  endUnreachable: end('missed', 'system'),
  endCancelledByVisitor: end('abandoned', 'visitor'),
  endCancelledByAgent: end('rejected', 'agent'),
  endFailed: end('failed', 'system'),
  endCompleted: (context, event) => end('completed', eventOfType(event, 'HANG_UP').by)(context, event),
  ...wrapUpActions(timeOf),
} satisfies Record<string, CallbackAction>;

/** The timer `scheduled` and `retry-wait` wait on: at `at` of the context the callback is due (`DUE`). */
function dueAt(
  at: (context: CallbackContext) => number | undefined,
): DeadlineConfig<CallbackContext, CallbackEvent, DeadlineKind> {
  return { kind: 'callback-due', at, event: (now) => ({ type: 'DUE', at: now }) };
}

/** Cancelling before dialing: who cancelled decides the end reason. */
const cancel = [
  { target: 'cancelled', guard: 'byVisitor', actions: ['endCancelledByVisitor'] },
  { target: 'cancelled', actions: ['endCancelledByAgent'] },
] as const;

/** Ending from `active`: straight to `end` under ACW policy `none`, otherwise into `wrap-up`. */
const endFromActive = (end: 'completed' | 'failed', action: keyof typeof actions) =>
  endIntoWrapUp(end, action);

/**
 * The callback lifecycle. A dial that goes unanswered waits in `retry-wait` (doubling back-off) and is queued
 * again until `maxAttempts` dials were made; then the callback `failed` with end reason `missed`. Every end
 * state carries `endReason` and `endedBy`. The states that wait for a time declare it (`after`): the slot's start,
 * the retry's back-off, the offer's timeout, a `timed` wrap-up's end.
 *
 * @example
 * ```ts
 * let cb = callbackSnapshot({ at: now, phone: '+31201234567', maxAttempts: 3 });
 * cb = transition(callbackMachine, cb, { type: 'SCHEDULE', at: now, slot: { start, end } }).snapshot;
 * ```
 */
export const callbackMachine = defineMachine<CallbackState, CallbackEvent, CallbackContext, DeadlineKind>({
  id: 'callback',
  initial: 'requested',
  context: {
    ...DEFAULT_WRAP_UP_POLICY,
    phone: '',
    asap: false,
    attempts: 0,
    maxAttempts: 3,
    retryDelayMs: 5 * 60_000,
    timestamps: { createdAt: 0 },
    offerHistory: [],
    missCount: 0,
  },
  states: {
    requested: {
      on: {
        SCHEDULE: { target: 'scheduled', guard: 'validSlot', actions: ['saveSlot'] },
        QUEUE: { target: 'queued', actions: ['markAsap', 'enterQueue', 'markDue'] },
        CANCEL: cancel,
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
    },
    scheduled: {
      on: {
        SCHEDULE: { target: 'scheduled', guard: 'validSlot', actions: ['saveSlot'] },
        DUE: { target: 'queued', guard: 'slotStarted', actions: ['enterQueue', 'markDue'] },
        CANCEL: cancel,
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
      after: dueAt((context) => context.slot?.start),
    },
    queued: {
      on: {
        SCHEDULE: { target: 'scheduled', guard: 'validSlot', actions: ['saveSlot'] },
        OFFER: { target: 'offered', guard: 'validOffer', actions: ['recordOffer'] },
        // A supervisor moves it to another queue; it stays in line with its original wait.
        REASSIGN: { target: 'queued', actions: ['recordReassign'] },
        CANCEL: cancel,
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
    },
    offered: {
      on: {
        ACCEPT: { target: 'dialing', guard: 'fromOfferedAgent', actions: ['startDialing'] },
        REJECT: { target: 'queued', guard: 'fromOfferedAgent', actions: ['closeLegRejected', 'enterQueue'] },
        OFFER_TIMEOUT: { target: 'queued', guard: 'offerExpired', actions: ['closeLegMissed', 'enterQueue'] },
        OFFER_WITHDRAWN: { target: 'queued', actions: ['closeLegMissed', 'enterQueue'] },
        CANCEL: cancel,
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
      after: offerDeadline,
    },
    dialing: {
      on: {
        SCHEDULE: { target: 'scheduled', guard: 'validSlot', actions: ['handBack', 'saveSlot'] },
        ANSWER: { target: 'active', actions: ['recordCustomerAnswer'] },
        NO_ANSWER: [
          { target: 'retry-wait', guard: 'attemptsLeft', actions: ['scheduleRetry'] },
          { target: 'failed', actions: ['endUnreachable'] },
        ],
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
    },
    'retry-wait': {
      on: {
        DUE: { target: 'queued', guard: 'retryDue', actions: ['enterQueue', 'markDue'] },
        SCHEDULE: { target: 'scheduled', guard: 'validSlot', actions: ['saveSlot', 'clearRetry'] },
        CANCEL: cancel,
        FAIL: { target: 'failed', actions: ['endFailed'] },
      },
      after: dueAt((context) => context.nextAttemptAt),
    },
    active: {
      on: {
        HANG_UP: endFromActive('completed', 'endCompleted'),
        // The agent still wraps up a call that dropped under them (failed outbound calls skipping ACW is a
        // known complaint about other contact centers).
        FAIL: endFromActive('failed', 'endFailed'),
      },
    },
    'wrap-up': {
      on: {
        WRAP_UP_DONE: [
          { target: 'failed', guard: 'dispositionGivenAfterFailure', actions: ['recordWrapUp'] },
          { target: 'completed', guard: 'dispositionGiven', actions: ['recordWrapUp'] },
        ],
        WRAP_UP_TIMEOUT: [
          { target: 'failed', guard: 'wrapUpTimeUpAfterFailure', actions: ['stampWrapUpEnd'] },
          { target: 'completed', guard: 'wrapUpTimeUp', actions: ['stampWrapUpEnd'] },
        ],
        SKIP_WRAP_UP: [
          { target: 'failed', guard: 'wrapUpSkippableAfterFailure', actions: ['stampWrapUpEnd'] },
          { target: 'completed', guard: 'wrapUpSkippable', actions: ['stampWrapUpEnd'] },
        ],
      },
      after: wrapUpDeadline,
    },
    completed: { final: true },
    cancelled: { final: true },
    failed: { final: true },
  },
  guards,
  actions,
});

/** Options of a new callback request. */
export interface CallbackOptions extends Partial<WrapUpPolicy> {
  /** Request time, epoch ms. */
  readonly at: number;
  /** E.164 number to call. */
  readonly phone: string;
  readonly queueId?: string | undefined;
  /** Dials allowed in total (at least 1). Default 3. */
  readonly maxAttempts?: number | undefined;
  /** Back-off before the first retry, doubled for each further one. Default 5 minutes. */
  readonly retryDelayMs?: number | undefined;
}

/**
 * A new callback in `requested`.
 *
 * @example
 * ```ts
 * const cb = callbackSnapshot({ at: Date.now(), phone: '+31201234567', acw: queue.acw });
 * ```
 */
export function callbackSnapshot(options: CallbackOptions): CallbackSnapshot {
  const defaults = callbackMachine.context;
  return {
    value: callbackMachine.initial,
    context: {
      ...defaults,
      phone: options.phone,
      queueId: options.queueId,
      acw: options.acw ?? defaults.acw,
      dispositionRequired: options.dispositionRequired ?? defaults.dispositionRequired,
      maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? defaults.maxAttempts)),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? defaults.retryDelayMs),
      timestamps: { createdAt: options.at },
    },
  };
}

/** What a UI may show or do with a callback now, derived from its snapshot. */
export interface CallbackFlags {
  readonly isScheduled: boolean;
  /** Waiting for an agent or a dial: `queued`, `offered` or `retry-wait`. */
  readonly isWaiting: boolean;
  readonly isRetrying: boolean;
  readonly isDialing: boolean;
  /** Talking to the customer. */
  readonly isActive: boolean;
  readonly isWrappingUp: boolean;
  /** In `completed`, `cancelled` or `failed`. */
  readonly isFinished: boolean;
  /** The visitor or agent can still call it off (nothing dialed yet). */
  readonly canCancel: boolean;
  readonly canReschedule: boolean;
  readonly canAccept: boolean;
  readonly canHangUp: boolean;
  readonly canSkipWrapUp: boolean;
  readonly needsDisposition: boolean;
  /** Dials still allowed. */
  readonly attemptsLeft: number;
  /** When the next dial may start, epoch ms (only while retrying). */
  readonly nextAttemptAt: number | undefined;
  /** When a `timed` wrap-up ends on its own, epoch ms. */
  readonly wrapUpDeadlineAt: number | undefined;
}

const CANCELLABLE: readonly CallbackState[] = ['requested', 'scheduled', 'queued', 'offered', 'retry-wait'];
const FINISHED: readonly CallbackState[] = ['completed', 'cancelled', 'failed'];
const RESCHEDULABLE: readonly CallbackState[] = ['requested', 'scheduled', 'queued', 'retry-wait', 'dialing'];

/**
 * Derives the flags of a callback. Flags are computed, never stored.
 *
 * @example
 * ```ts
 * const { canCancel, nextAttemptAt } = callbackFlags(cb);
 * ```
 */
export function callbackFlags(snapshot: CallbackSnapshot): CallbackFlags {
  const { value, context } = snapshot;
  const wrappingUp = value === 'wrap-up';
  return {
    isScheduled: value === 'scheduled',
    isWaiting: value === 'queued' || value === 'offered' || value === 'retry-wait',
    isRetrying: value === 'retry-wait',
    isDialing: value === 'dialing',
    isActive: value === 'active',
    isWrappingUp: wrappingUp,
    isFinished: FINISHED.includes(value),
    canCancel: CANCELLABLE.includes(value),
    canReschedule: RESCHEDULABLE.includes(value),
    canAccept: value === 'offered',
    canHangUp: value === 'active',
    canSkipWrapUp: can(callbackMachine, snapshot, {
      type: 'SKIP_WRAP_UP',
      at: latestTime(context.timestamps),
    }),
    needsDisposition: wrappingUp && !dispositionSatisfies(context, context.disposition),
    attemptsLeft: FINISHED.includes(value) ? 0 : Math.max(0, context.maxAttempts - context.attempts),
    nextAttemptAt: value === 'retry-wait' ? context.nextAttemptAt : undefined,
    wrapUpDeadlineAt: wrappingUp ? wrapUpDeadlineAt(context, context.timestamps.endedAt) : undefined,
  };
}
