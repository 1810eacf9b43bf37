import { isEscalationFinal } from '../escalation/escalation.machine';
import type { EscalationEvent, EscalationMessage, EscalationRecord } from '../escalation/escalation.types';

/** One accepted change of an escalation, as the audit trail keeps it. */
export interface EscalationAuditEntry {
  readonly escalationId: string;
  /** The machine event's type (`CREATE` for the new escalation). */
  readonly type: EscalationEvent['type'] | 'CREATE';
  /** Who: a staff id, or `system` (a timer, the end of the interaction). */
  readonly actorId: string;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * Where escalations live. The in-memory store ({@link createMemoryEscalationStore}) serves tests and demos;
 * `@helpline/server` keeps them in PGlite or PostgreSQL (migration 27), where they are also reported on. `save`
 * writes the escalation and its audit entry together.
 */
export interface EscalationStore {
  /** Stores a new escalation, or the new snapshot of a known one, with the audit entry of the change. */
  save(record: EscalationRecord, entry: EscalationAuditEntry): Promise<void>;
  get(escalationId: string): Promise<EscalationRecord | undefined>;
  /** Every escalation not ended yet, and those that ended at or after `endedSince` (epoch ms), oldest first. */
  current(endedSince: number): Promise<EscalationRecord[]>;
  addMessage(message: EscalationMessage): Promise<void>;
  /** The thread of an escalation, oldest first. */
  messages(escalationId: string): Promise<EscalationMessage[]>;
  /** The audit trail of an escalation, oldest first. */
  audit(escalationId: string): Promise<EscalationAuditEntry[]>;
}

/**
 * Escalations kept in the process (lost on restart): the hub's default when no store is given.
 *
 * @example
 * ```ts
 * const hub = createHub({ ...options, escalations: createMemoryEscalationStore() });
 * ```
 */
export function createMemoryEscalationStore(): EscalationStore {
  const records = new Map<string, EscalationRecord>();
  const messages = new Map<string, EscalationMessage[]>();
  const audit = new Map<string, EscalationAuditEntry[]>();
  return {
    async save(record, entry) {
      records.set(record.id, structuredClone(record));
      audit.set(record.id, [...(audit.get(record.id) ?? []), entry]);
    },
    async get(escalationId) {
      const found = records.get(escalationId);
      return found && structuredClone(found);
    },
    async current(endedSince) {
      return [...records.values()]
        .filter(
          (r) =>
            !isEscalationFinal(r.snapshot.value) ||
            (r.snapshot.context.timestamps.endedAt ?? 0) >= endedSince,
        )
        .sort((a, b) => a.snapshot.context.timestamps.createdAt - b.snapshot.context.timestamps.createdAt)
        .map((r) => structuredClone(r));
    },
    async addMessage(message) {
      messages.set(message.escalationId, [...(messages.get(message.escalationId) ?? []), message]);
    },
    async messages(escalationId) {
      return [...(messages.get(escalationId) ?? [])];
    },
    async audit(escalationId) {
      return [...(audit.get(escalationId) ?? [])];
    },
  };
}
