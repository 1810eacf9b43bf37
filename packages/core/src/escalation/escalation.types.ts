import type { Snapshot } from '../machine';

/**
 * Where an escalation stands (docs/cases.md, "Escalation"):
 *
 * - `waiting`: no team leader has it — none was available, or every one offered it declined or let the offer run
 *   out. It is on the supervisor board, and any team leader of its queue (or a supervisor) may take it from there.
 * - `offered`: offered to one team leader, until `offerExpiresAt`.
 * - `accepted`: a team leader has it: they read its history and consult the agent before deciding.
 * - `taken-over`, `handed-back`, `cancelled`: how it ended (final).
 */
export type EscalationState = 'waiting' | 'offered' | 'accepted' | 'taken-over' | 'handed-back' | 'cancelled';

/** Every escalation state, in lifecycle order. */
export const ESCALATION_STATES: readonly EscalationState[] = [
  'waiting',
  'offered',
  'accepted',
  'taken-over',
  'handed-back',
  'cancelled',
];

/** The states an escalation ends in: its outcome. */
export type EscalationOutcome = Extract<EscalationState, 'taken-over' | 'handed-back' | 'cancelled'>;

/** What was escalated: a live interaction or a case. */
export type EscalationTarget =
  | { readonly kind: 'interaction'; readonly id: string }
  | { readonly kind: 'case'; readonly id: string };

/** Facts about one escalation. Which state it is in lives in the snapshot's `value`, never here. */
export interface EscalationContext {
  readonly target: EscalationTarget;
  /** The queue whose team leaders it goes to. */
  readonly queueId: string;
  /** The agent who escalated it. */
  readonly agentId: string;
  /** Why, as the agent wrote it (card numbers redacted). */
  readonly reason: string;
  /** The team leader it is offered to (`offered`) or who has it (`accepted` and after). */
  readonly leaderId?: string | undefined;
  /** When the current offer runs out (`offered` only). */
  readonly offerExpiresAt?: number | undefined;
  /** Team leaders who declined it or let the offer run out: it is not offered to them again. */
  readonly passedOver: readonly string[];
  /** How many offers were made. */
  readonly offers: number;
  /** The team leader's note when they handed it back. */
  readonly note?: string | undefined;
  /** When it first waited on the supervisor board with no team leader left to offer it to. */
  readonly boardedAt?: number | undefined;
  readonly timestamps: {
    readonly createdAt: number;
    readonly updatedAt: number;
    /** When a team leader accepted it. */
    readonly acceptedAt?: number | undefined;
    /** When it ended (taken over, handed back or cancelled). */
    readonly endedAt?: number | undefined;
  };
}

/**
 * Everything that can happen to an escalation. Every event carries `at` (epoch ms).
 */
export type EscalationEvent =
  /** No team leader is left to offer it to: it waits on the supervisor board (recorded once). */
  | { readonly type: 'BOARD'; readonly at: number }
  /** Offered to team leader `leaderId` until `expiresAt`. */
  | { readonly type: 'OFFER'; readonly at: number; readonly leaderId: string; readonly expiresAt: number }
  /** The offered team leader declined. */
  | { readonly type: 'DECLINE'; readonly at: number }
  /** The offer ran out (the machine's timer). */
  | { readonly type: 'OFFER_TIMEOUT'; readonly at: number }
  /**
   * A team leader takes it: the one it is offered to, or — while it waits on the board — any team leader of its
   * queue or a supervisor.
   */
  | { readonly type: 'ACCEPT'; readonly at: number; readonly leaderId: string }
  /** The team leader takes the interaction or case over: it is reassigned to them. */
  | { readonly type: 'TAKE_OVER'; readonly at: number }
  /** The team leader hands it back to the agent, with a note. */
  | { readonly type: 'HAND_BACK'; readonly at: number; readonly note: string }
  /** Nothing left to escalate (the interaction ended, the agent withdrew it). */
  | { readonly type: 'CANCEL'; readonly at: number };

/** An escalation machine snapshot. */
export type EscalationSnapshot = Snapshot<EscalationState, EscalationContext>;

/** An escalation as stored: its id and machine snapshot. */
export interface EscalationRecord {
  readonly id: string;
  readonly snapshot: EscalationSnapshot;
}

/** One message of the private thread between the agent and the team leader of an escalation. */
export interface EscalationMessage {
  readonly id: string;
  readonly escalationId: string;
  readonly authorId: string;
  readonly text: string;
  readonly at: number;
}
