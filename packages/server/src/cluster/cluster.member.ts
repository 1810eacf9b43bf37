import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { helplineError } from '@helpline/core';
import type { ClusterLease, ReportClusterFailure } from '@helpline/core/cluster';
import type { Logger } from '../log/logger';
import { openPostgres, type SqlClient, type SqlQueryable } from '../storage/sql.client';
import type { StorageFence } from '../storage/storage.fence';
import type { EngineBus, EngineTopics } from './engine.topics';
import { type PeerBus, type PeerTopics, withPeerLinks } from './peer.links';
import { createPgBus } from './pg.bus';
import { createPgLease } from './pg.lease';

/** Options of {@link joinCluster}. */
export interface ClusterMemberOptions {
  /** The deployment's PostgreSQL, as the server's pool reaches it (a pooler in transaction mode is fine). */
  readonly url: string;
  /**
   * A direct URL for the bus's listener and the lease, which need sessions of their own (LISTEN and a session
   * advisory lock do not survive a pooler in transaction mode). Default `url`.
   */
  readonly directUrl?: string | undefined;
  readonly schema?: string | undefined;
  readonly log: Logger;
  /** The lease's `idle_session_timeout`: about how long a takeover takes after the leader froze. Default 2.5 s. */
  readonly leaseIdleMs?: number;
  /** How often an instance that does not lead tries for the lease. Default 250 ms. */
  readonly leaseRetryMs?: number;
  /** How often the instance's row in `instances` is touched. Default 2 s. */
  readonly heartbeatMs?: number;
  /**
   * How often the instance logs what it published to the others since it started (`cluster.traffic`: by kind, on
   * direct links and through the database), when anything was. Default 60 s.
   */
  readonly trafficLogMs?: number;
}

/** This instance as a member of its deployment. */
export interface ClusterMember {
  /** Random per process, in every log line about the cluster. */
  readonly instanceId: string;
  /** The bus: LISTEN/NOTIFY, and direct links to the other instances for what is for one of them. */
  readonly bus: EngineBus;
  /** The `engine` lease: its holder runs the hub. */
  readonly lease: ClusterLease<SqlQueryable>;
  /**
   * The storage's fence (`SqlStorageOptions.fence`) on the `engine` lease: a refused write rejects as `unavailable`
   * (retryable: the client's retry lands on the leader); one refused because another instance won since calls
   * `onStale`, and the lease checks for itself and gives up.
   */
  readonly fence: StorageFence;
  /** Calls `handler` with the epoch a write was made under when the fence finds another instance won since. */
  onStale(handler: (epoch: number) => void): void;
  /** Says where the other instances open direct links to this one (`ws://host:port/…/cluster/peer`). */
  advertise(peerUrl: string): Promise<void>;
  /** Takes a direct link from another instance (an upgrade on the peer path); refuses one not signed by the key. */
  acceptPeer(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * How many instances of the deployment are live now (this one included, at least 1): rows of `instances` not
   * draining whose heartbeat is recent, counted again with each heartbeat. The limits each instance counts on its
   * own are divided by it, so they hold for the deployment.
   */
  readonly liveInstances: number;
  /** Marks the instance as draining in `instances` (it takes no new work). */
  drain(): Promise<void>;
  /** Removes the instance's row and closes the bus and the pool (the lease is the engine's to give up). */
  close(): Promise<void>;
}

const DEFAULT_HEARTBEAT_MS = 2_000;
const DEFAULT_TRAFFIC_LOG_MS = 60_000;
/** The lease whose holder runs the engine (its row in `helpline_leases`). */
export const ENGINE_LEASE = 'engine';
/** Rows of instances gone without a goodbye are removed after this long. */
const FORGET_AFTER = '1 hour';

/** The deployment's key for direct links: made by the first instance that asks, the same for every other. */
async function peerKey(sql: SqlQueryable): Promise<Buffer> {
  await sql.query("INSERT INTO cluster_keys (name, key) VALUES ('peer', $1) ON CONFLICT (name) DO NOTHING", [
    randomBytes(32),
  ]);
  const [row] = await sql.query<{ key: Buffer }>("SELECT key FROM cluster_keys WHERE name = 'peer'");
  if (!row) throw new Error('the cluster key could not be read');
  return row.key;
}

/**
 * Joins the deployment on PostgreSQL `url`: a random instance id, the bus (LISTEN/NOTIFY), the `engine` lease (not
 * yet contended: the engine does that) and the instance's row in `instances`, touched every `heartbeatMs`.
 *
 * @example
 * ```ts
 * const member = await joinCluster({ url, log });
 * const engine = createEngineSwitch({ bus: member.bus, lease: member.lease, createHub, log });
 * ```
 */
export async function joinCluster(options: ClusterMemberOptions): Promise<ClusterMember> {
  const { url, schema, log } = options;
  const directUrl = options.directUrl ?? url;
  const instanceId = randomBytes(5).toString('hex');
  const reportFailure: ReportClusterFailure = (what, error) =>
    log.warn('cluster.failure', { instance: instanceId, what }, error);
  const sql: SqlClient = await openPostgres(url, { schema, maxConnections: 2 });
  let bus: PeerBus<EngineTopics>;
  try {
    const pgBus = await createPgBus<EngineTopics & PeerTopics>({
      directUrl,
      instanceId,
      queries: sql,
      reportFailure,
      ...(schema === undefined ? {} : { schema }),
    });
    bus = withPeerLinks<EngineTopics>(pgBus, {
      key: await peerKey(sql),
      locate: async (id) =>
        (
          await sql.query<{ peer_url: string | null }>('SELECT peer_url FROM instances WHERE id = $1', [id])
        )[0]?.peer_url ?? undefined,
      reportFailure,
      onLink: (target, open) =>
        log.info(open ? 'cluster.link.open' : 'cluster.link.closed', { instance: instanceId, target }),
    });
    await sql.query(
      `INSERT INTO instances (id) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET started_at = now(), heartbeat_at = now(), draining = false`,
      [instanceId],
    );
  } catch (error) {
    await sql.close();
    throw error;
  }
  const lease = createPgLease({
    directUrl,
    name: ENGINE_LEASE,
    instanceId,
    ...(options.leaseIdleMs === undefined ? {} : { idleSessionTimeoutMs: options.leaseIdleMs }),
    ...(options.leaseRetryMs === undefined ? {} : { retryMs: options.leaseRetryMs }),
    reportFailure,
    ...(schema === undefined ? {} : { schema }),
  });
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let liveInstances = 1;
  /** Live: not draining, and touched within three heartbeats (one missed beat is not yet a death). */
  const countLive = async () => {
    const [row] = await sql.query<{ live: string | number }>(
      `SELECT count(*) AS live FROM instances
       WHERE NOT draining AND heartbeat_at > now() - make_interval(secs => $1::double precision / 1000)`,
      [heartbeatMs * 3],
    );
    liveInstances = Math.max(1, Number(row?.live ?? 1));
  };
  await countLive().catch((error: unknown) => reportFailure('instance count', error));
  const heartbeat = setInterval(() => {
    sql
      .query('UPDATE instances SET heartbeat_at = now() WHERE id = $1', [instanceId])
      .then(countLive)
      .then(() => sql.query(`DELETE FROM instances WHERE heartbeat_at < now() - interval '${FORGET_AFTER}'`))
      .catch((error: unknown) => reportFailure('instance heartbeat', error));
  }, heartbeatMs);
  heartbeat.unref();
  let trafficLogged = '';
  const logTraffic = () => {
    const now = JSON.stringify(bus.traffic);
    if (now === trafficLogged) return;
    trafficLogged = now;
    // Flat, as every log field: `link:relay.out`, `db:relay.attach`, … (counts since the instance started).
    const fields: Record<string, number | string> = { instance: instanceId };
    for (const way of ['link', 'db'] as const)
      for (const [kind, n] of Object.entries(bus.traffic[way])) fields[`${way}:${kind}`] = n;
    log.info('cluster.traffic', fields);
  };
  const trafficTimer = setInterval(logTraffic, options.trafficLogMs ?? DEFAULT_TRAFFIC_LOG_MS);
  trafficTimer.unref();
  log.info('cluster.joined', { instance: instanceId });
  const staleHandlers = new Set<(epoch: number) => void>();
  const refuse = (detail: string) => helplineError('unavailable', { detail }, { retryAfterMs: 1_000 });

  return {
    instanceId,
    bus,
    lease,
    fence: {
      lease: ENGINE_LEASE,
      epoch: () => lease.epoch,
      refused(epoch, detail) {
        if (epoch === undefined) return refuse('this instance does not lead');
        log.warn('cluster.fenced', { instance: instanceId, epoch, detail });
        // The lease's own fence sees the newer epoch too, and gives the lease up at once rather than at its next ping.
        lease.fence(sql).catch(() => {});
        for (const handler of [...staleHandlers]) handler(epoch);
        return refuse('another instance leads now');
      },
    },
    async advertise(peerUrl) {
      await sql.query('UPDATE instances SET peer_url = $2 WHERE id = $1', [instanceId, peerUrl]);
    },
    acceptPeer: (request, socket, head) => bus.accept(request, socket, head),
    get liveInstances() {
      return liveInstances;
    },
    onStale(handler) {
      staleHandlers.add(handler);
    },
    async drain() {
      await sql
        .query('UPDATE instances SET draining = true WHERE id = $1', [instanceId])
        .catch((error: unknown) => reportFailure('instance drain', error));
    },
    async close() {
      clearInterval(heartbeat);
      clearInterval(trafficTimer);
      logTraffic();
      await bus.close();
      await sql
        .query('DELETE FROM instances WHERE id = $1', [instanceId])
        .catch((error: unknown) => reportFailure('instance goodbye', error));
      await sql.close();
    },
  };
}
