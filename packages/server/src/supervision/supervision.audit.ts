import type { SupervisionAudit, SupervisionAuditEntry } from '@helpline/core';
import type { SqlQueryable } from '../storage/sql.client';

/** Migration 23: the supervision audit log (docs/voice.md#audit). */
export const SUPERVISION_MIGRATION_SQL = `
-- Every start, mode switch, private note and end of a supervisor's leg on a live call or chat. A note's text is not
-- kept here: the log says that a supervisor wrote to the agent, not what.
CREATE TABLE IF NOT EXISTS supervision_audit (
  id            bigserial PRIMARY KEY,
  leg_id        text NOT NULL,
  cid           text NOT NULL,
  supervisor_id text NOT NULL,
  agent_id      text NOT NULL,
  action        text NOT NULL,
  mode          text,
  end_reason    text,
  at            bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS supervision_audit_cid ON supervision_audit (cid, id);
`;

interface Row {
  leg_id: string;
  cid: string;
  supervisor_id: string;
  agent_id: string;
  action: SupervisionAuditEntry['action'];
  mode: SupervisionAuditEntry['mode'] | null;
  end_reason: SupervisionAuditEntry['endReason'] | null;
  at: string | number;
}

/**
 * The supervision audit log in SQL (PGlite or PostgreSQL), for `HubOptions.supervision.audit`.
 *
 * @example
 * ```ts
 * const hub = createHub({ …, supervision: { audit: createSqlSupervisionAudit(storage.sql) } });
 * ```
 */
export function createSqlSupervisionAudit(sql: SqlQueryable): SupervisionAudit {
  return {
    async append(entry) {
      await sql.query(
        `INSERT INTO supervision_audit (leg_id, cid, supervisor_id, agent_id, action, mode, end_reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          entry.legId,
          entry.cid,
          entry.supervisorId,
          entry.agentId,
          entry.action,
          entry.mode ?? null,
          entry.endReason ?? null,
          entry.at,
        ],
      );
    },
    async list({ cid, limit }) {
      const rows = await sql.query<Row>(
        cid === undefined
          ? 'SELECT * FROM supervision_audit ORDER BY id DESC LIMIT $1'
          : 'SELECT * FROM supervision_audit WHERE cid = $2 ORDER BY id DESC LIMIT $1',
        cid === undefined ? [limit] : [limit, cid],
      );
      return rows.map((row) => ({
        legId: row.leg_id,
        cid: row.cid,
        supervisorId: row.supervisor_id,
        agentId: row.agent_id,
        action: row.action,
        ...(row.mode ? { mode: row.mode } : {}),
        ...(row.end_reason ? { endReason: row.end_reason } : {}),
        at: Number(row.at),
      }));
    },
  };
}
