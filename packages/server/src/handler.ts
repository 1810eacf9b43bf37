import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, helplineError, isHelplineError } from '@helpline/core';
import { createAlwaysHeldLease, createLocalBus } from '@helpline/core/cluster';
import { createHub, type Hub, type HubOptions, type HubStorage } from '@helpline/core/hub';
import {
  type AttachmentOptions,
  type AttachmentRoutes,
  createSqlBytes,
  openAttachments,
} from './attachments';
import { type Auth, createAuth } from './auth/auth';
import { createSqlCaseStore } from './cases';
import { resolveMailboxes } from './channels/email/email.config';
import { mergeChannelsOptions, prepareEmail } from './channels/email/email.server';
import {
  attachmentsForMessaging,
  MESSAGING_BODY_LIMIT,
  MESSAGING_PREFIX,
  type MessagingServer,
  prepareMessaging,
} from './channels/messaging';
import { type ClusterMember, ENGINE_LEASE, joinCluster } from './cluster/cluster.member';
import { createEngineSwitch, type EngineSwitch } from './cluster/engine.switch';
import type { EngineTopics } from './cluster/engine.topics';
import { answerForwarded, readForwarded, writeForwarded } from './cluster/http.forward';
import type { ServerConfig } from './config/config';
import { type CustomerDirectoryOptions, createSqlCustomerDirectory, prepareCustomers } from './customers';
import { createApiHandler } from './http/api';
import { sendError, toHelplineError } from './http/http.errors';
import { originMatcher } from './http/origins';
import { API_SECURITY_HEADERS, endRawResponse, securityHeaders } from './http/security-headers';
import { createAdmission, createTokenBuckets, instanceShare } from './limits/rate-limit';
import { createLogger, type Logger } from './log/logger';
import { prepareOutbound } from './outbound';
import { pooledRandomBytes } from './random.pool';
import { createRecordingRoutes, createRecordingStore, type RecordingRoutes } from './recordings';
import { reportsOfQueues } from './reports';
import { createReportScheduler } from './reports/reports.schedule';
import { isDatabaseOutage } from './storage/sql.errors';
import { openStorage, type SqlStorage, type StorageTarget } from './storage/sql.storage';
import type { StorageFence } from './storage/storage.fence';
import { createSqlSupervisionAudit } from './supervision/supervision.audit';
import { prepareVonage, type VonageServer } from './vonage';
import { createSqlVonageCallStore } from './vonage/vonage.calls';
import { VONAGE_BODY_LIMIT, VONAGE_PREFIX } from './vonage/vonage.routes';
import { createSocketServer, SOCKET_PATH } from './ws/sockets';

/** How to create a {@link HelplineHandler}. */
export interface HelplineHandlerOptions {
  readonly config: ServerConfig;
  /** Where to keep data, or an already open storage (the handler then does not close it). */
  readonly storage: StorageTarget | SqlStorage;
  /**
   * The path the API is mounted under, such as `/helpline`: requests and upgrades under it are Helpline's (the
   * HTTP API at `/helpline/v1/…`, the socket at `/helpline/v1/ws`), everything else is left to the host. Default
   * `''`: every request is Helpline's.
   */
  readonly basePath?: string | undefined;
  /** Development mode: demo tokens at `POST /v1/dev/tokens`. Never in production. */
  readonly dev?: boolean | undefined;
  /** HS256 secret of staff JWTs (`HELPLINE_JWT_SECRET`). In dev mode a random one is made when absent. */
  readonly jwtSecret?: string | undefined;
  /** JWKS URL of staff JWTs (`HELPLINE_JWKS_URL`). */
  readonly jwksUrl?: string | undefined;
  readonly logger?: Logger | undefined;
  /** Environment for site identity secrets. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Override of the configured ping interval, ms (tests). */
  readonly heartbeatMs?: number | undefined;
  /** Events a resume replays per conversation before it answers `gap` instead. Default the hub's (500). */
  readonly replayLimit?: number | undefined;
  /** How long {@link HelplineHandler.close} waits for sockets to close before cutting them. Default 5 s. */
  readonly drainMs?: number | undefined;
  /**
   * Cluster mode (PostgreSQL only; docs/cluster.md): every handler on a PostgreSQL URL joins the deployment on that
   * database — one instance leads and runs the hub, the others relay to it. These options tune it.
   */
  readonly cluster?: ClusterOptions | undefined;
  /**
   * Attachments (docs/attachments.md): where their bytes go and the virus-scanner hook. Default: on, with files
   * under the PGlite data directory, or in the database on PostgreSQL. `false`: off.
   */
  readonly attachments?: AttachmentOptions | false | undefined;
  /**
   * Customers (docs/customers.md): the default region of phone numbers written without a country code, and the
   * host CRM's resolver (`resolveCustomer`, or `crmWebhook`) so the screen pop shows the CRM's own record.
   * Default: on, without a CRM. `false`: off (the console then shows each contact's own history).
   */
  readonly customers?: CustomerDirectoryOptions | false | undefined;
}

/** Cluster mode's options: a direct URL behind a pooler, and timings for tests and other trade-offs. */
export interface ClusterOptions {
  /**
   * A direct URL to the database for the bus's listener and the lease, when the storage URL goes through a pooler in
   * transaction mode (PgBouncer): LISTEN and a session advisory lock need a session of their own. Default: the
   * storage URL (`HELPLINE_DATABASE_DIRECT_URL` in the CLI).
   */
  readonly directUrl?: string | undefined;
  /** The lease's `idle_session_timeout`: about how long a takeover takes after the leader froze. Default 2.5 s. */
  readonly leaseIdleMs?: number | undefined;
  /** How often an instance that does not lead tries for the lease. Default 250 ms. */
  readonly leaseRetryMs?: number | undefined;
  /** How often the instance logs what it sent the others (`cluster.traffic`, docs/cluster.md). Default 60 s. */
  readonly trafficLogMs?: number | undefined;
  /** How long a socket or API call waits for a leader to be known. Default 5 s. */
  readonly waitForLeaderMs?: number | undefined;
  /** How long a leader that lost its lease keeps its clients, waiting to win it straight back. Default 10 s. */
  readonly resumeWithinMs?: number | undefined;
  /**
   * Where the other instances open direct links to this one, `ws://host:port/<basePath>/cluster/peer` (docs/cluster.md,
   * "Peer links"; `HELPLINE_PEER_URL` in the CLI). `startServer` works it out from the address it listens on; set it
   * when the instances reach each other through another address, or when you serve the handler yourself. Without
   * one, what the instances say to each other goes through the database only.
   */
  readonly peerUrl?: string | undefined;
  /**
   * The host in the peer URL `startServer` works out, when it listens on every interface (`0.0.0.0`, `::`):
   * default the machine's first non-internal IPv4 address (`HELPLINE_PEER_HOST` in the CLI).
   */
  readonly peerHost?: string | undefined;
}

/** The path, under the handler's base path, where instances of one deployment take direct links from each other. */
export const PEER_PATH = '/cluster/peer';

/**
 * The Helpline API as a request handler for a Node HTTP server of your own: `node:http`, or the raw
 * request and response of Express, Fastify, Koa and the like.
 */
export interface HelplineHandler {
  /** The normalized mount path (`''` or `/helpline`). */
  readonly basePath: string;
  /** Where clients open their WebSocket: `${basePath}/v1/ws`. */
  readonly socketPath: string;
  /**
   * The hub. In cluster mode (PostgreSQL) the hub of whichever instance leads: this instance's own while it leads,
   * relayed otherwise (reads of its memory — `interaction`, `interactions`, `presenceOf` — then know nothing).
   */
  readonly hub: Hub;
  /**
   * Cluster mode only: this instance's id, whether it leads now, and `advertise(peerUrl)` to say where the other
   * instances open direct links to it (see {@link ClusterOptions.peerUrl}).
   */
  readonly cluster?:
    | {
        readonly instanceId: string;
        readonly leading: boolean;
        advertise(peerUrl: string): Promise<void>;
        /** The live instances of the deployment as this one counts them (its per-instance limits are divided by it). */
        readonly liveInstances: number;
      }
    | undefined;
  readonly storage: SqlStorage;
  readonly auth: Auth;
  /**
   * Answers `request` when its path is under {@link HelplineHandler.basePath} and returns true; returns false,
   * without touching it, otherwise. The answer is written asynchronously.
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /** Takes a WebSocket upgrade under {@link HelplineHandler.basePath} and returns true; false otherwise. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Refuses new requests, says "going away" (1001) to every socket — "service restart" (1012) in cluster mode, so
   * clients resume on another instance at once — waits for requests and storage writes in flight, gives the lease
   * up in cluster mode (another instance takes over at once), then closes storage (when the handler opened it).
   * Your HTTP server is yours to close.
   */
  close(): Promise<void>;
}

function normalizeBasePath(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!trimmed.startsWith('/') || /[?#]/.test(trimmed)) {
    throw new TypeError(`basePath must be a path such as "/helpline" (got ${JSON.stringify(path)})`);
  }
  return trimmed;
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
 * Creates the Helpline API — storage (migrated), the hub with restored interactions, the HTTP routes and the
 * WebSocket endpoint — as a handler to mount in a Node HTTP server of your own. `startServer` and
 * `helpline serve` are this handler on a server of their own.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHelplineHandler, DEV_CONFIG, parseConfig } from '@helpline/server';
 *
 * const helpline = await createHelplineHandler({
 *   config: parseConfig(DEV_CONFIG),
 *   storage: { kind: 'pglite', dataDir: 'memory://' },
 *   basePath: '/helpline',
 *   dev: true,
 * });
 * const server = createServer((request, response) => {
 *   if (helpline.handleRequest(request, response)) return;
 *   response.end('my own page');
 * });
 * server.on('upgrade', (request, socket, head) => {
 *   if (!helpline.handleUpgrade(request, socket, head)) socket.destroy();
 * });
 * server.listen(3000);
 * ```
 */
/** The recording routes first, then the attachments' (both under `/v1/`, answered before the API's own routes). */
function withRecordings(
  recordings: RecordingRoutes,
  attachments: AttachmentRoutes | undefined,
): AttachmentRoutes {
  return {
    handle: async (request, response) =>
      (await recordings.handle(request, response)) ||
      ((await attachments?.handle(request, response)) ?? false),
  };
}

export async function createHelplineHandler(options: HelplineHandlerOptions): Promise<HelplineHandler> {
  const basePath = normalizeBasePath(options.basePath);
  const log = options.logger ?? createLogger();
  const { config } = options;
  const now = Date.now;
  // Vonage (packages/server/src/vonage): present only with a `vonage` config section. Its bridge connections
  // (phone callers have no browser; the server speaks for them) authenticate before the real auth.
  // Prepared before storage opens: a bad section must not leave an open database (and its thread) behind.
  const vonage = prepareVonage({ config, env: options.env ?? process.env, log, now });
  // SMS, WhatsApp and Messenger (packages/server/src/channels/messaging): only with a `messaging` section; its
  // secrets are read here for the same reason.
  const messaging = prepareMessaging({ config, env: options.env ?? process.env, log, now });
  // Email (packages/server/src/channels/email): only with an `email` section; its passwords are read here too.
  const email = prepareEmail({ config, env: options.env ?? process.env, log });
  // Click-to-dial (packages/server/src/outbound): only with an `outbound` section; through Vonage when configured,
  // else on a simulated phone line (consoles say so).
  const outbound = prepareOutbound({ config, simulated: !vonage, log, now });
  // The CRM webhook of the config file (docs/customers.md); a missing secret stops the start. Code's options win.
  const customersOfFile =
    options.customers === false ? {} : prepareCustomers(config.file.customers, options.env ?? process.env);
  const ownsStorage = !('ping' in options.storage);
  // Cluster mode: every handler on a PostgreSQL URL joins the deployment on that database (docs/decisions/0005),
  // once storage has migrated it. The hub's writes are fenced by the engine's lease.
  const target = 'ping' in options.storage ? undefined : options.storage;
  let member: ClusterMember | undefined;
  // Nothing writes the hub's state before the hub exists, which is after the member joined.
  const fence: StorageFence = {
    lease: ENGINE_LEASE,
    epoch: () => member?.fence.epoch(),
    refused: (epoch, detail) =>
      member
        ? member.fence.refused(epoch, detail)
        : new Error('the instance has not joined its deployment yet'),
  };
  const opened =
    target === undefined
      ? (options.storage as SqlStorage)
      : await openStorage(target, target.kind === 'postgres' ? { fence } : {});
  try {
    member =
      target?.kind === 'postgres'
        ? await joinCluster({
            url: target.url,
            directUrl: options.cluster?.directUrl,
            schema: target.schema,
            log,
            ...(options.cluster?.leaseIdleMs === undefined
              ? {}
              : { leaseIdleMs: options.cluster.leaseIdleMs }),
            ...(options.cluster?.leaseRetryMs === undefined
              ? {}
              : { leaseRetryMs: options.cluster.leaseRetryMs }),
            ...(options.cluster?.trafficLogMs === undefined
              ? {}
              : { trafficLogMs: options.cluster.trafficLogMs }),
          })
        : undefined;
    if (member && options.cluster?.peerUrl) await member.advertise(options.cluster.peerUrl);
  } catch (error) {
    await member?.close();
    if (ownsStorage) await opened.close();
    throw error;
  }
  const tracked = trackWrites(opened);
  const storage = tracked.storage;
  const attachments = openAttachments(options.attachments, target, storage, config, now);
  // Call recordings (docs/voice.md#recording): rows beside the hub's tables, bytes through the attachments' port.
  const recordings = createRecordingStore({
    sql: storage.sql,
    bytes: attachments?.bytes ?? createSqlBytes(storage.sql),
    retentionDays: config.file.recordings?.retentionDays,
    log,
  });
  // The messaging adapter keeps its inbox and threads beside the hub's tables, and carries agents' replies out.
  const messagingAdapter = messaging?.adapter(
    storage.sql,
    attachments
      ? attachmentsForMessaging(attachments.store, {
          policy: attachments.channelPolicy,
          shares: messaging?.shares,
        })
      : undefined,
  );
  // Mail is handed to whichever hub leads now (`hub.channels`), read when each mail arrives.
  const emailChannel = email?.open(
    storage.sql,
    () => hub.channels,
    attachments ? { store: attachments.store, policy: attachments.channelPolicy } : undefined,
  );
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
  const bridged = outbound ? outbound.authenticate(authenticate) : authenticate;
  const reports = reportsOfQueues(storage.sql, config.queues);
  let retainedAt = Number.NEGATIVE_INFINITY;
  // Reports mailed on a schedule (docs/reports.md), through the email section's mailboxes; the leader ticks them.
  const schedules = config.file.reports?.schedules ?? [];
  const reportScheduler =
    schedules.length > 0 && config.file.email
      ? createReportScheduler({
          sql: storage.sql,
          reports,
          schedules,
          mailboxes: resolveMailboxes(config.file.email, options.env ?? process.env),
          now,
        })
      : undefined;
  const dial = outbound?.dial(storage.sql);
  const hubOptions: HubOptions = {
    queues: config.queues,
    agents: config.agents,
    authenticate: vonage ? vonage.authenticate(bridged) : bridged,
    // The Vonage gateway stores its calls' legs (vonage_calls): its calls carry on through a restart or a takeover.
    ...(vonage ? { phoneLegsStored: true } : {}),
    ...(dial ? { dial } : {}),
    // Consults and transfers to phone numbers (docs/vonage.md): on Vonage, else the simulated line; numbers are
    // checked as dials are.
    ...(dial
      ? { telephony: vonage ? vonage.telephony(dial.check) : outbound?.simulatedTelephony(dial.check) }
      : {}),
    storage,
    randomBytes: pooledRandomBytes(),
    heartbeatMs: options.heartbeatMs ?? config.file.heartbeatSeconds * 1000,
    agentGraceMs: config.file.agentGraceSeconds * 1000,
    ...(config.file.email ? { emailLegGraceMs: config.file.email.continueGraceSeconds * 1000 } : {}),
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
    // A database that cannot be reached (or a fence that refused: another instance leads) is an outage the step
    // waits out, not a fault of the server: warn. A leader cut off from PostgreSQL logged its customer directory's
    // failed queries as errors, and the cluster scenarios count every error line.
    logger: {
      error(what, error) {
        const outage = isDatabaseOutage(error) || (isHelplineError(error) && error.code === 'unavailable');
        if (outage) log.warn('hub.failed', { what }, error);
        else log.error('hub.failed', { what }, error);
      },
    },
    ...(attachments ? { attachments: attachments.store.claims } : {}),
    cases: createSqlCaseStore(storage.sql),
    // A case's SLA warning or breach as the leader's timer fires (docs/cases.md): for operators, ids only.
    onCaseSla: ({ kind, target, dueAt, case: kase }) =>
      log[kind === 'breached' ? 'warn' : 'info']('case.sla', {
        kind,
        target,
        dueAt,
        caseId: kase.id,
        queueId: kase.queueId,
        ...(kase.assigneeId ? { assigneeId: kase.assigneeId } : {}),
      }),
    // Supervisor legs (docs/voice.md): whether agents are told, and on Vonage calls a leg of the call's conversation.
    supervision: {
      audit: createSqlSupervisionAudit(storage.sql),
      ...(config.file.monitoring?.notifyAgent === undefined
        ? {}
        : { notifyAgent: config.file.monitoring.notifyAgent }),
      ...(vonage ? { vonage: vonage.supervision } : {}),
    },
    recordings: {
      directory: recordings,
      agentPlayback: config.file.recordings?.agentPlayback ?? false,
      audit: (entry) => recordings.audit(entry),
    },
    ...(options.customers === false
      ? {}
      : {
          customers: createSqlCustomerDirectory(storage.sql, {
            onResolveError: (error: unknown) => log.warn('customers.crm-failed', {}, error),
            ...customersOfFile,
            ...options.customers,
          }),
        }),
    // Reports over the stored history (report.run, docs/reports.md): SLA targets and dispositions from the queues.
    reports,
    channels: mergeChannelsOptions(
      messaging && messagingAdapter ? messaging.channels(messagingAdapter) : undefined,
      email && emailChannel ? email.channels(emailChannel) : undefined,
    ),
    // Mailbox health on the supervisor board (the readers run on the leader, whose hub answers the board).
    ...(email && emailChannel ? { mailboxes: email.mailboxes(emailChannel) } : {}),
  };
  // Vonage's calls are carried by the leader's gateway, beside the hub (and stored, so the next leader carries them
  // on): followers forward its routes to the leader. So do the messaging routes: the hub that takes the messages in
  // runs there.
  const routesOfVonage: { server?: VonageServer; messaging?: MessagingServer } = {};
  // One engine behind the same ports in both modes: on PGlite an in-process bus and a lease that is always held, so
  // this instance always leads and nothing is relayed.
  const engine: EngineSwitch = createEngineSwitch({
    bus: member?.bus ?? createLocalBus<EngineTopics>({ instanceId: 'local' }),
    lease: member?.lease ?? createAlwaysHeldLease({ name: 'engine' }),
    createHub: () => createHub(hubOptions),
    // One process always leads: its roles are no news, its failures are.
    log: member ? log : { ...log, debug() {}, info() {} },
    // A follower pings the sockets it relays itself, as the hub pings its own.
    heartbeatMs: hubOptions.heartbeatMs,
    ...(options.cluster?.waitForLeaderMs === undefined
      ? {}
      : { waitForLeaderMs: options.cluster.waitForLeaderMs }),
    ...(options.cluster?.resumeWithinMs === undefined
      ? {}
      : { resumeWithinMs: options.cluster.resumeWithinMs }),
    // The IMAP readers run on the leader only: N instances would read each mailbox N times. A new leader goes on
    // from the cursors in the database; the one before stopped its readers (cursors saved) as it stopped leading.
    // Likewise the Vonage gateway carries the stored calls on while this instance leads, and lets go when it stops.
    leaderWork: {
      start() {
        emailChannel?.startReaders();
        void routesOfVonage.server?.gateway.restore();
      },
      async stop() {
        await Promise.all([emailChannel?.stopReaders(), routesOfVonage.server?.gateway.suspend()]);
      },
    },
    serveHttp: (request) =>
      answerForwarded(
        request,
        (req, res) =>
          (routesOfVonage.server?.handle(req, res) ?? false) ||
          (routesOfVonage.messaging?.handle(req, res) ?? false),
      ),
  });
  member?.onStale((epoch) => engine.fenced(epoch));
  const hub: Hub = engine;
  try {
    await hub.restore();
    // The SMTP ingress starts once the hub can take mail in, on every instance: a follower carries the mail to the
    // leader's hub, which takes each Message-ID in once. (The IMAP readers started with the leader's hub.)
    await emailChannel?.startIngress();
  } catch (error) {
    await emailChannel?.stop();
    hub.close();
    await member?.close();
    if (ownsStorage) await opened.close();
    throw error;
  }

  // Limits each instance counts on its own (HTTP requests, visitor sessions, sockets per address) are divided by
  // the live instances, so they hold for the deployment; commands are admitted by the leader's hub alone.
  const limitShare = instanceShare(() => member?.liveInstances ?? 1);
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
    limitShare,
    isAllowedOrigin: (origin, site) =>
      site === undefined
        ? anyOrigin(origin)
        : (siteOrigins.get(site)?.(origin) ?? false) || consoleOrigin(origin),
  });
  const api = createApiHandler({
    config,
    hub,
    auth,
    storage,
    log,
    dev,
    now,
    httpBuckets: createTokenBuckets(config.file.limits.http, now, limitShare),
    sessionBuckets: createTokenBuckets(config.file.limits.visitorSessions, now, limitShare),
    isAllowedOrigin: anyOrigin,
    notReady: () => engine.notReady(),
    attachments: withRecordings(
      createRecordingRoutes({ store: recordings, hub, storage, config, authenticate, now }),
      attachments?.routes({
        hub,
        authenticate: (token) => auth.authenticate(token),
        siteOfVisitor: (token) => auth.siteOfVisitor(token),
        shares: messaging?.shares,
      }),
    ),
  });
  // Vonage: token, hold and dial routes for browsers, signed webhooks for Vonage, all under /vonage/.
  const vonageRoutes = vonage?.start({
    hub,
    authenticate,
    isAllowedOrigin: anyOrigin,
    ...(attachments ? { attachments: attachments.store } : {}),
    recordings,
    calls: createSqlVonageCallStore(storage.sql, member ? { fence } : {}),
  });
  if (vonageRoutes) routesOfVonage.server = vonageRoutes;
  // The first term began before the gateway existed: it takes the stored calls back now (a restart, a takeover).
  if (vonageRoutes && engine.role === 'leader') void vonageRoutes.gateway.restore();
  outbound?.start({ hub, network: vonageRoutes?.gateway });
  // Messaging: signed webhooks for Vonage and the console's window and template routes, all under /messaging/. The
  // intake is `hub.channels` (core/hub/channels.types.ts), which takes messages in where the hub runs.
  const messagingRoutes =
    messaging && messagingAdapter
      ? messaging.start({ adapter: messagingAdapter, intake: hub.channels, hub, authenticate })
      : undefined;
  if (messagingRoutes) routesOfVonage.messaging = messagingRoutes;
  /** A Vonage or messaging route reached a follower: the leader answers it. */
  const forwardVonage = (
    request: IncomingMessage,
    response: ServerResponse,
    to: EngineSwitch,
    limit: number,
  ) =>
    readForwarded(request, limit)
      .then((forwarded) => to.forward(forwarded))
      .then(
        (reply) => writeForwarded(response, reply),
        (error: unknown) => {
          if (!response.headersSent) sendError(response, toHelplineError(error));
        },
      );

  const housekeeping = setInterval(() => {
    admission.prune();
    storage.pruneVisitorSessions(now()).catch(() => {});
    // A resume token nobody used for a week belongs to a client that is long gone.
    storage.pruneResumeTokens(now() - 7 * 86_400_000).catch(() => {});
    attachments?.prune(now()).catch(() => {});
    // Recording retention: the leader alone deletes, within a minute of each recording's time.
    if (engine.role === 'leader') {
      recordings.prune(now()).catch((error: unknown) => log.warn('recording.retention-failed', {}, error));
    }
    // History retention (docs/reports.md): once a day, by the leader alone, so instances never race on the delete.
    const retentionDays = config.file.historyRetentionDays;
    if (retentionDays !== undefined && engine.role === 'leader' && now() - retainedAt >= 86_400_000) {
      retainedAt = now();
      reports.prune(now() - retentionDays * 86_400_000).then(
        (deleted) => log.info('reports.retention', { deleted }),
        (error: unknown) => log.warn('reports.retention-failed', {}, error),
      );
    }
    if (reportScheduler && engine.role === 'leader') {
      reportScheduler.tick().then(
        (outcomes) => {
          for (const sent of outcomes) {
            if (sent.outcome === 'sent')
              log.info('reports.scheduled-sent', { schedule: sent.scheduleId, from: sent.from });
            else
              log.warn('reports.scheduled-failed', {
                schedule: sent.scheduleId,
                from: sent.from,
                detail: sent.error,
              });
          }
        },
        (error: unknown) => log.warn('reports.schedule-failed', {}, error),
      );
    }
  }, 60_000);
  housekeeping.unref();

  if (dev) {
    log.warn('dev-mode', {
      detail: `DEVELOPMENT MODE: POST ${basePath}/v1/dev/tokens hands out agent, supervisor and visitor tokens to anyone. Never run --dev in production.`,
    });
  }
  if (!auth.staffConfigured) {
    log.warn('auth.staff-unconfigured', {
      detail:
        'neither HELPLINE_JWT_SECRET nor HELPLINE_JWKS_URL is set: agents and supervisors cannot sign in',
    });
  }

  /** Strips the mount path from `request.url` when the request is ours; false when it is the host's. */
  const claim = (request: IncomingMessage): boolean => {
    if (basePath === '') return true;
    const url = request.url ?? '/';
    if (url !== basePath && !url.startsWith(`${basePath}/`) && !url.startsWith(`${basePath}?`)) return false;
    const rest = url.slice(basePath.length);
    request.url = rest.startsWith('/') ? rest : `/${rest}`;
    return true;
  };

  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;
  return {
    basePath,
    socketPath: `${basePath}${SOCKET_PATH}`,
    hub,
    ...(member
      ? {
          cluster: {
            instanceId: member.instanceId,
            get leading() {
              return engine.role === 'leader';
            },
            advertise: (peerUrl: string) => member.advertise(peerUrl),
            get liveInstances() {
              return member.liveInstances;
            },
          },
        }
      : {}),
    storage,
    auth,
    handleRequest(request, response) {
      if (!claim(request)) return false;
      // The one place the security headers are set: every route, error and 404 below inherits them.
      for (const [name, value] of Object.entries(securityHeaders(request))) response.setHeader(name, value);
      if (closing) {
        sendError(
          response,
          helplineError('unavailable', { detail: 'shutting down' }, { retryAfterMs: 5_000 }),
        );
        return true;
      }
      const forwardedLimit =
        vonageRoutes && request.url?.startsWith(VONAGE_PREFIX)
          ? VONAGE_BODY_LIMIT
          : messagingRoutes && request.url?.startsWith(MESSAGING_PREFIX)
            ? MESSAGING_BODY_LIMIT
            : undefined;
      if (forwardedLimit !== undefined && engine.role !== 'leader') {
        const forwarded = forwardVonage(request, response, engine, forwardedLimit).finally(() =>
          inFlight.delete(forwarded),
        );
        inFlight.add(forwarded);
        return true;
      }
      if (vonageRoutes?.handle(request, response)) return true;
      if (messagingRoutes?.handle(request, response)) return true;
      const answered = api(request, response).finally(() => inFlight.delete(answered));
      inFlight.add(answered);
      return true;
    },
    handleUpgrade(request, socket, head) {
      if (!claim(request)) return false;
      if (closing) socket.destroy();
      else if (request.url?.split('?')[0] === `${basePath}${PEER_PATH}`) {
        if (member) member.acceptPeer(request, socket, head);
        else endRawResponse(socket, 404, 'Not Found', API_SECURITY_HEADERS);
      } else sockets.upgrade(request, socket, head);
      return true;
    },
    close() {
      closing ??= (async () => {
        log.info('shutdown', { sockets: sockets.size });
        clearInterval(housekeeping);
        reportScheduler?.close();
        await member?.drain();
        await vonageRoutes?.close();
        outbound?.close();
        // No new mail once closing: the ingress answers nothing, unread mail waits on the IMAP server.
        await emailChannel?.stop();
        // In a cluster the clients resume on another instance at once.
        hub.close(member ? CLOSE_CODES.serviceRestart : CLOSE_CODES.goingAway);
        await sockets.drained(options.drainMs ?? 5_000);
        await Promise.allSettled(inFlight);
        await tracked.idle();
        // Uploads still writing finish; then the bytes port lets go of what it holds (an S3 client's sockets).
        await attachments?.store.close();
        // Only now that nothing of this instance can write: the next leader takes over at once.
        await engine.release();
        await member?.close();
        if (ownsStorage) await opened.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
