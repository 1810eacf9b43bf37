import { eventOfType, latestTime, monotonicTime } from '../interaction/lifecycle';
import { type Action, type DeadlineConfig, defineMachine, type Guard } from '../machine';
import {
  type CaseContext,
  type CaseEvent,
  type CasePriority,
  type CaseSlaTargets,
  type CaseSnapshot,
  type CaseState,
  DEFAULT_CASE_SLA,
} from './case.types';

type CaseGuard = Guard<CaseContext, CaseEvent>;
type CaseAction = Action<CaseContext, CaseEvent>;

/** The deadline kind of a case: an SLA target of the current episode falls due. */
export type CaseDeadlineKind = 'case-sla';

// Recorded times never run backwards (an event stamped earlier, from another node's clock, is recorded at the
// latest time already known), as in every other machine.
const timeOf = (context: CaseContext, event: CaseEvent): number =>
  monotonicTime(latestTime(context.timestamps), event.at);

/** When the first response of the current episode is due, epoch ms. */
export function firstResponseDueAt(context: CaseContext): number {
  return context.openedAt + context.sla.firstResponseSeconds * 1000;
}

/** When the resolution of the current episode is due, epoch ms. */
export function resolutionDueAt(context: CaseContext): number {
  return context.openedAt + context.sla.resolutionSeconds * 1000;
}

/**
 * The next SLA target the timer waits for: the first response (while none came and it is not recorded as
 * breached yet), then the resolution (until recorded as breached). `undefined` when nothing is left to wait for.
 */
export function nextSlaDueAt(context: CaseContext): number | undefined {
  const due = [
    ...(context.firstResponseAt === undefined && !context.firstResponseBreached
      ? [firstResponseDueAt(context)]
      : []),
    ...(context.resolutionBreached ? [] : [resolutionDueAt(context)]),
  ];
  return due.length > 0 ? Math.min(...due) : undefined;
}

const interactionOf = (event: CaseEvent): string => {
  if (event.type === 'CONTACT' || event.type === 'LINK') return event.interactionId;
  throw new Error(`[helpline] no interaction on ${event.type}`);
};

const guards = {
  newInteraction: (context, event) => {
    const id = interactionOf(event);
    return id !== '' && !context.interactionIds.includes(id);
  },
  namedInteraction: (_context, event) => interactionOf(event) !== '',
  slaDue: (context, event) => {
    const due = nextSlaDueAt(context);
    return due !== undefined && timeOf(context, event) > due;
  },
  validUpdate: (_context, event) => {
    const update = eventOfType(event, 'UPDATE');
    return (
      (update.subject === undefined || update.subject.trim() !== '') &&
      (update.queueId === undefined || update.queueId !== '') &&
      (update.tags === undefined || update.tags.every((tag) => tag.trim() !== ''))
    );
  },
} satisfies Record<string, CaseGuard>;

/** Stamps the change time: every accepted event is a change someone made. */
const touch: CaseAction = (context, event) => ({
  ...context,
  timestamps: { ...context.timestamps, updatedAt: timeOf(context, event) },
});

/** The facts a reopening resets: a new episode, whose SLA targets run from now. */
function reopened(context: CaseContext, at: number): CaseContext {
  const { solvedAt: _solvedAt, ...timestamps } = context.timestamps;
  return {
    ...context,
    openedAt: at,
    firstResponseAt: undefined,
    firstResponseBreached: false,
    resolutionBreached: false,
    reopenCount: context.reopenCount + 1,
    timestamps: { ...timestamps, updatedAt: at },
  };
}

const actions = {
  touch,
  link: (context, event) => {
    const id = interactionOf(event);
    if (context.interactionIds.includes(id)) return context;
    return { ...context, interactionIds: [...context.interactionIds, id], contacts: context.contacts + 1 };
  },
  // The customer came back to a solved case: a second contact, whether on a linked interaction or a new one.
  countReturn: (context) => ({ ...context, contacts: context.contacts + 1 }),
  reopen: (context, event) => reopened(context, timeOf(context, event)),
  recordReply: (context, event) =>
    context.firstResponseAt === undefined ? { ...context, firstResponseAt: timeOf(context, event) } : context,
  recordSolve: (context, event) => ({
    ...context,
    timestamps: { ...context.timestamps, solvedAt: timeOf(context, event) },
  }),
  recordClose: (context, event) => ({
    ...context,
    timestamps: { ...context.timestamps, closedAt: timeOf(context, event) },
  }),
  recordBreach: (context, event) => {
    const at = timeOf(context, event);
    return {
      ...context,
      firstResponseBreached:
        context.firstResponseBreached ||
        (context.firstResponseAt === undefined && at > firstResponseDueAt(context)),
      resolutionBreached: context.resolutionBreached || at > resolutionDueAt(context),
    };
  },
  applyUpdate: (context, event) => {
    const { subject, priority, queueId, assigneeId, tags } = eventOfType(event, 'UPDATE');
    return {
      ...context,
      subject: subject?.trim() ?? context.subject,
      priority: priority ?? context.priority,
      queueId: queueId ?? context.queueId,
      assigneeId: assigneeId === null ? undefined : (assigneeId ?? context.assigneeId),
      tags: tags ? [...new Set(tags.map((tag) => tag.trim()))] : context.tags,
    };
  },
} satisfies Record<string, CaseAction>;

/** The SLA timer of the working states: armed at the next target, it records the breach (no state changes). */
const slaDeadline: DeadlineConfig<CaseContext, CaseEvent, CaseDeadlineKind> = {
  kind: 'case-sla',
  // One millisecond past due: due exactly at a moment is still in time.
  at: (context) => {
    const due = nextSlaDueAt(context);
    return due === undefined ? undefined : due + 1;
  },
  event: (at) => ({ type: 'SLA_DUE', at }),
};

/** What every state but `closed` lets staff do. */
const editable = { UPDATE: { guard: 'validUpdate', actions: ['applyUpdate', 'touch'] } } as const;

/** What the working states (`open`, `pending`) share. */
const working = {
  ...editable,
  SOLVE: { target: 'solved', actions: ['touch', 'recordSolve'] },
  LINK: { guard: 'newInteraction', actions: ['link', 'touch'] },
  AGENT_REPLY: { actions: ['touch', 'recordReply'] },
  SLA_DUE: { guard: 'slaDue', actions: ['touch', 'recordBreach'] },
} as const;

/**
 * The lifecycle of a case (ticket): `open → pending → solved → closed`. The customer's answer brings a `pending`
 * case back to `open` and reopens a `solved` one (a second contact); staff may reopen a solved case too. `closed`
 * is final: a later contact starts a new case. The SLA targets (first response, resolution) are the machine's
 * timer in `open` and `pending` (`after`): when one falls due, `SLA_DUE` records the breach and the state stays.
 *
 * @example
 * ```ts
 * let kase = caseSnapshot({ at: Date.now(), subject: 'Refund', queueId: 'billing', interactionId: 'i1' });
 * const r = transition(caseMachine, kase, { type: 'SOLVE', at: Date.now() });
 * if (r.ok) kase = r.snapshot; // kase.value === 'solved'
 * ```
 */
export const caseMachine = defineMachine<CaseState, CaseEvent, CaseContext, CaseDeadlineKind>({
  id: 'case',
  initial: 'open',
  context: {
    subject: '',
    priority: 'normal',
    queueId: '',
    tags: [],
    interactionIds: [],
    sla: DEFAULT_CASE_SLA,
    openedAt: 0,
    firstResponseBreached: false,
    resolutionBreached: false,
    contacts: 0,
    reopenCount: 0,
    timestamps: { createdAt: 0, updatedAt: 0 },
  },
  states: {
    open: {
      on: {
        ...working,
        PEND: { target: 'pending', actions: ['touch'] },
        CONTACT: { guard: 'namedInteraction', actions: ['link', 'touch'] },
      },
      after: slaDeadline,
    },
    pending: {
      on: {
        ...working,
        OPEN: { target: 'open', actions: ['touch'] },
        // The answer the agent waited for.
        CONTACT: { target: 'open', guard: 'namedInteraction', actions: ['link', 'touch'] },
      },
      after: slaDeadline,
    },
    solved: {
      on: {
        ...editable,
        CLOSE: { target: 'closed', actions: ['touch', 'recordClose'] },
        REOPEN: { target: 'open', actions: ['reopen'] },
        // The customer answered after all: not solved. A newly linked interaction counts once.
        CONTACT: [
          { target: 'open', guard: 'newInteraction', actions: ['link', 'reopen'] },
          { target: 'open', guard: 'namedInteraction', actions: ['countReturn', 'reopen'] },
        ],
        LINK: { target: 'open', guard: 'newInteraction', actions: ['link', 'reopen'] },
      },
    },
    closed: { final: true },
  },
  guards,
  actions,
});

/** What a new case needs. */
export interface CaseOptions {
  /** When it is opened, epoch ms. */
  readonly at: number;
  readonly subject: string;
  readonly queueId: string;
  /** The interaction the case is opened from (its first contact), if any. */
  readonly interactionId?: string | undefined;
  readonly priority?: CasePriority | undefined;
  readonly assigneeId?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly sla?: CaseSlaTargets | undefined;
}

/**
 * A new case, `open` from `at`, linked to the interaction it comes from (which is its first contact).
 *
 * @example
 * ```ts
 * const kase = caseSnapshot({ at: Date.now(), subject: 'Refund', queueId: 'billing', interactionId: 'i1' });
 * ```
 */
export function caseSnapshot(options: CaseOptions): CaseSnapshot {
  const interactionIds = options.interactionId ? [options.interactionId] : [];
  return {
    value: caseMachine.initial,
    context: {
      ...caseMachine.context,
      subject: options.subject.trim(),
      queueId: options.queueId,
      priority: options.priority ?? 'normal',
      assigneeId: options.assigneeId,
      tags: [...new Set(options.tags ?? [])],
      interactionIds,
      sla: options.sla ?? DEFAULT_CASE_SLA,
      openedAt: options.at,
      contacts: interactionIds.length,
      timestamps: { createdAt: options.at, updatedAt: options.at },
    },
  };
}
