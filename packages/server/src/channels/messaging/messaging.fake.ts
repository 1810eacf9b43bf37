// Test doubles of the messaging adapter's ports. The Messages client fake implements the SDK's own `send` signature
// (`Pick<Messages, 'send'>` from @vonage/messages): if the SDK changes what `send` takes or returns, this file stops
// compiling. Test-only.
import { createHash, randomUUID } from 'node:crypto';
import type { Messages } from '@vonage/messages';
import { SignJWT } from 'jose';
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
  readonly files: Map<string, StoredMedia & { readonly bytes: Uint8Array; readonly origin: string }>;
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
