// Database errors leave the SQL client without the statement's data, on PGlite (in a worker thread and in
// process) and on PostgreSQL (when HELPLINE_TEST_DATABASE_URL is set), and connection failures are outages.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { createLogger } from '../log/logger';
import { freshSchemaName, testPostgresUrl } from '../testing/databases';
import { openPgliteThread } from './pglite.thread';
import { openPglite, openPostgres, type SqlClient } from './sql.client';
import {
  type DatabaseError,
  describeStatement,
  isDatabaseError,
  isDatabaseOutage,
  toDatabaseError,
} from './sql.errors';

/** What a customer might type; it must appear nowhere outside the database. */
const MARKER = 'S3CRET-MARKER-4111';

/** Everything a caller could print of `error`, plus what the server's logger writes for it. */
function everythingShown(error: unknown): string {
  const lines: string[] = [];
  createLogger({ level: 'debug', write: (line) => lines.push(line) }).error('failed', {}, error);
  const asError = error as Error;
  return [
    String(error),
    asError.message,
    asError.stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    ...lines,
  ].join('\n');
}

async function failure(work: () => Promise<unknown>): Promise<DatabaseError> {
  try {
    await work();
  } catch (error) {
    assert.ok(isDatabaseError(error), `a DatabaseError, not ${inspect(error)}`);
    return error;
  }
  assert.fail('the statement succeeded');
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS leak_probe (
  id integer PRIMARY KEY,
  name text NOT NULL CHECK (length(name) < 12),
  body jsonb
)`;

/** Statements that fail while carrying the marker, each in the way it reaches a driver's error. */
function leakCases(client: SqlClient): [string, string, () => Promise<unknown>][] {
  return [
    [
      'a check constraint (detail: "Failing row contains (…)")',
      '23514',
      () => client.query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [1, `${MARKER} is too long`]),
    ],
    [
      'a duplicate key (detail: "Key (id)=(…) already exists")',
      '23505',
      async () => {
        await client.query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [7, 'ok']);
        await client.query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [7, MARKER.slice(0, 11)]);
      },
    ],
    [
      'a NUL byte in jsonb (where: "JSON data, line 1: …")',
      '22P05',
      () =>
        client.query('INSERT INTO leak_probe (id, name, body) VALUES ($1, $2, $3)', [
          2,
          'ok',
          JSON.stringify({ text: `${MARKER}\u0000` }),
        ]),
    ],
    [
      'a value the type refuses (message: invalid input syntax … "…")',
      '22P02',
      () => client.query('SELECT $1::integer AS n', [MARKER]),
    ],
    [
      'a failure inside a transaction',
      '23514',
      () =>
        client.transaction((tx) =>
          tx.query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [3, `${MARKER} inside`]),
        ),
    ],
  ];
}

function leakSuite(name: string, open: () => Promise<{ client: SqlClient; done(): Promise<void> }>) {
  describe(name, () => {
    it('keeps the statement data out of the message, JSON, inspect output and log line', async () => {
      const { client, done } = await open();
      try {
        await client.exec(SCHEMA);
        for (const [what, code, work] of leakCases(client)) {
          const error = await failure(work);
          assert.equal(error.code, code, what);
          assert.equal(error.retryable, false, what);
          const shown = everythingShown(error);
          assert.ok(!shown.includes(MARKER), `${what} leaked: ${shown}`);
          assert.ok(!shown.includes('S3CRET'), `${what} leaked part of the marker`);
          assert.match(error.message, /^(INSERT leak_probe|SELECT) failed: \w+ \(\w{5}\)/, what);
        }
        // Identifiers are kept: they say what failed without saying what was in it.
        const check = await failure(() =>
          client.query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [9, `${MARKER} again`]),
        );
        assert.equal(check.table, 'leak_probe');
        assert.equal(check.constraint, 'leak_probe_name_check');
        // The caller's own errors pass through a transaction unchanged.
        const own = new Error('the caller decided');
        await assert.rejects(
          client.transaction(async () => {
            throw own;
          }),
          (error) => error === own,
        );
        // A closed database is an outage, not a bug.
        await client.close();
        const closed = await failure(() => client.query('SELECT 1'));
        assert.equal(closed.retryable, true);
        assert.ok(isDatabaseOutage(closed));
        assert.ok(isDatabaseOutage(await failure(() => client.transaction((tx) => tx.query('SELECT 1')))));
      } finally {
        await done();
      }
    });
  });
}

describe('the leak check', () => {
  it('can fail: the driver error it replaces quotes the marker', async () => {
    const db = new PGlite();
    try {
      await db.exec(SCHEMA);
      const raw = await db
        .query('INSERT INTO leak_probe (id, name) VALUES ($1, $2)', [1, `${MARKER} is too long`])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      assert.ok(inspect(raw).includes(MARKER), 'PGlite keeps the parameters on its error');
      assert.ok(everythingShown(raw).includes(MARKER));
      // Even such an error, logged as it is, loses its data in the logger.
      const lines: string[] = [];
      createLogger({ write: (line) => lines.push(line) }).error('failed', {}, raw);
      assert.ok(!lines.join('').includes(MARKER), lines.join(''));
    } finally {
      await db.close();
    }
  });
});

const scratch = mkdtempSync(join(tmpdir(), 'helpline-sql-errors-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

leakSuite('PGlite in a worker thread', async () => {
  const client = await openPgliteThread(mkdtempSync(join(scratch, 'thread-')));
  return { client, done: async () => {} };
});

leakSuite('PGlite in process', async () => {
  const client = await openPglite(mkdtempSync(join(scratch, 'inline-')));
  return { client, done: async () => {} };
});

const postgres = await testPostgresUrl();
describe('PostgreSQL', { skip: 'skip' in postgres ? postgres.skip : false }, () => {
  const url = 'url' in postgres ? postgres.url : '';
  const schema = freshSchemaName();
  after(async () => {
    const admin = await openPostgres(url);
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  leakSuite('statements', async () => ({
    client: await openPostgres(url, { schema }),
    done: async () => {},
  }));

  it('survives the server ending a connection in a transaction, and calls it an outage', async () => {
    const client = await openPostgres(url, { schema, maxConnections: 2 });
    const admin = await openPostgres(url);
    try {
      const error = await failure(() =>
        client.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [row?.pid]);
          // Give the 'error' event time to arrive on the idle, checked-out client: it must not crash us.
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.query('SELECT 1');
        }),
      );
      assert.ok(isDatabaseOutage(error), error.message);
      assert.match(error.code, /^(08|57P0)/);
      // The broken connection was discarded: the pool goes on.
      assert.deepEqual(await client.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await client.close();
      await admin.close();
    }
  });

  it('calls a statement timeout an outage', async () => {
    const client = await openPostgres(url, { schema });
    try {
      const error = await failure(() =>
        client.transaction(async (tx) => {
          await tx.exec('SET LOCAL statement_timeout = 20');
          await tx.query('SELECT pg_sleep(1)');
        }),
      );
      assert.equal(error.code, '57014');
      assert.ok(isDatabaseOutage(error));
    } finally {
      await client.close();
    }
  });
});

describe('connection failures', () => {
  it('a refused connection is a retryable 08001 naming the address, not the URL', async () => {
    const error = await failure(() => openPostgres('postgres://helpline:hunter2@127.0.0.1:1/db'));
    assert.equal(error.code, '08001');
    assert.ok(isDatabaseOutage(error));
    assert.match(error.message, /ECONNREFUSED 127\.0\.0\.1:1/);
    assert.ok(!everythingShown(error).includes('hunter2'));
  });

  it('maps what node-postgres throws without a SQLSTATE', () => {
    const cases: [unknown, string][] = [
      [Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' }), '08001'],
      [
        new AggregateError([
          Object.assign(new Error('connect ECONNREFUSED ::1:5432'), {
            code: 'ECONNREFUSED',
            address: '::1',
            port: 5432,
          }),
        ]),
        '08001',
      ],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), '08006'],
      [new Error('Connection terminated unexpectedly'), '08006'],
      [new Error('Connection terminated due to connection timeout'), '08001'],
      [new Error('timeout exceeded when trying to connect'), '08001'],
      [new Error('Client has encountered a connection error and is not queryable'), '08006'],
      [new Error('Cannot use a pool after calling end on the pool'), '08003'],
      [new Error('Query read timeout'), '57014'],
      [
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
        '57P01',
      ],
      [Object.assign(new Error('sorry, too many clients already'), { code: '53300' }), '53300'],
    ];
    for (const [thrown, code] of cases) {
      const error = toDatabaseError(thrown, 'SELECT 1');
      assert.equal(error.code, code, String(thrown));
      assert.equal(error.retryable, true, String(thrown));
    }
    const notOutages: [unknown, string][] = [
      [
        Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505' }),
        '23505',
      ],
      [Object.assign(new Error('deadlock detected'), { code: '40P01' }), '40P01'],
      [new TypeError('Cannot read properties of undefined'), 'XX000'],
      ['a thrown string', 'XX000'],
    ];
    for (const [thrown, code] of notOutages) {
      const error = toDatabaseError(thrown, 'SELECT 1');
      assert.equal(error.code, code);
      assert.equal(isDatabaseOutage(error), false);
    }
  });

  it('keeps only identifiers: a code or name that is not one is dropped', () => {
    const error = toDatabaseError(
      { code: `23505'; ${MARKER}`, table: `t (${MARKER})`, constraint: 'ok_name', address: MARKER },
      'INSERT INTO t VALUES ($1)',
    );
    assert.equal(error.code, 'XX000');
    assert.equal(error.table, undefined);
    assert.equal(error.constraint, 'ok_name');
    assert.ok(!everythingShown(error).includes(MARKER));
    assert.equal(isDatabaseOutage(undefined), false);
    assert.equal(isDatabaseOutage(new Error('08006')), false);
    assert.ok(toDatabaseError(error, 'SELECT 2') === error, 'a DatabaseError is not wrapped twice');
  });
});

describe('describeStatement', () => {
  it('names the verb and tables, never literals', () => {
    assert.equal(describeStatement('SELECT 1'), 'SELECT');
    assert.equal(describeStatement('  insert into events (cid) values ($1)'), 'INSERT events');
    assert.equal(
      describeStatement(`WITH head AS (
        INSERT INTO conversation_heads (cid, last_seq) VALUES ($1, 1) RETURNING last_seq
      ) INSERT INTO events SELECT $1, head.last_seq FROM head`),
      'INSERT conversation_heads, events, head',
    );
    assert.equal(describeStatement('UPDATE interactions SET x = 1'), 'UPDATE interactions');
    assert.equal(
      describeStatement('CREATE TABLE IF NOT EXISTS helpline_migrations (v int)'),
      'CREATE helpline_migrations',
    );
    assert.equal(describeStatement(`SELECT * FROM t WHERE name = '${MARKER}'`), 'SELECT t');
    assert.equal(describeStatement(`'${MARKER}'`), 'statement');
    assert.equal(
      describeStatement('-- comment\nDELETE FROM visitor_sessions WHERE x < $1'),
      'DELETE visitor_sessions',
    );
  });
});
