import type { EscalationMessage, EscalationRecord, EscalationSnapshot } from '@helpline/core';
import type { EscalationAuditEntry, EscalationStore } from '@helpline/core/hub';
import type { SqlClient } from '../storage/sql.client';

// Escalations over PGlite or PostgreSQL (migration 27, docs/cases.md). A change is one transaction: the escalation
// row and its audit entry are written together or not at all.

interface EscalationRow {
  readonly id: string;
  readonly snapshot: EscalationSnapshot | string;
}

function recordOf(row: EscalationRow): EscalationRecord {
  const snapshot =
    typeof row.snapshot === 'string' ? (JSON.parse(row.snapshot) as EscalationSnapshot) : row.snapshot;
  return { id: row.id, snapshot };
}

/**
 * The hub's {@link EscalationStore} over SQL: what `createHelplineServer` passes to the hub, so escalations outlive a
 * restart and can be reported on ({@link createSqlEscalationReports}).
 *
 * @example
 * ```ts
 * const hub = createHub({ ...options, escalations: { store: createSqlEscalationStore(storage.sql) } });
 * ```
 */
export function createSqlEscalationStore(sql: SqlClient): EscalationStore {
  return {
    async save(record, entry) {
      const { value, context } = record.snapshot;
      const { timestamps } = context;
      await sql.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO escalations (id, target_kind, target_id, queue_id, agent_id, leader_id, reason, state, note,
             offers, snapshot, created_at, updated_at, boarded_at, accepted_at, ended_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16)
           ON CONFLICT (id) DO UPDATE SET leader_id = $6, state = $8, note = $9, offers = $10, snapshot = $11::jsonb,
             updated_at = $13, boarded_at = $14, accepted_at = $15, ended_at = $16`,
          [
            record.id,
            context.target.kind,
            context.target.id,
            context.queueId,
            context.agentId,
            context.leaderId ?? null,
            context.reason,
            value,
            context.note ?? null,
            context.offers,
            JSON.stringify(record.snapshot),
            timestamps.createdAt,
            timestamps.updatedAt,
            context.boardedAt ?? null,
            timestamps.acceptedAt ?? null,
            timestamps.endedAt ?? null,
          ],
        );
        await tx.query(
          'INSERT INTO escalation_events (escalation_id, type, actor_id, at) VALUES ($1, $2, $3, $4)',
          [record.id, entry.type, entry.actorId, entry.at],
        );
      });
    },
    async get(escalationId) {
      const [row] = await sql.query<EscalationRow>('SELECT id, snapshot FROM escalations WHERE id = $1', [
        escalationId,
      ]);
      return row ? recordOf(row) : undefined;
    },
    async current(endedSince) {
      const rows = await sql.query<EscalationRow>(
        `SELECT id, snapshot FROM escalations
         WHERE state IN ('waiting', 'offered', 'accepted') OR ended_at >= $1
         ORDER BY created_at, id`,
        [endedSince],
      );
      return rows.map(recordOf);
    },
    async addMessage(message) {
      await sql.query(
        'INSERT INTO escalation_messages (id, escalation_id, author_id, body, at) VALUES ($1, $2, $3, $4, $5)',
        [message.id, message.escalationId, message.authorId, message.text, message.at],
      );
    },
    async messages(escalationId) {
      const rows = await sql.query<{ id: string; author_id: string; body: string; at: string | number }>(
        'SELECT id, author_id, body, at FROM escalation_messages WHERE escalation_id = $1 ORDER BY at, id',
        [escalationId],
      );
      return rows.map(
        (row): EscalationMessage => ({
          id: row.id,
          escalationId,
          authorId: row.author_id,
          text: row.body,
          at: Number(row.at),
        }),
      );
    },
    async audit(escalationId) {
      const rows = await sql.query<{
        type: EscalationAuditEntry['type'];
        actor_id: string;
        at: string | number;
      }>('SELECT type, actor_id, at FROM escalation_events WHERE escalation_id = $1 ORDER BY id', [
        escalationId,
      ]);
      return rows.map((row) => ({ escalationId, type: row.type, actorId: row.actor_id, at: Number(row.at) }));
    },
  };
}
