// The demo's static server: every answer (pages, assets, 404s, 405s, malformed requests) carries the security
// headers, pages the strict CSP the widget and console work under.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/** The shape of ./static-server.mjs, which ships no types. */
interface StaticServerModule {
  startStaticServer(options: {
    mounts: Record<string, string>;
    csp?: string;
  }): Promise<{ url: string; port: number; close(): Promise<void> }>;
  strictCsp(connect: readonly string[]): string;
}
const modulePath = './static-server.mjs';
const { startStaticServer, strictCsp } = (await import(modulePath)) as StaticServerModule;

const CSP = strictCsp(['http://127.0.0.1:8787', 'ws://127.0.0.1:8787']);
const EXPECTED: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'SAMEORIGIN',
  'content-security-policy': CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), geolocation=(), microphone=(self), payment=(), usb=()',
};

function assertHeaders(headers: Headers, what: string, secure = false): void {
  for (const [name, value] of Object.entries(EXPECTED))
    assert.equal(headers.get(name), value, `${what}: ${name}`);
  assert.equal(headers.get('strict-transport-security'), secure ? 'max-age=31536000' : null, `${what}: HSTS`);
}

let dir = '';
let site: Awaited<ReturnType<StaticServerModule['startStaticServer']>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'helpline-static-'));
  mkdirSync(join(dir, 'pages', 'shop'), { recursive: true });
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'pages', 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(dir, 'pages', 'shop', 'index.html'), '<!doctype html><title>shop</title>');
  writeFileSync(join(dir, 'pages', 'style.css'), 'body { margin: 0 }');
  writeFileSync(join(dir, 'assets', 'widget.js'), 'export {};');
  writeFileSync(join(dir, 'secret.txt'), 'outside every mount');
  site = await startStaticServer({
    mounts: { '/': join(dir, 'pages'), '/assets/': join(dir, 'assets') },
    csp: CSP,
  });
});

after(async () => {
  await site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the static server', () => {
  it('sends the security headers on pages, assets and every error', async () => {
    const cases: [string, string, RequestInit, number, string | null][] = [
      ['landing page', '/', {}, 200, 'text/html; charset=utf-8'],
      ['page in a folder', '/shop/', {}, 200, 'text/html; charset=utf-8'],
      ['stylesheet', '/style.css', {}, 200, 'text/css; charset=utf-8'],
      ['script', '/assets/widget.js', {}, 200, 'text/javascript; charset=utf-8'],
      ['HEAD', '/', { method: 'HEAD' }, 200, 'text/html; charset=utf-8'],
      ['missing file', '/nothing.html', {}, 404, 'text/plain; charset=utf-8'],
      ['path escape', '/..%2fsecret.txt', {}, 404, 'text/plain; charset=utf-8'],
      ['malformed escape', '/%E0%A4%A', {}, 400, 'text/plain; charset=utf-8'],
      ['POST', '/', { method: 'POST', body: 'x' }, 405, 'text/plain; charset=utf-8'],
      ['DELETE', '/shop/', { method: 'DELETE' }, 405, 'text/plain; charset=utf-8'],
    ];
    for (const [what, path, init, status, type] of cases) {
      const response = await fetch(`${site.url}${path}`, init);
      const body = await response.text();
      assert.equal(response.status, status, what);
      assert.equal(response.headers.get('content-type'), type, what);
      assertHeaders(response.headers, what);
      assert.ok(!body.includes('outside every mount'), what);
      if (status === 405) assert.equal(response.headers.get('allow'), 'GET, HEAD');
    }
  });

  it('keeps the pages under a strict policy: no inline code, no eval, Trusted Types, framed only by itself', () => {
    assert.doesNotMatch(CSP, /unsafe-inline|unsafe-eval/);
    assert.match(CSP, /require-trusted-types-for 'script'/);
    assert.match(CSP, /frame-ancestors 'self'/);
    assert.match(CSP, /object-src 'none'/);
  });

  it('adds HSTS only behind a proxy that says the request came over TLS', async () => {
    const secure = await fetch(`${site.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    await secure.arrayBuffer();
    assertHeaders(secure.headers, 'through a TLS proxy', true);
    const plain = await fetch(`${site.url}/`, { headers: { 'x-forwarded-proto': 'http' } });
    await plain.arrayBuffer();
    assertHeaders(plain.headers, 'plain');
  });

  it('answers a request Node refuses before the handler with the same headers', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(site.port, '127.0.0.1', () => socket.write('NOT HTTP\r\n\r\n'));
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const [statusLine = '', ...lines] = (answer.split('\r\n\r\n')[0] ?? '').split('\r\n');
    assert.match(statusLine, /^HTTP\/1\.1 400 /);
    const headers = new Headers(
      lines.map((line): [string, string] => [
        line.slice(0, line.indexOf(':')),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    assertHeaders(headers, 'malformed request');
  });
});
