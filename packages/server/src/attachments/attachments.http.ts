import type { ServerResponse } from 'node:http';
import { PREVIEW_TYPES } from '@helpline/core';

// How a stored file leaves the server: never as a page. A download is `Content-Disposition: attachment`; only a
// safe raster image (png, jpeg, gif, webp — never SVG) may be shown inline, for a preview. Every answer forbids
// sniffing and runs any document in a sandbox with nothing allowed, in case a browser renders it anyway.

/** Types served under their own name; anything else (HTML, SVG, XML, scripts, unknown) as `application/octet-stream`. */
const SERVED_AS_IS: ReadonlySet<string> = new Set([
  ...PREVIEW_TYPES,
  'application/pdf',
  'text/plain',
  'text/csv',
]);

/** The headers of a stored file's answer, besides the server's own security headers. */
export function downloadHeaders(file: {
  readonly name: string;
  readonly type: string | undefined;
  readonly size: number;
  readonly inline: boolean;
}): Record<string, string> {
  const type = file.type && SERVED_AS_IS.has(file.type) ? file.type : 'application/octet-stream';
  const inline = file.inline && PREVIEW_TYPES.includes(type);
  return {
    'content-type': type.startsWith('text/') ? `${type}; charset=utf-8` : type,
    'content-length': String(file.size),
    'content-disposition': contentDisposition(inline ? 'inline' : 'attachment', file.name),
    'content-security-policy': "sandbox; default-src 'none'",
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-site',
    'cache-control': 'private, no-store',
    'x-download-options': 'noopen',
  };
}

/**
 * `Content-Disposition` with the name twice (RFC 6266): `filename="…"`, an ASCII stand-in for old clients, and
 * `filename*=UTF-8''…`, the exact name percent-encoded (RFC 8187). Nothing of the name can end the header or
 * start a parameter: quotes, backslashes, semicolons and controls never appear unencoded.
 *
 * @example
 * ```ts
 * contentDisposition('attachment', 'Résumé "final".pdf');
 * // attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf
 * ```
 */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\;%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*!]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Writes `pieces` as the body, stopping when the client goes away. */
export async function streamBody(response: ServerResponse, pieces: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const piece of pieces) {
    if (response.destroyed) return;
    if (!response.write(piece)) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
    }
  }
  response.end();
}

/** The first byte of a `Content-Range: bytes a-b/total` header (or `Upload-Offset: a`), else undefined. */
export function offsetOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): number | undefined {
  const range = headers['content-range'];
  if (typeof range === 'string') {
    const match = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(range.trim());
    return match ? Number(match[1]) : undefined;
  }
  const offset = headers['upload-offset'];
  return typeof offset === 'string' && /^\d{1,15}$/.test(offset) ? Number(offset) : undefined;
}
