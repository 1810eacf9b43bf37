import { eventOfType, monotonicTime } from '../interaction/lifecycle';
import { type Action, type DeadlineConfig, defineMachine, type Guard } from '../machine';
import type {
  EscalationContext,
  EscalationEvent,
  EscalationSnapshot,
  EscalationState,
  EscalationTarget,
} from './escalation.types';

type EscalationGuard = Guard<EscalationContext, EscalationEvent>;
type EscalationAction = Action<EscalationContext, EscalationEvent>;

/** The deadline kind of an escalation: the offer to a team leader runs out. */
export type EscalationDeadlineKind = 'escalation-offer';

// Recorded times never run backwards, as in every other machine.
const timeOf = (context: EscalationContext, event: EscalationEvent): number =>
  monotonicTime(context.timestamps.updatedAt, event.at);

const guards = {
  /** An offer goes to a team leader who has not passed it over already. */
  notPassedOver: (context, event) => !context.passedOver.includes(eventOfType(event, 'OFFER').leaderId),
  /** Only the team leader it is offered to accepts an offer. */
  offeredLeader: (context, event) => eventOfType(event, 'ACCEPT').leaderId === context.leaderId,
  /** The offer's timer: due once its expiry has passed. */
  offerDue: (context, event) => context.offerExpiresAt !== undefined && event.at >= context.offerExpiresAt,
  /** The board is recorded once: the first time no team leader was left. */
  notBoarded: (context) => context.boardedAt === undefined,
  /** A hand-back says why. */
  withNote: (_context, event) => eventOfType(event, 'HAND_BACK').note.trim() !== '',
} satisfies Record<string, EscalationGuard>;

const touch: EscalationAction = (context, event) => ({
  ...context,
  timestamps: { ...context.timestamps, updatedAt: timeOf(context, event) },
});

const actions = {
  touch,
  recordOffer: (context, event) => {
    const offer = eventOfType(event, 'OFFER');
    return {
      ...context,
      leaderId: offer.leaderId,
      offerExpiresAt: offer.expiresAt,
      offers: context.offers + 1,
    };
  },
  /** The offered team leader passed: never offered to them again; it waits for the next. */
  passOver: (context) => {
    const { leaderId, offerExpiresAt: _expires, ...rest } = context;
    return {
      ...rest,
      leaderId: undefined,
      offerExpiresAt: undefined,
      passedOver: leaderId ? [...context.passedOver, leaderId] : context.passedOver,
    };
  },
  recordAccept: (context, event) => ({
    ...context,
    leaderId: eventOfType(event, 'ACCEPT').leaderId,
    offerExpiresAt: undefined,
    timestamps: { ...context.timestamps, acceptedAt: timeOf(context, event) },
  }),
  recordBoard: (context, event) => ({ ...context, boardedAt: timeOf(context, event) }),
  recordNote: (context, event) => ({ ...context, note: eventOfType(event, 'HAND_BACK').note.trim() }),
  recordEnd: (context, event) => ({
    ...context,
    offerExpiresAt: undefined,
    timestamps: { ...context.timestamps, endedAt: timeOf(context, event) },
  }),
} satisfies Record<string, EscalationAction>;

/** The offer's timer: armed while offered, it hands the escalation to the next team leader. */
const offerDeadline: DeadlineConfig<EscalationContext, EscalationEvent, EscalationDeadlineKind> = {
  kind: 'escalation-offer',
  at: (context) => context.offerExpiresAt,
  event: (at) => ({ type: 'OFFER_TIMEOUT', at }),
};

const cancel = { target: 'cancelled', actions: ['touch', 'recordEnd'] } as const;

/**
 * The lifecycle of an escalation to a team leader (docs/cases.md, "Escalation"):
 * `waiting ⇄ offered → accepted → taken-over | handed-back`, and `cancelled` from any open state. An offer that
 * is declined or runs out goes back to `waiting` and that team leader is passed over; while waiting, a team leader
 * of the queue (or a supervisor) may take it from the board (`ACCEPT`).
 *
 * @example
 * ```ts
 * let esc = escalationSnapshot({ at: now, target: { kind: 'interaction', id: cid }, queueId: 'support', agentId: 'alice', reason: 'Refund over limit' });
 * const r = transition(escalationMachine, esc, { type: 'OFFER', at: now, leaderId: 'tess', expiresAt: now + 30_000 });
 * if (r.ok) esc = r.snapshot; // esc.value === 'offered'
 * ```
 */
export const escalationMachine = defineMachine<
  EscalationState,
  EscalationEvent,
  EscalationContext,
  EscalationDeadlineKind
>({
  id: 'escalation',
  initial: 'waiting',
  context: {
    target: { kind: 'interaction', id: '' },
    queueId: '',
    agentId: '',
    reason: '',
    passedOver: [],
    offers: 0,
    timestamps: { createdAt: 0, updatedAt: 0 },
  },
  guards,
  actions,
  states: {
    waiting: {
      on: {
        OFFER: { target: 'offered', guard: 'notPassedOver', actions: ['touch', 'recordOffer'] },
        BOARD: { guard: 'notBoarded', actions: ['touch', 'recordBoard'] },
        ACCEPT: { target: 'accepted', actions: ['touch', 'recordAccept'] },
        CANCEL: cancel,
      },
    },
    offered: {
      on: {
        ACCEPT: { target: 'accepted', guard: 'offeredLeader', actions: ['touch', 'recordAccept'] },
        DECLINE: { target: 'waiting', actions: ['touch', 'passOver'] },
        OFFER_TIMEOUT: { target: 'waiting', guard: 'offerDue', actions: ['touch', 'passOver'] },
        CANCEL: cancel,
      },
      after: offerDeadline,
    },
    accepted: {
      on: {
        TAKE_OVER: { target: 'taken-over', actions: ['touch', 'recordEnd'] },
        HAND_BACK: {
          target: 'handed-back',
          guard: 'withNote',
          actions: ['touch', 'recordNote', 'recordEnd'],
        },
        CANCEL: cancel,
      },
    },
    'taken-over': { final: true },
    'handed-back': { final: true },
    cancelled: { final: true },
  },
});

/** What a new escalation needs. */
export interface EscalationOptions {
  readonly at: number;
  readonly target: EscalationTarget;
  readonly queueId: string;
  readonly agentId: string;
  readonly reason: string;
}

/** The snapshot of a new escalation: `waiting`, until it is offered. */
export function escalationSnapshot(options: EscalationOptions): EscalationSnapshot {
  return {
    value: 'waiting',
    context: {
      target: options.target,
      queueId: options.queueId,
      agentId: options.agentId,
      reason: options.reason,
      passedOver: [],
      offers: 0,
      timestamps: { createdAt: options.at, updatedAt: options.at },
    },
  };
}

/** True once the escalation ended (taken over, handed back or cancelled). */
export function isEscalationFinal(state: EscalationState): boolean {
  return state === 'taken-over' || state === 'handed-back' || state === 'cancelled';
}
