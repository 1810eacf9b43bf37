import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ConversationEvent,
  callbackSlots,
  helplineError,
  LIMITS,
  queueAvailability,
  tokenize,
  toPlainText,
} from '@helpline/core';
import type { Hub, Subject } from '@helpline/core/hub';
import * as v from 'valibot';
import type { AttachmentRoutes } from '../attachments/attachments.routes';
import type { Auth } from '../auth/auth';
import type { ServerConfig } from '../config/config';
import { isTimeZone } from '../config/config.schema';
import type { TokenBuckets } from '../limits/rate-limit';
import { rateLimited } from '../limits/rate-limit';
import type { Logger } from '../log/logger';
import { OUTAGE_RETRY_MS, unavailableFor } from '../storage/sql.errors';
import type { SqlStorage } from '../storage/sql.storage';
import { siteVoiceConfig } from '../vonage';
import { sendError, sendJson, toHelplineError } from './http.errors';

/** Largest request body, bytes. */
export const BODY_LIMIT = 16 * 1024;
/** Callback slots offered per queue in the site config. */
const SLOT_DAYS = 3;
const EXPECTED_CALLBACK_SECONDS = 300;

/** What the HTTP API works with. */
export interface ApiContext {
  readonly config: ServerConfig;
  readonly hub: Hub;
  readonly auth: Auth;
  readonly storage: SqlStorage;
  readonly log: Logger;
  readonly dev: boolean;
  readonly now: () => number;
  /** Every request, by client address. */
  readonly httpBuckets: TokenBuckets;
  /** Visitor session creation, by client address. */
  readonly sessionBuckets: TokenBuckets;
  readonly isAllowedOrigin: (origin: string) => boolean;
  /** Cluster mode: why this instance cannot serve now (no leader known, the bus listener down), else undefined. */
  readonly notReady?: (() => string | undefined) | undefined;
  /** The attachment routes (`/v1/conversations/:cid/attachments`, `/v1/attachments/:id`); absent: none. */
  readonly attachments?: AttachmentRoutes | undefined;
}

interface Request {
  readonly method: string;
  readonly url: URL;
  readonly ip: string;
  readonly raw: IncomingMessage;
}

type Handler = (context: ApiContext, request: Request, params: Record<string, string>) => Promise<Reply>;
interface Reply {
  status: number;
  body?: unknown;
  text?: { body: string; filename: string };
}

const sessionBody = v.strictObject({
  site: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.id)),
  identity: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.token))),
});

const devTokenBody = v.strictObject({
  role: v.picklist(['visitor', 'agent', 'supervisor']),
  id: v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/)),
  name: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.name))),
  site: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.id))),
});

function invalid(scope: string, issues: readonly v.BaseIssue<unknown>[]) {
  const issue = issues[0];
  const field = issue?.path?.map((p) => String(p.key)).join('.') || 'body';
  return helplineError(
    'validation/field',
    { scope, field, detail: issue?.message ?? 'is invalid' },
    { field },
  );
}

/** Reads a JSON body of at most {@link BODY_LIMIT} bytes; only `application/json` is accepted. */
async function readJson(request: Request): Promise<unknown> {
  const type = request.raw.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw helplineError('validation/field', {
      scope: 'request',
      field: 'content-type',
      detail: 'must be application/json',
    });
  }
  const declared = Number(request.raw.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT)
    throw helplineError('limit/size', { field: 'body', size: declared, max: BODY_LIMIT });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw helplineError('limit/size', { field: 'body', size, max: BODY_LIMIT });
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw helplineError('validation/field', { scope: 'request', field: 'body', detail: 'is not JSON' });
  }
}

async function bearer(context: ApiContext, request: Request): Promise<Subject> {
  const header = request.raw.headers.authorization;
  const match = header ? /^Bearer ([^\s]+)$/.exec(header) : null;
  if (!match?.[1]) throw helplineError('auth/required');
  try {
    return await context.auth.authenticate(match[1]);
  } catch (error) {
    throw toHelplineError(error).code === 'internal'
      ? helplineError('auth/invalid-token', { detail: 'rejected' })
      : error;
  }
}

function metaOf(request: Request) {
  const site = request.url.searchParams.get('site') ?? undefined;
  const origin = request.raw.headers.origin;
  return { ip: request.ip, ...(site ? { site } : {}), ...(origin ? { origin } : {}) };
}

function optionalInt(request: Request, name: string): number | undefined {
  const raw = request.url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,9}$/.test(raw)) {
    throw helplineError(
      'validation/field',
      { scope: 'query', field: name, detail: 'must be a whole number' },
      { field: name },
    );
  }
  return Number(raw);
}

const iso = (at: number) =>
  new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/**
 * A plain-text transcript of the events a reader may see (as `history` gave them): every message through the one
 * renderer's plain-text form, never raw markup.
 */
export function renderTranscript(
  cid: string,
  events: readonly { seq: number; at: number; ev: ConversationEvent }[],
): string {
  const lines: string[] = [`Conversation ${cid}`];
  const names = new Map<string, string>();
  for (const { at, ev } of events) {
    switch (ev.type) {
      case 'created':
        lines.push(
          `Channel: ${ev.interaction.channel}`,
          `Queue: ${ev.interaction.queueId}`,
          `Started: ${iso(at)}`,
          '',
        );
        break;
      case 'joined':
        names.set(ev.participant.id, ev.participant.displayName);
        lines.push(`[${iso(at)}] — ${ev.participant.displayName} joined`);
        break;
      case 'left':
        lines.push(`[${iso(at)}] — ${names.get(ev.participantId) ?? 'A participant'} left`);
        break;
      case 'message':
        lines.push(`[${iso(at)}] ${ev.from.name}: ${toPlainText(tokenize(ev.text))}`);
        break;
      case 'state':
        if (ev.endedBy)
          lines.push(`[${iso(at)}] — Conversation ended (${ev.endReason ?? 'completed'}, by ${ev.endedBy})`);
        break;
      case 'csat':
        lines.push(`[${iso(at)}] — Rated ${ev.score}/5`);
        break;
      case 'note':
        // Staff only: `history` gives visitors a `withheld` event in its place (core/hub/access.ts).
        lines.push(`[${iso(at)}] — Note: ${toPlainText(tokenize(ev.text))}`);
        break;
      default:
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}

const routes: { method: string; pattern: RegExp; handler: Handler; dev?: boolean }[] = [
  {
    method: 'GET',
    pattern: /^\/healthz$/,
    handler: async () => ({ status: 200, body: { ok: true } }),
  },
  {
    method: 'GET',
    pattern: /^\/readyz$/,
    async handler(context) {
      try {
        await context.storage.ping();
      } catch (error) {
        context.log.warn('readyz.storage-unreachable', {}, error);
        const unavailable =
          unavailableFor(error) ??
          helplineError('unavailable', { detail: 'storage unreachable' }, { retryAfterMs: OUTAGE_RETRY_MS });
        return { status: 503, body: { error: unavailable.toPayload() } };
      }
      const notReady = context.notReady?.();
      if (notReady !== undefined) {
        const unavailable = helplineError('unavailable', { detail: notReady }, { retryAfterMs: 1_000 });
        return { status: 503, body: { error: unavailable.toPayload() } };
      }
      return { status: 200, body: { ok: true, storage: context.storage.kind } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/sessions\/visitor$/,
    async handler(context, request) {
      const waitMs = context.sessionBuckets.take(request.ip);
      if (waitMs > 0) throw rateLimited(waitMs);
      const parsed = v.safeParse(sessionBody, await readJson(request));
      if (!parsed.success) throw invalid('sessions/visitor', parsed.issues);
      const issued = await context.auth.issueVisitor(parsed.output.site, parsed.output.identity);
      context.log.info('visitor.session', {
        site: parsed.output.site,
        visitor: issued.subject.id,
        identified: issued.subject.identified === true,
      });
      return {
        status: 201,
        body: {
          token: issued.token,
          expiresAt: issued.expiresAt,
          visitor: {
            id: issued.subject.id,
            name: issued.subject.name,
            identified: issued.subject.identified === true,
            ...(issued.subject.customer ? { customer: issued.subject.customer } : {}),
          },
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/sites\/(?<site>[\w.:-]{1,64})\/config$/,
    async handler(context, request, params) {
      const site = context.config.sites.get(params.site ?? '');
      if (!site) throw helplineError('site/unknown', { site: params.site ?? '' });
      const tz = request.url.searchParams.get('tz');
      if (tz !== null && !isTimeZone(tz)) {
        throw helplineError(
          'validation/field',
          { scope: 'query', field: 'tz', detail: 'is not an IANA time zone' },
          { field: 'tz' },
        );
      }
      const now = context.now();
      const queueIds = site.topics.length > 0 ? new Set(site.topics.map((t) => t.queueId)) : undefined;
      const queues = context.config.queues
        .filter((queue) => !queueIds || queueIds.has(queue.id))
        .map((queue) => {
          const availability = queueAvailability(queue, now);
          const staffing = context.config.agents.filter(
            (agent) => agent.queueIds.length === 0 || agent.queueIds.includes(queue.id),
          ).length;
          const slots =
            tz !== null && queue.closedAlternative === 'callback'
              ? callbackSlots({
                  queue,
                  customerTimeZone: tz,
                  now,
                  days: SLOT_DAYS,
                  staffing,
                  expectedHandleSeconds: EXPECTED_CALLBACK_SECONDS,
                }).map(({ start, end, localDate, localTime, remaining }) => ({
                  start,
                  end,
                  localDate,
                  localTime,
                  remaining,
                }))
              : undefined;
          return {
            id: queue.id,
            name: queue.name,
            open: availability.open,
            ...(availability.alternative ? { alternative: availability.alternative } : {}),
            ...(availability.nextOpening === undefined ? {} : { nextOpening: availability.nextOpening }),
            ...(availability.nextClosing === undefined ? {} : { nextClosing: availability.nextClosing }),
            ...(slots ? { callbackSlots: slots } : {}),
            // Callers may leave a recorded message when the queue is closed or nobody answers in time.
            ...(queue.voicemail ? { voicemail: queue.voicemail } : {}),
          };
        });
      const openById = new Map(queues.map((q) => [q.id, q.open]));
      return {
        status: 200,
        body: {
          site: site.id,
          name: site.name ?? site.id,
          theme: site.theme,
          languages: site.languages,
          csat: site.csat,
          prechat: site.prechat,
          identity: site.identity !== undefined,
          // What the widget checks a file against before uploading it (the server checks again).
          attachments: site.attachments,
          topics: site.topics.map((topic) => ({ ...topic, open: openById.get(topic.queueId) ?? false })),
          queues,
          // Which voice provider the widget and console load: `webrtc`, or `vonage` (packages/server/src/vonage).
          voice: siteVoiceConfig(context.config),
          // Whether the widget offers "continue by email": only when this server sends mail (an `email` section).
          email: context.config.file.email !== undefined,
          at: now,
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/conversations\/(?<cid>[\w.:-]{1,64})\/history$/,
    async handler(context, request, params) {
      const subject = await bearer(context, request);
      const after = optionalInt(request, 'after');
      const limit = optionalInt(request, 'limit');
      const result = await context.hub.execute(
        subject,
        'history',
        {
          cid: params.cid,
          ...(after === undefined ? {} : { after }),
          ...(limit === undefined ? {} : { limit }),
        },
        metaOf(request),
      );
      return { status: 200, body: result };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/conversations\/(?<cid>[\w.:-]{1,64})\/transcript\.txt$/,
    async handler(context, request, params) {
      const subject = await bearer(context, request);
      const cid = params.cid ?? '';
      const events: { seq: number; at: number; ev: ConversationEvent }[] = [];
      for (;;) {
        const page = await context.hub.execute(
          subject,
          'history',
          { cid, after: events.at(-1)?.seq ?? 0, limit: LIMITS.historyPage },
          metaOf(request),
        );
        events.push(...page.events);
        if (page.events.length < LIMITS.historyPage || (events.at(-1)?.seq ?? 0) >= page.lastSeq) break;
      }
      return {
        status: 200,
        text: {
          body: renderTranscript(cid, events),
          filename: `transcript-${cid}.txt`,
        },
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/callbacks$/,
    async handler(context, request) {
      const subject = await bearer(context, request);
      const result = await context.hub.execute(
        subject,
        'callback.request',
        await readJson(request),
        metaOf(request),
      );
      return { status: 201, body: result };
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/dev\/tokens$/,
    dev: true,
    async handler(context, request) {
      const parsed = v.safeParse(devTokenBody, await readJson(request));
      if (!parsed.success) throw invalid('dev/tokens', parsed.issues);
      const { role, id, site } = parsed.output;
      const name = parsed.output.name ?? id;
      if (role === 'visitor') {
        const siteId = site ?? context.config.file.sites[0]?.id ?? '';
        const issued = await context.auth.devVisitorToken(siteId, id, name);
        return { status: 201, body: { token: issued.token, expiresAt: issued.expiresAt } };
      }
      return { status: 201, body: { token: await context.auth.devStaffToken(role, id, name) } };
    },
  },
];

function applyCors(context: ApiContext, request: Request, response: ServerResponse): boolean {
  const origin = request.raw.headers.origin;
  response.setHeader('vary', 'Origin');
  if (!origin || !context.isAllowedOrigin(origin)) return false;
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('access-control-allow-headers', 'authorization, content-type, content-range');
  response.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
  response.setHeader('access-control-expose-headers', 'retry-after, content-disposition, upload-offset');
  response.setHeader('access-control-max-age', '600');
  return true;
}

/**
 * The HTTP API's request handler. CORS answers only configured origins; every error is typed JSON with the
 * status of its code; every request spends from the caller's address bucket.
 */
export function createApiHandler(context: ApiContext) {
  return async (raw: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    const request: Request = {
      method: raw.method ?? 'GET',
      url: new URL(raw.url ?? '/', 'http://helpline.invalid'),
      ip: raw.socket.remoteAddress ?? '-',
      raw,
    };
    const corsAllowed = applyCors(context, request, response);
    try {
      if (request.method === 'OPTIONS') {
        response.writeHead(corsAllowed ? 204 : 403).end();
        return;
      }
      const isProbe = request.url.pathname === '/healthz' || request.url.pathname === '/readyz';
      const waitMs = isProbe ? 0 : context.httpBuckets.take(request.ip);
      if (waitMs > 0) throw rateLimited(waitMs);
      if (await context.attachments?.handle(request, response)) return;
      let pathMatched = false;
      for (const route of routes) {
        if (route.dev && !context.dev) continue;
        const match = route.pattern.exec(request.url.pathname);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== request.method) continue;
        const reply = await route.handler(context, request, match.groups ?? {});
        if (reply.text) {
          response.writeHead(reply.status, {
            'content-type': 'text/plain; charset=utf-8',
            'content-disposition': `attachment; filename="${reply.text.filename}"`,
            'cache-control': 'no-store',
          });
          response.end(reply.text.body);
        } else {
          sendJson(response, reply.status, reply.body);
        }
        return;
      }
      if (pathMatched) {
        sendJson(response, 405, {
          error: {
            code: 'not-found',
            message: `${request.method} is not allowed on ${request.url.pathname}.`,
          },
        });
        return;
      }
      throw helplineError('not-found', { entity: 'Route', id: request.url.pathname });
    } catch (error) {
      const typed = toHelplineError(error);
      // A refusal to retry (the database or the leader briefly away) is a warning: the caller tries again.
      if (typed.code === 'internal') context.log.error('http.failed', { path: request.url.pathname }, error);
      else if (typed.code === 'unavailable')
        context.log.warn('http.failed', { path: request.url.pathname }, error);
      if (!response.headersSent) sendError(response, typed);
      else response.destroy();
    } finally {
      context.log.debug('http', {
        method: request.method,
        path: request.url.pathname,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
    }
  };
}
