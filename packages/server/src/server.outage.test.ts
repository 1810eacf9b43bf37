import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { HelplineServer } from './server';
import { migrate } from './storage/migrations';
import { openPgliteThread } from './storage/pglite.thread';
import type { SqlClient } from './storage/sql.client';
import { DatabaseError, describeStatement } from './storage/sql.errors';
import { createSqlStorage, openStorage, type SqlStorage, type StorageTarget } from './storage/sql.storage';
import { freshPgliteDir } from './testing/databases';
import { activeChat, http, staffToken, startTestServer, TestClient, visitorToken } from './testing/harness';
import { freePort } from './testing/ports';

// The database goes away under a running server, and comes back. Every command that needed it is refused with
// `unavailable` and a `retryAfterMs`, and nothing it would have done shows anywhere: the other party receives
// nothing, the hub's interactions stay as they were. `/readyz` says the server is not ready. Once the database is
// back the same commands, retried as a client would (same clientMsgId, same requestId), succeed; and a new
// server started on that database finds exactly what was acknowledged — no more, no less.
//
// PostgreSQL: a private cluster made for this test (initdb, pg_ctl) is really stopped and started again.
// PGlite: an embedded database cannot be stopped and started under a server, so the PGlite client is wrapped in
// a switch that, while on, fails every statement the way a lost connection does (SQLSTATE 08006), below the
// storage: the storage's own outage handling and the server above it run as they would.

const execFileAsync = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** A database the test can take away and bring back. */
interface Outage {
  /** What the server is started with. */
  readonly storage: StorageTarget | SqlStorage;
  /** What a server started after the test opens (the same data). */
  readonly reopen: () => StorageTarget;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Releases the database before another server opens it. */
  release(): Promise<void>;
}

// ─── PostgreSQL: a private cluster ────────────────────────────────────────────────────────────────

const PG_VERSIONS = ['17', '16', '15', '14', '13'];

/** The directory of PostgreSQL's server binaries, or why there is none. */
function postgresBin(): { bin: string } | { skip: string } {
  const fromEnv = process.env.HELPLINE_PG_BIN;
  const candidates = [
    ...(fromEnv ? [fromEnv] : []),
    ...PG_VERSIONS.map((v) => `/usr/lib/postgresql/${v}/bin`),
    ...PG_VERSIONS.map((v) => `/usr/pgsql-${v}/bin`),
    '/opt/homebrew/bin',
    '/usr/local/bin',
  ];
  const bin = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  return bin
    ? { bin }
    : {
        skip: 'PostgreSQL server binaries (initdb, pg_ctl) not found; set HELPLINE_PG_BIN to their directory',
      };
}

/**
 * Starts a throwaway PostgreSQL cluster. PostgreSQL refuses to run as root, so as root the cluster belongs to the
 * `postgres` user and its tools run as that user.
 */
async function privateCluster(bin: string): Promise<Outage> {
  const root = mkdtempSync(join(tmpdir(), 'helpline-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await execFileAsync('id', ['-u', 'postgres']);
    const { stdout: gid } = await execFileAsync('id', ['-g', 'postgres']);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileAsync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args])
      : execFileAsync(join(bin, tool), args);
  const data = join(root, 'data');
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let running = false;
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async () => {
    await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    running = false;
  };
  await start();
  cleanups.push(async () => {
    if (running) await stop();
    rmSync(root, { recursive: true, force: true });
  });
  const target: StorageTarget = { kind: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/postgres` };
  return { storage: target, reopen: () => target, down: stop, up: start, release: async () => {} };
}

// ─── PGlite: a client behind a switch ─────────────────────────────────────────────────────────────

/** A SQL client whose statements all fail as on a lost connection while `down`. */
function switchable(client: SqlClient): SqlClient & { down: boolean } {
  const lost = (statement: string) =>
    new DatabaseError({ code: '08006', operation: describeStatement(statement) });
  const state = { down: false };
  const gate = (statement: string) => {
    if (state.down) throw lost(statement);
  };
  const wrapped: SqlClient = {
    kind: client.kind,
    async query(text, params) {
      gate(text);
      return client.query(text, params);
    },
    async exec(text) {
      gate(text);
      return client.exec(text);
    },
    async transaction(work) {
      gate('BEGIN');
      return client.transaction((tx) =>
        work({
          async query(text, params) {
            gate(text);
            return tx.query(text, params);
          },
          async exec(text) {
            gate(text);
            return tx.exec(text);
          },
        }),
      );
    },
    close: () => client.close(),
  };
  return Object.defineProperty(wrapped, 'down', {
    get: () => state.down,
    set: (value: boolean) => {
      state.down = value;
    },
  }) as SqlClient & { down: boolean };
}

async function pgliteBehindASwitch(): Promise<Outage> {
  const dataDir = await freshPgliteDir();
  const client = switchable(await openPgliteThread(dataDir));
  await migrate(client);
  const storage = createSqlStorage(client);
  let open = true;
  const release = async () => {
    if (open) await client.close();
    open = false;
  };
  cleanups.push(release);
  return {
    storage,
    reopen: () => ({ kind: 'pglite', dataDir }),
    async down() {
      client.down = true;
    },
    async up() {
      client.down = false;
    },
    release,
  };
}

// ─── the scenario ─────────────────────────────────────────────────────────────────────────────────

/** Frames that carry something another party did (pings, pongs and replies to one's own commands do not). */
const news = (client: TestClient) =>
  client.frames.filter((f) => f.t === 'evt' || (f.t === 'notice' && f.notice.type !== 'board')).length;

/** Waits long enough for anything the hub might still fan out to arrive. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 300));

async function readiness(server: HelplineServer): Promise<number> {
  return (await http(server, '/readyz')).status;
}

async function outageScenario(db: Outage): Promise<void> {
  let server = await startTestServer({ storage: db.storage });
  cleanups.push(() => server.close());

  // Before the outage: an active chat (alice), a chat in wrap-up (bob), a chat offered to alice, and a visitor
  // about to start one.
  const first = await activeChat(server, 'alice');
  const { visitor, agent: alice, cid } = first;
  await visitor.ok('message.send', { cid, clientMsgId: uuid(1), text: 'Hello' });
  await alice.ok('message.send', { cid, clientMsgId: uuid(2), text: 'Hi, how can I help?' });
  const second = await activeChat(server, 'bob');
  const bob = second.agent;
  await bob.ok('chat.end', { cid: second.cid });
  assert.equal(server.hub.interaction(second.cid)?.state, 'wrap-up');
  const waiting = await TestClient.connect(server.socketUrl, (await visitorToken(server)).token);
  const { cid: offered } = await waiting.ok('chat.start', { channel: 'chat', queueId: 'support' });
  await alice.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === offered,
    'offer of the waiting chat',
  );
  const newcomer = await TestClient.connect(server.socketUrl, (await visitorToken(server)).token);
  const newcomerId = newcomer.welcome?.subject.id as string;
  assert.equal(await readiness(server), 200);

  // The commands of the outage, each retried as a client would: same ids, same arguments.
  const commands = [
    { by: visitor, op: 'message.send', args: { cid, clientMsgId: uuid(3), text: 'Are you there?' } },
    { by: alice, op: 'message.send', args: { cid, clientMsgId: uuid(4), text: 'Yes, one moment' } },
    { by: alice, op: 'offer.accept', args: { cid: offered } },
    { by: bob, op: 'wrapup.submit', args: { cid: second.cid, disposition: 'done', notes: 'Sorted' } },
    { by: newcomer, op: 'chat.start', args: { channel: 'chat', queueId: 'support', requestId: uuid(5) } },
    { by: bob, op: 'presence.set', args: { status: 'away', reason: 'break' } },
    { by: alice, op: 'chat.end', args: { cid } },
  ] as const;
  const everyone = [visitor, alice, bob, waiting, newcomer];
  const heard = everyone.map(news);
  const states = () => server.hub.interactions().map((i) => [i.id, i.state, i.agentId, i.timestamps]);
  const before = JSON.stringify(states());

  await db.down();
  assert.equal(await readiness(server), 503, '/readyz while the database is down');
  for (const { by, op, args } of commands) {
    const reply = await by.command(op, args as never);
    assert.equal(reply.ok, false, `${op} acknowledged while the database is down`);
    if (!reply.ok) {
      assert.equal(reply.error.code, 'unavailable', `${op}: ${reply.error.message}`);
      assert.ok((reply.error.retryAfterMs ?? 0) > 0, `${op} says when to retry`);
    }
  }
  await quiet();
  assert.deepEqual(everyone.map(news), heard, 'something reached a party during the outage');
  assert.equal(JSON.stringify(states()), before, 'the hub moved during the outage');

  await db.up();
  for (let i = 0; i < 100 && (await readiness(server)) !== 200; i++) await quiet();
  assert.equal(await readiness(server), 200, '/readyz once the database is back');
  const acked: Record<string, unknown>[] = [];
  for (const { by, op, args } of commands) {
    const reply = await by.command(op, args as never);
    assert.ok(reply.ok, `${op} retried: ${reply.ok ? '' : `${reply.error.code} ${reply.error.message}`}`);
    acked.push(reply.result as Record<string, unknown>);
  }
  // The parties hear of it now.
  await alice.waitFor(
    (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'message' && f.seq === acked[0]?.seq,
    'message',
  );
  await visitor.waitFor(
    (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'state' && f.ev.state !== 'active',
    'end',
  );
  await waiting.waitFor((f) => f.t === 'evt' && f.cid === offered && f.ev.type === 'joined', 'alice joined');
  assert.equal(server.hub.interaction(offered)?.state, 'active');
  assert.equal(server.hub.interaction(second.cid)?.state, 'ended');
  assert.equal(server.hub.presenceOf('bob')?.value, 'away');
  const started = acked[4]?.cid as string;

  // What the server acknowledged, as it held it.
  await quiet();
  const acknowledged = [cid, offered, second.cid, started].map((id) => server.hub.interaction(id));
  const seenByVisitor = visitor.events(cid).map(({ seq, at, ev }) => ({ seq, at, ev }));
  for (const client of everyone) client.close();
  await server.close();
  await db.release();

  // The database holds exactly that. It is read before another server starts on it: that one's restore takes
  // back the offer still outstanding (a step of its own, stored as such).
  const storage = await openStorage(db.reopen());
  for (const interaction of acknowledged) {
    assert.ok(interaction);
    assert.deepEqual((await storage.getInteraction(interaction.id))?.interaction, interaction);
  }
  const log = await storage.events(cid, 0, 1_000);
  assert.deepEqual(
    log.map(({ seq, at, ev }) => ({ seq, at, ev })),
    seenByVisitor,
    'the log is what the visitor was sent',
  );
  assert.deepEqual(
    log.flatMap(({ ev }) => (ev.type === 'message' ? [ev.clientMsgId] : [])),
    [uuid(1), uuid(2), uuid(3), uuid(4)],
    'each message once',
  );
  assert.equal(log.find((e) => e.ev.type === 'message' && e.ev.clientMsgId === uuid(3))?.seq, acked[0]?.seq);
  assert.equal(
    (await storage.interactionsOfCustomer(newcomerId)).length,
    1,
    'one conversation for the newcomer',
  );
  assert.equal(await storage.startedBy(newcomerId, uuid(5)), started);
  const bobs = await storage.presenceHistory('bob');
  assert.deepEqual(
    bobs.map((p) => p.status),
    ['available', 'away'],
    "bob's presence, each change once",
  );
  await storage.close();

  // And a server starts on it and carries on where the first one stopped.
  server = await startTestServer({ storage: db.reopen() });
  const back = await TestClient.connect(server.socketUrl, await staffToken('alice'), {
    site: '',
    origin: null,
  });
  const desk = await back.ok('agent.snapshot', {});
  // Alice still holds the chat she accepted during the outage's retries, and the one she ended (in wrap-up).
  assert.deepEqual(
    desk.interactions.map((i) => [i.id, i.state]).sort(),
    [
      [cid, 'wrap-up'],
      [offered, 'active'],
    ].sort(),
  );
  back.close();
}

describe('server: a database outage changes nothing, and the retries land once', () => {
  it('on a real PostgreSQL that is stopped and started again', { timeout: 60_000 }, async (t) => {
    const found = postgresBin();
    if ('skip' in found) return t.skip(found.skip);
    if (userInfo().uid === 0) {
      // PostgreSQL will not run as root: its tools run as the postgres user, through runuser.
      const postgresUser = await execFileAsync('id', ['-u', 'postgres']).catch(() => undefined);
      if (!postgresUser) return t.skip('running as root, and there is no postgres user to run PostgreSQL as');
      const runuser = await execFileAsync('sh', ['-c', 'command -v runuser']).catch(() => undefined);
      if (!runuser) return t.skip('running as root, and runuser is missing to run PostgreSQL as postgres');
    }
    await outageScenario(await privateCluster(found.bin));
  });

  it('on PGlite whose connection is lost and restored', { timeout: 60_000 }, async () => {
    await outageScenario(await pgliteBehindASwitch());
  });
});
