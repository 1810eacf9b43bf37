import { helplineError } from '@helpline/core';
import {
  type HistoryReports,
  REPORT_GROUPINGS,
  REPORT_KINDS,
  REPORT_PERIODS,
  type ReportFiguresRow,
  type ReportGrouping,
  type ReportProblemRow,
  type ReportQuery,
  type ReportResult,
  type ReportVolumeCell,
} from '@helpline/core/metrics';
import { caseFirstContactResolution } from '../cases/cases.fcr';
import type { SqlClient, SqlQueryable } from '../storage/sql.client';

/*
 * Reports from the stored history in SQL, the same statements on PGlite and PostgreSQL (docs/reports.md). A contact
 * belongs to the window it was created in. Figures follow docs/kpis.md over the milestones each interaction's record
 * keeps (migration 20's columns): hold time lies inside the answered → ended span, so AHT is that span plus wrap-up.
 * First-contact resolution comes from the cases solved in the window (cases.fcr.ts), not from the interactions.
 */

const DAY_MS = 86_400_000;
/** The longest custom window: a leap year and a little. */
const MAX_WINDOW_MS = 400 * DAY_MS;
const DEFAULT_SLA_TARGET_SECONDS = 20;
const DEFAULT_PROBLEM_LIMIT = 10;
/** Occupancy counts the handling of contacts created up to this long before the window (a long email thread). */
const OCCUPANCY_LOOKBACK_MS = 7 * DAY_MS;
const MAX_PROBLEM_LIMIT = 100;
/** Rows deleted per statement by retention, so a first run over years of history never holds one huge lock. */
const RETENTION_BATCH = 5_000;

/** What reports need to know of the queues: their SLA targets. */
export interface SqlReportsOptions {
  /** Answer target by queue, seconds (`queues[].slaTargetSeconds`); others get `defaultSlaTargetSeconds`. */
  readonly slaTargetByQueue?: Readonly<Record<string, number>> | undefined;
  /** Default answer target, seconds (20). */
  readonly defaultSlaTargetSeconds?: number | undefined;
  /** The clock (`at` defaults to now). */
  readonly now?: (() => number) | undefined;
}

/** The server's SQL reports: `run` answers `report.run`; `prune` is the retention the leader runs daily. */
export interface SqlReports extends HistoryReports {
  /**
   * Deletes the history of interactions created before `before` (epoch ms) that are closed — the records, their
   * conversation events, attachments and customer links — and presence changes before it. Returns the interactions
   * deleted.
   */
  prune(before: number): Promise<number>;
}

/** The column each grouping reads; a fixed table, so nothing a caller sends reaches the SQL text. */
const GROUP_COLUMN: Readonly<Record<ReportGrouping, string>> = {
  total: 'NULL::text',
  queue: 'i.queue_id',
  agent: 'i.agent_id',
  channel: 'i.channel',
  topic: 'i.topic',
  disposition: 'i.disposition',
};

const invalid = (field: string, detail: string) =>
  helplineError('validation/field', { scope: 'report.run', field, detail }, { field });

function checkedTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw invalid('timeZone', `"${timeZone}" is not an IANA time zone`);
  }
  return timeZone;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
/** A row with nothing in it, for a group that only solved cases in the window. */
const EMPTY_FIGURES: Omit<ReportFiguresRow, 'key'> = {
  contacts: 0,
  outbound: 0,
  queued: 0,
  answered: 0,
  abandoned: 0,
  answerRate: null,
  abandonmentRate: null,
  asaSeconds: null,
  serviceLevel: null,
  handled: 0,
  ahtSeconds: null,
  occupancy: null,
  csatResponses: 0,
  csatAverage: null,
  fcrContacts: 0,
  fcr: null,
};
/** Rows by key in code-unit order, `null` (the total, or no value) last. */
const byKey = (a: ReportFiguresRow, b: ReportFiguresRow): number =>
  a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1;
const seconds = (ms: unknown): number | null => (ms === null || ms === undefined ? null : Number(ms) / 1000);

export interface Window {
  readonly from: number;
  readonly to: number;
  readonly previousFrom: number;
}

/** The calendar period containing `at` in `timeZone`, and the one before it, computed by the database's calendar. */
export async function periodWindow(
  sql: SqlQueryable,
  period: string,
  at: number,
  timeZone: string,
): Promise<Window> {
  const [row] = await sql.query<{ from: string; to: string; previous: string }>(
    `WITH p AS (
  SELECT date_trunc($1, to_timestamp($2::float8 / 1000) AT TIME ZONE $3) AS start, ('1 ' || $1)::interval AS step
)
SELECT (extract(epoch FROM start AT TIME ZONE $3) * 1000)::bigint AS "from",
       (extract(epoch FROM (start + step) AT TIME ZONE $3) * 1000)::bigint AS "to",
       (extract(epoch FROM (start - step) AT TIME ZONE $3) * 1000)::bigint AS previous
FROM p`,
    [period, at, timeZone],
  );
  if (!row) throw new Error('period query returned no row');
  return { from: num(row.from), to: num(row.to), previousFrom: num(row.previous) };
}

function customWindow(from: number | undefined, to: number | undefined): Window {
  if (from === undefined || to === undefined) throw invalid('period', 'give a period, or both from and to');
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to)) || to <= from)
    throw invalid('to', 'must be after from (epoch ms)');
  if (to - from > MAX_WINDOW_MS) throw invalid('to', 'a window is at most 400 days');
  return { from, to, previousFrom: from - (to - from) };
}

interface FiguresSqlRow {
  key: string | null;
  contacts: string;
  outbound: string;
  queued: string;
  answered: string;
  abandoned: string;
  asa_ms: string | null;
  sl_met: string;
  sl_outcomes: string;
  handled: string;
  aht_ms: string | null;
  csat_responses: string;
  csat_average: string | null;
}

/**
 * Creates the reports over a Helpline database (migrated to version 20 or later).
 *
 * @example
 * ```ts
 * import { createSqlReports, openStorage } from '@helpline/server';
 * const storage = await openStorage({ kind: 'pglite', dataDir: './.helpline-data' });
 * const reports = createSqlReports(storage.sql, { slaTargetByQueue: { support: 30 } });
 * const month = await reports.run({ kind: 'figures', period: 'month', timeZone: 'Europe/Brussels', groupBy: 'queue' });
 * console.log(month.figures);
 * await storage.close();
 * ```
 */
export function createSqlReports(sql: SqlClient, options: SqlReportsOptions = {}): SqlReports {
  const now = options.now ?? Date.now;
  const slaQueues = Object.keys(options.slaTargetByQueue ?? {});
  const slaTargetsMs = slaQueues.map((q) => (options.slaTargetByQueue?.[q] ?? 0) * 1000);
  const defaultTargetMs = (options.defaultSlaTargetSeconds ?? DEFAULT_SLA_TARGET_SECONDS) * 1000;

  async function figures(window: Window, groupBy: ReportGrouping): Promise<ReportFiguresRow[]> {
    const rows = await sql.query<FiguresSqlRow>(
      `WITH sla AS (SELECT * FROM unnest($3::text[], $4::float8[]) AS s (queue_id, target_ms)),
base AS (
  SELECT ${GROUP_COLUMN[groupBy]} AS key, i.created_at, i.outbound, i.queued_at, i.answered_at, i.ended_at,
         i.wrapped_at, i.end_reason, i.csat_score, coalesce(s.target_ms, $5::float8) AS target_ms
  FROM interactions i LEFT JOIN sla s ON s.queue_id = i.queue_id
  WHERE i.created_at >= $1 AND i.created_at < $2
)
SELECT key,
  count(*) FILTER (WHERE NOT outbound) AS contacts,
  count(*) FILTER (WHERE outbound) AS outbound,
  count(*) FILTER (WHERE NOT outbound AND queued_at IS NOT NULL) AS queued,
  count(*) FILTER (WHERE NOT outbound AND answered_at IS NOT NULL) AS answered,
  count(*) FILTER (WHERE NOT outbound AND answered_at IS NULL AND end_reason = 'abandoned') AS abandoned,
  avg(greatest(0, answered_at - queued_at)) FILTER (WHERE queued_at IS NOT NULL AND answered_at IS NOT NULL) AS asa_ms,
  count(*) FILTER (WHERE queued_at IS NOT NULL AND answered_at IS NOT NULL AND answered_at - queued_at <= target_ms) AS sl_met,
  count(*) FILTER (WHERE queued_at IS NOT NULL
    AND (answered_at IS NOT NULL OR (ended_at IS NOT NULL AND ended_at - queued_at > target_ms))) AS sl_outcomes,
  count(*) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL) AS handled,
  avg(greatest(0, ended_at - answered_at) + coalesce(greatest(0, wrapped_at - ended_at), 0))
    FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL) AS aht_ms,
  count(csat_score) AS csat_responses,
  avg(csat_score) AS csat_average
FROM base GROUP BY key`,
      [window.from, window.to, slaQueues, slaTargetsMs, defaultTargetMs],
    );
    const fcr = new Map(
      (await caseFirstContactResolution(sql, window, groupBy)).map((row) => [row.key, row]),
    );
    const out = rows.map((row): ReportFiguresRow => {
      const queued = num(row.queued);
      const answered = num(row.answered);
      const abandoned = num(row.abandoned);
      const cases = fcr.get(row.key);
      fcr.delete(row.key);
      return {
        key: row.key,
        contacts: num(row.contacts),
        outbound: num(row.outbound),
        queued,
        answered,
        abandoned,
        answerRate: ratio(answered, queued),
        abandonmentRate: ratio(abandoned, queued),
        asaSeconds: seconds(row.asa_ms),
        serviceLevel: ratio(num(row.sl_met), num(row.sl_outcomes)),
        handled: num(row.handled),
        ahtSeconds: seconds(row.aht_ms),
        occupancy: null,
        csatResponses: num(row.csat_responses),
        csatAverage: numOrNull(row.csat_average),
        fcrContacts: cases?.solved ?? 0,
        fcr: cases?.rate ?? null,
      };
    });
    // A group can solve cases in the window without a contact created in it (a case opened the month before).
    for (const cases of fcr.values())
      out.push({ ...EMPTY_FIGURES, key: cases.key, fcrContacts: cases.solved, fcr: cases.rate });
    return out.sort(byKey);
  }

  async function volume(window: Window, timeZone: string): Promise<ReportVolumeCell[]> {
    const rows = await sql.query<{ weekday: number; hour: number; contacts: string }>(
      `WITH local AS (
  SELECT to_timestamp(created_at::float8 / 1000) AT TIME ZONE $3 AS at
  FROM interactions WHERE created_at >= $1 AND created_at < $2 AND NOT outbound
)
SELECT extract(isodow FROM at)::int AS weekday, extract(hour FROM at)::int AS hour, count(*) AS contacts
FROM local GROUP BY 1, 2 ORDER BY 1, 2`,
      [window.from, window.to, timeZone],
    );
    return rows.map((r) => ({ weekday: num(r.weekday), hour: num(r.hour), contacts: num(r.contacts) }));
  }

  async function problems(window: Window, limit: number): Promise<ReportProblemRow[]> {
    const rows = await sql.query<{
      dimension: 'topic' | 'disposition';
      key: string;
      contacts: string;
      previous: string;
    }>(
      `WITH counted AS (
  SELECT 'topic' AS dimension, topic AS key,
         count(*) FILTER (WHERE created_at >= $1) AS contacts, count(*) FILTER (WHERE created_at < $1) AS previous
  FROM interactions WHERE created_at >= $3 AND created_at < $2 AND NOT outbound AND topic IS NOT NULL GROUP BY topic
  UNION ALL
  SELECT 'disposition', disposition,
         count(*) FILTER (WHERE created_at >= $1), count(*) FILTER (WHERE created_at < $1)
  FROM interactions WHERE created_at >= $3 AND created_at < $2 AND NOT outbound AND disposition IS NOT NULL
  GROUP BY disposition
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY dimension ORDER BY contacts DESC, key) AS rank
  FROM counted WHERE contacts > 0
)
SELECT dimension, key, contacts, previous FROM ranked WHERE rank <= $4 ORDER BY dimension DESC, rank`,
      [window.from, window.to, window.previousFrom, limit],
    );
    return rows.map((r) => {
      const contacts = num(r.contacts);
      const previous = num(r.previous);
      return {
        dimension: r.dimension,
        key: r.key,
        contacts,
        previous,
        change: previous === 0 ? null : (contacts - previous) / previous,
      };
    });
  }

  /**
   * Occupancy per agent over the window, as docs/kpis.md defines it: busy = the union of [answered, wrap-up done (or
   * ended, or now)) of the agent's contacts; staffed = the union of busy and the agent's `available` presence spans;
   * both clipped to the window. Unions are summed over spans sorted by start, each adding what reaches past the
   * furthest end before it.
   */
  async function occupancyByAgent(
    window: Window,
  ): Promise<Map<string, { busyMs: number; staffedMs: number }>> {
    const until = Math.min(window.to, now());
    const rows = await sql.query<{ agent_id: string; busy_ms: string; staffed_ms: string }>(
      `WITH busy AS (
  SELECT agent_id, greatest(answered_at, $1) AS s, least(coalesce(wrapped_at, ended_at, $3), $3) AS e
  FROM interactions
  WHERE created_at >= $1 - $4::bigint AND created_at < $2 AND agent_id IS NOT NULL AND answered_at IS NOT NULL
),
presence AS (
  SELECT agent_id, status, at, lead(at) OVER (PARTITION BY agent_id ORDER BY at, id) AS next_at
  FROM (
    SELECT id, agent_id, status, at FROM presence_history WHERE at >= $1 AND at < $2
    UNION ALL
    SELECT * FROM (SELECT DISTINCT ON (agent_id) id, agent_id, status, at FROM presence_history
                   WHERE at < $1 ORDER BY agent_id, at DESC, id DESC) before_window
  ) p
),
spans AS (
  SELECT agent_id, s, e, true AS busy FROM busy WHERE e > s
  UNION ALL
  SELECT agent_id, greatest(at, $1), least(coalesce(next_at, $3), $3), false
  FROM presence WHERE status = 'available' AND least(coalesce(next_at, $3), $3) > greatest(at, $1)
),
reach AS (
  SELECT agent_id, s, e, busy,
    max(e) OVER (PARTITION BY agent_id, busy ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS busy_reach,
    max(e) OVER (PARTITION BY agent_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS all_reach
  FROM spans
)
SELECT agent_id,
  sum(CASE WHEN busy THEN greatest(0, e - greatest(s, coalesce(busy_reach, s))) ELSE 0 END) AS busy_ms,
  sum(greatest(0, e - greatest(s, coalesce(all_reach, s)))) AS staffed_ms
FROM reach GROUP BY agent_id`,
      [window.from, window.to, until, OCCUPANCY_LOOKBACK_MS],
    );
    return new Map(
      rows.map((row) => [row.agent_id, { busyMs: num(row.busy_ms), staffedMs: num(row.staffed_ms) }]),
    );
  }

  /** The figures rows with occupancy: per agent by `agent`, pooled over every agent for `total`, else `null`. */
  async function withOccupancy(
    rows: readonly ReportFiguresRow[],
    window: Window,
    groupBy: ReportGrouping,
  ): Promise<ReportFiguresRow[]> {
    if (groupBy !== 'agent' && groupBy !== 'total') return rows.map((row) => ({ ...row, occupancy: null }));
    const byAgent = await occupancyByAgent(window);
    let busyMs = 0;
    let staffedMs = 0;
    for (const agent of byAgent.values()) {
      busyMs += agent.busyMs;
      staffedMs += agent.staffedMs;
    }
    return rows.map((row) => {
      const agent = groupBy === 'total' ? { busyMs, staffedMs } : byAgent.get(row.key ?? '');
      return { ...row, occupancy: agent ? ratio(agent.busyMs, agent.staffedMs) : null };
    });
  }

  return {
    async run(query: ReportQuery): Promise<ReportResult> {
      const kind = oneOf('kind', query.kind, REPORT_KINDS);
      const groupBy = oneOf('groupBy', query.groupBy ?? 'total', REPORT_GROUPINGS);
      const timeZone = checkedTimeZone(query.timeZone ?? 'UTC');
      const limit = query.limit ?? DEFAULT_PROBLEM_LIMIT;
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PROBLEM_LIMIT))
        throw invalid('limit', `must be a whole number from 1 to ${MAX_PROBLEM_LIMIT}`);
      let window: Window;
      if (query.period !== undefined) {
        if (query.from !== undefined || query.to !== undefined)
          throw invalid('period', 'give a period or from and to, not both');
        const period = oneOf('period', query.period, REPORT_PERIODS);
        const at = query.at ?? now();
        if (!Number.isSafeInteger(at)) throw invalid('at', 'must be epoch milliseconds');
        window = await periodWindow(sql, period, at, timeZone);
      } else {
        window = customWindow(query.from, query.to);
      }
      return {
        kind,
        ...window,
        timeZone,
        groupBy,
        figures:
          kind === 'figures' ? await withOccupancy(await figures(window, groupBy), window, groupBy) : [],
        volume: kind === 'volume' ? await volume(window, timeZone) : [],
        problems: kind === 'problems' ? await problems(window, limit) : [],
      };
    },

    async prune(before: number): Promise<number> {
      let total = 0;
      for (;;) {
        const [row] = await sql.query<{ deleted: string }>(
          `WITH gone AS (
  DELETE FROM interactions WHERE id IN (
    SELECT id FROM interactions WHERE NOT is_open AND created_at < $1 ORDER BY created_at LIMIT $2)
  RETURNING id
), events_gone AS (DELETE FROM events WHERE cid IN (SELECT id FROM gone)),
heads_gone AS (DELETE FROM conversation_heads WHERE cid IN (SELECT id FROM gone)),
links_gone AS (DELETE FROM customer_interactions WHERE interaction_id IN (SELECT id FROM gone)),
attachments_gone AS (DELETE FROM attachments WHERE cid IN (SELECT id FROM gone))
SELECT count(*) AS deleted FROM gone`,
          [before, RETENTION_BATCH],
        );
        const deleted = num(row?.deleted ?? 0);
        total += deleted;
        if (deleted < RETENTION_BATCH) break;
      }
      await sql.query('DELETE FROM presence_history WHERE at < $1', [before]);
      return total;
    },
  };
}
