import { createHmac, timingSafeEqual } from 'node:crypto';
import { helplineError } from '@helpline/core';

// Links that let a provider fetch one attachment without a token: Vonage fetches the media of an outbound WhatsApp,
// Messenger or MMS message from a URL we give it. The link names the attachment and when it expires, signed with a
// key every instance of the deployment shares (HMAC-SHA256); a changed id or expiry, or an old link, is refused.

/** Signs and checks share links of attachments. */
export interface ShareLinks {
  /** A URL anyone holding it may fetch attachment `id` from, until it expires. */
  url(id: string): string;
  /** Throws `auth/forbidden` unless `signature` signs `id` and `expires` (epoch seconds) and that is not past. */
  check(id: string, expires: string | null, signature: string | null): void;
}

/** Options of {@link createShareLinks}. */
export interface ShareLinksOptions {
  /** The signing key (at least 32 bytes of secret), the same on every instance. */
  readonly key: Uint8Array | string;
  /** The server's public base URL as the provider reaches it, with its base path (`https://help.example.com`). */
  readonly baseUrl: string;
  /** How long a link works. Default 15 minutes: long enough for a provider's retries, short for a leaked link. */
  readonly ttlMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** The path of an attachment's share link under the server's base URL. */
export function sharePath(id: string): string {
  return `/v1/attachments/${encodeURIComponent(id)}/shared`;
}

/**
 * Creates the signer and checker of share links.
 *
 * @example
 * ```ts
 * const links = createShareLinks({ key, baseUrl: 'https://help.example.com' });
 * links.url('att_1'); // https://help.example.com/v1/attachments/att_1/shared?expires=…&signature=…
 * ```
 */
export function createShareLinks(options: ShareLinksOptions): ShareLinks {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  const base = options.baseUrl.replace(/\/+$/, '');
  const sign = (id: string, expires: string) =>
    createHmac('sha256', options.key).update(`helpline.share\n${id}\n${expires}`).digest('base64url');
  const forbidden = (detail: string) =>
    helplineError('auth/forbidden', { operation: `fetch a shared attachment (${detail})` });
  return {
    url(id) {
      const expires = String(Math.ceil((now() + ttlMs) / 1000));
      return `${base}${sharePath(id)}?expires=${expires}&signature=${sign(id, expires)}`;
    },
    check(id, expires, signature) {
      if (expires === null || signature === null || !/^\d{1,12}$/.test(expires))
        throw forbidden('no valid signature');
      const expected = Buffer.from(sign(id, expires));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw forbidden('the signature does not match');
      if (Number(expires) * 1000 <= now()) throw forbidden('the link expired');
    },
  };
}
