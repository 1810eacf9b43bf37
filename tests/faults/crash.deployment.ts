// Where the crash scenario's servers run and how a kill lands: one `helpline serve` process behind a fault proxy
// (PGlite or PostgreSQL), or a cluster of instances on one PostgreSQL database behind the round-robin balancer
// (packages/server/src/testing/cluster.harness.ts), where the kills fall on the leader — the engine's process — and
// on a follower in turn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../packages/server/src/config/config';
import type { StorageTarget } from '../../packages/server/src/storage/sql.storage';
import { type Cluster, startCluster } from '../../packages/server/src/testing/cluster.harness';
import { type FaultProxy, startFaultProxy } from '../../packages/server/src/testing/proxy';
import { type ServeProcess, spawnServe } from '../../packages/server/src/testing/serve.process';

/**
 * Where the server keeps its data: a PGlite directory or a PostgreSQL schema for one process, or a fresh database
 * of the PostgreSQL at `adminUrl` for a cluster of `instances` processes.
 */
export type CrashDatabase =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string }
  | { readonly kind: 'cluster'; readonly adminUrl: string; readonly instances: number };

/** The running servers of a crash run, under its control. */
export interface CrashDeployment {
  /** Where clients open their sockets, and the HTTP API. */
  readonly socketUrl: string;
  readonly httpUrl: string;
  /**
   * kill -9 the process that runs the engine (in a cluster: the leader, then a follower, in turn) and start it
   * again; resolves with what it did once it is back. In a cluster the clients are spread over both instances again
   * by then.
   */
  crash(): Promise<string>;
  /** Ends every process in the ordinary way (SIGTERM), leaving the database as the last one left it. */
  stop(): Promise<void>;
  /** The database, to read once stopped. */
  readonly storage: StorageTarget;
  /** Kills whatever still runs and removes what the deployment made (a cluster's database). */
  close(): Promise<void>;
}

/** Starts the servers of a crash run with `config`; every line logged at level `error` goes to `onError`. */
export async function startCrashDeployment(
  database: CrashDatabase,
  config: ConfigInput,
  onError: (line: string) => void,
): Promise<CrashDeployment> {
  if (database.kind === 'cluster') return crashCluster(database, config, onError);
  const configDir = mkdtempSync(join(tmpdir(), 'helpline-crash-'));
  const configPath = join(configDir, 'helpline.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  const serve = () =>
    spawnServe({
      configPath,
      args: database.kind === 'pglite' ? ['--data', database.dataDir] : [],
      env: {
        HELPLINE_DATABASE_URL: database.kind === 'postgres' ? database.url : '',
        HELPLINE_DATABASE_SCHEMA: database.kind === 'postgres' ? database.schema : '',
      },
      onError,
    });
  let server: ServeProcess;
  let proxy: FaultProxy;
  try {
    server = await serve();
  } catch (error) {
    rmSync(configDir, { recursive: true, force: true });
    throw error;
  }
  try {
    proxy = await startFaultProxy(server.port);
  } catch (error) {
    await server.kill();
    rmSync(configDir, { recursive: true, force: true });
    throw error;
  }
  return {
    socketUrl: `ws://127.0.0.1:${proxy.port}/v1/ws`,
    get httpUrl() {
      return server.url;
    },
    async crash() {
      await server.kill();
      proxy.cut();
      server = await serve();
      proxy.setTarget(server.port);
      return `server back on port ${server.port}`;
    },
    async stop() {
      await proxy.close();
      await server.stop();
    },
    storage:
      database.kind === 'pglite'
        ? { kind: 'pglite', dataDir: database.dataDir }
        : { kind: 'postgres', url: database.url, schema: database.schema },
    async close() {
      await proxy.close().catch(() => undefined);
      await server.kill();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The instance that holds the lease, once exactly one does. */
async function leaderOf(cluster: Cluster, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = await cluster.leader();
    if (index !== undefined) return index;
    if (Date.now() > deadline) throw new Error(`no instance leads after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Resolves once the clients cut from the survivors are back: some on `victim`, and the number of connections still
 * for a second (at most 10 s) — so that every cut is seen by its client before the next kill or the run's end.
 */
async function clientsBack(cluster: Cluster, victim: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = -1;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    const counts = cluster.balancer.connections();
    const total = counts.reduce((sum, count) => sum + count, 0);
    if (total !== last) {
      last = total;
      stillSince = Date.now();
    } else if ((counts[victim] ?? 0) > 0 && Date.now() - stillSince >= 1_000) return;
    await sleep(50);
  }
}

/**
 * A cluster for the crash run. The kills fall on the leader and on a follower in turn. When the leader dies, the
 * other instance takes over (restores the hub, re-arms the offers' and callbacks' deadlines) while the killed one
 * starts again, as a follower; when a follower dies, the leader lets its relayed sockets go while their clients
 * resume on it. Either way the clients end up on the survivor, so once the killed instance is healthy again the
 * survivor's client connections are cut, and the clients come back spread over both by the balancer: between kills,
 * chats run with both parties on one instance and on two, on the leader and relayed by the follower; and every kill
 * breaks every client's link, as it does on one instance.
 */
async function crashCluster(
  database: Extract<CrashDatabase, { kind: 'cluster' }>,
  config: ConfigInput,
  onError: (line: string) => void,
): Promise<CrashDeployment> {
  const cluster = await startCluster({
    adminUrl: database.adminUrl,
    instances: database.instances,
    config,
    healthCheckMs: 250,
    onServerLine: (index, line) => {
      if (line.includes('"level":"error"')) onError(`[instance ${index}] ${line}`);
    },
  });
  let kills = 0;
  return {
    socketUrl: cluster.socketUrl,
    httpUrl: cluster.httpUrl,
    async crash() {
      const leader = await leaderOf(cluster);
      const ofLeader = kills++ % 2 === 0;
      const victim = ofLeader
        ? leader
        : (cluster.instances.find((instance) => instance.index !== leader)?.index ?? leader);
      await cluster.kill(victim);
      await cluster.start(victim);
      await cluster.waitHealthy(victim);
      for (const survivor of cluster.instances)
        if (survivor.index !== victim) cluster.balancer.cut(survivor.index);
      await clientsBack(cluster, victim);
      return `${victim === leader ? 'leader' : 'follower'} ${victim} killed and back; the clients spread again`;
    },
    async stop() {
      // Followers first, so that the leader is not replaced while the others stop.
      const leader = await cluster.leader();
      const order = cluster.instances
        .map((instance) => instance.index)
        .sort((a, b) => Number(a === leader) - Number(b === leader));
      for (const index of order)
        if (cluster.instances[index]?.process === 'running') await cluster.kill(index, 'SIGTERM');
    },
    storage: { kind: 'postgres', url: cluster.database.url },
    close: () => cluster.close(),
  };
}
