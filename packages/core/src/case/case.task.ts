import { defineMachine, type Snapshot, transition } from '../machine';

/** What a follow-up task of a case does at its due time: remind the case's assignee, or place a callback. */
export type CaseTaskKind = 'reminder' | 'callback';

/** Every task kind. */
export const CASE_TASK_KINDS = ['reminder', 'callback'] as const satisfies readonly CaseTaskKind[];

/** Where a follow-up task stands: waiting for its due time, carried out, or cancelled by staff. */
export type CaseTaskStatus = 'scheduled' | 'done' | 'cancelled';

/** Every task status. */
export const CASE_TASK_STATUSES = [
  'scheduled',
  'done',
  'cancelled',
] as const satisfies readonly CaseTaskStatus[];

/** The facts of a follow-up task; where it stands is its machine state ({@link CaseTask}'s `status`). */
export interface CaseTaskFacts {
  readonly id: string;
  readonly caseId: string;
  readonly kind: CaseTaskKind;
  /** When it is due, epoch ms. */
  readonly dueAt: number;
  /** What to do, as staff wrote it (may be empty). */
  readonly note: string;
  /** The number to call (E.164): callbacks only. */
  readonly phone?: string | undefined;
  /** The staff member who scheduled it. */
  readonly createdBy: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** When it was carried out or cancelled, epoch ms. */
  readonly endedAt?: number | undefined;
  /** Who cancelled it. */
  readonly cancelledBy?: string | undefined;
  /** The callback interaction a `callback` task created (linked to the case). */
  readonly interactionId?: string | undefined;
}

/** A follow-up task of a case, as stored and sent to staff. */
export interface CaseTask extends CaseTaskFacts {
  readonly status: CaseTaskStatus;
}

/** What can happen to a task: its due time came (`FIRE`), or staff cancelled it. */
export type CaseTaskEvent =
  | { readonly type: 'FIRE'; readonly at: number; readonly interactionId?: string | undefined }
  | { readonly type: 'CANCEL'; readonly at: number; readonly actorId: string };

/**
 * The lifecycle of a follow-up task: `scheduled → done` when its due time came and it was carried out (`FIRE`,
 * refused before `dueAt`), `scheduled → cancelled` by staff. Both ends are final: a task fires at most once.
 *
 * @example
 * ```ts
 * const r = transition(caseTaskMachine, { value: 'scheduled', context: task }, { type: 'FIRE', at: task.dueAt });
 * ```
 */
export const caseTaskMachine = defineMachine<CaseTaskStatus, CaseTaskEvent, CaseTaskFacts>({
  id: 'case-task',
  initial: 'scheduled',
  context: { id: '', caseId: '', kind: 'reminder', dueAt: 0, note: '', createdBy: '', createdAt: 0 },
  states: {
    scheduled: {
      on: {
        FIRE: { target: 'done', guard: 'due', actions: ['recordFired'] },
        CANCEL: { target: 'cancelled', actions: ['recordCancelled'] },
      },
    },
    done: { final: true },
    cancelled: { final: true },
  },
  guards: { due: (context, event) => event.at >= context.dueAt },
  actions: {
    recordFired: (context, event) =>
      event.type === 'FIRE'
        ? {
            ...context,
            endedAt: event.at,
            ...(event.interactionId !== undefined ? { interactionId: event.interactionId } : {}),
          }
        : context,
    recordCancelled: (context, event) =>
      event.type === 'CANCEL' ? { ...context, endedAt: event.at, cancelledBy: event.actorId } : context,
  },
});

/**
 * The task after `event`, or `undefined` when its state does not accept it (a task already done or cancelled, a
 * `FIRE` before its due time).
 *
 * @example
 * ```ts
 * const cancelled = stepCaseTask(task, { type: 'CANCEL', at: Date.now(), actorId: 'alice' });
 * ```
 */
export function stepCaseTask(task: CaseTask, event: CaseTaskEvent): CaseTask | undefined {
  const { status, ...facts } = task;
  const snapshot: Snapshot<CaseTaskStatus, CaseTaskFacts> = { value: status, context: facts };
  const result = transition(caseTaskMachine, snapshot, event);
  return result.ok ? { ...result.snapshot.context, status: result.snapshot.value } : undefined;
}
