// The deployments a server suite runs against: one instance (PGlite, the embedded default), and two instances in
// cluster mode on one PostgreSQL schema behind the round-robin balancer (docs/cluster.md). A suite defines each case
// once, on a `TestDeployment`, and runs its cases on every deployment `testDeployments()` gives.
//
// The two instances run in the test's process (as the Vonage cluster test's do): each has its own pool, bus listener
// and lease session, so every frame between them crosses PostgreSQL's LISTEN/NOTIFY as between machines, while a
// case keeps the server options it needs (a replay limit, a heartbeat, its limits, its log lines) and reads the
// shared database directly. Killing a process is the crash suite's business (cluster.harness.ts).
import type { HelplineServer } from '../server';
import { type RoundRobinProxy, startRoundRobinProxy } from './balancer';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from './databases';
import {
  activeChat,
  staffToken,
  startTestServer,
  TestClient,
  type TestServerOptions,
  visitorToken,
} from './harness';

/** The instance that leads a two-instance deployment (started first), and the one that relays to it. */
export const LEADER = 0;
export const FOLLOWER = 1;

/**
 * A deployment under test, used as a server is: `url` and `socketUrl` lead to it (through the balancer when there
 * are several instances), `storage` reads its database, `close()` ends it.
 */
export interface TestDeployment extends HelplineServer {
  /** Its name in test titles: `one instance` or `2 instances`. */
  readonly name: string;
  /** Its instances; the first leads. */
  readonly instances: readonly HelplineServer[];
  /**
   * Sends the next connection to instance `index` (`LEADER`, `FOLLOWER`): where a test places a client. On one
   * instance there is nowhere else to go, and it does nothing.
   */
  steer(index: number): void;
  /** The instance a client's socket landed on (always 0 on one instance). */
  instanceOf(client: TestClient): number | undefined;
  /**
   * Restarts the engine on the same database: one instance closes and starts again; of two, the leader closes (the
   * follower takes over) and a new instance takes its place, following.
   */
  restart(): Promise<void>;
  /** The close code its sockets get when it shuts down: 1001 going away, 1012 service restart in cluster mode. */
  readonly shutdownCode: number;
}

/** Starts a deployment with a server's options. */
export type DeploymentFactory = (options?: TestServerOptions) => Promise<TestDeployment>;

/** A kind of deployment, and why it cannot run here if it cannot. */
export interface DeploymentKind {
  readonly name: string;
  /** Starts one; rejects with `skip` when this kind cannot run here. */
  readonly start: DeploymentFactory;
  /** Why this kind cannot run here (the suite is skipped, saying so). */
  readonly skip?: string;
}

/** What a deployment reads from the server that runs its engine now (the leader, of several). */
abstract class EngineView {
  protected abstract engine(): HelplineServer;
  get hub() {
    return this.engine().hub;
  }
  get storage() {
    return this.engine().storage;
  }
  get auth() {
    return this.engine().auth;
  }
  get cluster() {
    return this.engine().cluster;
  }
}

class OneInstance extends EngineView implements TestDeployment {
  readonly name = 'one instance';
  readonly shutdownCode = 1001;

  constructor(
    private server: HelplineServer,
    private readonly options: TestServerOptions,
  ) {
    super();
  }

  protected engine(): HelplineServer {
    return this.server;
  }
  get url() {
    return this.server.url;
  }
  get socketUrl() {
    return this.server.socketUrl;
  }
  get port() {
    return this.server.port;
  }
  get instances() {
    return [this.server];
  }
  steer(): void {}
  instanceOf(): number {
    return 0;
  }
  async restart(): Promise<void> {
    await this.server.close();
    this.server = await startTestServer(this.options);
  }
  close(): Promise<void> {
    return this.server.close();
  }
}

/** One instance on a fresh PGlite copy, as `startTestServer` gives. */
export const oneInstance: DeploymentFactory = async (options = {}) => {
  const storage = options.storage ?? { kind: 'pglite' as const, dataDir: await freshPgliteDir() };
  const withStorage = { ...options, storage };
  return new OneInstance(await startTestServer(withStorage), withStorage);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `server` answers `/readyz` (it knows a leader), or rejects after `timeoutMs`. */
async function ready(server: HelplineServer, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${server.url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${server.url} is not ready after ${timeoutMs} ms`);
    await sleep(25);
  }
}

class TwoInstances extends EngineView implements TestDeployment {
  readonly name = '2 instances';
  readonly shutdownCode = 1012;
  readonly url: string;
  readonly socketUrl: string;
  readonly port: number;
  private closed = false;

  constructor(
    readonly instances: HelplineServer[],
    private readonly balancer: RoundRobinProxy,
    private readonly start: () => Promise<HelplineServer>,
    private readonly drop: () => Promise<void>,
  ) {
    super();
    this.port = balancer.port;
    this.url = `http://127.0.0.1:${balancer.port}`;
    this.socketUrl = `ws://127.0.0.1:${balancer.port}/v1/ws`;
  }

  protected engine(): HelplineServer {
    return this.instances.find((server) => server.cluster?.leading) ?? (this.instances[0] as HelplineServer);
  }
  steer(index: number): void {
    this.balancer.steer(index);
  }
  instanceOf(client: TestClient): number | undefined {
    return client.localPort === undefined ? undefined : this.balancer.instanceOf(client.localPort);
  }
  async restart(): Promise<void> {
    const index = this.instances.indexOf(this.engine());
    this.balancer.setUp(index, false);
    await this.instances[index]?.close();
    const next = await this.start();
    this.instances[index] = next;
    await ready(next);
    this.balancer.setTarget(index, next.port);
    this.balancer.setUp(index, true);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.instances.map((server) => server.close()));
    await this.balancer.close();
    await this.drop();
  }
}

/**
 * Two instances in cluster mode on a fresh schema of the PostgreSQL at `url`, behind a round-robin balancer:
 * instance 0 is started first and leads, instance 1 follows. Options apply to both (a `logLines` array collects the
 * lines of both).
 */
export function twoInstances(url: string): DeploymentFactory {
  return async (options = {}) => {
    const target = postgresTarget(url);
    const start = () => startTestServer({ ...options, storage: target });
    const instances: HelplineServer[] = [];
    try {
      instances.push(await start());
      if (!instances[0]?.cluster?.leading)
        throw new Error('the first instance of a deployment does not lead');
      instances.push(await start());
      await ready(instances[1] as HelplineServer);
      const balancer = await startRoundRobinProxy(instances.map((server) => server.port));
      return new TwoInstances(instances, balancer, start, () => target.drop());
    } catch (error) {
      for (const server of instances) await server.close().catch(() => {});
      await target.drop();
      throw error;
    }
  };
}

/**
 * The deployments every suite that uses this runs on: one instance, then two in cluster mode on PostgreSQL, or the
 * reason the two cannot run (HELPLINE_TEST_DATABASE_URL unset or unreachable).
 */
export async function testDeployments(): Promise<DeploymentKind[]> {
  const available = await testPostgresUrl();
  const skip = 'skip' in available ? `2 instances on PostgreSQL: ${available.skip}` : undefined;
  const cluster: DeploymentKind =
    'skip' in available
      ? { name: '2 instances', skip, start: () => Promise.reject(new Error(skip)) }
      : { name: '2 instances', start: twoInstances(available.url) };
  return [{ name: 'one instance', start: oneInstance }, cluster];
}

/** The parties of the authorization suites, around one active chat. */
export interface AuthorizationCast {
  readonly cid: string;
  /** The visitor who owns the chat, and their token. */
  readonly owner: TestClient;
  readonly ownerToken: string;
  /** The agent who took it. */
  readonly alice: TestClient;
  /** Another visitor, and their token. */
  readonly stranger: TestClient;
  readonly strangerToken: string;
  /** Another agent, who neither holds nor was offered the chat. */
  readonly bob: TestClient;
}

/**
 * A visitor's chat taken by alice, another visitor and another agent. On two instances the owner and the stranger
 * are on the follower, alice and bob on the leader: a refusal must hold on the instance that relays as on the one
 * that runs the engine, and nothing may leak from one to the other.
 */
export async function authorizationCast(server: TestDeployment): Promise<AuthorizationCast> {
  const chat = await activeChat(server, 'alice', { visitor: FOLLOWER, agent: LEADER });
  const other = await visitorToken(server);
  server.steer(FOLLOWER);
  const stranger = await TestClient.connect(server.socketUrl, other.token);
  server.steer(LEADER);
  const bob = await TestClient.connect(server.socketUrl, await staffToken('bob'), { site: '', origin: null });
  return {
    cid: chat.cid,
    owner: chat.visitor,
    ownerToken: chat.visitorToken,
    alice: chat.agent,
    stranger,
    strangerToken: other.token,
    bob,
  };
}
