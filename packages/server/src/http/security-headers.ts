import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The headers every response of the server carries — JSON, transcripts, errors, 404s, 405s, preflights, health
 * checks, Vonage webhooks and refused WebSocket upgrades. Nothing the server sends is a page: it may not be
 * framed, run anything or be read by another site outside CORS. Browsers check `Cross-Origin-Resource-Policy`
 * only on no-cors requests; the widget's `fetch` calls are CORS requests and its socket is a WebSocket, so
 * `same-site` keeps other sites' `<script>`/`<img>` reads out without touching embedded widgets.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
};

/** HSTS for a year; not `includeSubDomains`, since the server cannot know that every subdomain speaks TLS. */
export const HSTS = 'max-age=31536000';

/**
 * Whether `request` reached us over TLS: our own socket is encrypted, or the proxy in front says so
 * (`X-Forwarded-Proto: https` or `Forwarded: proto=https`). A client could claim it on plain HTTP too, but
 * browsers ignore `Strict-Transport-Security` received over plain HTTP, so the claim gains it nothing.
 */
export function isSecureRequest(request: IncomingMessage): boolean {
  if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
  const forwardedProto = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',')[0]?.trim();
  if (first?.toLowerCase() === 'https') return true;
  return /(?:^|[;,\s])proto="?https"?(?:[;,\s]|$)/i.test(request.headers.forwarded ?? '');
}

/** The security headers for one response to `request`: {@link API_SECURITY_HEADERS}, plus HSTS over TLS. */
export function securityHeaders(request: IncomingMessage): Record<string, string> {
  return isSecureRequest(request)
    ? { ...API_SECURITY_HEADERS, 'strict-transport-security': HSTS }
    : { ...API_SECURITY_HEADERS };
}

/**
 * Ends a raw socket (a refused WebSocket upgrade, a malformed request) with a plain-text HTTP response that
 * carries the same security headers as every other answer.
 */
export function endRawResponse(
  socket: Duplex,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  const all: Record<string, string> = {
    ...headers,
    connection: 'close',
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  };
  const head = Object.entries(all)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n\r\n${text}`);
}
