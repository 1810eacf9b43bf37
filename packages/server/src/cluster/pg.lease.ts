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
   * or vanished holder: about how long a takeover takes then. The holder pings three times as often. Default 3 s.
   */
  readonly idleSessionTimeoutMs?: number;
  /** How often an instance that does not hold the lease tries again. Default 1 s. */
  readonly retryMs?: number;
  /** Where failures nobody awaits go (a lost session, a handler that threw). Default: the console. */
  readonly reportFailure?: ReportClusterFailure;
}

const DEFAULT_IDLE_SESSION_TIMEOUT_MS = 3_000;
const DEFAULT_RETRY_MS = 1_000;

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
 * - The holder pings its session every third of `idleSessionTimeoutMs`. A ping that does not answer in that time,
 *   or a broken session, is a loss, reported at once; it contends again.
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
  const pingMs = idleSessionTimeoutMs / 3;
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
        await pinged.query('SELECT 1', [], pingMs);
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
