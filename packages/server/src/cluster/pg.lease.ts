import { createHash } from 'node:crypto';
import {
  type ClusterLease,
  callEach,
  clusterFailure,
  type ReportClusterFailure,
  reportToConsole,
} from '@helpline/core/cluster';
import type { SqlQueryable } from '../storage/sql.client';
import { type DirectSession, openDirectSession } from './direct.session';

/** Options of {@link createPgLease}. */
export interface PgLeaseOptions {
  /** A direct URL to PostgreSQL: a session advisory lock does not survive PgBouncer in transaction mode. */
  readonly directUrl: string;
  /** The lease's name, e.g. `router`: its row in `helpline_leases`. */
  readonly name: string;
  /** This instance's id, shown in `pg_stat_activity.application_name`. */
  readonly instanceId?: string;
  /** The schema of Helpline's tables; the server's default when absent. */
  readonly schema?: string;
  /**
   * The server ends the holder's session after this long without a statement, which releases the lock of a frozen
   * or vanished holder: about how long a takeover takes then. Default 2.5 s.
   */
  readonly idleSessionTimeoutMs?: number;
  /**
   * How often the holder pings its session. A holder whose event loop stalls for longer than the idle timeout less
   * this loses the lease, so a short ping buys margin. Default 250 ms, at most a third of the idle timeout.
   */
  readonly pingMs?: number;
  /** How often an instance that does not hold the lease tries again. Default 250 ms. */
  readonly retryMs?: number;
  /** Where failures nobody awaits go (a lost session, a handler that threw). Default: the console. */
  readonly reportFailure?: ReportClusterFailure;
}

const DEFAULT_IDLE_SESSION_TIMEOUT_MS = 2_500;
const DEFAULT_PING_MS = 250;
const DEFAULT_RETRY_MS = 250;

/**
 * Ends the transactions a former holder left open on the lease's row: a leader frozen (or cut off) between its
 * fence and its commit holds the row `FOR SHARE`, and the new holder's epoch raise would wait for the server's
 * `idle_in_transaction_session_timeout`. Whoever else holds a lock on `helpline_leases` while this session holds
 * the advisory lock is such a former holder (only the holder fences): its uncommitted write is rolled back, as if it
 * had crashed, and it was never acknowledged. An active statement is left to finish.
 */
const FORMER_HOLDERS = `SELECT activity.pid FROM pg_stat_activity AS activity
WHERE activity.pid <> pg_backend_pid()
  AND activity.datname = current_database()
  AND activity.state IN ('idle in transaction', 'idle in transaction (aborted)')
  AND activity.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'relation' AND relation = 'helpline_leases'::regclass)`;

/**
 * The advisory lock key of a lease: the same in every instance of a deployment, and different for another
 * deployment (schema) or lease on the same database, since advisory locks are per database.
 */
export function leaseLockKey(schema: string | undefined, name: string): string {
  const digest = createHash('sha256')
    .update(`helpline lease\0${schema ?? ''}\0${name}`)
    .digest();
  return BigInt.asIntN(64, digest.readBigUInt64BE(0)).toString();
}

/**
 * A {@link ClusterLease} on PostgreSQL: whoever holds the session advisory lock of `name` holds the lease, and on
 * winning raises `helpline_leases.epoch`.
 *
 * - An instance that does not hold it tries `pg_try_advisory_lock` every `retryMs`, on its own direct session.
 * - The holder pings its session every `pingMs`. A ping that does not answer before the server could have ended the
 *   session (`idleSessionTimeoutMs` less `pingMs`), or a broken session, is a loss, reported at once; it contends
 *   again.
 * - On winning, it ends the transactions a frozen former holder left open on the lease's row, which would hold off
 *   the epoch raise until the server's `idle_in_transaction_session_timeout`.
 * - A holder that freezes stops pinging, and the server ends its session after `idleSessionTimeoutMs`, releasing
 *   the lock; one that vanishes is found by TCP keepalives or the same timeout. When it wakes up, its next
 *   transaction's {@link ClusterLease.fence} sees the newer epoch and refuses.
 *
 * Needs the `helpline_leases` table (migration 5) and PostgreSQL 14 or newer.
 *
 * @example
 * ```ts
 * const lease = createPgLease({ directUrl, name: 'router', instanceId });
 * lease.onWon((epoch) => log.info('leading', { epoch }));
 * lease.onLost(() => log.warn('no longer leading'));
 * await lease.acquire();
 * await sql.transaction(async (tx) => {
 *   await lease.fence(tx);
 *   // …the leader's writes
 * });
 * ```
 */
export function createPgLease(options: PgLeaseOptions): ClusterLease<SqlQueryable> {
  const { name, schema } = options;
  const idleSessionTimeoutMs = options.idleSessionTimeoutMs ?? DEFAULT_IDLE_SESSION_TIMEOUT_MS;
  const pingMs = Math.min(options.pingMs ?? DEFAULT_PING_MS, idleSessionTimeoutMs / 3);
  // A ping is waited for as long as the server could still count the session as alive: an event-loop stall while
  // one is in flight is not a loss unless the server too has given up by then.
  const pingTimeoutMs = idleSessionTimeoutMs - pingMs;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const report = options.reportFailure ?? reportToConsole;
  const key = leaseLockKey(schema, name);
  const won = new Set<(epoch: number) => void>();
  const lost = new Set<(epoch: number) => void>();

  let session: DirectSession | undefined;
  let epoch: number | undefined;
  let contending = false;
  let closed = false;
  let attempt: Promise<boolean> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;

  const stale = (detail: string) => clusterFailure('cluster/stale-epoch', { lease: name, detail });

  function dropSession(): Promise<void> {
    const ending = session;
    session = undefined;
    return ending?.end() ?? Promise.resolve();
  }

  function lose(error?: unknown) {
    if (error !== undefined) report(`lease ${name}`, error);
    const had = epoch;
    epoch = undefined;
    clearTimeout(pingTimer);
    // Whether the server still counts the lock as ours is unknown: a new session starts from nothing.
    void dropSession();
    if (had !== undefined) callEach(lost, had, `lease ${name} lost handler`, report);
    scheduleRetry();
  }

  function scheduleRetry() {
    if (closed || !contending || epoch !== undefined || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void tryOnce();
    }, retryMs);
  }

  function schedulePing(pinged: DirectSession) {
    pingTimer = setTimeout(async () => {
      try {
        await pinged.query('SELECT 1', [], pingTimeoutMs);
      } catch (error) {
        if (pinged === session) lose(error);
        return;
      }
      if (pinged === session && epoch !== undefined) schedulePing(pinged);
    }, pingMs);
  }

  async function contend(): Promise<boolean> {
    try {
      if (session === undefined) {
        const opening: { session?: DirectSession } = {};
        opening.session = await openDirectSession({
          url: options.directUrl,
          applicationName: `helpline lease ${name} ${options.instanceId ?? ''}`.trim(),
          schema,
          idleSessionTimeoutMs,
          onLost: (error) => {
            // A session given up on purpose (lose, close) is no news.
            if (opening.session !== undefined && opening.session === session) lose(error);
          },
        });
        session = opening.session;
      }
      const current = session;
      const [lock] = await current.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [key],
        idleSessionTimeoutMs,
      );
      if (!lock?.locked) return false;
      try {
        // Two statements, so that only the sessions found are ended, whatever order the planner picks.
        const former = await current.query<{ pid: number }>(FORMER_HOLDERS, [], idleSessionTimeoutMs);
        for (const { pid } of former) {
          await current.query('SELECT pg_terminate_backend($1)', [pid], idleSessionTimeoutMs);
          report(
            `lease ${name}`,
            new Error(`ended session ${pid}, left in a transaction by a former holder`),
          );
        }
      } catch (error) {
        // Without the right to end them (another role), the raise below waits for the server's own timeout.
        if (current === session) report(`lease ${name}`, error);
      }
      const [row] = await current.query<{ epoch: string }>(
        `INSERT INTO helpline_leases AS lease (name, epoch) VALUES ($1, 1)
ON CONFLICT (name) DO UPDATE SET epoch = lease.epoch + 1 RETURNING epoch`,
        [name],
      );
      if (closed || current !== session || !row) {
        void dropSession();
        return false;
      }
      epoch = Number(row.epoch);
      schedulePing(current);
      callEach(won, epoch, `lease ${name} won handler`, report);
      return true;
    } catch (error) {
      if (!closed) report(`lease ${name}`, error);
      void dropSession();
      return false;
    }
  }

  function tryOnce(): Promise<boolean> {
    // A retry that was due when an earlier call won: the session's lock is ours, and taking it again would succeed
    // (advisory locks are re-entrant) and raise the epoch a second time.
    if (epoch !== undefined) return Promise.resolve(true);
    attempt ??= contend().finally(() => {
      attempt = undefined;
      scheduleRetry();
    });
    return attempt;
  }

  return {
    name,
    get held() {
      return epoch !== undefined;
    },
    get epoch() {
      return epoch;
    },
    async acquire() {
      if (closed) return false;
      contending = true;
      if (epoch !== undefined) return true;
      return tryOnce();
    },
    onWon(handler) {
      won.add(handler);
      return () => won.delete(handler);
    },
    onLost(handler) {
      lost.add(handler);
      return () => lost.delete(handler);
    },
    async fence(tx) {
      const mine = epoch;
      if (mine === undefined) throw stale('not held');
      const [row] = await tx.query<{ epoch: string }>(
        'SELECT epoch FROM helpline_leases WHERE name = $1 FOR SHARE',
        [name],
      );
      const current = row ? Number(row.epoch) : undefined;
      if (current === mine) return;
      // Someone else won since: this instance learns it has lost before its session does.
      if (epoch === mine) lose();
      throw stale(`won epoch ${mine}, now at ${current ?? 'none'}`);
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(pingTimer);
      epoch = undefined;
      // Ending the session releases the lock (the next holder raises the epoch) and cuts short a try in flight.
      await dropSession();
      await attempt;
      await dropSession();
      won.clear();
      lost.clear();
    },
  };
}
