import { createSqlCustomerDirectory } from '../../packages/server/src/customers/customers.directory';
import { openStorage } from '../../packages/server/src/storage/sql.storage';
import { postgresTarget, testPostgresUrl } from '../../packages/server/src/testing/databases';
import type { BenchRow } from './bench.types';

/*
 * Customer search (issue 20, docs/customers.md) over 1 million customers in PostgreSQL: a fresh schema, migrated, filled
 * with generate_series — a name of a common first name and a random surname, an email and a mobile number each — then
 * searched through the directory the server uses (the query and the records it loads), by name, email and phone.
 * HELPLINE_BENCH_CUSTOMERS changes the count; without HELPLINE_TEST_DATABASE_URL the bench says why it cannot run.
 */

const CUSTOMERS = Number(process.env.HELPLINE_BENCH_CUSTOMERS ?? 1_000_000);
const SEARCHES = 300;
const BUDGET_MS = 100;
const FIRST_NAMES = [
  'ada',
  'alan',
  'grace',
  'edsger',
  'barbara',
  'donald',
  'margaret',
  'linus',
  'radia',
  'ken',
];

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

export default async function customersBench(): Promise<BenchRow[]> {
  const available = await testPostgresUrl();
  const what = `customer search, ${CUSTOMERS.toLocaleString('en')} customers, PostgreSQL (name, email, phone; p50 / p99)`;
  if ('skip' in available)
    return [
      {
        what,
        measured: `not run: ${available.skip}`,
        budget: `≤ ${BUDGET_MS} ms`,
        competitors: '—',
        ok: null,
      },
    ];
  const target = postgresTarget(available.url);
  const storage = await openStorage(target);
  try {
    const sql = storage.sql;
    const names = `(ARRAY[${FIRST_NAMES.map((n) => `'${n}'`).join(',')}])[1 + g % ${FIRST_NAMES.length}]`;
    const surname = `substr(md5(g::text), 1, 8)`;
    await sql.exec(`
INSERT INTO customers (id, display_name, created_at)
  SELECT 'cu_' || g, initcap(${names}) || ' ' || initcap(${surname}), g FROM generate_series(1, ${CUSTOMERS}) g;
INSERT INTO customer_terms (customer_id, term)
  SELECT 'cu_' || g, ${names} FROM generate_series(1, ${CUSTOMERS}) g
  UNION ALL SELECT 'cu_' || g, ${surname} FROM generate_series(1, ${CUSTOMERS}) g;
INSERT INTO customer_identifiers (id, customer_id, kind, value, verified, source, created_at)
  SELECT 'ci_c' || g, 'cu_' || g, 'contact', 'v_' || g, true, 'token', g FROM generate_series(1, ${CUSTOMERS}) g
  UNION ALL SELECT 'ci_e' || g, 'cu_' || g, 'email', ${names} || '.' || ${surname} || '.' || g || '@example.com', g % 2 = 0, 'token', g
    FROM generate_series(1, ${CUSTOMERS}) g
  UNION ALL SELECT 'ci_p' || g, 'cu_' || g, 'phone', '+447' || lpad(g::text, 9, '0'), true, 'carrier', g
    FROM generate_series(1, ${CUSTOMERS}) g;
ANALYZE customers; ANALYZE customer_terms; ANALYZE customer_identifiers;`);
    const directory = createSqlCustomerDirectory(sql, { defaultCountry: 'GB' });
    // Queries of people that exist: a first name and the start of the surname, an email's start, a national number.
    const queries: string[] = [];
    for (let i = 0; i < SEARCHES; i += 1) {
      const g = 1 + Math.floor(Math.random() * CUSTOMERS);
      const [row] = await sql.query<{ name: string; email: string }>(
        `SELECT display_name AS name, (SELECT value FROM customer_identifiers WHERE id = 'ci_e' || $1::text) AS email
         FROM customers WHERE id = 'cu_' || $1::text`,
        [g],
      );
      const [first = '', last = ''] = (row?.name ?? '').toLowerCase().split(' ');
      if (i % 3 === 0) queries.push(`${first} ${last.slice(0, 4)}`);
      else if (i % 3 === 1) queries.push((row?.email ?? '').slice(0, first.length + 5));
      else queries.push(`07${String(g).padStart(9, '0')}`);
    }
    const times: number[] = [];
    let found = 0;
    for (const query of queries) {
      const started = performance.now();
      const rows = await directory.search(query, 20);
      times.push(performance.now() - started);
      if (rows.length > 0) found += 1;
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    return [
      {
        what,
        measured: `${p50.toFixed(1)} ms / ${p99.toFixed(1)} ms (${SEARCHES} searches, ${found} found)`,
        budget: `≤ ${BUDGET_MS} ms`,
        competitors: '—',
        ok: p99 <= BUDGET_MS && found === SEARCHES,
      },
    ];
  } finally {
    await storage.close();
    await target.drop();
  }
}
