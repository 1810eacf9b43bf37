import { randomBytes } from 'node:crypto';
import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, type Hub, type HubStorage } from '@helpline/core';
import { type Auth, createAuth } from './auth/auth';
import type { ServerConfig } from './config/config';
import { createApiHandler } from './http/api';
import { originMatcher } from './http/origins';
import { API_SECURITY_HEADERS, endRawResponse, securityHeaders } from './http/security-headers';
import { createAdmission, createTokenBuckets } from './limits/rate-limit';
import { createLogger, type Logger } from './log/logger';
import { openStorage, type SqlStorage, type StorageTarget } from './storage/sql.storage';
import { prepareVonage } from './vonage';
import { createSocketServer, SOCKET_PATH } from './ws/sockets';

/** How to start a server. */
export interface ServerOptions {
  readonly config: ServerConfig;
  /** Where to keep data, or an already open storage (the server then does not close it). */
  readonly storage: StorageTarget | SqlStorage;
  /** Port to listen on; 0 picks a free one. Default 8787. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Development mode: demo tokens at `POST /v1/dev/tokens`. Never in production. */
  readonly dev?: boolean;
  /** HS256 secret of staff JWTs (`HELPLINE_JWT_SECRET`). In dev mode a random one is made when absent. */
  readonly jwtSecret?: string;
  /** JWKS URL of staff JWTs (`HELPLINE_JWKS_URL`). */
  readonly jwksUrl?: string;
  readonly logger?: Logger;
  /** Environment for site identity secrets. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Override of the configured ping interval, ms (tests). */
  readonly heartbeatMs?: number;
  /** Events a resume replays per conversation before it answers `gap` instead. Default the hub's (500). */
  readonly replayLimit?: number;
  /** How long shutdown waits for sockets to close before cutting them. Default 5 s. */
  readonly drainMs?: number;
}

/** A running server. */
export interface HelplineServer {
  /** `http://host:port`. */
  readonly url: string;
  /** `ws://host:port/v1/ws`. */
  readonly socketUrl: string;
  readonly port: number;
  readonly hub: Hub;
  readonly storage: SqlStorage;
  readonly auth: Auth;
  /** Stops accepting, says "going away" (1001) to every socket, drains storage writes, closes storage. */
  close(): Promise<void>;
}

/** Wraps storage so shutdown can wait for writes that are still in flight. */
function trackWrites(storage: SqlStorage): { storage: SqlStorage; idle(): Promise<void> } {
  let pending = 0;
  const waiters: (() => void)[] = [];
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending++;
    return work.finally(() => {
      pending--;
      if (pending === 0) for (const wake of waiters.splice(0)) wake();
    });
  };
  const hubStorage: HubStorage = {
    putInteraction: (record) => track(storage.putInteraction(record)),
    getInteraction: (id) => track(storage.getInteraction(id)),
    openInteractions: () => track(storage.openInteractions()),
    appendEvent: (cid, at, ev) => track(storage.appendEvent(cid, at, ev)),
    commit: (cid, events, recordOf, options) => track(storage.commit(cid, events, recordOf, options)),
    startedBy: (subjectId, requestId) => track(storage.startedBy(subjectId, requestId)),
    recordPresence: (change) => track(storage.recordPresence(change)),
    findResumeToken: (token, issuedSince) => track(storage.findResumeToken(token, issuedSince)),
    events: (cid, after, limit) => track(storage.events(cid, after, limit)),
    lastSeq: (cid) => track(storage.lastSeq(cid)),
    messageByClientId: (cid, id) => track(storage.messageByClientId(cid, id)),
    interactionsOfCustomer: (id) => track(storage.interactionsOfCustomer(id)),
    saveResumeToken: (token, subjectId, at) => track(storage.saveResumeToken(token, subjectId, at)),
    takeResumeToken: (token, issuedSince) => track(storage.takeResumeToken(token, issuedSince)),
  };
  return {
    storage: { ...storage, ...hubStorage },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}

/**
 * Starts the Helpline server: storage (migrated), the hub with restored interactions, the HTTP API and the
 * WebSocket endpoint on one port.
 *
 * @example
 * ```ts
 * const server = await startServer({ config: parseConfig(DEV_CONFIG), storage: { kind: 'pglite', dataDir: './.helpline-data' }, dev: true });
 * console.log(server.url);
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function startServer(options: ServerOptions): Promise<HelplineServer> {
  const log = options.logger ?? createLogger();
  const { config } = options;
  const now = Date.now;
  // Vonage (packages/server/src/vonage): present only with a `vonage` config section. Its bridge connections
  // (phone callers have no browser; the server speaks for them) authenticate before the real auth.
  // Prepared before storage opens: a bad section must not leave an open database (and its thread) behind.
  const vonage = prepareVonage({ config, env: options.env ?? process.env, log, now });
  const ownsStorage = !('ping' in options.storage);
  const opened = 'ping' in options.storage ? options.storage : await openStorage(options.storage);
  const tracked = trackWrites(opened);
  const storage = tracked.storage;
  const dev = options.dev === true;
  const jwtSecret = options.jwtSecret ?? (dev ? randomBytes(32).toString('hex') : undefined);

  const auth = createAuth({
    storage,
    agents: config.agents,
    sites: config.sites,
    staff: {
      ...(jwtSecret ? { secret: jwtSecret } : {}),
      ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
      ...(config.file.auth.issuer ? { issuer: config.file.auth.issuer } : {}),
      ...(config.file.auth.audience ? { audience: config.file.auth.audience } : {}),
    },
    anonymousTtlMs: config.file.auth.visitorTokenDays * 86_400_000,
    identifiedTtlMs: config.file.auth.identifiedVisitorTokenHours * 3_600_000,
    now,
    env: options.env ?? process.env,
  });
  const admission = createAdmission(config.file.limits, now);
  const authenticate = (token: string) => auth.authenticate(token);
  const hub = createHub({
    queues: config.queues,
    agents: config.agents,
    authenticate: vonage ? vonage.authenticate(authenticate) : authenticate,
    storage,
    heartbeatMs: options.heartbeatMs ?? config.file.heartbeatSeconds * 1000,
    agentGraceMs: config.file.agentGraceSeconds * 1000,
    routingRules: config.file.routing.rules.map((rule) => ({
      ...rule,
      set: {
        ...rule.set,
        ...(rule.set.skills
          ? { skills: rule.set.skills.map(({ skill, minLevel }) => ({ skill, minLevel })) }
          : {}),
      },
    })),
    ...(options.replayLimit === undefined ? {} : { replayLimit: options.replayLimit }),
    admit: (request) => {
      const refused = admission.admit(request);
      if (refused)
        log.info('limit', {
          op: request.op,
          ip: request.meta.ip,
          site: request.meta.site,
          subject: request.subject.id,
        });
      return refused;
    },
    // Failures no command answers for (a timer's step, routing), through the redacting logger.
    logger: { error: (what, error) => log.error('hub.failed', { what }, error) },
  });
  await hub.restore();

  const siteOrigins = new Map([...config.sites].map(([id, site]) => [id, originMatcher(site.origins)]));
  const anyOrigin = originMatcher([
    ...config.file.sites.flatMap((s) => s.origins),
    ...config.file.consoleOrigins,
  ]);
  const consoleOrigin = originMatcher(config.file.consoleOrigins);
  const sockets = createSocketServer({
    hub,
    config,
    log,
    isAllowedOrigin: (origin, site) =>
      site === undefined
        ? anyOrigin(origin)
        : (siteOrigins.get(site)?.(origin) ?? false) || consoleOrigin(origin),
  });
  const handler = createApiHandler({
    config,
    hub,
    auth,
    storage,
    log,
    dev,
    now,
    httpBuckets: createTokenBuckets(config.file.limits.http, now),
    sessionBuckets: createTokenBuckets(config.file.limits.visitorSessions, now),
    isAllowedOrigin: anyOrigin,
  });
  // Vonage: token, hold and dial routes for browsers, signed webhooks for Vonage, all under /vonage/.
  const vonageRoutes = vonage?.start({ hub, authenticate, isAllowedOrigin: anyOrigin });
  const http: Server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000 },
    (request, response) => {
      // The one place the security headers are set: every route, error and 404 below inherits them.
      for (const [name, value] of Object.entries(securityHeaders(request))) response.setHeader(name, value);
      if (vonageRoutes?.handle(request, response)) return;
      void handler(request, response);
    },
  );
  http.on('upgrade', (request, socket, head) => sockets.upgrade(request, socket, head));
  // Requests Node refuses before any handler runs (malformed, headers too large, too slow) are answered here,
  // so that they carry the same headers; Node's own answer would carry none.
  http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    endRawResponse(socket, status, STATUS_CODES[status] ?? 'Bad Request', API_SECURITY_HEADERS);
  });

  const housekeeping = setInterval(() => {
    admission.prune();
    storage.pruneVisitorSessions(now()).catch(() => {});
    // A resume token nobody used for a week belongs to a client that is long gone.
    storage.pruneResumeTokens(now() - 7 * 86_400_000).catch(() => {});
  }, 60_000);
  housekeeping.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  if (dev) {
    log.warn('dev-mode', {
      detail:
        'DEVELOPMENT MODE: POST /v1/dev/tokens hands out agent, supervisor and visitor tokens to anyone. Never run --dev in production.',
    });
  }
  if (!auth.staffConfigured) {
    log.warn('auth.staff-unconfigured', {
      detail:
        'neither HELPLINE_JWT_SECRET nor HELPLINE_JWKS_URL is set: agents and supervisors cannot sign in',
    });
  }
  log.info('listening', {
    url,
    port: address.port,
    storage: storage.kind,
    dev,
    queues: config.queues.length,
    agents: config.agents.length,
    sites: config.sites.size,
    restored: hub.interactions().length,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    socketUrl: `ws://${host}:${address.port}${SOCKET_PATH}`,
    port: address.port,
    hub,
    storage,
    auth,
    close() {
      closing ??= (async () => {
        log.info('shutdown', { sockets: sockets.size });
        clearInterval(housekeeping);
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await vonageRoutes?.close();
        hub.close();
        await sockets.drained(options.drainMs ?? 5_000);
        http.closeAllConnections();
        await stopped;
        await tracked.idle();
        if (ownsStorage) await opened.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
