// A small static file server for the demo and the end-to-end tests: serves mounted folders with the right MIME
// types, no directory listings, no path escapes, and a strict Content-Security-Policy on HTML pages.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
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
 * longest prefix first. Resolves with `{ url, close() }`.
 */
export function startStaticServer({ port = 0, host = '127.0.0.1', mounts, csp }) {
  const ordered = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const server = createServer((request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file =
      request.method === 'GET' || request.method === 'HEAD' ? resolveFile(ordered, urlPath) : undefined;
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    const headers = {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    if (type.startsWith('text/html') && csp) headers['content-security-policy'] = csp;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
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
