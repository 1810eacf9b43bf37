import { createSqlReports } from '../../packages/server/src/reports/reports.sql';
import { openStorage } from '../../packages/server/src/storage/sql.storage';
import { postgresTarget, testPostgresUrl } from '../../packages/server/src/testing/databases';
import type { BenchRow } from './bench.types';

/*
 * Reports from history (issue 20, docs/reports.md) over 1 million interactions of one year in PostgreSQL: a fresh
 * schema, migrated, filled with generate_series (queues, agents, channels, topics, dispositions, answered, abandoned
 * and rated contacts, repeat customers), six agents' working days and a case for each answered contact with a
 * disposition (first-contact resolution is computed from cases), then the monthly and yearly figures by queue and the
 * monthly figures by agent (occupancy reads the presence history) as supervisors ask for them (`report.run`). HELPLINE_BENCH_INTERACTIONS changes the count; without HELPLINE_TEST_DATABASE_URL the bench says why
 * it cannot run.
 */

const INTERACTIONS = Number(process.env.HELPLINE_BENCH_INTERACTIONS ?? 1_000_000);
const RUNS = 3;
const MONTH_BUDGET_MS = 1_000;
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 86_400_000;

/** The record of interaction `g`, in SQL: every choice a function of g, so each run fills the same history. */
const RECORD = `
WITH g AS (
  SELECT g, ${YEAR_START}::bigint + (g::bigint * ${YEAR_MS}) / ${INTERACTIONS} AS created,
         abs(hashint4(g)) AS h
  FROM generate_series(1, ${INTERACTIONS}) g
), r AS (
  SELECT g, created, h,
    (ARRAY['chat', 'voice', 'email', 'whatsapp'])[1 + h % 4] AS channel,
    (ARRAY['support', 'sales', 'billing'])[1 + (h / 4) % 3] AS queue,
    'cust' || ((h / 12) % 50000) AS customer,
    (ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank'])[1 + (h / 7) % 6] AS agent,
    (ARRAY['login', 'billing', 'delivery', 'refund', 'outage'])[1 + (h / 11) % 5] AS topic,
    (ARRAY['fixed', 'follow-up', 'spam', 'escalated'])[1 + (h / 13) % 4] AS disposition,
    (h / 17) % 100 AS fate
  FROM g
)
INSERT INTO interactions (id, channel, state, is_open, customer_id, queue_id, agent_id, csat_score, interaction,
                          snapshot, created_at, updated_at)
SELECT 'b' || g, channel, 'ended', false, customer, queue, CASE WHEN fate >= 15 THEN agent END,
  CASE WHEN fate >= 70 THEN 1 + fate % 5 END,
  jsonb_build_object(
    'id', 'b' || g, 'channel', channel, 'state', 'ended', 'queueId', queue, 'topic', topic,
    'customer', jsonb_build_object('id', customer),
    'participants', CASE WHEN fate >= 15 THEN jsonb_build_array(jsonb_build_object('id', agent, 'role', 'agent'))
                    ELSE '[]'::jsonb END,
    'timestamps', CASE WHEN fate >= 15 THEN jsonb_build_object(
        'createdAt', created, 'queuedAt', created + 500, 'answeredAt', created + 500 + h % 60000,
        'endedAt', created + 90000 + h % 600000, 'wrapUpEndedAt', created + 100000 + h % 600000)
      ELSE jsonb_build_object('createdAt', created, 'queuedAt', created + 500, 'endedAt', created + 5000 + h % 90000) END,
    'endReason', CASE WHEN fate >= 15 THEN 'completed' ELSE 'abandoned' END)
    || CASE WHEN fate >= 30 THEN jsonb_build_object('disposition', disposition) ELSE '{}'::jsonb END
    || CASE WHEN fate >= 70 THEN jsonb_build_object('csat', jsonb_build_object('score', 1 + fate % 5)) ELSE '{}'::jsonb END,
  '{}', created, created + 100000
FROM r`;

/** Six agents' working days over the year: in at 08:00, lunch away 12:00–12:45, out at 17:00 (occupancy's staffed time). */
const PRESENCE = `
WITH days AS (
  SELECT ${YEAR_START}::bigint + d::bigint * 86400000 AS midnight, agent
  FROM generate_series(0, 364) d, unnest(ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) AS agent
)
INSERT INTO presence_history (agent_id, status, at)
SELECT agent, status, at FROM (
  SELECT agent, 'available' AS status, midnight + 28800000 AS at FROM days
  UNION ALL SELECT agent, 'away', midnight + 43200000 FROM days
  UNION ALL SELECT agent, 'available', midnight + 45900000 FROM days
  UNION ALL SELECT agent, 'offline', midnight + 61200000 FROM days
) shifts ORDER BY at`;

/**
 * The cases of that year, as first-contact resolution reads them: one for each answered contact with a disposition
 * (about 600,000), solved at wrap-up; one in five with a second contact, one in ten reopened.
 */
const CASES = `
WITH picked AS (
  SELECT id, customer_id, queue_id, agent_id, abs(hashint4(hashtext(id))) AS h,
         (interaction->'timestamps'->>'createdAt')::bigint AS created,
         (interaction->'timestamps'->>'wrapUpEndedAt')::bigint AS solved
  FROM interactions WHERE agent_id IS NOT NULL AND interaction ? 'disposition'
), inserted AS (
  INSERT INTO cases (id, customer_id, queue_id, status, snapshot, created_at, updated_at)
  SELECT 'case-' || id, customer_id, queue_id, 'solved', jsonb_build_object('value', 'solved', 'context', jsonb_build_object(
      'subject', 'Case ' || id, 'priority', 'normal', 'queueId', queue_id, 'assigneeId', agent_id, 'tags', '[]'::jsonb,
      'interactionIds', jsonb_build_array(id), 'sla', jsonb_build_object('firstResponseSeconds', 28800,
      'resolutionSeconds', 259200), 'openedAt', created, 'firstResponseAt', created + 60000,
      'firstResponseBreached', false, 'resolutionBreached', false,
      'contacts', CASE WHEN (h / 19) % 10 < 2 THEN 2 ELSE 1 END, 'reopenCount', CASE WHEN (h / 23) % 10 = 0 THEN 1 ELSE 0 END,
      'timestamps', jsonb_build_object('createdAt', created, 'updatedAt', solved, 'solvedAt', solved))),
    created, solved
  FROM picked
  RETURNING id, snapshot
)
INSERT INTO case_links (case_id, interaction_id, linked_at)
SELECT id, snapshot->'context'->'interactionIds'->>0, (snapshot->'context'->>'openedAt')::bigint FROM inserted`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
}

export default async function reportsBench(): Promise<BenchRow[]> {
  const available = await testPostgresUrl();
  const scale = `${INTERACTIONS.toLocaleString('en')} interactions, PostgreSQL`;
  const whatMonth = `monthly report by queue (all figures, FCR included), ${scale}`;
  const whatYear = `yearly report by queue (all figures, FCR included), ${scale}`;
  const whatAgents = `monthly report by agent (occupancy from presence history included), ${scale}`;
  if ('skip' in available)
    return [whatMonth, whatYear, whatAgents].map((what, i) => ({
      what,
      measured: `not run: ${available.skip}`,
      budget: i === 1 ? '—' : `≤ ${MONTH_BUDGET_MS} ms`,
      competitors: '—',
      ok: null,
    }));
  const target = postgresTarget(available.url);
  const storage = await openStorage(target);
  try {
    await storage.sql.exec(
      `${RECORD};\n${PRESENCE};\n${CASES};\nANALYZE interactions;\nANALYZE presence_history;\nANALYZE cases;`,
    );
    const reports = createSqlReports(storage.sql, { slaTargetByQueue: { support: 20, sales: 30 } });
    const at = Date.UTC(2025, 5, 15);
    const month = await timed(() => reports.run({ kind: 'figures', period: 'month', at, groupBy: 'queue' }));
    const year = await timed(() => reports.run({ kind: 'figures', period: 'year', at, groupBy: 'queue' }));
    const agents = await timed(() => reports.run({ kind: 'figures', period: 'month', at, groupBy: 'agent' }));
    return [
      {
        what: whatMonth,
        measured: `${month.toFixed(0)} ms (median of ${RUNS})`,
        budget: `≤ ${MONTH_BUDGET_MS} ms`,
        competitors: '—',
        ok: month <= MONTH_BUDGET_MS,
      },
      {
        what: whatYear,
        measured: `${year.toFixed(0)} ms (median of ${RUNS})`,
        budget: '—',
        competitors: '—',
        ok: null,
      },
      {
        what: whatAgents,
        measured: `${agents.toFixed(0)} ms (median of ${RUNS})`,
        budget: `≤ ${MONTH_BUDGET_MS} ms`,
        competitors: '—',
        ok: agents <= MONTH_BUDGET_MS,
      },
    ];
  } finally {
    await storage.close();
    await target.drop();
  }
}
