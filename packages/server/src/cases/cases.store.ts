import type { CaseNote, CaseRecord, CaseSnapshot, CaseTask } from '@helpline/core';
import type { CaseAuditEntry, CaseStore } from '@helpline/core/hub';
import type { SqlClient } from '../storage/sql.client';

// Cases over PGlite or PostgreSQL (migration 19, docs/cases.md). A change is one transaction: the case row, its
// links and its audit entry are written together or not at all. Follow-up tasks are rows of `case_tasks` (migration 26).

interface CaseRow {
  readonly id: string;
  readonly customer_id: string;
  readonly snapshot: CaseSnapshot | string;
}

function recordOf(row: CaseRow): CaseRecord {
  const snapshot =
    typeof row.snapshot === 'string' ? (JSON.parse(row.snapshot) as CaseSnapshot) : row.snapshot;
  return { id: row.id, customerId: row.customer_id, snapshot };
}

const CASE_COLUMNS = 'c.id, c.customer_id, c.snapshot';

const taskOf = (row: { readonly task: CaseTask | string }): CaseTask =>
  typeof row.task === 'string' ? (JSON.parse(row.task) as CaseTask) : row.task;

/**
 * The hub's {@link CaseStore} over SQL: what `createHelplineServer` passes to the hub, so cases outlive a restart.
 *
 * @example
 * ```ts
 * const hub = createHub({ ...options, cases: createSqlCaseStore(storage.sql) });
 * ```
 */
export function createSqlCaseStore(sql: SqlClient): CaseStore {
  return {
    async save(record, entry) {
      const { value, context } = record.snapshot;
      await sql.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO cases (id, customer_id, queue_id, status, snapshot, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
           ON CONFLICT (id) DO UPDATE SET customer_id = $2, queue_id = $3, status = $4, snapshot = $5::jsonb,
             updated_at = $7`,
          [
            record.id,
            record.customerId,
            context.queueId,
            value,
            JSON.stringify(record.snapshot),
            context.timestamps.createdAt,
            context.timestamps.updatedAt,
          ],
        );
        for (const interactionId of context.interactionIds)
          await tx.query(
            `INSERT INTO case_links (case_id, interaction_id, linked_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [record.id, interactionId, entry.at],
          );
        await tx.query('INSERT INTO case_events (case_id, type, actor_id, at) VALUES ($1, $2, $3, $4)', [
          record.id,
          entry.type,
          entry.actorId,
          entry.at,
        ]);
      });
    },
    async get(caseId) {
      const rows = await sql.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1`, [caseId]);
      return rows[0] && recordOf(rows[0]);
    },
    async ofCustomer(customerId) {
      const rows = await sql.query<CaseRow>(
        `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.customer_id = $1 ORDER BY c.updated_at DESC`,
        [customerId],
      );
      return rows.map(recordOf);
    },
    async ofInteraction(interactionId) {
      const rows = await sql.query<CaseRow>(
        `SELECT ${CASE_COLUMNS} FROM cases c JOIN case_links l ON l.case_id = c.id WHERE l.interaction_id = $1`,
        [interactionId],
      );
      return rows.map(recordOf);
    },
    async ofInteractions(interactionIds) {
      if (interactionIds.length === 0) return [];
      const rows = await sql.query<CaseRow>(
        `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id IN
           (SELECT l.case_id FROM case_links l WHERE l.interaction_id = ANY($1::text[]))`,
        [[...interactionIds]],
      );
      return rows.map(recordOf);
    },
    async working() {
      const rows = await sql.query<CaseRow>(
        `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.status IN ('open', 'pending') ORDER BY c.id`,
      );
      return rows.map(recordOf);
    },
    async addNote(note) {
      await sql.query(
        'INSERT INTO case_notes (id, case_id, author_id, body, at) VALUES ($1, $2, $3, $4, $5)',
        [note.id, note.caseId, note.authorId, note.text, note.at],
      );
    },
    async notes(caseId) {
      const rows = await sql.query<{
        id: string;
        case_id: string;
        author_id: string;
        body: string;
        at: string;
      }>('SELECT id, case_id, author_id, body, at FROM case_notes WHERE case_id = $1 ORDER BY at, id', [
        caseId,
      ]);
      return rows.map(
        (row): CaseNote => ({
          id: row.id,
          caseId: row.case_id,
          authorId: row.author_id,
          text: row.body,
          at: Number(row.at),
        }),
      );
    },
    async audit(caseId) {
      const rows = await sql.query<{
        case_id: string;
        type: CaseAuditEntry['type'];
        actor_id: string;
        at: string;
      }>('SELECT case_id, type, actor_id, at FROM case_events WHERE case_id = $1 ORDER BY id', [caseId]);
      return rows.map((row) => ({
        caseId: row.case_id,
        type: row.type,
        actorId: row.actor_id,
        at: Number(row.at),
      }));
    },
    async saveTask(task) {
      await sql.query(
        `INSERT INTO case_tasks (id, case_id, status, due_at, task) VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (id) DO UPDATE SET status = $3, due_at = $4, task = $5::jsonb`,
        [task.id, task.caseId, task.status, task.dueAt, JSON.stringify(task)],
      );
    },
    async tasks(caseId) {
      const rows = await sql.query<{ task: CaseTask | string }>(
        'SELECT task FROM case_tasks WHERE case_id = $1 ORDER BY due_at, id',
        [caseId],
      );
      return rows.map(taskOf);
    },
    async scheduledTasks() {
      const rows = await sql.query<{ task: CaseTask | string }>(
        `SELECT task FROM case_tasks WHERE status = 'scheduled' ORDER BY due_at, id`,
      );
      return rows.map(taskOf);
    },
  };
}
