import type { ReportGrouping } from '@helpline/core/metrics';
import type { SqlClient } from '../storage/sql.client';

// First-contact resolution from cases, in SQL (docs/cases.md): the stored-history counterpart of core's
// firstContactResolution(cases), for reports grouped as the other report figures are.

/** Case FCR of one report row. */
export interface CaseFcrRow {
  /** The group (queue, agent, channel, topic, disposition), `null` for the total or a case without it. */
  readonly key: string | null;
  /** Cases solved in the window (closed ones included, as long as they were solved in it). */
  readonly solved: number;
  /** Of those, solved at first contact: one contact at most, never reopened. */
  readonly firstContact: number;
  /** `firstContact / solved`, `null` when nothing was solved. */
  readonly rate: number | null;
}

/**
 * What a case is grouped by: its own queue and assignee; the channel, topic and disposition of the interaction it
 * was opened from (its first contact).
 */
const CASE_GROUP_COLUMN: Readonly<Record<ReportGrouping, string>> = {
  total: 'NULL::text',
  queue: 'c.queue_id',
  agent: "c.snapshot->'context'->>'assigneeId'",
  channel: 'i.channel',
  topic: 'i.topic',
  disposition: 'i.disposition',
};

/**
 * First-contact resolution computed from cases solved in `[from, to)` (epoch ms): a case counts as solved at first
 * contact when the customer never had to come back (one contact at most, never reopened) — the definition of
 * `solvedAtFirstContact`, replacing the proxy of a disposition's `resolved` flag and a repeat window.
 *
 * @example
 * ```ts
 * const rows = await caseFirstContactResolution(storage.sql, { from, to }, 'queue');
 * ```
 */
export async function caseFirstContactResolution(
  sql: SqlClient,
  window: { readonly from: number; readonly to: number },
  groupBy: ReportGrouping,
): Promise<CaseFcrRow[]> {
  const rows = await sql.query<{ key: string | null; solved: string; first_contact: string }>(
    `WITH solved AS (
  SELECT c.*, (c.snapshot->'context'->'timestamps'->>'solvedAt')::bigint AS solved_at,
         (c.snapshot->'context'->>'contacts')::int <= 1
           AND (c.snapshot->'context'->>'reopenCount')::int = 0 AS first_contact
  FROM cases c
  WHERE c.status IN ('solved', 'closed')
)
SELECT ${CASE_GROUP_COLUMN[groupBy]} AS key, count(*) AS solved,
       count(*) FILTER (WHERE c.first_contact) AS first_contact
FROM solved c
LEFT JOIN interactions i ON i.id = c.snapshot->'context'->'interactionIds'->>0
WHERE c.solved_at >= $1 AND c.solved_at < $2
GROUP BY 1 ORDER BY 1 NULLS LAST`,
    [window.from, window.to],
  );
  return rows.map((row) => {
    const solved = Number(row.solved);
    const firstContact = Number(row.first_contact);
    return { key: row.key, solved, firstContact, rate: solved > 0 ? firstContact / solved : null };
  });
}
