import { type AttachmentPolicy, DEFAULT_ATTACHMENT_POLICY, messagingFailure } from '@helpline/core';
import { type AttachmentStore, adoptChannelFiles, type ShareLinks } from '../../attachments';

// Media in and out. Inbound: Vonage announces a short-lived URL; the adapter fetches the file once, when the message
// is taken in, keeps it in the attachments store and names it in the message. Outbound: Vonage fetches our file from
// a signed, short-lived link to the attachment.

/**
 * What the messaging adapter needs of the attachments store (packages/server/src/attachments): keep a file taken in
 * from a customer, bind it to its message, and share one with Vonage. The store checks its own allow-list (type by
 * content, size) and the scanner, and refuses with an `attachment/…` error.
 */
export interface MessagingAttachments {
  /** Keeps a file from an inbound message; resolves with the stored attachment, rejects with the store's refusal. */
  put(file: {
    readonly name: string;
    readonly type: string;
    readonly bytes: Uint8Array;
    /** Where it came from, for the store's records (`whatsapp:<message_uuid>`). */
    readonly origin: string;
  }): Promise<StoredMedia>;
  /** Binds the kept files of an inbound message to it, once the hub stored it (`clientMsgId` `<channel>:<uuid>`). */
  adopt(ids: readonly string[], to: { readonly cid: string; readonly clientMsgId: string }): Promise<void>;
  /** A URL the Messages API can fetch the attachment from (https, signed and short-lived), with what it is. */
  shareUrl(id: string): Promise<{ readonly url: string; readonly name: string; readonly type: string }>;
}

/**
 * The server's attachments store as the messaging adapter uses it: inbound media kept with `put` under `policy` (the
 * allow-list of files that arrive on a channel) and the scanner; outbound media shared through signed `shares` links.
 * Without `shares` (no `messaging.publicUrl`), outbound media is refused with `messaging/unsupported` and kept with a
 * failed receipt.
 */
export function attachmentsForMessaging(
  store: Pick<AttachmentStore, 'put' | 'adopt' | 'get'>,
  options: { readonly policy?: AttachmentPolicy | undefined; readonly shares?: ShareLinks | undefined } = {},
): MessagingAttachments {
  const policy = options.policy ?? DEFAULT_ATTACHMENT_POLICY;
  return {
    put: (file) => store.put(file.bytes, { name: file.name, type: file.type, origin: file.origin, policy }),
    adopt: (ids, to) =>
      adoptChannelFiles(
        store,
        ids.map((id) => ({ id })),
        to,
      ),
    async shareUrl(id) {
      if (!options.shares) {
        throw messagingFailure('messaging/unsupported', {
          channel: 'this server',
          what: 'media without messaging.publicUrl (the address Vonage fetches files from)',
        });
      }
      const record = await store.get(id);
      if (record?.status !== 'complete') {
        throw messagingFailure('messaging/media', { id, detail: 'no such attachment' });
      }
      return {
        url: options.shares.url(id),
        name: record.name,
        type: record.type ?? 'application/octet-stream',
      };
    },
  };
}

/** An attachment as the store kept it. */
export interface StoredMedia {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

/** A file fetched from a media URL. */
export interface FetchedMedia {
  readonly bytes: Uint8Array;
  /** The `content-type` Vonage (or the app's CDN) answered; the store sniffs the content anyway. */
  readonly type: string;
}

/** Fetches an inbound media URL. */
export type MediaFetcher = (url: string) => Promise<FetchedMedia>;

/** Options of {@link createMediaFetcher}. */
export interface MediaFetcherOptions {
  /** Largest file fetched, bytes (the `messaging.mediaMaxBytes` setting). */
  readonly maxBytes: number;
  /** Headers proving who we are to Vonage's own media hosts (its JWT or basic auth); other hosts get none. */
  readonly authorize?: ((url: string) => Promise<Readonly<Record<string, string>>>) | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly timeoutMs?: number | undefined;
}

// Vonage serves WhatsApp media from its API hosts (api-eu.nexmo.com/v3/media/…), behind the account's credentials.
const VONAGE_HOST = /(^|\.)(nexmo|vonage)\.com$/i;

/**
 * Creates the fetcher of inbound media: https only, at most `maxBytes` (refused as soon as a declared or read length
 * passes it), within a time limit. Failures are `messaging/media` errors naming the message's URL host only.
 */
export function createMediaFetcher(options: MediaFetcherOptions): MediaFetcher {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async (url) => {
    const parsed = new URL(url);
    const failed = (detail: string, cause?: unknown) =>
      messagingFailure('messaging/media', { id: parsed.host, detail }, cause === undefined ? {} : { cause });
    if (parsed.protocol !== 'https:' && !/^(127\.0\.0\.1|localhost)$/.test(parsed.hostname))
      throw failed('not an https URL');
    const headers =
      VONAGE_HOST.test(parsed.hostname) && options.authorize ? await options.authorize(url) : {};
    let response: Response;
    try {
      response = await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw failed('no answer', error);
    }
    if (!response.ok || !response.body) throw failed(`HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > options.maxBytes) {
      await response.body.cancel();
      throw failed(`${declared} bytes > ${options.maxBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > options.maxBytes) throw failed(`over ${options.maxBytes} bytes`);
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return { bytes, type: (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '' };
  };
}

/** A file name for media that came without one: its kind and the message it came with (`image-8f3c1a2b.jpg`). */
export function mediaFileName(kind: string, messageUuid: string, type: string, given?: string): string {
  if (given?.trim()) return given.trim().slice(0, 200);
  const extension = EXTENSIONS[type] ?? '';
  return `${kind}-${messageUuid.slice(0, 8)}${extension}`;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/aac': '.aac',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'video/3gpp': '.3gp',
  'application/pdf': '.pdf',
};
