import {
  type HttpHandler,
  HttpResponse,
  type HttpResponseResolver,
  http,
  type WebSocketHandler,
  ws,
} from 'msw';
import type { Agent } from '../agent/agent.types';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub, type Hub } from '../hub/hub';
import type { Authenticate, HubOptions, Subject } from '../hub/hub.types';
import { type CoreErrorCode, type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { CLOSE_CODES } from '../protocol/protocol.limits';
import type { CommandOp } from '../protocol/protocol.types';
import { queueAvailability } from '../queue/business-hours';
import type { Queue } from '../queue/queue.types';
import { supportQueue, testAgent } from '../testing/fixtures';
import {
  createScriptedAgent,
  createScriptedVisitor,
  type ScriptedAgent,
  type ScriptedVisitor,
} from './scripted';

/** A pre-chat question of a mocked site, as `GET /v1/sites/:site/config` lists it. */
export interface HelplineMockPrechatField {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'email' | 'tel' | 'textarea';
  readonly required?: boolean;
}

/** A site the mock serves `GET /v1/sites/:site/config` for (the server's `sites` entry, without origins). */
export interface HelplineMockSite {
  readonly id: string;
  /** Default: the id. */
  readonly name?: string;
  /** Default `['en']`. */
  readonly languages?: readonly string[];
  readonly topics?: readonly { readonly id: string; readonly label: string; readonly queueId: string }[];
  readonly prechat?: readonly HelplineMockPrechatField[];
  /** Default true. */
  readonly csat?: boolean;
}

/** Options of {@link createHelplineMock}. */
export interface HelplineMockOptions {
  /**
   * The server's base URL as the app under test knows it. HTTP handlers answer under `{url}/v1/…`, the WebSocket
   * handler at `{url}/v1/ws` with `wss:` for `https:` (`ws:` for `http:`). Default `https://helpline.test`.
   */
  readonly url?: string;
  /** Default: one queue, `support`, whose wrap-up is optional. */
  readonly queues?: readonly Queue[];
  /**
   * Agent profiles the hub routes to (the console under test signs in as one of them). Default: `alice` (Alice).
   * The scripted agent is added when it is not listed. Agents the mock makes up speak the widget's languages and
   * the sites' (routing offers a chat only to an agent who speaks its language).
   */
  readonly agents?: readonly Agent[];
  /** Default: one site, `demo`, offering the first queue. */
  readonly sites?: readonly HelplineMockSite[];
  /**
   * Turns a token into a subject. Default: the visitor tokens the mock issued (`POST /v1/sessions/visitor`) and
   * dev tokens `dev:<role>:<id>[:<name>]`, as `helpline serve --dev` accepts them.
   */
  readonly authenticate?: Authenticate;
  /** The scripted visitor's id and name. Default `ada`, `Ada`. */
  readonly visitor?: { readonly id: string; readonly name: string };
  /** The scripted agent's id and name. Default `sam`, `Sam`. */
  readonly agent?: { readonly id: string; readonly name: string };
  /** Further hub options (a test clock, timers, routing rules). */
  readonly hub?: Omit<HubOptions, 'queues' | 'agents' | 'authenticate' | 'admit'>;
}

/** A typed refusal for {@link HelplineMock.refuseHello} and {@link HelplineMock.failNext}. */
export type HelplineMockError = CoreErrorCode | HelplineError;

/**
 * A Helpline server made of msw handlers around an in-memory hub: the HTTP API (site config, visitor sessions,
 * dev tokens, history, callbacks) and the WebSocket protocol at `/v1/ws`, with a scripted visitor and agent on
 * the other side and ways to make it fail. See {@link createHelplineMock}.
 */
export interface HelplineMock {
  /** Give these to `setupServer(...)` (`msw/node`) or `setupWorker(...)` (`msw/browser`). */
  readonly handlers: readonly (HttpHandler | WebSocketHandler)[];
  /** The hub behind the handlers (`hub.interactions()`, `hub.presenceOf(id)` for assertions). */
  readonly hub: Hub;
  /** The HTTP base URL, without a trailing slash. */
  readonly url: string;
  /** The WebSocket endpoint: what `createWebSocketTransport({ url })` takes. */
  readonly socketUrl: string;
  /** The visitor a console under test talks to. */
  readonly visitor: ScriptedVisitor;
  /** The agent a widget under test talks to. */
  readonly agent: ScriptedAgent;
  /** A dev token the mock accepts, e.g. for the console under test: `dev:agent:alice:Alice`. */
  devToken(role: Subject['role'], id: string, name?: string): string;
  /**
   * Answers every `hello` on the mocked sockets with a `bye` carrying `error` (default `auth/invalid-token`) and
   * closes them, as a server refusing the token does; `false` stops refusing. The scripted parties are not affected.
   */
  refuseHello(error?: HelplineMockError | false): void;
  /**
   * Answers the next `op` command (from anyone) with a `nack` carrying `error` instead of running it. Calls add up:
   * two calls refuse the next two. Resolves once a command was refused with it.
   */
  failNext(op: CommandOp, error: HelplineMockError): Promise<void>;
  /** Breaks every mocked socket as a network failure would (close code 1006, no goodbye). */
  dropConnections(): void;
  /** While true, new mocked sockets close before they open (the server is unreachable). */
  setUnreachable(unreachable: boolean): void;
  /** Mocked sockets open now (the app's, not the scripted parties'). */
  readonly connections: number;
  /** Closes the scripted sessions and the hub. Call it after each test. */
  close(): void;
}

const DEFAULT_URL = 'https://helpline.test';
/** The languages the widget ships (by primary subtag, as routing compares them). */
const WIDGET_LANGUAGES = ['en', 'nl', 'zh', 'ar'];

type ResolverInfo = Parameters<HttpResponseResolver>[0];
// What a resolver may answer with, as the installed msw types it (earlier msw 2 releases take only their own).
type Answer = Awaited<ReturnType<HttpResponseResolver>>;

const defaultQueue: Queue = {
  ...supportQueue,
  acw: { kind: 'optional' },
  dispositionRequired: false,
};

// The reference server's statuses for the codes a mocked request can meet (packages/server/src/http).
const HTTP_STATUS: Partial<Record<string, number>> = {
  'auth/required': 401,
  'auth/invalid-token': 401,
  'auth/token-expired': 401,
  'auth/forbidden': 403,
  'not-found': 404,
  'protocol/unknown-command': 404,
  'limit/rate': 429,
  'limit/size': 413,
  unavailable: 503,
  internal: 500,
};
const statusOf = (code: string) =>
  HTTP_STATUS[code] ?? (/^(validation|protocol|voice)\//.test(code) ? 400 : 409);

function errorResponse(error: unknown) {
  const typed = isHelplineError(error) ? error : helplineError('internal', { detail: 'mock failure' });
  return HttpResponse.json({ error: typed.toPayload() }, { status: statusOf(typed.code) });
}

const asError = (error: HelplineMockError): HelplineError =>
  typeof error === 'string' ? helplineError(error, { detail: 'refused by the mock' }) : error;

/** The close code a server sends with a refusal of this code. */
function closeCodeOf(code: string): number {
  if (code.startsWith('auth/') || code.startsWith('site/')) return CLOSE_CODES.unauthorized;
  if (code === 'limit/rate') return CLOSE_CODES.rateLimited;
  if (code.startsWith('protocol/')) return CLOSE_CODES.protocolError;
  return CLOSE_CODES.goingAway;
}

/**
 * Mock handlers for testing an app against Helpline with no server: msw answers the HTTP API and the WebSocket
 * protocol from an in-memory hub (the same routing, machines and protocol as the reference server), so offers
 * arrive, agents accept and messages flow. The test plays the other side with {@link HelplineMock.visitor} and
 * {@link HelplineMock.agent} and injects failures with {@link HelplineMock.refuseHello},
 * {@link HelplineMock.failNext} and {@link HelplineMock.dropConnections}.
 *
 * msw is an optional peer dependency of `@helpline/core` (2.x from 2.6, whose `ws` API this uses; msw 3 needs
 * Node 22.12 or later). In the browser, HTTP goes through msw's service worker (`npx msw init <public dir>`);
 * WebSockets are intercepted in the page. In Node, `setupServer` intercepts `fetch` and the global `WebSocket`:
 * Node 22 has one; on Node 20 assign one before `listen()` (any class, e.g. the `ws` package's: msw replaces it).
 *
 * @example
 * ```ts
 * import { createHelplineMock } from '@helpline/core/msw';
 * import { setupWorker } from 'msw/browser';
 *
 * const helpline = createHelplineMock();
 * const worker = setupWorker(...helpline.handlers);
 * await worker.start({ quiet: true, onUnhandledRequest: 'bypass' });
 *
 * // The app under test connects its console to helpline.socketUrl with helpline.devToken('agent', 'alice').
 * await helpline.visitor.say('Hello, is anyone there?'); // an offer arrives in the console
 * // …the test clicks Accept and types a reply…
 * await helpline.visitor.waitForMessage('Hi Ada, how can I help?');
 *
 * helpline.close();
 * worker.stop();
 * ```
 */
export function createHelplineMock(options: HelplineMockOptions = {}): HelplineMock {
  const url = (options.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const socketUrl = `${url.replace(/^http/, 'ws')}/v1/ws`;
  const queues = options.queues ?? [defaultQueue];
  const scriptedVisitor = options.visitor ?? { id: 'ada', name: 'Ada' };
  const scriptedAgent = options.agent ?? { id: 'sam', name: 'Sam' };
  const sites = new Map(
    (options.sites ?? [{ id: 'demo', name: 'Demo' }]).map((site) => [site.id, site] as const),
  );
  // Routing matches a chat's language: the agents the mock makes up speak every language it may meet.
  const languages = [
    ...new Set([...WIDGET_LANGUAGES, ...[...sites.values()].flatMap((site) => site.languages ?? [])]),
  ];
  const listed = options.agents ?? [testAgent('alice', { displayName: 'Alice', languages })];
  const agents = listed.some((agent) => agent.id === scriptedAgent.id)
    ? listed
    : [...listed, testAgent(scriptedAgent.id, { displayName: scriptedAgent.name, languages })];

  // Visitor tokens issued by `POST /v1/sessions/visitor`: opaque to the app, as the server's are.
  const issued = new Map<string, Subject>();
  let visitorCount = 0;
  const authenticate: Authenticate =
    options.authenticate ?? ((token) => issued.get(token) ?? devAuthenticate(token));

  const clockNow = () => options.hub?.clock?.now() ?? Date.now();
  const failures: { op: CommandOp; error: HelplineError; used: () => void }[] = [];
  const hub = createHub({
    ...options.hub,
    queues,
    agents,
    authenticate,
    admit({ op }) {
      const index = failures.findIndex((failure) => failure.op === op);
      const failure = index < 0 ? undefined : failures.splice(index, 1)[0];
      failure?.used();
      return failure?.error;
    },
  });

  const sockets = new Set<(code: number, reason: string) => void>();
  let helloRefusal: HelplineError | undefined;
  let unreachable = false;

  const link = ws.link(socketUrl);
  const socketHandler = link.addEventListener('connection', ({ client }) => {
    const site = new URL(client.url).searchParams.get('site') ?? undefined;
    // The server turns away an unknown site at the upgrade: the page sees a socket that never opened.
    if (unreachable || (site !== undefined && !sites.has(site))) {
      client.close(1006, unreachable ? 'unreachable' : 'Unknown site');
      return;
    }
    let open = true;
    const close = (code: number, reason: string) => {
      if (!open) return;
      open = false;
      sockets.delete(close);
      connection.disconnected();
      // After the frames already sent (msw delivers them in microtasks), as a server's `bye` comes before its close.
      queueMicrotask(() => client.close(code, reason));
    };
    sockets.add(close);
    const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
    const connection = hub.connect(
      {
        send(raw) {
          if (open) client.send(raw);
        },
        close,
      },
      { ...(site === undefined ? {} : { site }), ...(origin ? { origin } : {}) },
    );
    let greeted = false;
    client.addEventListener('message', (event) => {
      if (!open || typeof event.data !== 'string') return;
      if (!greeted && helloRefusal !== undefined) {
        // Refused before the hub sees the token, so the scripted parties (same hub) keep connecting.
        const refusal = helloRefusal;
        client.send(
          JSON.stringify({ t: 'bye', code: closeCodeOf(refusal.code), error: refusal.toPayload() }),
        );
        close(closeCodeOf(refusal.code), refusal.code);
        return;
      }
      greeted = true;
      connection.receive(event.data);
    });
    client.addEventListener('close', () => {
      if (!open) return;
      open = false;
      sockets.delete(close);
      connection.disconnected();
    });
  });

  const bearer = async (request: Request): Promise<Subject> => {
    const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
    if (!match?.[1]) throw helplineError('auth/required');
    try {
      return await authenticate(match[1]);
    } catch (error) {
      throw isHelplineError(error) ? error : helplineError('auth/invalid-token', { detail: 'rejected' });
    }
  };
  const readJson = async (request: Request): Promise<Record<string, unknown>> => {
    const body: unknown = await request.json().catch(() => undefined);
    if (typeof body !== 'object' || body === null) {
      throw helplineError('validation/field', { scope: 'request', field: 'body', detail: 'is not JSON' });
    }
    return body as Record<string, unknown>;
  };
  const text = (value: unknown, fallback: string) =>
    typeof value === 'string' && value !== '' ? value : fallback;
  /** A resolver whose typed errors answer as the server's do: `{ error }` with the code's status. */
  const guarded =
    (handle: (info: ResolverInfo) => Promise<Answer>): HttpResponseResolver =>
    async (info) => {
      try {
        return await handle(info);
      } catch (error) {
        return errorResponse(error);
      }
    };

  const httpHandlers: HttpHandler[] = [
    http.get(`${url}/healthz`, () => HttpResponse.json({ ok: true })),
    http.get(`${url}/readyz`, () => HttpResponse.json({ ok: true, storage: 'memory' })),
    http.get(
      `${url}/v1/sites/:site/config`,
      guarded(async ({ params }) => {
        const id = String(params.site);
        const site = sites.get(id);
        if (!site) throw helplineError('not-found', { entity: 'Site', id });
        const now = clockNow();
        const offered = site.topics?.length ? new Set(site.topics.map((topic) => topic.queueId)) : undefined;
        const described = queues
          .filter((queue) => !offered || offered.has(queue.id))
          .map((queue) => {
            const availability = queueAvailability(queue, now);
            return {
              id: queue.id,
              name: queue.name,
              open: availability.open,
              ...(availability.alternative ? { alternative: availability.alternative } : {}),
              ...(availability.nextOpening === undefined ? {} : { nextOpening: availability.nextOpening }),
              ...(availability.nextClosing === undefined ? {} : { nextClosing: availability.nextClosing }),
            };
          });
        const openById = new Map(described.map((queue) => [queue.id, queue.open]));
        return HttpResponse.json({
          site: site.id,
          name: site.name ?? site.id,
          theme: {},
          languages: site.languages ?? ['en'],
          csat: site.csat ?? true,
          prechat: site.prechat ?? [],
          identity: false,
          topics: (site.topics ?? []).map((topic) => ({
            ...topic,
            open: openById.get(topic.queueId) ?? false,
          })),
          queues: described,
          at: now,
        });
      }),
    ),
    http.post(
      `${url}/v1/sessions/visitor`,
      guarded(async ({ request }) => {
        const body = await readJson(request);
        const site = text(body.site, '');
        if (!sites.has(site)) throw helplineError('not-found', { entity: 'Site', id: site });
        visitorCount += 1;
        const subject: Subject = { id: `visitor-${visitorCount}`, role: 'visitor', name: 'Visitor' };
        const token = `mock-visitor-token-${visitorCount}`;
        issued.set(token, subject);
        return HttpResponse.json(
          {
            token,
            expiresAt: clockNow() + 3_600_000,
            visitor: { id: subject.id, name: subject.name, identified: false },
          },
          { status: 201 },
        );
      }),
    ),
    http.post(
      `${url}/v1/dev/tokens`,
      guarded(async ({ request }) => {
        const body = await readJson(request);
        const role = body.role;
        if (role !== 'visitor' && role !== 'agent' && role !== 'supervisor') {
          throw helplineError(
            'validation/field',
            { scope: 'dev/tokens', field: 'role', detail: 'must be visitor, agent or supervisor' },
            { field: 'role' },
          );
        }
        const id = text(body.id, '');
        const token = devToken(role, id, text(body.name, id));
        return HttpResponse.json(
          role === 'visitor' ? { token, expiresAt: clockNow() + 3_600_000 } : { token },
          { status: 201 },
        );
      }),
    ),
    http.get(
      `${url}/v1/conversations/:cid/history`,
      guarded(async ({ request, params }) => {
        const subject = await bearer(request);
        const query = new URL(request.url).searchParams;
        const after = query.get('after');
        const limit = query.get('limit');
        const result = await hub.execute(subject, 'history', {
          cid: String(params.cid),
          ...(after === null ? {} : { after: Number(after) }),
          ...(limit === null ? {} : { limit: Number(limit) }),
        });
        return HttpResponse.json(result);
      }),
    ),
    http.post(
      `${url}/v1/callbacks`,
      guarded(async ({ request }) => {
        const subject = await bearer(request);
        const result = await hub.execute(subject, 'callback.request', await readJson(request));
        return HttpResponse.json(result, { status: 201 });
      }),
    ),
  ];

  function devToken(role: Subject['role'], id: string, name?: string): string {
    return `dev:${role}:${id}${name === undefined ? '' : `:${name}`}`;
  }

  const visitor = createScriptedVisitor(hub, scriptedVisitor.id, scriptedVisitor.name);
  const agent = createScriptedAgent(hub, scriptedAgent.id, scriptedAgent.name);

  return {
    handlers: [...httpHandlers, socketHandler],
    hub,
    url,
    socketUrl,
    visitor,
    agent,
    devToken,
    refuseHello(error = 'auth/invalid-token') {
      helloRefusal = error === false ? undefined : asError(error);
    },
    failNext(op, error) {
      return new Promise<void>((used) => {
        failures.push({ op, error: asError(error), used });
      });
    },
    dropConnections() {
      for (const close of [...sockets]) close(1006, 'link broken');
    },
    setUnreachable(value) {
      unreachable = value;
    },
    get connections() {
      return sockets.size;
    },
    close() {
      visitor.session.close();
      agent.session.close();
      hub.close();
    },
  };
}
