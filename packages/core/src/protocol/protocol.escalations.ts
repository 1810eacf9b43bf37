import * as v from 'valibot';
import { ESCALATION_STATES } from '../escalation/escalation.types';
import { REPORT_PERIODS } from '../metrics/history.reports';
import { storableText } from './protocol.inputs';
import { epochMs, id } from './protocol.primitives';

// Escalations to a team leader as they travel to staff (docs/cases.md, "Escalation"): a visitor's bundle never
// imports this module, and the reason, the thread and the hand-back note never reach a visitor.

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** How long an escalation's reason, a thread message and a hand-back note may be. */
export const ESCALATION_LIMITS = { reason: 500, message: 2_000, note: 1_000 } as const;

/** Free text staff type into an escalation: not blank, storable, at most `max` characters. */
export const escalationText = (max: number) => v.pipe(storableText(max), v.trim(), v.minLength(1));

/** How an escalation report groups its rows. */
export const ESCALATION_GROUPINGS = ['total', 'queue', 'agent', 'reason'] as const;

/** An escalation as staff see it. */
export const escalationRecordSchema = v.object({
  id,
  state: v.picklist(ESCALATION_STATES),
  /** What was escalated: a live interaction (`cid`) or a case. */
  target: v.object({ kind: v.picklist(['interaction', 'case']), id }),
  queueId: id,
  /** The agent who escalated it. */
  agentId: id,
  reason: text(ESCALATION_LIMITS.reason),
  /** The team leader it is offered to, or who has it. */
  leaderId: v.optional(id),
  offerExpiresAt: v.optional(v.number()),
  /** The team leader's note when they handed it back. */
  note: v.optional(text(ESCALATION_LIMITS.note)),
  offers: v.number(),
  /** When it first waited on the supervisor board with no team leader left. */
  boardedAt: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
  acceptedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
});

/** A message of the private agent ↔ team-leader thread of an escalation. */
export const escalationMessageSchema = v.object({
  id,
  escalationId: id,
  authorId: id,
  text: text(ESCALATION_LIMITS.message),
  at: v.number(),
});

/** The arguments of the escalation commands (merged into the command schemas). */
export const escalationCommandSchemas = {
  /**
   * Escalates a live interaction (`cid`) the agent holds, or a case (`caseId`) of their queues, to the team leaders of
   * its queue, with a reason. Exactly one of `cid` and `caseId`.
   */
  'escalation.create': v.strictObject({
    cid: v.optional(id),
    caseId: v.optional(id),
    reason: escalationText(ESCALATION_LIMITS.reason),
  }),
  /** A team leader's inbox (offered to them, theirs, waiting in the queues they lead); an agent's own escalations. */
  'escalation.list': v.strictObject({}),
  /** One escalation with its thread and the history of what was escalated. */
  'escalation.get': v.strictObject({ escalationId: id }),
  /** A team leader takes the escalation offered to them (or one waiting on the board). */
  'escalation.accept': v.strictObject({ escalationId: id }),
  /** A team leader declines the escalation offered to them: it goes to the next team leader. */
  'escalation.decline': v.strictObject({ escalationId: id }),
  /** A message in the private agent ↔ team-leader thread. */
  'escalation.message': v.strictObject({
    escalationId: id,
    text: escalationText(ESCALATION_LIMITS.message),
  }),
  /** The team leader takes the interaction or case over: reassigned to them, the agent released. */
  'escalation.takeover': v.strictObject({ escalationId: id }),
  /** The team leader hands it back to the agent with a note. */
  'escalation.handback': v.strictObject({
    escalationId: id,
    note: escalationText(ESCALATION_LIMITS.note),
  }),
  /** Escalations counted by queue, agent or reason over the calendar `period` containing `at`. Supervisors. */
  'escalation.report': v.strictObject({
    period: v.picklist(REPORT_PERIODS),
    at: v.optional(epochMs),
    timeZone: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    groupBy: v.optional(v.picklist(ESCALATION_GROUPINGS)),
  }),
};

/** One row of an escalation report: the escalations raised in the period whose group key is `key`. */
export const escalationReportRowSchema = v.object({
  key: v.nullable(v.string()),
  escalated: v.number(),
  takenOver: v.number(),
  handedBack: v.number(),
  cancelled: v.number(),
  /** Not ended yet. */
  open: v.number(),
  /** Ever on the supervisor board: no team leader took the first offer, or none was available. */
  reachedBoard: v.number(),
  /** Average time from escalation to a team leader's accept, seconds. */
  acceptSeconds: v.nullable(v.number()),
  /** Average time from escalation to its end, seconds. */
  resolveSeconds: v.nullable(v.number()),
});
