import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ATTACHMENT_LIMITS,
  type AttachmentPolicy,
  attachmentError,
  attachmentRefusal,
  helplineError,
  isHelplineError,
  VOICEMAIL_ATTACHMENT_POLICY,
} from '@helpline/core';
import type { Hub, Subject } from '@helpline/core/hub';
import * as v from 'valibot';
import type { ServerConfig } from '../config/config';
import type { TokenBuckets } from '../limits/rate-limit';
import { rateLimited } from '../limits/rate-limit';
import type { SqlStorage } from '../storage/sql.storage';
import { strictestPolicy } from './attachments.config';
import { downloadHeaders, offsetOf, streamBody } from './attachments.http';
import type { ShareLinks } from './attachments.share';
import type { AttachmentRecord, AttachmentStore } from './attachments.types';

// The attachment routes of the HTTP API. Uploads are restartable: create, then PUT the bytes (in one request or
// in chunks, each naming its first byte), then complete; a cut connection keeps what arrived, and `GET …/upload`
// says where to continue. Only the conversation's customer and its assigned agent upload to it; a file can be sent
// only by its uploader, in its conversation (the hub's claim); it is then readable by whoever may read that message.

/** What the attachment routes need. */
export interface AttachmentRoutesDeps {
  readonly store: AttachmentStore;
  readonly hub: Pick<Hub, 'execute'>;
  readonly storage: Pick<SqlStorage, 'getInteraction' | 'messageByClientId'>;
  readonly config: ServerConfig;
  readonly authenticate: (token: string) => Promise<Subject>;
  /** The site a visitor token was issued for: a visitor's uploads follow that site's allow-list, whatever it names. */
  readonly siteOfVisitor: (token: string) => Promise<string | undefined>;
  /** Uploads started, by (address, subject). */
  readonly uploadBuckets: TokenBuckets;
  /** Signed links for providers (Vonage fetching outbound media); absent: `…/shared` answers not-found. */
  readonly shares?: ShareLinks | undefined;
}

/** A request as the API handler hands it over. */
export interface AttachmentRequest {
  readonly method: string;
  readonly url: URL;
  readonly ip: string;
  readonly raw: IncomingMessage;
}

/** The attachment routes: `handle` answers a request under them and resolves true, or false for any other path. */
export interface AttachmentRoutes {
  handle(request: AttachmentRequest, response: ServerResponse): Promise<boolean>;
}

const ID = '[\\w.:-]{1,64}';
const CONVERSATION = new RegExp(`^/v1/conversations/(?<cid>${ID})/attachments(?<policy>/policy)?$`);
const ATTACHMENT = new RegExp(`^/v1/attachments/(?<id>${ID})(?<part>/upload|/complete|/shared)?$`);

const createBody = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  type: v.pipe(v.string(), v.maxLength(ATTACHMENT_LIMITS.type)),
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

async function readSmallJson(raw: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(raw.headers['content-type'] ?? '')) {
    throw helplineError('validation/field', {
      scope: 'attachments',
      field: 'content-type',
      detail: 'must be application/json',
    });
  }
  let text = '';
  for await (const chunk of raw) {
    text += String(chunk);
    if (text.length > 4096)
      throw helplineError('limit/size', { field: 'body', size: text.length, max: 4096 });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw helplineError('validation/field', { scope: 'attachments', field: 'body', detail: 'is not JSON' });
  }
}

/**
 * Creates the attachment routes.
 *
 * @example
 * ```ts
 * const routes = createAttachmentRoutes({ store, hub, storage, config, authenticate, uploadBuckets });
 * if (await routes.handle(request, response)) return;
 * ```
 */
export function createAttachmentRoutes(deps: AttachmentRoutesDeps): AttachmentRoutes {
  const { store } = deps;
  const sitePolicies = [...deps.config.sites.values()].map((site) => site.attachments);
  const anySite = strictestPolicy(sitePolicies);

  /** The site's policy when one is named, else only what every site allows. */
  function policyOf(site: string | undefined): AttachmentPolicy {
    if (site === undefined) return anySite;
    const config = deps.config.sites.get(site);
    if (!config) throw helplineError('site/unknown', { site });
    return config.attachments;
  }

  /** The site's list, but for a voicemail: its one recording is audio, whatever the site allows in chats. */
  async function policyIn(site: string | undefined, cid: string): Promise<AttachmentPolicy> {
    const stored = cid === '' ? undefined : await deps.storage.getInteraction(cid);
    return stored?.interaction.channel === 'voicemail' ? VOICEMAIL_ATTACHMENT_POLICY : policyOf(site);
  }

  const tokenOf = (request: AttachmentRequest): string => {
    const match = /^Bearer ([^\s]+)$/.exec(request.raw.headers.authorization ?? '');
    if (!match?.[1]) throw helplineError('auth/required');
    return match[1];
  };

  async function subjectOf(request: AttachmentRequest): Promise<Subject> {
    return deps.authenticate(tokenOf(request));
  }

  /**
   * The site whose allow-list applies: a visitor's is the one its token was issued for (naming another, with a wider
   * list, is refused); staff name the site, or get what every site allows.
   */
  async function siteFor(request: AttachmentRequest, subject: Subject): Promise<string | undefined> {
    const named = request.url.searchParams.get('site') ?? undefined;
    if (subject.role !== 'visitor') return named;
    const own = await deps.siteOfVisitor(tokenOf(request));
    if (named !== undefined && named !== own)
      throw helplineError('auth/forbidden', { operation: `attach files under site ${named}` });
    return own;
  }

  const metaOf = (request: AttachmentRequest, site: string | undefined) => ({
    ip: request.ip,
    ...(site ? { site } : {}),
    ...(request.raw.headers.origin ? { origin: request.raw.headers.origin } : {}),
  });

  /** Refuses anyone but the conversation's customer and its assigned agent, and a conversation that is over. */
  async function mayUpload(
    subject: Subject,
    cid: string,
    request: AttachmentRequest,
    site: string | undefined,
  ) {
    // The hub's own rules first: someone who may not read the conversation learns nothing more than it says.
    await deps.hub.execute(subject, 'history', { cid, limit: 1 }, metaOf(request, site));
    const stored = await deps.storage.getInteraction(cid);
    if (!stored) throw helplineError('not-found', { entity: 'Conversation', id: cid });
    const interaction = stored.interaction;
    const writer =
      subject.role === 'visitor'
        ? interaction.customer.id === subject.id
        : subject.role === 'agent' && interaction.agentId === subject.id;
    if (!writer) throw helplineError('auth/forbidden', { operation: 'attach files to this conversation' });
    if (!stored.open) {
      throw helplineError('conflict/state', {
        operation: 'attach a file',
        entity: 'conversation',
        state: interaction.state,
      });
    }
  }

  /**
   * A file not yet sent is its uploader's alone; a sent one is readable by whoever may read the message that carries
   * it (a former agent only up to their leave, a supervisor always): the hub's history rules decide.
   */
  async function mayRead(
    subject: Subject,
    record: AttachmentRecord,
    request: AttachmentRequest,
  ): Promise<void> {
    const hidden = helplineError('not-found', { entity: 'Attachment', id: record.id });
    if (record.clientMsgId === undefined || record.cid === '') {
      if (record.uploaderId !== subject.id) throw hidden;
      return;
    }
    const message = await deps.storage.messageByClientId(record.cid, record.clientMsgId);
    if (!message) throw hidden;
    const page = await deps.hub
      .execute(
        subject,
        'history',
        { cid: record.cid, after: message.seq - 1, limit: 1 },
        metaOf(request, record.site),
      )
      .catch(() => {
        throw hidden;
      });
    if (page.events[0]?.seq !== message.seq) throw hidden;
    // A voicemail's recording is played to the staff who may read it (its agents, supervisors), never to visitors.
    if (subject.role === 'visitor') {
      const stored = await deps.storage.getInteraction(record.cid);
      if (stored?.interaction.channel === 'voicemail') throw hidden;
    }
  }

  async function uploaded(subject: Subject, id: string): Promise<AttachmentRecord> {
    const record = await store.get(id);
    if (!record || record.uploaderId !== subject.id)
      throw helplineError('not-found', { entity: 'Attachment', id });
    return record;
  }

  return {
    async handle(request, response) {
      const path = request.url.pathname;
      const conversation = CONVERSATION.exec(path);
      if (conversation?.groups) {
        const cid = conversation.groups.cid ?? '';
        const subject = await subjectOf(request);
        const site = await siteFor(request, subject);
        if (conversation.groups.policy) {
          if (request.method !== 'GET') return false;
          await deps.hub.execute(subject, 'history', { cid, limit: 1 }, metaOf(request, site));
          json(response, 200, await policyIn(site, cid));
          return true;
        }
        if (request.method !== 'POST') return false;
        const waitMs = deps.uploadBuckets.take(`${request.ip}|${subject.id}`);
        if (waitMs > 0) throw rateLimited(waitMs);
        const parsed = v.safeParse(createBody, await readSmallJson(request.raw));
        if (!parsed.success) {
          const field = parsed.issues[0]?.path?.map((p) => String(p.key)).join('.') || 'body';
          throw helplineError(
            'validation/field',
            { scope: 'attachments', field, detail: parsed.issues[0]?.message ?? 'is invalid' },
            { field },
          );
        }
        await mayUpload(subject, cid, request, site);
        const policy = await policyIn(site, cid);
        // The quick check on what the client declares; `complete` checks what arrived.
        const refused = attachmentRefusal(policy, parsed.output);
        if (refused) throw refused;
        const record = await store.create({ cid, uploaderId: subject.id, site, ...parsed.output });
        json(response, 201, {
          id: record.id,
          name: record.name,
          size: record.size,
          offset: 0,
          chunkBytes: ATTACHMENT_LIMITS.chunkBytes,
        });
        return true;
      }
      const attachment = ATTACHMENT.exec(path);
      if (!attachment?.groups) return false;
      const id = attachment.groups.id ?? '';
      const part = attachment.groups.part;
      if (part === '/shared' && (request.method === 'GET' || request.method === 'HEAD')) {
        // No token: the signature in the link is the permission (a provider fetching outbound media).
        if (!deps.shares) throw helplineError('not-found', { entity: 'Attachment', id });
        const { searchParams } = request.url;
        deps.shares.check(id, searchParams.get('expires'), searchParams.get('signature'));
        const record = await store.get(id);
        if (record?.status !== 'complete') throw helplineError('not-found', { entity: 'Attachment', id });
        response.writeHead(
          200,
          downloadHeaders({ name: record.name, type: record.type, size: record.received, inline: false }),
        );
        if (request.method === 'GET') await streamBody(response, store.read(record));
        else response.end();
        return true;
      }
      const subject = await subjectOf(request);
      if (part === '/upload' && request.method === 'GET') {
        const record = await uploaded(subject, id);
        json(
          response,
          200,
          { id, size: record.size, offset: record.received, status: record.status },
          { 'upload-offset': String(record.received) },
        );
        return true;
      }
      if (part === '/complete' && request.method === 'POST') {
        const record = await uploaded(subject, id);
        json(response, 200, await store.complete(id, await policyIn(record.site, record.cid)));
        return true;
      }
      if (part === undefined && request.method === 'PUT') {
        const record = await uploaded(subject, id);
        const offset = offsetOf(request.raw.headers);
        if (offset === undefined) {
          throw helplineError('validation/field', {
            scope: 'attachments',
            field: 'content-range',
            detail: 'must be "bytes <first>-<last>/<size>"',
          });
        }
        /** Out of step: say where the stored bytes end, so the client continues from there. */
        const outOfStep = async () => {
          const received = (await store.get(id))?.received ?? 0;
          const error = attachmentError('attachment/offset', { id, expected: received, offset });
          json(response, 409, { error: error.toPayload() }, { 'upload-offset': String(received) });
          return true;
        };
        if (offset !== record.received) return outOfStep();
        let stored: number;
        try {
          stored = await store.write(id, offset, request.raw);
        } catch (error) {
          // An earlier write of this upload (a cut request still finishing) moved the offset first.
          if (isHelplineError(error) && error.code === 'attachment/offset' && !response.headersSent)
            return outOfStep();
          throw error;
        }
        json(response, 200, { id, offset: stored, size: record.size }, { 'upload-offset': String(stored) });
        return true;
      }
      if (part === undefined && request.method === 'GET') {
        const record = await store.get(id);
        if (record?.status !== 'complete') throw helplineError('not-found', { entity: 'Attachment', id });
        await mayRead(subject, record, request);
        const inline = request.url.searchParams.get('preview') === '1';
        response.writeHead(
          200,
          downloadHeaders({ name: record.name, type: record.type, size: record.received, inline }),
        );
        if (request.method === 'GET') await streamBody(response, store.read(record));
        return true;
      }
      return false;
    },
  };
}
