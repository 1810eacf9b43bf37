// N real `helpline serve` processes on one fresh PostgreSQL database, behind a round-robin balancer, with the faults
// a deployment meets: kill -9, a frozen process (SIGSTOP), a cut to the database, a dropped LISTEN session, a
// rolling restart. Each instance reaches PostgreSQL through a proxy of its own, so one instance can be cut off while
// the others carry on, and its sessions are known in `pg_stat_activity` and `pg_locks` by the client ports of that
// proxy's connections (they also carry `application_name=helpline-<index>` unless the server names a session
// itself). The balancer checks `/readyz` as a load balancer would and sends new connections only to instances that
// pass.
//
// Every process, proxy and database is cleaned up by `close()`; processes also when the test process exits, and a
// database left behind by a test process that died is dropped by the next harness that starts.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ConfigInput } from '../config/config';
import { type RoundRobinProxy, startRoundRobinProxy } from './balancer';
import { type FaultProxy, startFaultProxy } from './proxy';
import { type ServeExit, type ServeProcess, spawnServe } from './serve.process';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** A PostgreSQL URL whose user may create databases (`HELPLINE_TEST_DATABASE_URL`). */
  readonly adminUrl: string;
  /** Default 3. */
  readonly instances?: number;
  readonly config: ConfigInput;
  /**
   * More environment for instance `index`, on top of `HELPLINE_DATABASE_URL` (`databaseUrl`, through the
   * instance's own proxy, or straight with `directDatabase`) and the tests' JWT secret. Any other URL to the database (a direct one for the listener
   * or the lease) must be `databaseUrl` too, or the instance's partition would not cut it.
   */
  readonly env?: (index: number, databaseUrl: string) => Readonly<Record<string, string>>;
  /** Every line an instance writes. */
  readonly onServerLine?: (index: number, line: string) => void;
  /** What the harness does, as it does it (kills, health changes…). */
  readonly log?: (line: string) => void;
  /**
   * How often the balancer asks each instance's `/readyz` (HAProxy's `inter`); default 500 ms. A check times out
   * after 1 s; two failures in a row mark an instance down, two successes in a row up again.
   */
  readonly healthCheckMs?: number;
  /**
   * Runs on the new database (a direct URL to it) before any instance starts: a test's own tables or triggers
   * (it may migrate the schema first; the instances then find it migrated).
   */
  readonly prepare?: (databaseUrl: string) => Promise<void>;
  /**
   * The instances connect to PostgreSQL straight, not through a proxy of their own in this process: for the
   * benches, which measure the deployment, not this process relaying every query of every instance. Then there
   * is nothing to cut: `partition`, `heal` and `dropListen` throw.
   */
  readonly directDatabase?: boolean;
}

/** Whether an instance's process runs (a `stopped` one is frozen by SIGSTOP; an `exited` one is gone). */
export type InstanceProcessState = 'starting' | 'running' | 'stopped' | 'exited';

/** One instance of the cluster, as the harness sees it now. */
export interface ClusterInstance {
  readonly index: number;
  /** `helpline-<index>`: the `application_name` of its database sessions. */
  readonly name: string;
  readonly process: InstanceProcessState;
  /** Its last `/readyz` verdict, as the balancer uses it. */
  readonly healthy: boolean;
  /** Cut off from PostgreSQL by {@link Cluster.partition}. */
  readonly partitioned: boolean;
  /** The current process's port and pid (none while exited). */
  readonly port: number | undefined;
  readonly pid: number | undefined;
  /** How many times a process was started for it. */
  readonly starts: number;
  /** How each of its processes ended. */
  readonly exits: readonly ServeExit[];
  /** Lines its processes logged at level `error`. */
  readonly errors: readonly string[];
  /** Its last 200 lines. */
  readonly tail: readonly string[];
}

/** Something that happened to an instance, when it happened (epoch ms). */
export interface ClusterEvent {
  readonly at: number;
  readonly index: number;
  readonly kind:
    | 'started'
    | 'start-failed'
    | 'signal'
    | 'exited'
    | 'healthy'
    | 'unhealthy'
    | 'partitioned'
    | 'healed'
    | 'listen-dropped';
  readonly detail?: string;
}

/** A running cluster under a test's control. */
export interface Cluster {
  /** The database every instance shares, and a direct URL to it (not through an instance's proxy). */
  readonly database: { readonly name: string; readonly url: string };
  readonly instances: readonly ClusterInstance[];
  /** The balancer in front of the instances: `httpUrl` and `socketUrl` lead through it. */
  readonly balancer: RoundRobinProxy;
  readonly httpUrl: string;
  readonly socketUrl: string;
  /** Everything that happened to the instances, in order. */
  readonly events: readonly ClusterEvent[];
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(index: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Freezes the process (SIGSTOP): its sockets and database sessions stay open and silent. */
  stop(index: number): void;
  /** Thaws a frozen process (SIGCONT). */
  cont(index: number): void;
  /** Starts a process for an instance whose process has exited; rejects (and records why) if it cannot start. */
  start(index: number): Promise<void>;
  /** kill -9 (if it runs), then start again. */
  restart(index: number): Promise<void>;
  /**
   * Cuts the instance off from PostgreSQL: everything on its database connections, open or new, is silently
   * dropped, as when a network path dies without a reset. The process runs on.
   */
  partition(index: number): void;
  /**
   * Ends a partition. New connections flow; those that fell into it stay dead (their bytes were lost) unless
   * `reset`, which closes them at both ends as a peer's RST would.
   */
  heal(index: number, options?: { readonly reset?: boolean }): void;
  /**
   * Terminates the instance's LISTEN session (`pg_terminate_backend`), as an administrator or a failover would;
   * resolves with how many sessions ended (0: it has none). The instance's sessions are those that came through
   * its database proxy (known by their client port, whatever their `application_name`); its listener is the one
   * whose last statement was `LISTEN`, or whose `application_name` says `listen` or `bus`.
   */
  dropListen(index: number): Promise<number>;
  /** SIGTERM each instance in turn, start it again and wait until it is healthy before the next one. */
  rollingRestart(options?: { readonly pauseMs?: number }): Promise<void>;
  /**
   * The instance holding an advisory lock on the database (the routing leader's lease), or undefined when none or
   * more than one does. (A migration holds one for a moment while an instance starts.)
   */
  leader(): Promise<number | undefined>;
  /**
   * The instance that leads, once exactly one does and the balancer counts every running instance healthy (so each
   * knows the leader); rejects after `timeoutMs` (default 20 s).
   */
  settledLeader(timeoutMs?: number): Promise<number>;
  /** Resolves once the balancer counts the instance healthy (or rejects after `timeoutMs`). */
  waitHealthy(index: number, timeoutMs?: number): Promise<void>;
  /** A query on the shared database. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Kills every process, closes every proxy and drops the database. */
  close(): Promise<void>;
}

const DATABASE_PREFIX = 'helpline_cluster_';
const databaseName = () => `${DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
/** HAProxy's `timeout check`, `fall` and `rise` in the configuration of docs/cluster.md. */
const CHECK_TIMEOUT_MS = 1_000;
const CHECK_FALL = 2;
const CHECK_RISE = 2;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `url` with another database, and optionally another host and port and an `application_name`. */
function withDatabase(
  url: string,
  database: string,
  via?: { readonly port: number; readonly applicationName: string },
): string {
  const target = new URL(url);
  target.pathname = `/${database}`;
  if (via) {
    target.hostname = '127.0.0.1';
    target.port = String(via.port);
    target.searchParams.set('application_name', via.applicationName);
  }
  return target.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'helpline-harness' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Drops the databases of harnesses whose test process died before it could (their name carries its pid). */
async function dropOrphans(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname LIKE $1',
    [`${DATABASE_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const pid = Number(new RegExp(`^${DATABASE_PREFIX}(\\d+)_[0-9a-f]+$`).exec(datname)?.[1]);
    if (pid && !isAlive(pid))
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

// Databases of clusters not closed yet, dropped synchronously if the process exits first (a failed assertion
// that skipped `close`, a test runner's timeout): `exit` handlers cannot wait, so a child process drops them.
const openDatabases = new Map<string, string>();
process.once('exit', () => {
  for (const [name, adminUrl] of openDatabases) {
    spawnSync(
      process.execPath,
      [
        '-e',
        `const c = new (require('pg').Client)({ connectionString: process.env.ADMIN_URL });
c.connect().then(() => c.query('DROP DATABASE IF EXISTS "${name}" WITH (FORCE)')).finally(() => c.end());`,
      ],
      {
        cwd: fileURLToPath(new URL('.', import.meta.url)),
        env: { ...process.env, ADMIN_URL: adminUrl },
        timeout: 10_000,
      },
    );
  }
});

interface InstanceSlot {
  index: number;
  name: string;
  process: InstanceProcessState;
  healthy: boolean;
  partitioned: boolean;
  port: number | undefined;
  pid: number | undefined;
  starts: number;
  exits: ServeExit[];
  errors: string[];
  tail: string[];
  /** Consecutive health checks that disagreed with `healthy` (failures while up, successes while down). */
  streak: number;
  checkTimer: NodeJS.Timeout | undefined;
  server: ServeProcess | undefined;
  /** Absent with `directDatabase`. */
  dbProxy: FaultProxy | undefined;
}

/**
 * Starts `instances` (default 3) `helpline serve` processes with `config` on a new database, behind a
 * round-robin balancer.
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ adminUrl, config });
 * try {
 *   const visitor = await TestClient.connect(cluster.socketUrl, token);
 *   await cluster.kill(1);
 * } finally {
 *   await cluster.close();
 * }
 * ```
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.instances ?? 3;
  const log = options.log ?? (() => {});
  const healthCheckMs = options.healthCheckMs ?? 500;
  const database = databaseName();
  await withAdmin(options.adminUrl, async (client) => {
    await dropOrphans(client);
    await client.query(`CREATE DATABASE "${database}"`);
  });
  openDatabases.set(database, options.adminUrl);
  const directUrl = withDatabase(options.adminUrl, database);
  try {
    await options.prepare?.(directUrl);
  } catch (error) {
    await withAdmin(options.adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    );
    openDatabases.delete(database);
    throw error;
  }
  const pgAddress = new URL(options.adminUrl);
  const pgPort = Number(pgAddress.port || 5432);
  const configDir = mkdtempSync(join(tmpdir(), 'helpline-cluster-'));
  const configPath = join(configDir, 'helpline.config.json');
  writeFileSync(configPath, JSON.stringify(options.config));
  const events: ClusterEvent[] = [];
  const pool = new pg.Pool({ connectionString: directUrl, max: 2, application_name: 'helpline-harness' });
  pool.on('error', () => {});
  const slots: InstanceSlot[] = [];
  let balancer: RoundRobinProxy | undefined;
  let closed = false;

  const record = (index: number, kind: ClusterEvent['kind'], detail?: string) => {
    events.push({ at: Date.now(), index, kind, ...(detail === undefined ? {} : { detail }) });
    log(`instance ${index}: ${kind}${detail ? ` (${detail})` : ''}`);
  };
  const slotOf = (index: number): InstanceSlot => {
    const slot = slots[index];
    if (!slot) throw new Error(`no instance ${index} (the cluster has ${slots.length})`);
    return slot;
  };
  const proxyOf = (slot: InstanceSlot): FaultProxy => {
    if (!slot.dbProxy)
      throw new Error(
        `instance ${slot.index} connects to PostgreSQL directly (directDatabase): nothing to cut`,
      );
    return slot.dbProxy;
  };
  const setHealthy = (slot: InstanceSlot, healthy: boolean) => {
    slot.streak = 0;
    if (slot.healthy === healthy) return;
    slot.healthy = healthy;
    balancer?.setUp(slot.index, healthy);
    if (!closed) record(slot.index, healthy ? 'healthy' : 'unhealthy');
  };

  async function start(index: number): Promise<void> {
    const slot = slotOf(index);
    if (slot.server?.running) throw new Error(`instance ${index} is already running`);
    slot.process = 'starting';
    slot.starts++;
    const databaseUrl = withDatabase(options.adminUrl, database, {
      port: slot.dbProxy?.port ?? pgPort,
      applicationName: slot.name,
    });
    let server: ServeProcess;
    try {
      server = await spawnServe({
        configPath,
        env: {
          HELPLINE_DATABASE_URL: databaseUrl,
          HELPLINE_DATABASE_SCHEMA: '',
          // Connections opened from another URL (a direct one for the listener or the lease) are named too.
          PGAPPNAME: slot.name,
          ...options.env?.(index, databaseUrl),
        },
        onLine(line) {
          slot.tail.push(line);
          if (slot.tail.length > 200) slot.tail.shift();
          options.onServerLine?.(index, line);
        },
        onError: (line) => slot.errors.push(line),
      });
    } catch (error) {
      slot.process = 'exited';
      record(index, 'start-failed', String(error instanceof Error ? error.message : error).slice(0, 2_000));
      throw error;
    }
    slot.server = server;
    slot.port = server.port;
    slot.pid = server.pid;
    slot.process = 'running';
    slot.streak = 0;
    record(index, 'started', `pid ${server.pid}, port ${server.port}`);
    balancer?.setTarget(index, server.port);
    setHealthy(slot, true);
    void server.exited.then((exit) => {
      slot.exits.push(exit);
      if (slot.server !== server) return;
      slot.server = undefined;
      slot.process = 'exited';
      slot.port = undefined;
      slot.pid = undefined;
      balancer?.setTarget(index, undefined);
      setHealthy(slot, false);
      if (!closed) record(index, 'exited', exit.signal ?? `code ${exit.code}`);
    });
  }

  /**
   * One health check of an instance, as the HAProxy configuration in docs/cluster.md has it (`timeout check 1s`,
   * `fall 2`, `rise 2`): `/readyz` within 1 s; two failures in a row mark it down, two successes in a row up again.
   */
  async function checkHealth(slot: InstanceSlot): Promise<void> {
    const server = slot.server;
    if (!server || slot.process === 'starting') return;
    const ok = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }).then(
      (response) => response.ok,
      () => false,
    );
    if (slot.server !== server || closed) return;
    if (ok === slot.healthy) slot.streak = 0;
    else if (++slot.streak >= (ok ? CHECK_RISE : CHECK_FALL)) setHealthy(slot, ok);
  }
  /**
   * Each instance's checks on their own schedule, one every `healthCheckMs` (or as soon as a slow one ends), so a
   * frozen instance's checks, waiting out their timeout, delay no other's.
   */
  function scheduleChecks(slot: InstanceSlot, delayMs = healthCheckMs): void {
    if (closed) return;
    slot.checkTimer = setTimeout(() => {
      const started = Date.now();
      void checkHealth(slot).finally(() =>
        scheduleChecks(slot, Math.max(0, healthCheckMs - (Date.now() - started))),
      );
    }, delayMs);
  }

  try {
    for (let index = 0; index < count; index++) {
      slots.push({
        index,
        name: `helpline-${index}`,
        process: 'exited',
        healthy: false,
        partitioned: false,
        port: undefined,
        pid: undefined,
        starts: 0,
        exits: [],
        errors: [],
        tail: [],
        streak: 0,
        checkTimer: undefined,
        server: undefined,
        dbProxy: options.directDatabase
          ? undefined
          : await startFaultProxy(pgPort, pgAddress.hostname || '127.0.0.1'),
      });
    }
    balancer = await startRoundRobinProxy(slots.map(() => undefined));
    for (const slot of slots) balancer.setUp(slot.index, false);
    await Promise.all(slots.map((slot) => start(slot.index)));
  } catch (error) {
    await closeAll();
    throw error;
  }
  for (const slot of slots) scheduleChecks(slot);

  async function closeAll(): Promise<void> {
    closed = true;
    for (const slot of slots) clearTimeout(slot.checkTimer);
    // A profiled instance (HELPLINE_SERVE_NODE_ARGS with --cpu-prof) writes its profile only on an orderly exit.
    const profiled = process.env.HELPLINE_SERVE_NODE_ARGS?.includes('--cpu-prof') === true;
    await Promise.all(slots.map((slot) => (profiled ? slot.server?.stop() : slot.server?.kill())));
    await balancer?.close();
    await Promise.all(slots.map((slot) => slot.dbProxy?.close()));
    await pool.end().catch(() => {});
    await withAdmin(options.adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    );
    openDatabases.delete(database);
    rmSync(configDir, { recursive: true, force: true });
  }

  const running = (index: number): ServeProcess => {
    const server = slotOf(index).server;
    if (!server) throw new Error(`instance ${index} has no process`);
    return server;
  };
  const readyBalancer = balancer;

  async function waitHealthy(index: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!slotOf(index).healthy) {
      if (Date.now() > deadline) throw new Error(`instance ${index} is not healthy after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async function leader(): Promise<number | undefined> {
    const { rows } = await pool.query<{ client_port: number; application_name: string }>(
      `SELECT DISTINCT a.client_port, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.datname = $1`,
      [database],
    );
    // Through the proxies a session is known by its port; straight, by the name its URL gives it.
    const holds = (slot: InstanceSlot, session: { client_port: number; application_name: string }) =>
      slot.dbProxy
        ? slot.dbProxy.upstreamPorts().includes(session.client_port)
        : session.application_name === slot.name;
    const holders = new Set(
      rows.flatMap((session) => slots.filter((slot) => holds(slot, session)).map((slot) => slot.index)),
    );
    return holders.size === 1 ? [...holders][0] : undefined;
  }

  return {
    database: { name: database, url: directUrl },
    instances: slots,
    balancer: readyBalancer,
    httpUrl: `http://127.0.0.1:${readyBalancer.port}`,
    socketUrl: `ws://127.0.0.1:${readyBalancer.port}/v1/ws`,
    events,
    async kill(index, signal = 'SIGKILL') {
      const server = running(index);
      record(index, 'signal', signal);
      if (signal === 'SIGKILL') await server.kill();
      else await server.stop();
    },
    stop(index) {
      running(index).signal('SIGSTOP');
      slotOf(index).process = 'stopped';
      record(index, 'signal', 'SIGSTOP');
    },
    cont(index) {
      running(index).signal('SIGCONT');
      slotOf(index).process = 'running';
      record(index, 'signal', 'SIGCONT');
    },
    start,
    async restart(index) {
      if (slotOf(index).server) {
        record(index, 'signal', 'SIGKILL');
        await running(index).kill();
      }
      await start(index);
    },
    partition(index) {
      const slot = slotOf(index);
      proxyOf(slot).setBlackhole(true);
      slot.partitioned = true;
      record(index, 'partitioned');
    },
    heal(index, healOptions = {}) {
      const slot = slotOf(index);
      proxyOf(slot).setBlackhole(false);
      if (healOptions.reset) proxyOf(slot).cut();
      slot.partitioned = false;
      record(index, 'healed', healOptions.reset ? 'dead connections reset' : 'dead connections left dead');
    },
    async dropListen(index) {
      const ended = await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND client_port = ANY($2::int[])
            AND (query ILIKE 'LISTEN%' OR application_name ILIKE '%listen%' OR application_name ILIKE '%bus%')`,
        [database, proxyOf(slotOf(index)).upstreamPorts()],
      );
      record(index, 'listen-dropped', `${ended.rowCount ?? 0} session(s)`);
      return ended.rowCount ?? 0;
    },
    async rollingRestart(rollOptions = {}) {
      for (const slot of slots) {
        if (slot.server) {
          record(slot.index, 'signal', 'SIGTERM');
          await slot.server.stop();
        }
        await start(slot.index);
        await waitHealthy(slot.index);
        await sleep(rollOptions.pauseMs ?? 0);
      }
    },
    leader,
    async settledLeader(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = await leader();
        if (index !== undefined && slots.every((slot) => slot.process !== 'running' || slot.healthy))
          return index;
        if (Date.now() > deadline)
          throw new Error(`no instance leads with all healthy after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    waitHealthy,
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, [...params])).rows as Row[];
    },
    close: closeAll,
  };
}
