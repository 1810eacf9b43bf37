// A small static file server for the demo and the end-to-end tests: serves mounted folders with the right MIME
// types, no directory listings, no path escapes, and the security headers (a strict Content-Security-Policy among
// them) on every response, 404s included.
import { createReadStream, statSync } from 'node:fs';
import { createServer, STATUS_CODES } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The policy every demo page is served with: no inline script or style, no eval, Trusted Types required with
 * only Lit's template policy allowed. `connect` lists the API/WebSocket origins the page may reach.
 */
export function strictCsp(connect) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${connect.join(' ')}`,
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
    "require-trusted-types-for 'script'",
    'trusted-types lit-html',
  ].join('; ');
}

/** Origins the pages may use the microphone in: their own (browser voice calls); no other device or API. */
const PERMISSIONS_POLICY = 'camera=(), geolocation=(), microphone=(self), payment=(), usb=()';

/**
 * The headers of every response (pages, scripts, styles, 404s, 405s), set in this one place. `csp` is the page
 * policy; it goes on every response, since a script or a 404 has no use for a looser one. Pages may be framed only
 * by their own origin (the demo frames nothing; a host site framing its own pages keeps working). No referrer:
 * the Helpline server checks `Origin`, which CORS and WebSocket requests carry whatever the referrer policy, and
 * a host page's address (order numbers, reset links) is none of its business. HSTS only when a TLS proxy in front
 * says the request came over https (browsers ignore it on plain http anyway).
 */
export function securityHeaders(request, csp) {
  const headers = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'SAMEORIGIN',
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': PERMISSIONS_POLICY,
    'cache-control': 'no-store',
  };
  const proto = String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase();
  if (proto === 'https' || request.socket.encrypted === true) {
    headers['strict-transport-security'] = 'max-age=31536000';
  }
  return headers;
}

function resolveFile(mounts, urlPath) {
  for (const [prefix, folder] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = decodeURIComponent(urlPath.slice(prefix.length)) || 'index.html';
    const path = normalize(join(folder, rest));
    // Refuse anything that resolves outside the mounted folder.
    if (path !== folder && !path.startsWith(folder.endsWith(sep) ? folder : folder + sep)) return undefined;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) return path;
    const index = join(path, 'index.html');
    if (stat?.isDirectory() && statSync(index, { throwIfNoEntry: false })?.isFile()) return index;
  }
  return undefined;
}

/**
 * Starts a static server on 127.0.0.1. `mounts` maps URL prefixes ('/', '/assets/') to absolute folders,
 * longest prefix first; `csp` is the pages' policy (default {@link strictCsp} with no other origin). Resolves
 * with `{ url, port, close() }`.
 */
export function startStaticServer({ port = 0, host = '127.0.0.1', mounts, csp = strictCsp([]) }) {
  const ordered = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders(request, csp)))
      response.setHeader(name, value);
    const text = (status, body, headers = {}) =>
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      text(405, 'Method not allowed', { allow: 'GET, HEAD' });
      return;
    }
    let file;
    try {
      file = resolveFile(ordered, new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      // A malformed %-escape in the path.
      text(400, 'Bad request');
      return;
    }
    if (!file) {
      text(404, 'Not found');
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  // Requests Node refuses before the handler (malformed, oversized headers) get the same headers too.
  server.on('clientError', (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason = STATUS_CODES[status];
    const headers = { ...securityHeaders({ headers: {}, socket }, csp), connection: 'close' };
    headers['content-type'] = 'text/plain; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(reason));
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head.join('\r\n')}\r\n\r\n${reason}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        url: `http://${host}:${address.port}`,
        port: address.port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
