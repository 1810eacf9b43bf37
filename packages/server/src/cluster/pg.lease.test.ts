import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHelplineError } from '@helpline/core';
import type { ClusterLease } from '@helpline/core/cluster';
import pg from 'pg';
import type { SqlQueryable } from '../storage/sql.client';
import { type ClusterTestDatabase, clusterTestDatabase, until } from './cluster.testing';
import { createPgLease, leaseLockKey, type PgLeaseOptions } from './pg.lease';

const isStaleEpoch = (error: unknown) => isHelplineError(error) && error.code === 'cluster/stale-epoch';

/** The next value a lease hands to `onWon` or `onLost`. */
function next(subscribe: (handler: (epoch: number) => void) => () => void): Promise<number> {
  return new Promise((resolve) => {
    const stop = subscribe((epoch) => {
      stop();
      resolve(epoch);
    });
  });
}

describe('createPgLease (advisory lock + epoch)', async () => {
  const database = await clusterTestDatabase();
  if ('skip' in database) {
    it('runs against PostgreSQL', { skip: database.skip }, () => {});
    return;
  }
  const db: ClusterTestDatabase = database;
  const leases: ClusterLease<SqlQueryable>[] = [];

  function lease(name: string, instanceId: string, options: Partial<PgLeaseOptions> = {}) {
    const created = createPgLease({
      directUrl: db.url,
      schema: db.schema,
      name,
      instanceId,
      retryMs: 100,
      reportFailure: () => {},
      ...options,
    });
    leases.push(created);
    return created;
  }

  async function fencedWrite(holder: ClusterLease<SqlQueryable>, writer: string): Promise<void> {
    await db.sql.transaction(async (tx) => {
      await holder.fence(tx);
      await tx.query('INSERT INTO fenced_writes (epoch, writer) VALUES ($1, $2)', [holder.epoch, writer]);
    });
  }

  async function writesBy(writer: string): Promise<number[]> {
    const rows = await db.sql.query<{ epoch: string }>(
      'SELECT epoch FROM fenced_writes WHERE writer = $1 ORDER BY epoch',
      [writer],
    );
    return rows.map((row) => Number(row.epoch));
  }

  before(() => db.sql.exec('CREATE TABLE fenced_writes (epoch bigint NOT NULL, writer text NOT NULL)'));
  after(async () => {
    for (const each of leases) await each.close();
    await db.drop();
  });

  it('lets one of two contenders hold it, and raises the epoch on each win', async () => {
    const a = lease('two', 'a');
    const b = lease('two', 'b');
    assert.equal(await a.acquire(), true);
    const first = a.epoch ?? 0;
    assert.ok(first >= 1);
    assert.equal(await b.acquire(), false);
    assert.equal(b.held, false);
    assert.equal(b.epoch, undefined);

    const bWins = next(b.onWon);
    await a.close();
    assert.equal(a.held, false);
    assert.equal(await bWins, first + 1);
    assert.equal(b.epoch, first + 1);

    const c = lease('two', 'c');
    assert.equal(await c.acquire(), false);
    const cWins = next(c.onWon);
    await b.close();
    assert.equal(await cWins, first + 2);
    const [row] = await db.sql.query<{ epoch: string }>(
      "SELECT epoch FROM helpline_leases WHERE name = 'two'",
    );
    assert.equal(Number(row?.epoch), first + 2);
  });

  it('wins once when asked again while a retry is pending, and a retry after the win tries nothing', async () => {
    const a = lease('again', 'a');
    const b = lease('again', 'b', { retryMs: 300 });
    await a.acquire();
    assert.equal(await b.acquire(), false, 'b waits; its next try is due in 300 ms');
    const wins: number[] = [];
    b.onWon((epoch) => wins.push(epoch));
    await a.close();
    // Told the lease is free (as a drain says so), b asks at once, before its pending retry.
    assert.equal(await b.acquire(), true);
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.deepEqual(wins, [b.epoch ?? 0], 'one win, at one epoch');
    const [row] = await db.sql.query<{ epoch: string }>(
      "SELECT epoch FROM helpline_leases WHERE name = 'again'",
    );
    assert.equal(Number(row?.epoch), b.epoch, 'the epoch was raised once');
  });

  it('hands it over at once when the holder’s session is terminated; the holder knows, and contends again', async () => {
    // a contends again after losing, but later than b, which tries every 100 ms: the lock freed by the termination
    // is b's to take (with equal retries a loaded machine sometimes let a win it back first, and b waited forever).
    const a = lease('kill', 'a', { retryMs: 1_500 });
    const b = lease('kill', 'b');
    await a.acquire();
    await b.acquire();
    const epoch = a.epoch ?? 0;
    const aLoses = next(a.onLost);
    const bWins = next(b.onWon);
    const started = Date.now();
    assert.equal(await db.terminate('helpline lease kill a'), 1);
    assert.equal(await aLoses, epoch);
    assert.equal(a.held, false);
    assert.equal(await bWins, epoch + 1);
    const takeover = Date.now() - started;
    assert.ok(takeover < 1_000, `takeover took ${takeover} ms`);

    const aWinsAgain = next(a.onWon);
    await b.close();
    assert.equal(await aWinsAgain, epoch + 2);
  });

  it('refuses a fenced transaction once another instance has won, and holds off a takeover while one is open', async () => {
    // It does not contend again during the test: what it does after losing is the other tests' business.
    const a = lease('fence', 'a', { retryMs: 60_000 });
    await a.acquire();
    const epoch = a.epoch ?? 0;
    await fencedWrite(a, 'fence-a');

    // Until a fenced transaction ends, nobody can raise the epoch: the new leader starts after its writes.
    const raiser = new pg.Client({ connectionString: db.url, options: `-c search_path=${db.schema}` });
    await raiser.connect();
    try {
      await db.sql.transaction(async (tx) => {
        await a.fence(tx);
        await raiser.query('SET lock_timeout = 200');
        await assert.rejects(
          raiser.query("UPDATE helpline_leases SET epoch = epoch + 1 WHERE name = 'fence'"),
          (error: { code?: string }) => error.code === '55P03',
        );
      });
      // Another instance wins (as after this one froze): its raise of the epoch stands for its win.
      const aLoses = next(a.onLost);
      await raiser.query("UPDATE helpline_leases SET epoch = epoch + 1 WHERE name = 'fence'");
      assert.equal(a.held, true, 'the session is still there: only the fence can tell');
      await assert.rejects(fencedWrite(a, 'fence-a'), (error) => {
        assert.ok(isStaleEpoch(error));
        assert.match((error as Error).message, new RegExp(`won epoch ${epoch}, now at ${epoch + 1}`));
        return true;
      });
      assert.equal(await aLoses, epoch, 'the refused fence is a loss');
      assert.equal(a.held, false);
      await assert.rejects(fencedWrite(a, 'fence-a'), isStaleEpoch);
      assert.deepEqual(await writesBy('fence-a'), [epoch]);
    } finally {
      await raiser.end();
    }
  });

  it('passes from a frozen holder (SIGSTOP) after the idle timeout; woken, it writes nothing', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./lease.child.ts', import.meta.url)),
        db.url,
        db.schema,
        'frozen',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    try {
      await until(() => lines.some((line) => line.startsWith('won ')), 'the child won the lease', 15_000);
      const epoch = Number(lines.find((line) => line.startsWith('won '))?.slice(4));
      const b = lease('frozen', 'b');
      assert.equal(await b.acquire(), false);
      const bWins = next(b.onWon);
      child.kill('SIGSTOP');
      const frozenAt = Date.now();
      assert.equal(await bWins, epoch + 1);
      const takeover = Date.now() - frozenAt;
      // The child's idle_session_timeout is 1.5 s; b tries every 0.1 s.
      assert.ok(takeover >= 1_000 && takeover < 3_500, `takeover took ${takeover} ms`);
      await fencedWrite(b, 'frozen-b');

      child.kill('SIGCONT');
      child.stdin.write('write\n');
      await until(() => lines.some((line) => line.startsWith('refused') || line === 'accepted'), 'the write');
      assert.ok(lines.includes('refused cluster/stale-epoch'), lines.join(' | '));
      await until(() => lines.includes(`lost ${epoch}`), 'the child knows it lost');
      assert.deepEqual(await writesBy('child'), []);
      assert.deepEqual(await writesBy('frozen-b'), [epoch + 1]);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('ends a transaction a former holder left open on the lease row, rather than wait for it', async () => {
    const a = lease('left-open', 'a');
    const b = lease('left-open', 'b');
    await a.acquire();
    const epoch = a.epoch ?? 0;
    // The former holder's pool connection, frozen between its fence and its commit: no server timeout ends it here.
    const frozen = new pg.Client({ connectionString: db.url });
    const ended = new Promise<unknown>((resolve) => frozen.on('error', resolve));
    await frozen.connect();
    await frozen.query(`SET search_path TO ${db.schema}`);
    await frozen.query('BEGIN');
    await frozen.query("SELECT epoch FROM helpline_leases WHERE name = 'left-open' FOR SHARE");
    assert.equal(await b.acquire(), false);
    const bWins = next(b.onWon);
    await a.close();
    let settled = false;
    void bWins.then(() => {
      settled = true;
    });
    await until(() => settled, 'the next holder won', 10_000);
    assert.equal(b.epoch, epoch + 1);
    assert.equal((await ended) instanceof Error, true);
    await frozen.end().catch(() => {});
  });

  it('keeps it while its session is alive, past the idle timeout', async () => {
    const a = lease('alive', 'a', { idleSessionTimeoutMs: 900 });
    let losses = 0;
    a.onLost(() => losses++);
    await a.acquire();
    const epoch = a.epoch;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(losses, 0);
    assert.equal(a.held, true);
    assert.equal(a.epoch, epoch);
    await fencedWrite(a, 'alive-a');
  });

  it('keys the lock by schema and name, so deployments and leases on one database do not collide', () => {
    assert.equal(leaseLockKey('s1', 'router'), leaseLockKey('s1', 'router'));
    assert.notEqual(leaseLockKey('s1', 'router'), leaseLockKey('s2', 'router'));
    assert.notEqual(leaseLockKey(undefined, 'router'), leaseLockKey(undefined, 'timers'));
    assert.match(leaseLockKey('s1', 'router'), /^-?\d+$/);
  });
});
