import { type ErrorPayload, HelplineError, helplineError } from '../protocol/errors';
import { attachmentError } from '../protocol/errors.attachment';
import { ATTACHMENT_LIMITS } from './attachment.limits';
import { attachmentRefusal, baseType, cleanFileName, isTypeAllowed, UNKNOWN_TYPE } from './attachment.policy';
import { resolveType, SNIFF_BYTES, sniffType, typesAgree } from './attachment.sniff';
import type { AttachmentPolicy, AttachmentRef } from './attachment.types';

// The client side of an upload over the server's HTTP routes: the allow-list checked before a byte leaves, then
// create → PUT chunks (each naming its first byte) → complete. A dropped connection is not the end: the client asks
// the server how much it kept and continues from there, with a growing pause between tries.

/** Where and as whom a session uploads. */
export interface AttachmentClientOptions {
  /** The Helpline server's base URL (`https://help.example.com`, plus its base path if it has one). */
  readonly baseUrl: string;
  /** The caller's token, sent as a bearer token, never in the URL. */
  readonly token: () => string | Promise<string>;
  /** The site whose allow-list applies (the widget's site). Without one, only what every site allows. */
  readonly site?: string | undefined;
  /** The allow-list, when the page knows it already (the site config); else it is asked for once per conversation. */
  readonly policy?: AttachmentPolicy | undefined;
  readonly fetch?: typeof fetch | undefined;
  /** Bytes per PUT. Default 1 MiB. */
  readonly chunkBytes?: number | undefined;
  /** Tries after a dropped connection or a passing refusal, per chunk. Default 8. */
  readonly retries?: number | undefined;
  /** Waits `ms` (tests pass an instant one). Default a timer. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** What a file to upload must offer: a browser `File`, or any `Blob` with a name. */
export interface UploadFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  slice(start?: number, end?: number): Blob;
}

/** Options of one upload. */
export interface UploadOptions {
  /** Called as bytes are stored on the server: after each chunk, with the bytes stored and the total. */
  readonly onProgress?: ((stored: number, total: number) => void) | undefined;
  /** Aborts the upload (rejects with the signal's reason); what the server stored is forgotten later. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The allow-list this file is checked against before it is sent, instead of the conversation's (a voicemail's
   * recording: `VOICEMAIL_ATTACHMENT_POLICY`). The server checks again with its own.
   */
  readonly policy?: AttachmentPolicy | undefined;
}

/**
 * Refuses a file the allow-list does not allow, before anything is sent: its size, and its type as its first bytes
 * show it (a page renamed `.png` is refused here, as the server would).
 *
 * @example
 * ```ts
 * await checkFile(policy, file); // throws HelplineError 'attachment/too-large', 'attachment/type-not-allowed', …
 * ```
 */
export async function checkFile(policy: AttachmentPolicy, file: UploadFile): Promise<void> {
  const declared = baseType(file.type) || UNKNOWN_TYPE;
  const quick = attachmentRefusal(policy, { name: file.name, type: declared, size: file.size });
  // An unknown declared type may still be an allowed one: the content decides below.
  if (quick && !(quick.code === 'attachment/type-not-allowed' && declared === UNKNOWN_TYPE)) throw quick;
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const sniffed = sniffType(head);
  const name = cleanFileName(file.name);
  if (!typesAgree(declared, sniffed)) {
    throw attachmentError(
      'attachment/type-mismatch',
      { name, type: declared, actual: sniffed },
      { field: 'type' },
    );
  }
  const type = resolveType(declared, sniffed);
  if (!isTypeAllowed(policy, type)) {
    throw attachmentError(
      'attachment/type-not-allowed',
      { name, type, allowed: policy.types.length > 0 ? policy.types.join(', ') : 'none' },
      { field: 'type' },
    );
  }
}

/**
 * The download path of an attachment under a server's base URL; `preview` asks for a safe raster image inline (the
 * server still answers a download for any other type). Fetch it with the bearer token ({@link AttachmentUploader.fetchFile}):
 * tokens never go in URLs.
 *
 * @example
 * ```ts
 * attachmentUrl('https://help.example.com', ref.id, { preview: true }); // …/v1/attachments/att_…?preview=1
 * ```
 */
export function attachmentUrl(
  baseUrl: string,
  id: string,
  options: { readonly preview?: boolean } = {},
): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/attachments/${encodeURIComponent(id)}${options.preview ? '?preview=1' : ''}`;
}

/** An uploader bound to a server and a caller; `upload` may be called for any conversation the caller writes in. */
export interface AttachmentUploader {
  /** The allow-list of a conversation (asked for once, then kept). */
  policyOf(cid: string): Promise<AttachmentPolicy>;
  /** Uploads `file` to conversation `cid`; resolves with the stored attachment to name in `sendMessage`. */
  upload(cid: string, file: UploadFile, options?: UploadOptions): Promise<AttachmentRef>;
  /**
   * Fetches an attachment's content with the caller's token, for a `blob:` URL (a thumbnail, a save link): UIs never
   * point `<img>` or `<a>` at the server with a token.
   */
  fetchFile(
    id: string,
    options?: { readonly preview?: boolean; readonly signal?: AbortSignal },
  ): Promise<Blob>;
}

/** True for a failure of the network itself (no answer), which a retry may get past. */
const isDropped = (error: unknown) => error instanceof TypeError;

/**
 * Creates an uploader over the server's attachment routes.
 *
 * @example
 * ```ts
 * const uploader = createAttachmentUploader({ baseUrl: 'https://help.example.com', token: () => token, site: 'shop' });
 * const ref = await uploader.upload(cid, file, { onProgress: (stored, total) => bar.value = stored / total });
 * ```
 */
export function createAttachmentUploader(options: AttachmentClientOptions): AttachmentUploader {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const site = options.site ? `?site=${encodeURIComponent(options.site)}` : '';
  const chunkBytes = options.chunkBytes ?? ATTACHMENT_LIMITS.chunkBytes;
  const retries = options.retries ?? 8;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const policies = new Map<string, Promise<AttachmentPolicy>>();

  async function call(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await options.token()}`);
    return doFetch(`${base}${path}`, { ...init, headers });
  }

  /** The server's typed refusal in `response`. */
  async function refusal(response: Response, path: string): Promise<HelplineError> {
    const body = (await response.json().catch(() => undefined)) as { error?: ErrorPayload } | undefined;
    if (body?.error && typeof body.error.code === 'string') return HelplineError.fromPayload(body.error);
    return helplineError('internal', { detail: `HTTP ${response.status} from ${path}` });
  }

  async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await call(path, init);
    if (!response.ok) throw await refusal(response, path);
    return (await response.json()) as T;
  }

  /** Runs `attempt` again after a dropped connection or a passing refusal, with a growing pause. */
  async function patiently<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      signal?.throwIfAborted();
      try {
        return await attempt();
      } catch (error) {
        const passing =
          isDropped(error) ||
          (error instanceof HelplineError && (error.code === 'unavailable' || error.code === 'limit/rate'));
        if (!passing || tries >= retries || signal?.aborted) throw error;
        const retryAfter = error instanceof HelplineError ? (error.retryAfterMs ?? 0) : 0;
        await sleep(Math.max(retryAfter, Math.min(10_000, 250 * 2 ** tries)));
      }
    }
  }

  function policyOf(cid: string): Promise<AttachmentPolicy> {
    if (options.policy) return Promise.resolve(options.policy);
    let policy = policies.get(cid);
    if (!policy) {
      policy = json<AttachmentPolicy>(
        `/v1/conversations/${encodeURIComponent(cid)}/attachments/policy${site}`,
      );
      policy.catch(() => policies.delete(cid));
      policies.set(cid, policy);
    }
    return policy;
  }

  return {
    policyOf,
    async fetchFile(id, fetchOptions = {}) {
      const url = attachmentUrl('', id, fetchOptions);
      const response = await call(url, fetchOptions.signal ? { signal: fetchOptions.signal } : {});
      if (!response.ok) throw await refusal(response, url);
      return response.blob();
    },
    async upload(cid, file, uploadOptions = {}) {
      const { signal, onProgress } = uploadOptions;
      await checkFile(uploadOptions.policy ?? (await policyOf(cid)), file);
      const created = await patiently(signal, () =>
        json<{ id: string }>(`/v1/conversations/${encodeURIComponent(cid)}/attachments${site}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: file.name, type: baseType(file.type), size: file.size }),
          ...(signal ? { signal } : {}),
        }),
      );
      const path = `/v1/attachments/${encodeURIComponent(created.id)}`;
      let stored = 0;
      /** After a drop: how much the server kept. */
      const resync = async () => {
        stored = (await json<{ offset: number }>(`${path}/upload`, signal ? { signal } : {})).offset;
      };
      while (stored < file.size) {
        const start = stored;
        const end = Math.min(file.size, start + chunkBytes);
        await patiently(signal, async () => {
          if (stored !== start) return;
          let response: Response;
          try {
            response = await call(path, {
              method: 'PUT',
              headers: {
                'content-type': 'application/octet-stream',
                'content-range': `bytes ${start}-${end - 1}/${file.size}`,
              },
              body: file.slice(start, end),
              ...(signal ? { signal } : {}),
            });
          } catch (error) {
            // The connection dropped mid-chunk: part of it may be stored. Ask, then go on from there.
            if (isDropped(error)) await resync().catch(() => {});
            throw error;
          }
          if (response.status === 409) {
            // Out of step (a retried chunk, or one the server kept part of): continue where the server says.
            const offset = response.headers.get('upload-offset');
            if (offset !== null && /^\d{1,15}$/.test(offset)) stored = Number(offset);
            else await resync();
            return;
          }
          if (!response.ok) throw await refusal(response, path);
          stored = ((await response.json()) as { offset: number }).offset;
        });
        onProgress?.(stored, file.size);
      }
      return patiently(signal, () =>
        json<AttachmentRef>(`${path}/complete`, { method: 'POST', ...(signal ? { signal } : {}) }),
      );
    },
  };
}

/** The part of a session's options {@link uploadWith} reads. */
export interface SessionUploadSource {
  readonly token: string | (() => string | Promise<string>);
  readonly attachments?:
    | (Omit<AttachmentClientOptions, 'token'> & {
        readonly token?: AttachmentClientOptions['token'] | undefined;
      })
    | undefined;
}

/** One uploader per session (by its options object). */
const uploaders = new WeakMap<SessionUploadSource, AttachmentUploader>();

/**
 * The uploader of a session: this module is what sessions load on the first upload or download (so a visitor who
 * never attaches a file never downloads it), and it keeps one uploader per session. Throws `attachment/disabled` for
 * a session without `attachments` options.
 */
export function uploaderOf(session: SessionUploadSource): AttachmentUploader {
  const settings = session.attachments;
  if (!settings) throw attachmentError('attachment/disabled');
  let uploader = uploaders.get(session);
  if (!uploader) {
    const { token } = session;
    uploader = createAttachmentUploader({
      ...settings,
      token: settings.token ?? (async () => (typeof token === 'function' ? token() : token)),
    });
    uploaders.set(session, uploader);
  }
  return uploader;
}

/** A session's `upload` (see {@link uploaderOf}). */
export function uploadWith(
  session: SessionUploadSource,
  cid: string,
  file: UploadFile,
  options?: UploadOptions,
): Promise<AttachmentRef> {
  try {
    return uploaderOf(session).upload(cid, file, options);
  } catch (error) {
    return Promise.reject(error);
  }
}
