import type { CaseTask } from '../case/case.task';
import type { CaseEvent, CaseNote, CaseRecord } from '../case/case.types';

/** One accepted change of a case, as the audit trail keeps it. */
export interface CaseAuditEntry {
  readonly caseId: string;
  /** The machine event's type (`CREATE` for the new case). */
  readonly type: CaseEvent['type'] | 'CREATE';
  /** Who: a staff id, the customer's id, or `system` (a timer). */
  readonly actorId: string;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * Where cases live. The in-memory store ({@link createMemoryCaseStore}) serves tests and demos; `@helpline/server`
 * keeps them in PGlite or PostgreSQL. `save` writes the case and its audit entry together.
 */
export interface CaseStore {
  /** Stores a new case, or the new snapshot of a known one, with the audit entry of the change. */
  save(record: CaseRecord, entry: CaseAuditEntry): Promise<void>;
  get(caseId: string): Promise<CaseRecord | undefined>;
  /** Every case of a customer. */
  ofCustomer(customerId: string): Promise<CaseRecord[]>;
  /** Every case an interaction is linked to. */
  ofInteraction(interactionId: string): Promise<CaseRecord[]>;
  /** Every case linked to any of these interactions, each once. */
  ofInteractions(interactionIds: readonly string[]): Promise<CaseRecord[]>;
  /** Every case still worked on (`open` or `pending`): the SLA timers a restarted hub arms again. */
  working(): Promise<CaseRecord[]>;
  addNote(note: CaseNote): Promise<void>;
  /** The internal notes of a case, oldest first. */
  notes(caseId: string): Promise<CaseNote[]>;
  /** The audit trail of a case, oldest first. */
  audit(caseId: string): Promise<CaseAuditEntry[]>;
  /** Stores a new follow-up task, or the new state of a known one. */
  saveTask(task: CaseTask): Promise<void>;
  /** The follow-up tasks of a case, by due time. */
  tasks(caseId: string): Promise<CaseTask[]>;
  /** Every task still `scheduled`, of any case: the timers a restarted hub arms again. */
  scheduledTasks(): Promise<CaseTask[]>;
}

/**
 * Cases kept in the process (lost on restart): the hub's default when no store is given.
 *
 * @example
 * ```ts
 * const hub = createHub({ ...options, cases: createMemoryCaseStore() });
 * ```
 */
export function createMemoryCaseStore(): CaseStore {
  const cases = new Map<string, CaseRecord>();
  const notes = new Map<string, CaseNote[]>();
  const audit = new Map<string, CaseAuditEntry[]>();
  const tasks = new Map<string, CaseTask>();
  const byDue = (a: CaseTask, b: CaseTask) => a.dueAt - b.dueAt || a.id.localeCompare(b.id);
  return {
    async save(record, entry) {
      cases.set(record.id, structuredClone(record));
      audit.set(record.id, [...(audit.get(record.id) ?? []), entry]);
    },
    async get(caseId) {
      const found = cases.get(caseId);
      return found && structuredClone(found);
    },
    async ofCustomer(customerId) {
      return [...cases.values()].filter((c) => c.customerId === customerId).map((c) => structuredClone(c));
    },
    async ofInteraction(interactionId) {
      return [...cases.values()]
        .filter((c) => c.snapshot.context.interactionIds.includes(interactionId))
        .map((c) => structuredClone(c));
    },
    async ofInteractions(interactionIds) {
      const wanted = new Set(interactionIds);
      return [...cases.values()]
        .filter((c) => c.snapshot.context.interactionIds.some((id) => wanted.has(id)))
        .map((c) => structuredClone(c));
    },
    async working() {
      return [...cases.values()]
        .filter((c) => c.snapshot.value === 'open' || c.snapshot.value === 'pending')
        .map((c) => structuredClone(c));
    },
    async addNote(note) {
      notes.set(note.caseId, [...(notes.get(note.caseId) ?? []), note]);
    },
    async notes(caseId) {
      return [...(notes.get(caseId) ?? [])];
    },
    async audit(caseId) {
      return [...(audit.get(caseId) ?? [])];
    },
    async saveTask(task) {
      tasks.set(task.id, { ...task });
    },
    async tasks(caseId) {
      return [...tasks.values()].filter((t) => t.caseId === caseId).sort(byDue);
    },
    async scheduledTasks() {
      return [...tasks.values()].filter((t) => t.status === 'scheduled').sort(byDue);
    },
  };
}
