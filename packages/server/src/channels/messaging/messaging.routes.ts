import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HelplineError, helplineError, isHelplineError } from '@helpline/core';
import type { Hub, Subject } from '@helpline/core/hub';
import * as v from 'valibot';
import { sendJson, statusOf, toHelplineError } from '../../http/http.errors';
import type { Logger } from '../../log/logger';
import { parseJson, readBody } from '../../vonage/vonage.routes';
import { type ConversationMessaging, type MessagingAdapter, routeSendId } from './messaging.adapter';
import type { MessagesWebhookVerifier } from './messaging.signature';
import type { OutboundContent } from './messaging.types';

/** Every messaging route lives under this prefix. */
export const MESSAGING_PREFIX = '/messaging/';
/** Largest body of a messaging route, bytes (an inbound text is at most 4,096 characters). */
export const MESSAGING_BODY_LIMIT = 64 * 1024;

/** What the routes need. */
export interface MessagingRoutesContext {
  readonly adapter: MessagingAdapter;
  readonly verifier: MessagesWebhookVerifier;
  /** The hub: who may see a conversation is its rules (the `history` command's). */
  readonly hub: Pick<Hub, 'interaction' | 'execute'>;
  /** Staff JWTs → subject; the same check as the HTTP API. */
  readonly authenticate: (token: string) => Promise<Subject>;
  readonly log: Logger;
}

// Codes of the messaging family that deserve their own statuses (the family default is 409).
const STATUS: Record<string, number> = {
  'messaging/webhook-refused': 401,
  'messaging/template-unknown': 400,
  'messaging/unsupported': 400,
  'messaging/not-configured': 404,
  'messaging/vonage-api': 502,
  'messaging/media': 502,
};

function fail(response: ServerResponse, error: HelplineError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  sendJson(response, STATUS[error.code] ?? statusOf(error.code), { error: error.toPayload() }, headers);
}

const clientMsgId = v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be an id'));
/** What the console sends besides plain text (which goes through the conversation's `message.send`). */
const sendSchema = v.variant('kind', [
  v.strictObject({
    kind: v.literal('template'),
    id: clientMsgId,
    name: v.pipe(v.string(), v.maxLength(512)),
    locale: v.pipe(v.string(), v.maxLength(16)),
    parameters: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(1_024))), v.maxLength(20)), []),
  }),
  v.strictObject({
    kind: v.picklist(['image', 'file', 'audio', 'video']),
    id: clientMsgId,
    attachmentId: v.pipe(v.string(), v.regex(/^[\w.:-]{1,128}$/, 'must be an attachment id')),
    caption: v.optional(v.pipe(v.string(), v.maxLength(1_024))),
  }),
]);

const CONVERSATION = /^\/messaging\/conversations\/([\w.:-]{1,64})(\/send)?$/;

const UUID = /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/i;

/** The conversation's `clientMsgId` of a route send: its id when that is a UUID, else a UUID made from it. */
export function routeClientMsgId(cid: string, id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  const hex = createHash('sha256').update(`${cid}\n${id}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The text a template send leaves in the conversation: which template, and its values. */
export function templateText(
  state: Pick<ConversationMessaging, 'templates'>,
  content: Extract<OutboundContent, { kind: 'template' }>,
): string {
  const label =
    state.templates.find((t) => t.name === content.name && t.locale === content.locale)?.label ??
    content.name;
  const values = content.parameters.length > 0 ? `: ${content.parameters.join(' · ')}` : '';
  return `[Template “${label}”${values}]`;
}

/**
 * The messaging routes. For Vonage (signed, answered once the message is stored): `POST /messaging/webhooks/inbound`
 * and `POST /messaging/webhooks/status`. For the console (staff bearer token): `GET /messaging/conversations/:cid` —
 * the WhatsApp window, templates and composer limits — and `POST /messaging/conversations/:cid/send` for a template
 * or media. Returns false for paths outside `/messaging/`.
 */
export function createMessagingRoutes(context: MessagingRoutesContext) {
  async function staff(request: IncomingMessage): Promise<Subject> {
    const match = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw helplineError('auth/required');
    let subject: Subject;
    try {
      subject = await context.authenticate(match[1]);
    } catch (error) {
      throw isHelplineError(error) ? error : helplineError('auth/invalid-token', { detail: 'rejected' });
    }
    if (subject.role === 'visitor')
      throw helplineError('auth/forbidden', { operation: 'use the messaging console routes' });
    return subject;
  }

  /** The hub's own rule: whoever may read the conversation's history may see its messaging state. */
  async function mayRead(subject: Subject, cid: string): Promise<void> {
    await context.hub.execute(subject, 'history', { cid, limit: 1 });
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    if (path === '/messaging/webhooks/inbound' || path === '/messaging/webhooks/status') {
      if (method !== 'POST') throw helplineError('not-found', { entity: 'Route', id: `${method} ${path}` });
      const body = await readBody(request, MESSAGING_BODY_LIMIT);
      await context.verifier.verify(request.headers.authorization, body);
      const fields = parseJson(body, 'messaging');
      const result =
        path === '/messaging/webhooks/inbound'
          ? await context.adapter.inbound(fields)
          : await context.adapter.status(fields);
      sendJson(response, 200, { duplicate: result.duplicate });
      return;
    }
    const match = CONVERSATION.exec(path);
    const cid = match?.[1];
    if (!cid) throw helplineError('not-found', { entity: 'Route', id: path });
    const subject = await staff(request);
    await mayRead(subject, cid);
    const state = await context.adapter.conversation(cid);
    if (!state) throw helplineError('not-found', { entity: 'Messaging conversation', id: cid });
    if (!match[2] && method === 'GET') {
      sendJson(response, 200, state);
      return;
    }
    if (!match[2] || method !== 'POST')
      throw helplineError('not-found', { entity: 'Route', id: `${method} ${path}` });
    // Sending is the assigned agent's, as writing in the conversation is.
    if (context.hub.interaction(cid)?.agentId !== subject.id)
      throw helplineError('auth/forbidden', { operation: 'send in a conversation not assigned to you' });
    const parsed = v.safeParse(
      sendSchema,
      parseJson(await readBody(request, MESSAGING_BODY_LIMIT), 'messaging.send'),
    );
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const field = issue ? (v.getDotPath(issue) ?? 'body') : 'body';
      throw helplineError(
        'validation/field',
        { scope: 'messaging.send', field, detail: issue?.message ?? 'is not valid' },
        { field },
      );
    }
    const { id, ...rest } = parsed.output;
    const clientMsgId = routeClientMsgId(cid, id);
    if (rest.kind !== 'template') {
      // A file is a message with an attachment: the hub checks that it is this agent's upload to this conversation,
      // keeps it in the history, and hands it to the adapter, which sends it as media through a signed link.
      const { seq } = await context.hub.execute(subject, 'message.send', {
        cid,
        clientMsgId,
        text: rest.caption ?? '',
        // The hub keeps the store's facts of the file (name, type, size), not these.
        attachments: [{ id: rest.attachmentId, name: 'file', type: 'application/octet-stream', size: 0 }],
      });
      sendJson(response, 202, { id, seq });
      return;
    }
    const content: OutboundContent = {
      kind: 'template',
      name: rest.name,
      locale: rest.locale,
      parameters: rest.parameters,
    };
    let sent: Awaited<ReturnType<MessagingAdapter['send']>> | undefined;
    let refused: unknown;
    try {
      sent = await context.adapter.send({
        id: routeSendId(cid, clientMsgId),
        channel: state.channel,
        from: state.sender,
        to: state.customer,
        content,
      });
    } catch (error) {
      refused = error;
    }
    // Recorded in the conversation whatever Vonage answered (a refusal as a failed receipt): the hub hands the
    // message to the adapter, which finds this send under the same id instead of sending it again.
    await context.hub.execute(subject, 'message.send', {
      cid,
      clientMsgId,
      text: templateText(state, content),
    });
    if (refused !== undefined || !sent) throw refused;
    sendJson(response, 202, { id, externalId: sent.externalId, receipt: sent.receipt });
  }

  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://helpline.invalid');
    if (!url.pathname.startsWith(MESSAGING_PREFIX)) return false;
    route(request, response, url).catch((error: unknown) => {
      const typed = toHelplineError(error);
      if (typed.code === 'internal' || typed.code === 'unavailable')
        context.log.error('messaging.http-failed', { path: url.pathname }, error);
      else if (typed.code === 'messaging/webhook-refused')
        context.log.warn('messaging.webhook-refused', { path: url.pathname, reason: typed.message });
      if (!response.headersSent) fail(response, typed);
      else response.destroy();
    });
    return true;
  };
}
