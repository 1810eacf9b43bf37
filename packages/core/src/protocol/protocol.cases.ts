import * as v from 'valibot';
import { CASE_TASK_KINDS, CASE_TASK_STATUSES } from '../case/case.task';
import { CASE_PRIORITIES, CASE_STATES } from '../case/case.types';
import { e164, storableText } from './protocol.inputs';
import { id } from './protocol.primitives';

// Cases (tickets) as they travel to staff: a visitor's bundle never imports this module, and a case's internal
// notes never reach a visitor (docs/cases.md).

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** How long a case subject, a tag and a note may be. */
export const CASE_LIMITS = { subject: 200, tag: 40, tags: 20, note: 4_000, taskNote: 1_000 } as const;

/** A case subject as staff type it: not blank. */
export const caseSubject = v.pipe(storableText(CASE_LIMITS.subject), v.trim(), v.minLength(1));
/** A case's tags: short, at most {@link CASE_LIMITS}.tags. */
export const caseTags = v.pipe(
  v.array(v.pipe(storableText(CASE_LIMITS.tag), v.trim(), v.minLength(1))),
  v.maxLength(CASE_LIMITS.tags),
);

/** Status changes staff may ask for; each is an event of the case machine. */
export const CASE_STATUS_EVENTS = ['OPEN', 'PEND', 'SOLVE', 'CLOSE', 'REOPEN'] as const;

/** A case as staff see it: its facts, its SLA standing now and the customer it belongs to. */
export const caseRecordSchema = v.object({
  id,
  customerId: id,
  subject: text(CASE_LIMITS.subject),
  status: v.picklist(CASE_STATES),
  priority: v.picklist(CASE_PRIORITIES),
  queueId: id,
  assigneeId: v.optional(id),
  tags: v.array(text(CASE_LIMITS.tag)),
  /** Every interaction about the case, first one first. */
  interactionIds: v.array(id),
  sla: v.object({
    firstResponseDueAt: v.number(),
    resolutionDueAt: v.number(),
    /** Where the case stands now: `at-risk` is the breach warning. */
    standing: v.picklist(['on-track', 'at-risk', 'breached', 'met']),
    firstResponse: v.picklist(['on-track', 'at-risk', 'breached', 'met']),
    resolution: v.picklist(['on-track', 'at-risk', 'breached', 'met']),
  }),
  contacts: v.number(),
  reopenCount: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  solvedAt: v.optional(v.number()),
  closedAt: v.optional(v.number()),
});

/** An internal note on a case: staff only. */
export const caseNoteSchema = v.object({
  id,
  caseId: id,
  authorId: id,
  text: text(CASE_LIMITS.note),
  at: v.number(),
});

/**
 * An SLA warning (`at-risk`: the last 20% of a target started) or breach of a case, as the routing leader's timer
 * fires: sent to the case's assignee. Staff only.
 */
export const caseSlaNoticeSchema = v.object({
  type: v.literal('case.sla'),
  kind: v.picklist(['at-risk', 'breached']),
  target: v.picklist(['first-response', 'resolution']),
  /** When the target is due, epoch ms. */
  dueAt: v.number(),
  /** When the timer fired, epoch ms. */
  at: v.number(),
  /** The case as it stands after the timer. */
  case: caseRecordSchema,
});

/** The working cases at risk or past an SLA target, on the supervisor board (`supervisor.snapshot`'s `caseSla`). */
export const caseSlaBoardSchema = v.object({
  atRisk: v.number(),
  breached: v.number(),
  /** Breached first, then by the due time of the target at stake. */
  cases: v.array(caseRecordSchema),
});

/** A follow-up task of a case (a reminder to its assignee, or a callback placed at `dueAt`), as staff see it. */
export const caseTaskSchema = v.object({
  id,
  caseId: id,
  kind: v.picklist(CASE_TASK_KINDS),
  status: v.picklist(CASE_TASK_STATUSES),
  /** When it is due, epoch ms. */
  dueAt: v.number(),
  note: text(CASE_LIMITS.taskNote),
  /** The number to call (E.164): callbacks only. */
  phone: v.optional(e164),
  createdBy: id,
  createdAt: v.number(),
  /** When it was carried out or cancelled, epoch ms. */
  endedAt: v.optional(v.number()),
  cancelledBy: v.optional(id),
  /** The callback interaction a `callback` task created, linked to the case. */
  interactionId: v.optional(id),
});

/** A reminder of a case fell due: sent to the case's assignee. Staff only. */
export const caseTaskNoticeSchema = v.object({
  type: v.literal('case.task'),
  task: caseTaskSchema,
  /** The case as it stands when the reminder fires. */
  case: caseRecordSchema,
});
