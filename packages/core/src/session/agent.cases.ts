import type { CasePriority } from '../case/case.types';
import type { Connection } from '../connection/connection';
import type { CommandArgs, CommandResult } from '../protocol/protocol.types';

/** A case (ticket) as staff receive it: its facts, its SLA standing when it was read, its customer (docs/cases.md). */
export type CaseView = CommandResult<'case.get'>['case'];

/** An internal note on a case: staff read it, the customer never does. */
export type CaseNoteView = CommandResult<'case.get'>['notes'][number];

/** A follow-up task of a case: a reminder to its assignee or a callback, due at a time (docs/cases.md). */
export type CaseTaskView = CommandResult<'case.get'>['tasks'][number];

/** A case with its internal notes, oldest note first, and its follow-up tasks by due time. */
export interface CaseDetail {
  readonly case: CaseView;
  readonly notes: readonly CaseNoteView[];
  readonly tasks: readonly CaseTaskView[];
}

/** A follow-up task to schedule: `phone` (E.164) for a callback only. */
export type NewCaseTask = Omit<CommandArgs<'case.task.add'>, 'caseId'>;

/** A status change staff may ask for: each is an event of the case machine (`caseMachine`). */
export type CaseStatusEvent = NonNullable<CommandArgs<'case.update'>['event']>;

/** What a new case needs besides the interaction it is opened from. */
export interface NewCase {
  readonly subject: string;
  readonly priority?: CasePriority | undefined;
  readonly tags?: readonly string[] | undefined;
}

/** Changes to a case: a status change through the machine and field changes; omitted fields stay. */
export type CaseChange = Omit<CommandArgs<'case.update'>, 'caseId'>;

/**
 * The cases (tickets) of an agent session, `agent.cases`: every call is one command, answered with the case as the
 * server holds it afterwards. Agents see the cases of their queues only (any other is `not-found`); supervisors all.
 *
 * @example
 * ```ts
 * const opened = await agent.cases.create(cid, { subject: 'Refund for order 42' });
 * await agent.cases.update(opened.id, { event: 'PEND', priority: 'high' });
 * ```
 */
export interface AgentCases {
  /** The customer's cases: open first, then pending, solved, closed; most recently changed first. */
  list(customerId: string): Promise<readonly CaseView[]>;
  /** One case with its internal notes. */
  get(caseId: string): Promise<CaseDetail>;
  /** Opens a case for the customer of interaction `cid`, in its queue, linked to it; the agent becomes its assignee. */
  create(cid: string, input: NewCase): Promise<CaseView>;
  /** Changes status (`OPEN`, `PEND`, `SOLVE`, `CLOSE`, `REOPEN`) and fields; `assigneeId: null` unassigns. */
  update(caseId: string, change: CaseChange): Promise<CaseView>;
  /** Adds an internal note. */
  note(caseId: string, text: string): Promise<CaseNoteView>;
  /** Links interaction `cid` (of the same customer) to the case: a new contact about it, on any channel. */
  link(caseId: string, cid: string): Promise<CaseView>;
  /** Schedules a follow-up task: a reminder to the case's assignee, or a callback to `phone`, at `dueAt`. */
  addTask(caseId: string, task: NewCaseTask): Promise<CaseTaskView>;
  /** Cancels a scheduled follow-up task. */
  cancelTask(caseId: string, taskId: string): Promise<CaseTaskView>;
}

/** The cases part of an agent session, over its connection. */
export function createAgentCases(connection: Pick<Connection, 'command'>): AgentCases {
  return {
    list: async (customerId) => (await connection.command('case.list', { customerId })).cases,
    get: (caseId) => connection.command('case.get', { caseId }),
    create: async (cid, input) =>
      (
        await connection.command('case.create', {
          cid,
          subject: input.subject,
          ...(input.priority ? { priority: input.priority } : {}),
          ...(input.tags ? { tags: [...input.tags] } : {}),
        })
      ).case,
    update: async (caseId, change) => (await connection.command('case.update', { caseId, ...change })).case,
    note: async (caseId, text) => (await connection.command('case.note', { caseId, text })).note,
    link: async (caseId, cid) => (await connection.command('case.link', { caseId, cid })).case,
    addTask: async (caseId, task) => (await connection.command('case.task.add', { caseId, ...task })).task,
    cancelTask: async (caseId, taskId) =>
      (await connection.command('case.task.cancel', { caseId, taskId })).task,
  };
}
