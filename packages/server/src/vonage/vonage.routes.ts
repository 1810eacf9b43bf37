import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HelplineError, helplineError, isHelplineError } from '@helpline/core';
import type { Subject } from '@helpline/core/hub';
import { sendJson, statusOf, toHelplineError } from '../http/http.errors';
import { rateLimited, type TokenBuckets } from '../limits/rate-limit';
import type { Logger } from '../log/logger';
import type { VonageGateway, WebhookBody } from './vonage.gateway';
import type { WebhookVerifier } from './vonage.signature';

/** Every Vonage route lives under this prefix. */
export const VONAGE_PREFIX = '/vonage/';
/** Largest body of a Vonage route, bytes. */
export const VONAGE_BODY_LIMIT = 16 * 1024;
const BODY_LIMIT = VONAGE_BODY_LIMIT;

/** What the routes need. */
export interface VonageRoutesContext {
  readonly gateway: VonageGateway;
  readonly verifier: WebhookVerifier;
  /** Helpline tokens (visitor tokens, staff JWTs) → subject; the same check as the HTTP API. */
  readonly authenticate: (token: string) => Promise<Subject>;
  /** Browser routes spend from the caller's address bucket. */
  readonly buckets: TokenBuckets;
  readonly isAllowedOrigin: (origin: string) => boolean;
  readonly region?: string | undefined;
  readonly log: Logger;
  /** Takes the status webhooks of consults' phone legs (`?consult=`); absent: they are ignored. */
  readonly consultEvent?:
    | ((cid: string, legId: string, status: string, uuid?: string) => Promise<void>)
    | undefined;
}

// Our catalog's codes by family would answer 400; these deserve their own statuses.
const STATUS: Record<string, number> = {
  'voice/vonage-webhook': 401,
  'voice/vonage-api': 502,
  'voice/vonage-disabled': 404,
};

function fail(response: ServerResponse, error: HelplineError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  sendJson(response, STATUS[error.code] ?? statusOf(error.code), { error: error.toPayload() }, headers);
}

/** Reads a request's body, refusing one over `limit` bytes (`limit/size`) before reading it all. */
export async function readBody(request: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw helplineError('limit/size', { field: 'body', size: declared, max: limit });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw helplineError('limit/size', { field: 'body', size, max: limit });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A body as a JSON object; anything else is `validation/field` in `scope`. */
export function parseJson(body: Buffer, scope = 'vonage'): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw helplineError('validation/field', { scope, field: 'body', detail: 'is not a JSON object' });
}

function applyCors(
  context: VonageRoutesContext,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const origin = request.headers.origin;
  response.setHeader('vary', 'Origin');
  if (!origin || !context.isAllowedOrigin(origin)) return false;
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('access-control-allow-headers', 'authorization, content-type');
  response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  response.setHeader('access-control-expose-headers', 'retry-after');
  response.setHeader('access-control-max-age', '600');
  return true;
}

async function bearer(context: VonageRoutesContext, request: IncomingMessage): Promise<Subject> {
  const match = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '');
  if (!match?.[1]) throw helplineError('auth/required');
  try {
    return await context.authenticate(match[1]);
  } catch (error) {
    throw isHelplineError(error) ? error : helplineError('auth/invalid-token', { detail: 'rejected' });
  }
}

const HOLD = /^\/vonage\/calls\/([\w.:-]{1,64})\/hold$/;
const DIAL = /^\/vonage\/callbacks\/([\w.:-]{1,64})\/dial$/;

/**
 * The Vonage routes: `POST /vonage/token`, `POST /vonage/calls/:cid/hold`, `POST /vonage/callbacks/:cid/dial`
 * for browsers (bearer token, CORS, rate limit), and `/vonage/webhooks/{answer,input,survey,event,recording}` for Vonage (signed,
 * answered at once; events are handled after the answer). Returns false for paths outside `/vonage/`.
 */
export function createVonageRoutes(context: VonageRoutesContext) {
  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname;

    if (path.startsWith('/vonage/webhooks/')) {
      const body = method === 'POST' ? await readBody(request) : Buffer.alloc(0);
      await context.verifier.verify(request.headers.authorization, body);
      const fields: WebhookBody =
        method === 'POST' ? parseJson(body) : Object.fromEntries(url.searchParams.entries());
      if (path === '/vonage/webhooks/answer' && (method === 'POST' || method === 'GET')) {
        sendJson(response, 200, await context.gateway.answer(fields));
        return;
      }
      if (path === '/vonage/webhooks/input' && method === 'POST') {
        sendJson(response, 200, await context.gateway.input(fields));
        return;
      }
      if (path === '/vonage/webhooks/survey' && method === 'POST') {
        const cid = url.searchParams.get('cid');
        const step = url.searchParams.get('step');
        sendJson(
          response,
          200,
          await context.gateway.survey(fields, { ...(cid ? { cid } : {}), ...(step ? { step } : {}) }),
        );
        return;
      }
      if (path === '/vonage/webhooks/event' && method === 'POST') {
        // Answer first: Vonage waits for nobody, and retries what looks slow.
        response.writeHead(204).end();
        const consult = url.searchParams.get('consult');
        const consultCid = url.searchParams.get('cid');
        if (consult) {
          // A consult's phone leg (docs/vonage.md, "Consult and transfer to a number").
          const status = typeof fields.status === 'string' ? fields.status : '';
          const uuid =
            typeof fields.uuid === 'string' && fields.uuid.length > 0 && fields.uuid.length <= 200
              ? fields.uuid
              : undefined;
          if (consultCid && context.consultEvent) {
            void context
              .consultEvent(consultCid, consult, status, uuid)
              .catch((error: unknown) =>
                context.log.error('vonage.failed', { what: 'consult event', cid: consultCid }, error),
              );
          }
          return;
        }
        context.gateway.event(fields, {
          ...(url.searchParams.get('cid') ? { cid: url.searchParams.get('cid') as string } : {}),
          ...(url.searchParams.get('leg') ? { leg: url.searchParams.get('leg') as string } : {}),
        });
        return;
      }
      if (path === '/vonage/webhooks/recording' && method === 'POST') {
        // A voicemail's recording, or a segment of a call's: fetched and kept after the answer.
        response.writeHead(204).end();
        const cid = url.searchParams.get('cid');
        const segment = url.searchParams.get('segment');
        context.gateway.recording(fields, { ...(cid ? { cid } : {}), ...(segment ? { segment } : {}) });
        return;
      }
      throw helplineError('not-found', { entity: 'Route', id: path });
    }

    const corsAllowed = applyCors(context, request, response);
    if (method === 'OPTIONS') {
      response.writeHead(corsAllowed ? 204 : 403).end();
      return;
    }
    if (method !== 'POST') throw helplineError('not-found', { entity: 'Route', id: `${method} ${path}` });
    const waitMs = context.buckets.take(request.socket.remoteAddress ?? '-');
    if (waitMs > 0) throw rateLimited(waitMs);
    const subject = await bearer(context, request);
    const body = parseJson(await readBody(request));

    if (path === '/vonage/token') {
      const issued = await context.gateway.clientToken(subject);
      sendJson(response, 200, { ...issued, ...(context.region ? { region: context.region } : {}) });
      return;
    }
    const hold = HOLD.exec(path);
    if (hold?.[1]) {
      if (typeof body.held !== 'boolean') {
        throw helplineError(
          'validation/field',
          { scope: 'vonage.hold', field: 'held', detail: 'must be true or false' },
          { field: 'held' },
        );
      }
      await context.gateway.hold(subject, hold[1], body.held);
      sendJson(response, 200, { held: body.held });
      return;
    }
    const dial = DIAL.exec(path);
    if (dial?.[1]) {
      sendJson(response, 202, await context.gateway.dial(subject, dial[1]));
      return;
    }
    throw helplineError('not-found', { entity: 'Route', id: path });
  }

  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://helpline.invalid');
    if (!url.pathname.startsWith(VONAGE_PREFIX)) return false;
    route(request, response, url).catch((error: unknown) => {
      const typed = toHelplineError(error);
      if (typed.code === 'internal' || typed.code === 'unavailable')
        context.log.error('vonage.http-failed', { path: url.pathname }, error);
      else if (typed.code === 'voice/vonage-webhook')
        context.log.warn('vonage.webhook-refused', { path: url.pathname, reason: typed.message });
      if (!response.headersSent) fail(response, typed);
      else response.destroy();
    });
    return true;
  };
}
