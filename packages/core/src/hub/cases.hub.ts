import { caseMachine, caseSnapshot } from '../case/case.machine';
import {
  type CaseSlaMilestone,
  type CaseSlaTarget,
  caseSlaMilestones,
  caseSlaStatus,
} from '../case/case.sla';
import { type CaseTask, stepCaseTask } from '../case/case.task';
import type { CaseEvent, CaseNote, CaseRecord } from '../case/case.types';
import type { CustomerDirectory } from '../customer/customer.types';
import { uuidv7 } from '../ids/ids';
import { pendingDeadline, transition } from '../machine';
import { helplineError } from '../protocol/errors';
import type { CommandResult, Notice } from '../protocol/protocol.types';
import { authorizeRole, type Relation } from './access';
import type { PlacedCallback, StaffCallbackRequest } from './callbacks.hub';
import type { CaseAuditEntry, CaseStore } from './cases.store';
import type { InteractionStepped } from './conversation.log';
import type { Caller, CommandHandlers } from './dispatch';
import type { ReportFailure } from './failures';
import type { HubClock, StoredEvent, Subject } from './hub.types';
import type { Live } from './live';
import type { TimerGroup } from './timers.hub';

/** The commands about cases (tickets). */
export type CaseOp =
  | 'case.create'
  | 'case.get'
  | 'case.list'
  | 'case.update'
  | 'case.note'
  | 'case.link'
  | 'case.task.add'
  | 'case.task.cancel';

/** A case as it travels to staff. */
export type WireCase = CommandResult<'case.get'>['case'];

/** Who may open a case from an interaction, or link it: whoever works its queue or held it, and supervisors. */
const INTERACTION_RELATIONS: ReadonlySet<Relation> = new Set([
  'offered',
  'assigned',
  'former',
  'queue-agent',
  'supervisor',
]);

/** What cases need from the hub. */
export interface CasesHubDeps {
  readonly clock: HubClock;
  readonly store: CaseStore;
  /** Where customer records live; without one, an interaction's contact is its customer. */
  readonly directory?: CustomerDirectory | undefined;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  /** Who `subject` is to the interaction. */
  readonly relationTo: (subject: Subject, current: Live) => Relation;
  /** Queues an agent serves. */
  readonly queuesOf: (agentId: string) => ReadonlySet<string> | undefined;
  readonly reportFailure: ReportFailure;
  /**
   * The SLA timers of cases (the routing leader's): each open or pending case waits for its next milestone — the
   * breach warning, then the breach, of its first response and its resolution. Absent: breaches are recorded only
   * when a case is read.
   */
  readonly timers?: TimerGroup | undefined;
  /** Told of each SLA warning and breach as its timer fires (the hub's `onCaseSla`). */
  readonly onSla?: ((warning: CaseSlaWarning) => void) | undefined;
  /** Sends a notice to every connection of a staff member: each SLA warning and breach goes to the case's assignee. */
  readonly notify?: ((subjectId: string, notice: Notice) => void) | undefined;
  /** Tells the supervisors that the board changed (a case joined or left its SLA list). */
  readonly boardChanged?: (() => void) | undefined;
  /**
   * Books a callback for a customer (the hub's callbacks, `placeForCustomer`): what a `callback` follow-up task does
   * when it falls due. Without it, `case.task.add` refuses callback tasks.
   */
  readonly placeCallback?: ((request: StaffCallbackRequest) => Promise<PlacedCallback>) | undefined;
}

/** How far ahead a follow-up task may be scheduled. */
const TASK_HORIZON_MS = 366 * 86_400_000;

/** The timer key of a follow-up task (the case timers' group is keyed by case id otherwise). */
const taskKey = (taskId: string) => `task:${taskId}`;

/** The cases at risk or past an SLA target, as the supervisor board lists them (`supervisor.snapshot`'s `caseSla`). */
export interface CaseSlaBoard {
  /** Cases whose next target is in its last 20%. */
  readonly atRisk: number;
  /** Cases that missed a target and are still open or pending. */
  readonly breached: number;
  /** Those cases, breached first, then by the due time of the target at stake. */
  readonly cases: WireCase[];
}

/**
 * An SLA milestone of a case, as its timer fires: `at-risk` (the breach warning: the last 20% of the target has
 * started) or `breached` (the target was missed; the machine recorded it), for the first response or the resolution.
 */
export interface CaseSlaWarning {
  readonly kind: CaseSlaMilestone['kind'];
  readonly target: CaseSlaTarget;
  /** When the target is due, epoch ms. */
  readonly dueAt: number;
  /** When the timer fired, epoch ms. */
  readonly at: number;
  /** The case as it stands after the timer: its queue and assignee say whom to tell. */
  readonly case: WireCase;
}

/** Cases of a hub. */
export interface CasesHub {
  readonly handlers: CommandHandlers<CaseOp>;
  /** The open and pending cases of a customer that `subject` may see, for the console to offer attaching a contact. */
  openCaseIds(customerId: string, subject: Subject): Promise<string[]>;
  /** Reopens solved cases when their customer writes on a linked interaction (subscribed to the conversation log). */
  stepped(stepped: InteractionStepped): void;
  /** The same for a chat message, appended outside a step. */
  appended(stored: StoredEvent): void;
  /** A case with its notes as staff see them, whoever asks (the caller checks access), or `undefined`. */
  view(caseId: string): Promise<{ case: WireCase; notes: CaseNote[] } | undefined>;
  /** Assigns a case to `assigneeId` through the machine, audited as `actorId` (an escalation's takeover). */
  assign(caseId: string, assigneeId: string, actorId: string): Promise<void>;
  /** Arms the SLA timers of every open and pending case (a restart, or a takeover by a new routing leader). */
  restore(): Promise<void>;
  /**
   * The working cases an SLA timer warned of or found breached, as they stand now (a case leaves the list once it is
   * solved, closed, or back on track). The routing leader's, like the timers; empty after a restart until they fire.
   */
  slaBoard(): CaseSlaBoard;
}

/** A stored case as staff see it, with its SLA standing at `now`. */
export function wireCase(record: CaseRecord, now: number): WireCase {
  const { value, context } = record.snapshot;
  const sla = caseSlaStatus(record.snapshot, now);
  return {
    id: record.id,
    customerId: record.customerId,
    subject: context.subject,
    status: value,
    priority: context.priority,
    queueId: context.queueId,
    ...(context.assigneeId ? { assigneeId: context.assigneeId } : {}),
    tags: [...context.tags],
    interactionIds: [...context.interactionIds],
    sla: {
      firstResponseDueAt: sla.firstResponseDueAt,
      resolutionDueAt: sla.resolutionDueAt,
      standing: sla.standing,
      firstResponse: sla.firstResponse,
      resolution: sla.resolution,
    },
    contacts: context.contacts,
    reopenCount: context.reopenCount,
    createdAt: context.timestamps.createdAt,
    updatedAt: context.timestamps.updatedAt,
    ...(context.timestamps.solvedAt !== undefined ? { solvedAt: context.timestamps.solvedAt } : {}),
    ...(context.timestamps.closedAt !== undefined ? { closedAt: context.timestamps.closedAt } : {}),
  };
}

/** Interactions whose linked cases a hub keeps in memory (the oldest looked up are forgotten first). */
const LINKED_CASES_KEPT = 20_000;

const STATUS_ORDER = { open: 0, pending: 1, solved: 2, closed: 3 } as const;

/** How many of a customer's latest interactions are searched for linked cases (cases of customers merged in). */
const LINKED_INTERACTIONS = 500;

/**
 * Creates the cases part of a hub (docs/cases.md): cases opened from an interaction for its customer, changed
 * only through the case machine, with internal notes staff alone read. Agents see and change the cases of their
 * queues only — any other case is `not-found` to them, so ids cannot be probed; supervisors see all; visitors none.
 *
 * @example
 * ```ts
 * const cases = createCasesHub({ clock, store: createMemoryCaseStore(), load, relationTo, queuesOf, reportFailure });
 * log.subscribe(cases.stepped);
 * ```
 */
export function createCasesHub(deps: CasesHubDeps): CasesHub {
  const { store, clock } = deps;

  // Every message looks up the cases of its interaction (a customer's reopens a solved case, staff's first reply
  // meets its target), and almost every interaction has none: asking the store each time was a query per message.
  // So the case ids linked to an interaction are kept from its first lookup on, messages sent at once sharing it.
  // Links are only ever added, and only by this hub's saves, which forget what they touch (a lookup still on its
  // way then is not kept). In a cluster the leader's hub alone writes cases, and a new leader starts knowing nothing.
  const linkedCases = new Map<string, Promise<readonly string[]>>();
  /** Keeps what is known of `cid`'s cases, forgetting the interaction known longest past the cap. */
  function rememberLinks(cid: string, ids: Promise<readonly string[]>): void {
    if (linkedCases.size >= LINKED_CASES_KEPT) linkedCases.delete(linkedCases.keys().next().value as string);
    linkedCases.set(cid, ids);
  }

  async function save(record: CaseRecord, entry: CaseAuditEntry): Promise<void> {
    try {
      await store.save(record, entry);
    } finally {
      for (const cid of record.snapshot.context.interactionIds) linkedCases.delete(cid);
    }
  }

  /** The cases `cid` is linked to, as stored now. */
  async function casesOfInteraction(cid: string): Promise<CaseRecord[]> {
    const known = linkedCases.get(cid);
    if (known === undefined) {
      const lookup = store.ofInteraction(cid);
      const ids = lookup.then((records) => records.map((record) => record.id));
      rememberLinks(cid, ids);
      ids.catch(() => {
        if (linkedCases.get(cid) === ids) linkedCases.delete(cid);
      });
      return lookup;
    }
    const records = await Promise.all((await known).map((caseId) => store.get(caseId)));
    return records.filter((record) => record !== undefined);
  }

  /** Whether `subject` may see cases of `queueId`. */
  function serves(subject: Subject, queueId: string): boolean {
    if (subject.role === 'supervisor') return true;
    return subject.role === 'agent' && (deps.queuesOf(subject.id)?.has(queueId) ?? false);
  }

  /** Applies `event`, saving the case with its audit entry; an illegal one is `conflict/state`, nothing saved. */
  async function step(
    record: CaseRecord,
    event: CaseEvent,
    actorId: string,
    operation: string,
  ): Promise<CaseRecord> {
    const result = transition(caseMachine, record.snapshot, event);
    if (!result.ok)
      throw helplineError('conflict/state', { operation, entity: 'case', state: record.snapshot.value });
    if (!result.changed) return record;
    const next = { ...record, snapshot: result.snapshot };
    await save(next, { caseId: record.id, type: event.type, actorId, at: event.at });
    arm(next);
    if (alerted.has(record.id)) {
      alerted.set(record.id, next);
      deps.boardChanged?.();
    }
    return next;
  }

  /** Cases an SLA timer told of, as last changed: the board's list, filtered by their standing when it is read. */
  const alerted = new Map<string, CaseRecord>();

  function slaBoard(): CaseSlaBoard {
    const now = clock.now();
    const listed: WireCase[] = [];
    for (const [caseId, record] of alerted) {
      const kase = wireCase(record, now);
      const working = kase.status === 'open' || kase.status === 'pending';
      if (working && (kase.sla.standing === 'at-risk' || kase.sla.standing === 'breached')) listed.push(kase);
      else if (!working) alerted.delete(caseId);
    }
    const dueAt = (kase: WireCase) =>
      kase.sla.firstResponse === 'met' ? kase.sla.resolutionDueAt : kase.sla.firstResponseDueAt;
    listed.sort(
      (a, b) =>
        Number(b.sla.standing === 'breached') - Number(a.sla.standing === 'breached') || dueAt(a) - dueAt(b),
    );
    const breached = listed.filter((kase) => kase.sla.standing === 'breached').length;
    return { atRisk: listed.length - breached, breached, cases: listed };
  }

  /** At-risk warnings already given, by case: `<episode start>:<target>`, so each is given once per episode. */
  const warned = new Map<string, Set<string>>();
  const warningKey = (record: CaseRecord, target: CaseSlaTarget) =>
    `${record.snapshot.context.openedAt}:${target}`;

  /** The milestones the timer of `record` still waits for: warnings not given yet, breaches not recorded yet. */
  const ahead = (record: CaseRecord): CaseSlaMilestone[] =>
    caseSlaMilestones(record.snapshot).filter(
      (m) => m.kind === 'breached' || !warned.get(record.id)?.has(warningKey(record, m.target)),
    );

  /** Arms the case's timer at its next milestone, or clears it when nothing is left to wait for. */
  function arm(record: CaseRecord): void {
    const { timers } = deps;
    if (!timers) return;
    const [next] = ahead(record);
    if (!next) {
      timers.clear(record.id);
      warned.delete(record.id);
      return;
    }
    timers.armAt(record.id, next.at, () => {
      fire(record.id).catch((error: unknown) =>
        deps.reportFailure(`the SLA timer of case ${record.id}`, error),
      );
    });
  }

  /** A case's timer fired: the warnings whose time came are given, the breaches that fell due recorded and told. */
  async function fire(caseId: string): Promise<void> {
    const record = await store.get(caseId);
    if (!record) return;
    const now = clock.now();
    const tell = (milestone: CaseSlaMilestone, kase: CaseRecord) => {
      const warning: CaseSlaWarning = {
        kind: milestone.kind,
        target: milestone.target,
        dueAt: milestone.dueAt,
        at: now,
        case: wireCase(kase, now),
      };
      alerted.set(kase.id, kase);
      deps.boardChanged?.();
      const { assigneeId } = kase.snapshot.context;
      if (assigneeId) deps.notify?.(assigneeId, { type: 'case.sla', ...warning });
      deps.onSla?.(warning);
    };
    const due = ahead(record).filter((m) => m.at <= now);
    for (const milestone of due.filter((m) => m.kind === 'at-risk')) {
      const given = warned.get(caseId) ?? new Set<string>();
      given.add(warningKey(record, milestone.target));
      warned.set(caseId, given);
      // A warning whose breach fell due too (a timer restored late) is told as the breach alone.
      if (!due.some((m) => m.kind === 'breached' && m.target === milestone.target)) tell(milestone, record);
    }
    const current = await caughtUp(record);
    for (const milestone of due.filter((m) => m.kind === 'breached')) tell(milestone, current);
    arm(current);
  }

  async function restore(): Promise<void> {
    for (const record of await store.working()) arm(record);
    for (const task of await store.scheduledTasks()) armTask(task);
  }

  /** Arms the timer of a scheduled follow-up task at its due time. */
  function armTask(task: CaseTask): void {
    deps.timers?.armAt(taskKey(task.id), task.dueAt, () => {
      fireTask(task.caseId, task.id).catch((error: unknown) =>
        deps.reportFailure(`the follow-up task ${task.id} of case ${task.caseId}`, error),
      );
    });
  }

  /**
   * A task fell due: a reminder is told to the case's assignee; a callback is placed in the case's queue for the
   * task's number and linked to the case. Either way the task is `done` — once: a task cancelled or done meanwhile
   * is left alone. A callback that could not be placed stays scheduled (reported; a restart tries it again).
   */
  async function fireTask(caseId: string, taskId: string): Promise<void> {
    const task = (await store.tasks(caseId)).find((t) => t.id === taskId);
    const record = await store.get(caseId);
    if (task?.status !== 'scheduled' || !record) return;
    const at = clock.now();
    let placed: PlacedCallback | undefined;
    if (task.kind === 'callback' && task.phone !== undefined && deps.placeCallback) {
      placed = await deps.placeCallback({
        customerId: record.customerId,
        queueId: record.snapshot.context.queueId,
        phone: task.phone,
        requestId: task.id,
      });
    }
    const interactionId = placed?.interactionId;
    let current = record;
    const done = stepCaseTask(task, { type: 'FIRE', at, interactionId });
    try {
      if (!done) return;
      await store.saveTask(done);
      current = await caughtUp(record);
      if (interactionId !== undefined && !current.snapshot.context.interactionIds.includes(interactionId)) {
        const linked = transition(caseMachine, current.snapshot, { type: 'LINK', at, interactionId });
        if (linked.ok)
          current = await step(current, { type: 'LINK', at, interactionId }, 'system', 'link a callback');
      }
    } finally {
      // Linked first, then in line (whatever failed): the agent offered the callback finds the case on it.
      placed?.release();
    }
    const { assigneeId } = current.snapshot.context;
    if (task.kind === 'reminder' && assigneeId)
      deps.notify?.(assigneeId, { type: 'case.task', task: done, case: wireCase(current, at) });
  }

  /** The task of the case `subject` may see, or `not-found`. */
  async function visibleTask(record: CaseRecord, taskId: string): Promise<CaseTask> {
    const task = (await store.tasks(record.id)).find((t) => t.id === taskId);
    if (!task) throw helplineError('not-found', { entity: 'CaseTask', id: taskId });
    return task;
  }

  /** The case with its SLA timer caught up to now: each target that fell due is recorded as breached. */
  async function caughtUp(record: CaseRecord): Promise<CaseRecord> {
    let current = record;
    const now = clock.now();
    for (let due = pendingDeadline(caseMachine, current.snapshot); due && due.at <= now; ) {
      current = await step(current, due.event(due.at), 'system', 'record an SLA breach');
      due = pendingDeadline(caseMachine, current.snapshot);
    }
    return current;
  }

  /** The case, if `subject` may see it; otherwise `not-found`, as for a case that does not exist. */
  async function visibleCase(subject: Subject, caseId: string): Promise<CaseRecord> {
    const record = await store.get(caseId);
    if (!record || !serves(subject, record.snapshot.context.queueId))
      throw helplineError('not-found', { entity: 'Case', id: caseId });
    return caughtUp(await withCurrentCustomer(record));
  }

  /** The customer that holds `customerId` now: a record merged into another answers for that one. */
  async function currentCustomerId(customerId: string): Promise<string> {
    return (await deps.directory?.get(customerId))?.id ?? customerId;
  }

  /** The case under its customer's current id (saved so with its next change). */
  async function withCurrentCustomer(record: CaseRecord): Promise<CaseRecord> {
    const customerId = await currentCustomerId(record.customerId);
    return customerId === record.customerId ? record : { ...record, customerId };
  }

  /**
   * Every case of the customer who holds `customerId` now, each under that id: the cases stored under it, and those
   * linked to its interactions — which include, after a merge (by staff or automatic), the interactions and so the
   * cases of the customer merged into it. A case whose customer was split off is left out.
   */
  async function casesOfCustomer(customerId: string): Promise<CaseRecord[]> {
    const current = await currentCustomerId(customerId);
    const interactionIds = deps.directory
      ? await deps.directory.interactionIds(current, LINKED_INTERACTIONS)
      : [];
    const found = new Map<string, CaseRecord>();
    for (const record of [
      ...(await store.ofCustomer(current)),
      ...(await store.ofInteractions(interactionIds)),
    ])
      found.set(record.id, record);
    const resolved = await Promise.all([...found.values()].map(withCurrentCustomer));
    return resolved.filter((record) => record.customerId === current);
  }

  /** The interaction, if `subject` works it (or its queue); otherwise `not-found`. */
  async function workedInteraction(subject: Subject, cid: string): Promise<Live> {
    const current = await deps.load(cid);
    if (!current || !INTERACTION_RELATIONS.has(deps.relationTo(subject, current)))
      throw helplineError('not-found', { entity: 'Conversation', id: cid });
    return current;
  }

  async function customerOf(current: Live): Promise<string> {
    const cid = current.interaction.id;
    return (await deps.directory?.customerOfInteraction(cid)) ?? current.interaction.customer.id;
  }

  const view = (record: CaseRecord) => ({ case: wireCase(record, clock.now()) });

  function authorized(caller: Caller, op: CaseOp, operation: string): Subject {
    authorizeRole(caller.subject, op, operation);
    return caller.subject;
  }

  const addTask: CommandHandlers<CaseOp>['case.task.add'] = async (caller, args) => {
    const subject = authorized(caller, 'case.task.add', 'schedule a follow-up task');
    const record = await visibleCase(subject, args.caseId);
    if (record.snapshot.value === 'closed')
      throw helplineError('conflict/state', {
        operation: 'schedule a task',
        entity: 'case',
        state: 'closed',
      });
    const refuse = (field: 'dueAt' | 'phone' | 'kind', detail: string) =>
      helplineError('validation/field', { scope: 'case.task.add', field, detail }, { field });
    const now = clock.now();
    if (args.dueAt <= now) throw refuse('dueAt', 'must be in the future');
    if (args.dueAt > now + TASK_HORIZON_MS) throw refuse('dueAt', 'must be within a year');
    if (args.kind === 'callback' && args.phone === undefined)
      throw refuse('phone', 'is required for a callback');
    if (args.kind === 'reminder' && args.phone !== undefined) throw refuse('phone', 'is for callbacks only');
    if (args.kind === 'callback' && !deps.placeCallback)
      throw refuse('kind', 'callbacks are not enabled on this server');
    const task: CaseTask = {
      id: uuidv7(),
      caseId: record.id,
      kind: args.kind,
      status: 'scheduled',
      dueAt: args.dueAt,
      note: args.note ?? '',
      ...(args.phone !== undefined ? { phone: args.phone } : {}),
      createdBy: subject.id,
      createdAt: now,
    };
    await store.saveTask(task);
    armTask(task);
    return { task };
  };
  const cancelTask: CommandHandlers<CaseOp>['case.task.cancel'] = async (caller, args) => {
    const subject = authorized(caller, 'case.task.cancel', 'cancel a follow-up task');
    const record = await visibleCase(subject, args.caseId);
    const task = await visibleTask(record, args.taskId);
    const cancelled = stepCaseTask(task, { type: 'CANCEL', at: clock.now(), actorId: subject.id });
    if (!cancelled)
      throw helplineError('conflict/state', {
        operation: 'cancel the task',
        entity: 'task',
        state: task.status,
      });
    await store.saveTask(cancelled);
    deps.timers?.clear(taskKey(task.id));
    return { task: cancelled };
  };

  const handlers: CommandHandlers<CaseOp> = {
    'case.create': async (caller, args) => {
      const subject = authorized(caller, 'case.create', 'open a case');
      const current = await workedInteraction(subject, args.cid);
      const at = clock.now();
      const record: CaseRecord = {
        id: uuidv7(),
        customerId: await customerOf(current),
        snapshot: caseSnapshot({
          at,
          subject: args.subject,
          queueId: current.interaction.queueId,
          interactionId: args.cid,
          priority: args.priority,
          tags: args.tags,
          assigneeId: subject.role === 'agent' ? subject.id : undefined,
        }),
      };
      await save(record, { caseId: record.id, type: 'CREATE', actorId: subject.id, at });
      arm(record);
      return view(record);
    },
    'case.get': async (caller, args) => {
      const subject = authorized(caller, 'case.get', 'read a case');
      const record = await visibleCase(subject, args.caseId);
      return { ...view(record), notes: await store.notes(record.id), tasks: await store.tasks(record.id) };
    },
    'case.list': async (caller, args) => {
      const subject = authorized(caller, 'case.list', 'list cases');
      const now = clock.now();
      const visible = (await casesOfCustomer(args.customerId)).filter((c) =>
        serves(subject, c.snapshot.context.queueId),
      );
      const current = await Promise.all(visible.map(caughtUp));
      current.sort(
        (a, b) =>
          STATUS_ORDER[a.snapshot.value] - STATUS_ORDER[b.snapshot.value] ||
          b.snapshot.context.timestamps.updatedAt - a.snapshot.context.timestamps.updatedAt,
      );
      return { cases: current.map((c) => wireCase(c, now)) };
    },
    'case.update': async (caller, args) => {
      const subject = authorized(caller, 'case.update', 'change a case');
      let record = await visibleCase(subject, args.caseId);
      const { event, caseId: _caseId, ...fields } = args;
      // Moving a case to a queue the agent does not serve would hide it from them: only supervisors may.
      if (fields.queueId !== undefined && !serves(subject, fields.queueId))
        throw helplineError('auth/forbidden', { operation: 'move a case to that queue' });
      const at = clock.now();
      if (Object.values(fields).some((value) => value !== undefined))
        record = await step(record, { type: 'UPDATE', at, ...fields }, subject.id, 'change the case');
      if (event)
        record = await step(record, { type: event, at }, subject.id, `${event.toLowerCase()} the case`);
      return view(record);
    },
    'case.note': async (caller, args) => {
      const subject = authorized(caller, 'case.note', 'add a note to a case');
      const record = await visibleCase(subject, args.caseId);
      if (record.snapshot.value === 'closed')
        throw helplineError('conflict/state', { operation: 'add a note', entity: 'case', state: 'closed' });
      const note = {
        id: uuidv7(),
        caseId: record.id,
        authorId: subject.id,
        text: args.text,
        at: clock.now(),
      };
      await store.addNote(note);
      return { note };
    },
    'case.link': async (caller, args) => {
      const subject = authorized(caller, 'case.link', 'link an interaction to a case');
      const record = await visibleCase(subject, args.caseId);
      const current = await workedInteraction(subject, args.cid);
      if ((await currentCustomerId(await customerOf(current))) !== record.customerId)
        throw helplineError('validation/field', {
          scope: 'case.link',
          field: 'cid',
          detail: 'belongs to another customer than the case',
        });
      if (record.snapshot.context.interactionIds.includes(args.cid)) return view(record);
      const linked = await step(
        record,
        { type: 'LINK', at: clock.now(), interactionId: args.cid },
        subject.id,
        'link an interaction',
      );
      return view(linked);
    },
    'case.task.add': addTask,
    'case.task.cancel': cancelTask,
  };

  async function openCaseIds(customerId: string, subject: Subject): Promise<string[]> {
    const cases = await casesOfCustomer(customerId);
    return cases
      .filter((c) => c.snapshot.value === 'open' || c.snapshot.value === 'pending')
      .filter((c) => serves(subject, c.snapshot.context.queueId))
      .map((c) => c.id);
  }

  /** A message from the customer on an interaction linked to a solved case reopens it. */
  async function customerWrote(cid: string, customerId: string, at: number): Promise<void> {
    for (const record of await casesOfInteraction(cid)) {
      if (record.snapshot.value !== 'solved' && record.snapshot.value !== 'pending') continue;
      await step(record, { type: 'CONTACT', at, interactionId: cid }, customerId, 'reopen the case');
    }
  }

  /**
   * Staff answered on `cid`: the first response of the current episode of each open or pending case linked to it
   * (`AGENT_REPLY`), which meets the case's first-response target.
   */
  async function staffReplied(cid: string, staffId: string, at: number): Promise<void> {
    for (const record of await casesOfInteraction(cid)) {
      const { value, context } = record.snapshot;
      if ((value !== 'open' && value !== 'pending') || context.firstResponseAt !== undefined) continue;
      await step(record, { type: 'AGENT_REPLY', at }, staffId, 'record the first response');
    }
  }

  /**
   * A message on an interaction linked to cases: the customer's reopens a solved (or pending) case; an agent's is the
   * first response the case's SLA waits for.
   */
  function appended(stored: StoredEvent): void {
    const { ev } = stored;
    if (ev.type !== 'message') return;
    if (ev.from.role === 'visitor')
      customerWrote(stored.cid, ev.from.id, stored.at).catch((error: unknown) =>
        deps.reportFailure(`reopening the cases of interaction ${stored.cid}`, error),
      );
    else if (ev.from.role === 'agent' || ev.from.role === 'supervisor')
      staffReplied(stored.cid, ev.from.id, stored.at).catch((error: unknown) =>
        deps.reportFailure(`recording the first response on the cases of interaction ${stored.cid}`, error),
      );
  }

  function stepped({ current, stored }: InteractionStepped): void {
    // An interaction this step began (its first event is seq 1) has no case yet; one linked later is a save,
    // which forgets this.
    const cid = current.interaction.id;
    if (stored[0]?.seq === 1 && !linkedCases.has(cid)) rememberLinks(cid, Promise.resolve([]));
    for (const event of stored) appended(event);
  }

  async function viewCase(caseId: string) {
    const record = await store.get(caseId);
    if (!record) return undefined;
    const current = await caughtUp(record);
    return { case: wireCase(current, clock.now()), notes: await store.notes(caseId) };
  }

  async function assign(caseId: string, assigneeId: string, actorId: string): Promise<void> {
    const record = await store.get(caseId);
    if (!record) throw helplineError('not-found', { entity: 'Case', id: caseId });
    await step(record, { type: 'UPDATE', at: clock.now(), assigneeId }, actorId, 'assign the case');
  }

  return { handlers, openCaseIds, stepped, appended, view: viewCase, assign, restore, slaBoard };
}
