import { helplineError, isKnownTimeZone } from '@helpline/core';
import type { EscalationReport, EscalationReportQuery, EscalationReports } from '@helpline/core/hub';
import { periodWindow } from '../reports/reports.sql';
import type { SqlQueryable } from '../storage/sql.client';

// Escalation reports (docs/cases.md, "Escalation"): the escalations raised in a calendar period — by queue, agent or
// reason — with their outcomes and times, in one scan of `escalations` over the period.

/** The column each grouping reads; a fixed table, so nothing a caller sends reaches the SQL text. */
const GROUP_COLUMN = {
  total: 'NULL::text',
  queue: 'queue_id',
  agent: 'agent_id',
  reason: 'reason',
} as const satisfies Record<NonNullable<EscalationReportQuery['groupBy']>, string>;

interface ReportSqlRow {
  key: string | null;
  escalated: string | number;
  taken_over: string | number;
  handed_back: string | number;
  cancelled: string | number;
  open: string | number;
  reached_board: string | number;
  accept_ms: string | number | null;
  resolve_ms: string | number | null;
}

const seconds = (ms: string | number | null): number | null => (ms === null ? null : Number(ms) / 1000);

/**
 * Escalation reports over the server's database, for `escalation.report` (supervisors). Periods are calendar days,
 * ISO weeks, months and years in the report's time zone (default UTC), as for the history reports.
 *
 * @example
 * ```ts
 * const reports = createSqlEscalationReports(storage.sql);
 * const month = await reports.run({ period: 'month', groupBy: 'reason', timeZone: 'Europe/Brussels' });
 * ```
 */
export function createSqlEscalationReports(
  sql: SqlQueryable,
  options: { readonly now?: () => number } = {},
): EscalationReports {
  const now = options.now ?? Date.now;
  return {
    async run(query: EscalationReportQuery): Promise<EscalationReport> {
      const timeZone = query.timeZone ?? 'UTC';
      if (!isKnownTimeZone(timeZone))
        throw helplineError(
          'validation/field',
          { scope: 'escalation.report', field: 'timeZone', detail: `"${timeZone}" is not an IANA time zone` },
          { field: 'timeZone' },
        );
      const groupBy = query.groupBy ?? 'total';
      const window = await periodWindow(sql, query.period, query.at ?? now(), timeZone);
      const rows = await sql.query<ReportSqlRow>(
        `SELECT ${GROUP_COLUMN[groupBy]} AS key,
           count(*) AS escalated,
           count(*) FILTER (WHERE state = 'taken-over') AS taken_over,
           count(*) FILTER (WHERE state = 'handed-back') AS handed_back,
           count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE state IN ('waiting', 'offered', 'accepted')) AS open,
           count(*) FILTER (WHERE boarded_at IS NOT NULL) AS reached_board,
           avg(accepted_at - created_at) FILTER (WHERE accepted_at IS NOT NULL) AS accept_ms,
           avg(ended_at - created_at) FILTER (WHERE ended_at IS NOT NULL) AS resolve_ms
         FROM escalations
         WHERE created_at >= $1 AND created_at < $2
         GROUP BY 1
         ORDER BY escalated DESC, key NULLS FIRST`,
        [window.from, window.to],
      );
      return {
        from: window.from,
        to: window.to,
        timeZone,
        groupBy,
        rows: rows.map((row) => ({
          key: row.key,
          escalated: Number(row.escalated),
          takenOver: Number(row.taken_over),
          handedBack: Number(row.handed_back),
          cancelled: Number(row.cancelled),
          open: Number(row.open),
          reachedBoard: Number(row.reached_board),
          acceptSeconds: seconds(row.accept_ms),
          resolveSeconds: seconds(row.resolve_ms),
        })),
      };
    },
  };
}
