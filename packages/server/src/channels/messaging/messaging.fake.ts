// Test doubles of the messaging adapter's ports, and a loopback stand-in for the Messages API itself. The Messages client fake implements the SDK's own `send` signature
// (`Pick<Messages, 'send'>` from @vonage/messages): if the SDK changes what `send` takes or returns, this file stops
// compiling. Test-only.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InboundMessage } from '@helpline/core/hub';
import type { Messages } from '@vonage/messages';
import { SignJWT } from 'jose';
import type { MessagingIntake } from './messaging.adapter';
import type { MessagingAttachments, StoredMedia } from './messaging.media';
import type { MessagesPort, SdkMessage } from './messaging.sender';

/** A refusal the fake answers the next send with, the way the SDK reports one (a `VetchError` with a response). */
export interface FakeRefusal {
  readonly status: number;
  /** Vonage's RFC 7807 body (`type`, `title`, `detail`). */
  readonly body?: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;
}

/** One send the fake received. */
export interface FakeSend {
  readonly message: SdkMessage;
  /** The id the fake answered with; absent when it refused. */
  readonly messageUUID?: string | undefined;
}

/** The fake Messages client. */
export interface FakeMessages extends MessagesPort {
  readonly sends: FakeSend[];
  /** Makes the next send fail with this HTTP refusal; `'network'` throws as a lost connection does. */
  failNext(refusal: FakeRefusal | 'network'): void;
}

/** Creates the fake: every send succeeds with a fresh `message_uuid` unless a refusal is queued. */
export function createFakeMessages(): FakeMessages {
  const sends: FakeSend[] = [];
  const refusals: (FakeRefusal | 'network')[] = [];
  const send: Messages['send'] = async (message) => {
    const refusal = refusals.shift();
    if (refusal === 'network') {
      sends.push({ message });
      throw new TypeError('fetch failed');
    }
    if (refusal) {
      sends.push({ message });
      const response = new Response(JSON.stringify(refusal.body ?? {}), {
        status: refusal.status,
        headers: {
          'content-type': 'application/problem+json',
          ...(refusal.retryAfterSeconds === undefined
            ? {}
            : { 'retry-after': String(refusal.retryAfterSeconds) }),
        },
      });
      throw Object.assign(new Error(`Request failed with status code ${refusal.status}`), { response });
    }
    const messageUUID = randomUUID();
    sends.push({ message, messageUUID });
    return { messageUUID };
  };
  return {
    sends,
    send,
    failNext(refusal) {
      refusals.push(refusal);
    },
  };
}

/** An in-memory attachments store: what was kept, and share URLs on a fake host. */
export interface MemoryAttachments extends MessagingAttachments {
  readonly files: Map<
    string,
    StoredMedia & {
      readonly bytes: Uint8Array;
      readonly origin: string;
      /** The message it was bound to (`adopt`), once bound. */
      adopted?: { readonly cid: string; readonly clientMsgId: string };
    }
  >;
}

/** Creates the in-memory attachments store; `refuse(type)` makes it refuse a type, as an allow-list would. */
export function createMemoryAttachments(refuse: (type: string) => boolean = () => false): MemoryAttachments {
  const files: MemoryAttachments['files'] = new Map();
  let next = 1;
  return {
    files,
    async put(file) {
      if (refuse(file.type)) throw new Error(`type ${file.type} is not allowed`);
      const id = `att-${next++}`;
      const stored = { id, name: file.name, type: file.type, size: file.bytes.length };
      files.set(id, { ...stored, bytes: file.bytes, origin: file.origin });
      return stored;
    },
    async adopt(ids, to) {
      for (const id of ids) {
        const file = files.get(id);
        if (file) file.adopted = to;
      }
    },
    async shareUrl(id) {
      const file = files.get(id);
      if (!file) throw new Error(`no attachment ${id}`);
      return { url: `https://files.example/a/${id}?sig=test`, name: file.name, type: file.type };
    },
  };
}

/**
 * An `Authorization` header for `body` signed as Vonage signs a Messages webhook (HS256 with the signature secret,
 * `payload_hash`, `iat`, `jti`, the application id); each option spoils one part, to test refusals.
 */
export async function signMessagesWebhook(
  secret: string,
  applicationId: string,
  body: Buffer | string,
  options: {
    secret?: string;
    iat?: number;
    jti?: string;
    hashOf?: Buffer | string;
    applicationId?: string;
  } = {},
): Promise<string> {
  const jwt = await new SignJWT({
    application_id: options.applicationId ?? applicationId,
    api_key: 'abcd1234',
    payload_hash: createHash('sha256')
      .update(options.hashOf ?? body)
      .digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Vonage')
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? randomUUID())
    .sign(new TextEncoder().encode(options.secret ?? secret));
  return `Bearer ${jwt}`;
}

/** One request the loopback Messages API received. */
export interface FakeApiRequest {
  readonly path: string;
  readonly authorization: string;
  readonly body: Record<string, unknown>;
  /** The `message_uuid` it answered; absent when it refused. */
  readonly messageUuid?: string | undefined;
}

/** A loopback stand-in for `POST /v1/messages`, for the real SDK client (`apiHost` = its `url`). */
export interface FakeMessagesApi {
  readonly url: string;
  readonly requests: FakeApiRequest[];
  /** Makes the next request answer this status and RFC 7807 body. */
  refuseNext(status: number, body?: Readonly<Record<string, unknown>>): void;
  /** Resolves with the first request (received or still to come) that matches. */
  next(match: (request: FakeApiRequest) => boolean, timeoutMs?: number): Promise<FakeApiRequest>;
  close(): Promise<void>;
}

/** Starts the loopback Messages API on 127.0.0.1: 202 with a fresh `message_uuid` unless a refusal is queued. */
export async function startFakeMessagesApi(): Promise<FakeMessagesApi> {
  const requests: FakeApiRequest[] = [];
  const refusals: { status: number; body: Readonly<Record<string, unknown>> }[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const refusal = refusals.shift();
      const messageUuid = refusal ? undefined : randomUUID();
      requests.push({
        path: request.url ?? '',
        authorization: request.headers.authorization ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        messageUuid,
      });
      for (const wake of [...waiters]) wake();
      response.writeHead(refusal?.status ?? 202, { 'content-type': 'application/json' });
      response.end(JSON.stringify(refusal?.body ?? { message_uuid: messageUuid }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    refuseNext(status, body = {}) {
      refusals.push({ status, body });
    },
    next(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.find(match);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `fake Messages API: no such request; got ${JSON.stringify(requests.map((r) => r.body))}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An intake standing in for `hub.channels`: what it was given, one conversation per thread key. */
export interface RecordingIntake {
  readonly intake: MessagingIntake;
  /** Each message once (a repeated `externalId` answers `duplicate`, as the hub does). */
  readonly received: InboundMessage[];
  readonly statuses: {
    readonly externalId: string;
    readonly status: string;
    readonly detail?: string | undefined;
  }[];
}

/** Creates the recording intake; conversations are `c1`, `c2`, … in the order their threads first wrote. */
export function createRecordingIntake(): RecordingIntake {
  const received: InboundMessage[] = [];
  const statuses: RecordingIntake['statuses'] = [];
  const cids = new Map<string, string>();
  const intake: MessagingIntake = {
    async receive(message) {
      const duplicate = received.some((r) => r.externalId === message.externalId);
      if (!duplicate) received.push(message);
      const created = !cids.has(message.threadKey);
      const cid = cids.get(message.threadKey) ?? `c${cids.size + 1}`;
      cids.set(message.threadKey, cid);
      return { cid, duplicate, created, reopened: false };
    },
    async status(_channel, externalId, status, detail) {
      statuses.push({ externalId, status, detail });
      return true;
    },
  };
  return { intake, received, statuses };
}
