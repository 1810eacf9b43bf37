// The demo's history (docs/reports.md): a year of past contacts and agents' shifts, so the supervisor's reports have
// something to show on first open — last month, the busy hours, the recurring problems, occupancy. Written once per
// data directory by two INSERT … SELECT statements over generate_series (no row crosses from JavaScript), each row
// a function of its position, so every demo has the same history. It ends two days before the demo starts: the live
// board, which rebuilds today from the last day of history, starts empty as before.

/** The first seeded interaction's id: present means the history is there already. */
const MARKER = 'seed-1';
const DAY_MS = 86_400_000;

/** Contacts per hour of the day (UTC), busiest at late morning and early afternoon; weekends get half. */
const HOURLY = [0, 0, 0, 0, 0, 0, 1, 2, 5, 8, 9, 8, 6, 7, 8, 7, 6, 4, 3, 2, 2, 1, 1, 0];

const INTERACTIONS_SQL = `
WITH slots AS (
  SELECT d, hour::int - 1 AS hour, weight,
         -- Each hour of each day varies (60–140 % of its weight); weekends are quieter, the months before the
         -- holidays busier.
         round(weight * (0.6 + (abs(hashint4(d * 24 + hour::int)::bigint) % 800) / 1000.0)
           * CASE WHEN extract(isodow FROM to_timestamp(($1::bigint + d::bigint * ${DAY_MS}) / 1000.0)) >= 6
                  THEN 0.5 ELSE 1 END
           * CASE WHEN extract(month FROM to_timestamp(($1::bigint + d::bigint * ${DAY_MS}) / 1000.0)) IN (11, 12)
                  THEN 1.3 ELSE 1 END)::int AS contacts
  FROM generate_series(0, $2::int - 1) d, unnest($3::int[]) WITH ORDINALITY AS w (weight, hour)
), g AS (
  SELECT row_number() OVER (ORDER BY d, hour, n) AS g, d, hour,
         $1::bigint + d::bigint * ${DAY_MS} + hour * 3600000 + (abs(hashint4(d * 1000 + hour * 40 + n)::bigint) % 3600000) AS created
  FROM slots, generate_series(1, contacts) n
), r AS (
  SELECT g, created, abs(hashint4(g::int * 7919)::bigint) AS h FROM g
), c AS (
  SELECT g, created, h,
    CASE WHEN h % 5 < 3 THEN 'support' ELSE 'sales' END AS queue,
    (ARRAY['chat', 'chat', 'chat', 'voice', 'voice', 'email'])[1 + (h / 5) % 6] AS channel,
    'seed-customer-' || ((h / 31) % 2500) AS customer,
    (h / 97) % 100 AS fate,
    (h / 13) % 600000 AS talk
  FROM r
), x AS (
  SELECT *,
    CASE WHEN queue = 'support' THEN (ARRAY['alice', 'bob', 'bob'])[1 + (h / 7) % 3]
         ELSE (ARRAY['alice', 'carol', 'carol'])[1 + (h / 7) % 3] END AS agent,
    CASE WHEN queue = 'support' THEN (CASE WHEN (h / 11) % 100 < 78 THEN 'resolved' ELSE 'follow-up' END)
         ELSE (CASE WHEN (h / 11) % 100 < 45 THEN 'sold' ELSE 'quote-sent' END) END AS disposition,
    -- Waits grow with the hour's load: most answered within the target, some not.
    ((h / 3) % 1000) * ((h / 3) % 1000) * (CASE WHEN channel = 'email' THEN 900 ELSE 45 END) / 1000 AS wait
  FROM c
)
INSERT INTO interactions (id, channel, state, is_open, customer_id, queue_id, agent_id, csat_score, interaction,
                          snapshot, created_at, updated_at)
SELECT 'seed-' || g, channel, 'ended', false, customer, queue, CASE WHEN fate >= 12 THEN agent END,
  CASE WHEN fate >= 12 AND fate % 3 = 0 THEN CASE WHEN fate % 10 < 6 THEN 5 WHEN fate % 10 < 8 THEN 4 ELSE 2 + fate % 2 END END,
  jsonb_build_object(
    'id', 'seed-' || g, 'channel', channel, 'state', 'ended', 'queueId', queue, 'topic', queue,
    'customer', jsonb_build_object('id', customer),
    'participants', CASE WHEN fate >= 12 THEN jsonb_build_array(jsonb_build_object('id', agent, 'role', 'agent'))
                    ELSE '[]'::jsonb END,
    'timestamps', CASE WHEN fate >= 12 THEN jsonb_build_object(
        'createdAt', created, 'queuedAt', created + 800, 'answeredAt', created + 800 + wait,
        'endedAt', created + 800 + wait + 60000 + talk, 'wrapUpEndedAt', created + 800 + wait + 60000 + talk + 5000 + (h % 90000))
      ELSE jsonb_build_object('createdAt', created, 'queuedAt', created + 800, 'endedAt', created + 800 + 10000 + h % 120000) END,
    'endReason', CASE WHEN fate >= 12 THEN 'completed' ELSE 'abandoned' END,
    'endedBy', CASE WHEN fate >= 12 THEN 'agent' ELSE 'visitor' END)
    || CASE WHEN fate >= 12 THEN jsonb_build_object('disposition', disposition) ELSE '{}'::jsonb END
    || CASE WHEN fate >= 12 AND fate % 3 = 0 THEN jsonb_build_object('csat', jsonb_build_object(
         'score', CASE WHEN fate % 10 < 6 THEN 5 WHEN fate % 10 < 8 THEN 4 ELSE 2 + fate % 2 END)) ELSE '{}'::jsonb END,
  '{}', created, created + 900000
FROM x`;

/** Each agent's working days: in at 08:00 (give or take), lunch away 12:00–12:45, out at 17:00; weekends off. */
const PRESENCE_SQL = `
WITH days AS (
  SELECT d, a.agent, $1::bigint + d::bigint * ${DAY_MS} AS midnight, abs(hashint4(d * 31 + a.n::int)::bigint) AS h
  FROM generate_series(0, $2::int - 1) d, unnest(ARRAY['alice', 'bob', 'carol']) WITH ORDINALITY AS a (agent, n)
  WHERE extract(isodow FROM to_timestamp(($1::bigint + d::bigint * ${DAY_MS}) / 1000.0)) < 6
)
INSERT INTO presence_history (agent_id, status, reason, at)
SELECT agent, status, reason, at FROM (
  SELECT agent, 'available' AS status, NULL AS reason, midnight + 28800000 + h % 1800000 - 900000 AS at FROM days
  UNION ALL SELECT agent, 'away', 'lunch', midnight + 43200000 FROM days
  UNION ALL SELECT agent, 'available', NULL, midnight + 45900000 FROM days
  UNION ALL SELECT agent, 'offline', NULL, midnight + 61200000 + h % 1200000 FROM days
) shifts ORDER BY at`;

/**
 * The cases of that history (docs/cases.md): about a quarter of the answered contacts opened one, solved
 * when the contact's wrap-up ended. One in five customers came back about it (a second contact) and one in ten
 * solved cases was reopened, so first-contact resolution in the reports, computed from cases, has something true to
 * say. Cases older than two weeks are closed.
 */
const CASES_SQL = `
WITH picked AS (
  SELECT id, customer_id, queue_id, agent_id, abs(hashint4(hashtext(id))::bigint) AS h,
         (interaction->'timestamps'->>'createdAt')::bigint AS created,
         (interaction->'timestamps'->>'wrapUpEndedAt')::bigint AS solved
  FROM interactions
  WHERE id LIKE 'seed-%' AND agent_id IS NOT NULL
), chosen AS (
  SELECT *, 'seed-case-' || substr(id, 6) AS case_id,
         CASE WHEN solved < $1::bigint - 14 * ${DAY_MS} THEN 'closed' ELSE 'solved' END AS status,
         CASE WHEN (h / 19) % 10 < 2 THEN 2 ELSE 1 END AS contacts,
         CASE WHEN (h / 23) % 10 = 0 THEN 1 ELSE 0 END AS reopens
  FROM picked WHERE h % 4 = 0
), inserted AS (
  INSERT INTO cases (id, customer_id, queue_id, status, snapshot, created_at, updated_at)
  SELECT case_id, customer_id, queue_id, status, jsonb_build_object(
      'value', status,
      'context', jsonb_build_object(
        'subject', CASE WHEN queue_id = 'sales'
          THEN (ARRAY['Quote for 20 tents', 'Bulk discount question', 'Invoice address change'])[1 + (h / 3) % 3]
          ELSE (ARRAY['Order arrived damaged', 'Refund not received', 'Cannot sign in', 'Wrong size delivered',
                      'Delivery is late'])[1 + (h / 3) % 5] END,
        'priority', (ARRAY['normal', 'normal', 'normal', 'high', 'low'])[1 + (h / 5) % 5],
        'queueId', queue_id, 'assigneeId', agent_id, 'tags', '[]'::jsonb,
        'interactionIds', jsonb_build_array(id),
        'sla', jsonb_build_object('firstResponseSeconds', 28800, 'resolutionSeconds', 259200),
        'openedAt', created, 'firstResponseAt', created + 60000,
        'firstResponseBreached', false, 'resolutionBreached', false,
        'contacts', contacts, 'reopenCount', reopens,
        'timestamps', jsonb_build_object('createdAt', created, 'updatedAt', solved, 'solvedAt', solved)
          || CASE WHEN status = 'closed' THEN jsonb_build_object('closedAt', solved + 14 * ${DAY_MS}) ELSE '{}'::jsonb END)),
    created, solved
  FROM chosen
  RETURNING id, snapshot
)
INSERT INTO case_links (case_id, interaction_id, linked_at)
SELECT id, snapshot->'context'->'interactionIds'->>0, (snapshot->'context'->>'openedAt')::bigint FROM inserted`;

/**
 * Seeds a year of history into a running demo server's database (`startServer`'s result), unless it is there
 * already. The history runs from the first day of the month a year ago to two days before `now`.
 *
 * @param {import('../../packages/server/dist/index.js').HelplineServer} helpline
 * @param {{ now?: number }} [options]
 * @returns {Promise<number>} the contacts seeded (0 when the history was there)
 */
export async function seedDemoHistory(helpline, { now = Date.now() } = {}) {
  const { sql } = helpline.storage;
  const [present] = await sql.query('SELECT 1 AS present FROM interactions WHERE id = $1', [MARKER]);
  if (present) return 0;
  const today = new Date(now);
  const from = Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), 1);
  const days =
    Math.floor((Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - from) / DAY_MS) -
    2;
  return sql.transaction(async (tx) => {
    await tx.query(INTERACTIONS_SQL, [from, days, HOURLY]);
    await tx.query(PRESENCE_SQL, [from, days]);
    await tx.query(CASES_SQL, [now]);
    const [row] = await tx.query("SELECT count(*) AS seeded FROM interactions WHERE id LIKE 'seed-%'");
    return Number(row?.seeded ?? 0);
  });
}
