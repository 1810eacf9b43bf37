// A real server on 127.0.0.1 for tests, tokens, and a small typed client that speaks raw protocol frames.
import type { ClientFrame, CommandArgs, CommandOp, CommandResult, ServerFrame } from '@helpline/core';
import { SUBPROTOCOL } from '@helpline/core';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { type ConfigInput, parseConfig } from '../config/config';
import { createLogger, silentLogger } from '../log/logger';
import { type HelplineServer, type ServerOptions, startServer } from '../server';
import type { SqlStorage, StorageTarget } from '../storage/sql.storage';
import { freshPgliteDir } from './databases';

/** The HS256 secret test servers accept staff JWTs with. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const SITE_ORIGIN = 'https://shop.example';

/** Two queues without wrap-up, two agents, a supervisor and one site; limits high unless a test lowers them. */
export const TEST_CONFIG: ConfigInput = {
  queues: [
    {
      id: 'support',
      name: 'Support',
      acw: { kind: 'optional' },
      dispositions: [{ id: 'done', label: 'Done' }],
    },
    { id: 'sales', name: 'Sales', acw: { kind: 'none' } },
  ],
  agents: [
    { id: 'alice', name: 'Alice' },
    { id: 'bob', name: 'Bob' },
    { id: 'sam', name: 'Sam', role: 'supervisor' },
  ],
  sites: [
    {
      id: 'shop',
      origins: [SITE_ORIGIN],
      topics: [{ id: 'support', label: 'Support', queueId: 'support' }],
      identity: { secretEnv: 'SHOP_IDENTITY_SECRET' },
    },
    { id: 'other', origins: ['https://other.example'] },
  ],
  consoleOrigins: ['https://crm.example'],
  limits: {
    newConversations: { burst: 1000, perMinute: 60_000 },
    messages: { burst: 10_000, perMinute: 600_000 },
    typing: { burst: 1000, perMinute: 60_000 },
    commands: { burst: 10_000, perMinute: 600_000 },
    http: { burst: 10_000, perMinute: 600_000 },
    visitorSessions: { burst: 1000, perMinute: 60_000 },
    connectionsPerIp: 1000,
  },
};

export const SHOP_IDENTITY_SECRET = 'shop-identity-secret-for-tests-only';

/** Options of {@link startTestServer}. */
export interface TestServerOptions extends Partial<Omit<ServerOptions, 'config' | 'storage'>> {
  readonly config?: ConfigInput;
  /** Default: a fresh PGlite copy. */
  readonly storage?: StorageTarget | SqlStorage;
  /** Collects log lines instead of dropping them. */
  readonly logLines?: string[];
}

/** Starts a server on 127.0.0.1 with a free port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<HelplineServer> {
  const { config, storage, logLines, ...rest } = options;
  return startServer({
    config: parseConfig(config ?? TEST_CONFIG),
    storage: storage ?? { kind: 'pglite', dataDir: await freshPgliteDir() },
    port: 0,
    host: '127.0.0.1',
    jwtSecret: TEST_SECRET,
    logger: logLines ? createLogger({ level: 'debug', write: (line) => logLines.push(line) }) : silentLogger,
    env: { SHOP_IDENTITY_SECRET },
    drainMs: 2_000,
    ...rest,
  });
}

/** Options of {@link staffToken}. */
export interface TokenOptions {
  /** The `role` claim; absent unless given, since the server takes the role from its configuration. */
  readonly role?: string;
  readonly secret?: string;
  /** Seconds from now; negative for an expired token. Default 600. */
  readonly expiresIn?: number;
  readonly notBefore?: number;
  /** `iat` in seconds from now. Default 0. */
  readonly issuedAt?: number;
  readonly name?: string;
  /** The `leads` claim (team leader of these queues); absent unless given. */
  readonly leads?: unknown;
}

/** A staff JWT signed like the company's auth would. */
export async function staffToken(sub: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(options.name ? { name: options.name } : {}),
    ...(options.leads === undefined ? {} : { leads: options.leads }),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now + (options.issuedAt ?? 0))
    .setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** An unsigned `alg: none` token for the same claims. */
export function unsignedToken(sub: string, role = 'agent'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, role, exp: now + 600 })}.`;
}

/** Fetches JSON from the server. */
export async function http(
  server: HelplineServer,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers, text };
}

/** A new anonymous visitor token for site `shop`. */
export async function visitorToken(
  server: HelplineServer,
  site = 'shop',
): Promise<{ token: string; id: string }> {
  const { status, body } = await http(server, '/v1/sessions/visitor', { body: { site } });
  if (status !== 201) throw new Error(`visitor session: ${status} ${JSON.stringify(body)}`);
  const { token, visitor } = body as { token: string; visitor: { id: string } };
  return { token, id: visitor.id };
}

type Acked<Op extends CommandOp> =
  | { ok: true; result: CommandResult<Op> }
  | { ok: false; error: Extract<ServerFrame, { t: 'nack' }>['error'] };

/** A raw protocol client: every frame it receives is kept in `frames`, in order. */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly ws: WebSocket;
  private readonly waiters = new Set<() => void>();
  private nextId = 1;

  /** Answer server pings, as every real client does (tests of the liveness timeout turn it off). */
  answerPings = true;
  /** Called with each frame as it arrives, once it is in `frames` (long-running clients record through it). */
  onFrame: ((frame: ServerFrame) => void) | undefined;
  /** Called once, when the socket has closed. */
  onClose: ((closed: { code: number; reason: string }) => void) | undefined;

  private constructor(
    ws: WebSocket,
    /** This end's TCP port: a load balancer in between knows the connection by it. */
    readonly localPort: number | undefined,
  ) {
    this.ws = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      if (frame.t === 'ping' && this.answerPings) this.sendFrame({ t: 'pong', ts: frame.ts });
      this.onFrame?.(frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.onClose?.(this.closed);
      this.wake();
    });
    ws.on('error', () => {});
  }

  /** Opens a socket (by default through `url`, with the subprotocol and the site's origin). */
  static open(
    url: string,
    options: { site?: string; origin?: string | null; protocols?: string[] } = {},
  ): Promise<TestClient> {
    const target = `${url}${options.site === undefined ? '?site=shop' : options.site ? `?site=${options.site}` : ''}`;
    const origin = options.origin === undefined ? SITE_ORIGIN : options.origin;
    const ws = new WebSocket(target, options.protocols ?? [SUBPROTOCOL], origin === null ? {} : { origin });
    let localPort: number | undefined;
    ws.once('upgrade', (response) => {
      localPort = response.socket.localPort;
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws, localPort)));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  /** Opens a socket and says hello; resolves once `welcome` (or `bye`) arrives. */
  static async connect(
    url: string,
    token: string,
    options: {
      resume?: { token: string; cursors: Record<string, number> };
      site?: string;
      origin?: string | null;
    } = {},
  ): Promise<TestClient> {
    const client = await TestClient.open(url, options);
    client.sendFrame({ t: 'hello', v: 1, token, ...(options.resume ? { resume: options.resume } : {}) });
    await client.waitFor((f) => f.t === 'welcome' || f.t === 'bye', 'welcome');
    return client;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  get welcome(): Extract<ServerFrame, { t: 'welcome' }> | undefined {
    return this.frames.find((f): f is Extract<ServerFrame, { t: 'welcome' }> => f.t === 'welcome');
  }

  sendFrame(frame: ClientFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Resolves with the first frame (from `from` on) that matches, or rejects after `timeoutMs`. */
  waitFor<F extends ServerFrame>(
    match: (frame: ServerFrame) => frame is F,
    what: string,
    timeoutMs?: number,
    from?: number,
  ): Promise<F>;
  waitFor(
    match: (frame: ServerFrame) => boolean,
    what: string,
    timeoutMs?: number,
    from?: number,
  ): Promise<ServerFrame>;
  waitFor(
    match: (frame: ServerFrame) => boolean,
    what: string,
    timeoutMs = 5_000,
    from = 0,
  ): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.closed && !this.frames.slice(from).some(match)) {
          done();
          reject(new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timed out waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3))}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves when the socket has closed. */
  async waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (!this.closed) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
        const check = () => {
          if (!this.closed) return;
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
      });
    }
    return this.closed as { code: number; reason: string };
  }

  /** Sends a command and resolves with its ack result or its nack error. */
  async command<Op extends CommandOp>(
    op: Op,
    args: CommandArgs<Op>,
    id = `q${this.nextId++}`,
  ): Promise<Acked<Op>> {
    const from = this.frames.length;
    this.sendFrame({ t: 'cmd', id, op, args });
    const reply = await this.waitFor(
      (f) => (f.t === 'ack' || f.t === 'nack') && f.id === id,
      `reply to ${op} ${id}`,
      5_000,
      from,
    );
    return reply.t === 'ack'
      ? { ok: true, result: reply.result as CommandResult<Op> }
      : { ok: false, error: (reply as Extract<ServerFrame, { t: 'nack' }>).error };
  }

  /** Like {@link command} but throws on a nack. */
  async ok<Op extends CommandOp>(op: Op, args: CommandArgs<Op>): Promise<CommandResult<Op>> {
    const reply = await this.command(op, args);
    if (!reply.ok) throw new Error(`${op} refused: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  }

  /** Durable events of `cid` received so far, in arrival order. */
  events(cid: string): Extract<ServerFrame, { t: 'evt' }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { t: 'evt' }> => f.t === 'evt' && f.cid === cid);
  }

  close(code = 1000): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code);
  }

  /** Drops the TCP connection without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }
}

/** Where {@link activeChat} places its two clients on a deployment of several instances (instance indexes). */
export interface ChatPlacement {
  readonly visitor: number;
  readonly agent: number;
}

/**
 * A visitor starts a chat and an agent accepts it; resolves with both clients and the conversation id. On a
 * deployment that can `steer` connections to an instance (testing/deployments.ts), `at` says where each client goes.
 */
export async function activeChat(
  server: HelplineServer & { steer?(index: number): void },
  agentId = 'alice',
  at?: ChatPlacement,
) {
  const visitorId = await visitorToken(server);
  if (at) server.steer?.(at.visitor);
  const visitor = await TestClient.connect(server.socketUrl, visitorId.token);
  if (at) server.steer?.(at.agent);
  const agent = await TestClient.connect(server.socketUrl, await staffToken(agentId), {
    site: '',
    origin: null,
  });
  await agent.ok('presence.set', { status: 'available' });
  const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
  await agent.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
    'offer',
  );
  await agent.ok('offer.accept', { cid });
  await visitor.waitFor((f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'joined', 'agent joined');
  return { visitor, agent, cid, visitorId: visitorId.id, visitorToken: visitorId.token };
}
