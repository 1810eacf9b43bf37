// Every answer of the server carries the security headers: JSON, text, errors, 404s, 405s, preflights, health
// checks, refused WebSocket upgrades and requests Node refuses itself. A database outage answers 503.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { SUBPROTOCOL } from '@helpline/core';
import { API_SECURITY_HEADERS, HSTS } from './http/security-headers';
import type { HelplineServer } from './server';
import { openStorage } from './storage/sql.storage';
import { freshPgliteDir } from './testing/databases';
import { activeChat, SITE_ORIGIN, startTestServer, TestClient, visitorToken } from './testing/harness';

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}) {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

function assertSecurityHeaders(headers: Headers, what: string, secure = false): void {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) {
    assert.equal(headers.get(name), value, `${what}: ${name}`);
  }
  assert.equal(headers.get('strict-transport-security'), secure ? HSTS : null, `${what}: HSTS`);
}

/** Sends raw bytes and parses the status line and headers of the answer. */
async function raw(s: HelplineServer, request: string): Promise<{ status: number; headers: Headers }> {
  const { port } = new URL(s.url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error(`no answer to ${request.split('\r\n')[0]}`)));
  });
  const [head = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

/** The status of an upgrade's answer, read as soon as its head arrives (an accepted socket stays open). */
async function upgradeStatus(s: HelplineServer, request: string): Promise<number> {
  const { port } = new URL(s.url);
  const head = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
  return Number(head.split(' ')[1]);
}

function upgrade(path: string, headers: Record<string, string> = {}): string {
  const all = {
    host: 'localhost',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-protocol': SUBPROTOCOL,
    ...headers,
  };
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('security headers of the server', () => {
  it('are on every HTTP answer: JSON, text, errors, 404, 405, preflights and health checks', async () => {
    const s = await server();
    const { visitor, agent, cid, visitorToken: token } = await activeChat(s);
    clients.push(visitor, agent);
    const cases: [string, string, RequestInit, number][] = [
      ['health', '/healthz', {}, 200],
      ['readiness', '/readyz', {}, 200],
      ['site config', '/v1/sites/shop/config', {}, 200],
      [
        'new visitor',
        '/v1/sessions/visitor',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SITE_ORIGIN },
          body: '{"site":"shop"}',
        },
        201,
      ],
      ['history', `/v1/conversations/${cid}/history`, { headers: { authorization: `Bearer ${token}` } }, 200],
      [
        'transcript (text)',
        `/v1/conversations/${cid}/transcript.txt`,
        { headers: { authorization: `Bearer ${token}` } },
        200,
      ],
      ['no token', `/v1/conversations/${cid}/history`, {}, 401],
      [
        'unknown conversation',
        '/v1/conversations/c_none/history',
        { headers: { authorization: `Bearer ${token}` } },
        404,
      ],
      [
        'bad body',
        '/v1/sessions/visitor',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' },
        400,
      ],
      ['unknown route', '/nothing/here', {}, 404],
      ['unknown Vonage route (not configured)', '/vonage/token', { method: 'POST' }, 404],
      ['wrong method', '/v1/sessions/visitor', {}, 405],
      [
        'preflight, allowed origin',
        '/v1/sessions/visitor',
        { method: 'OPTIONS', headers: { origin: SITE_ORIGIN } },
        204,
      ],
      [
        'preflight, other origin',
        '/v1/sessions/visitor',
        { method: 'OPTIONS', headers: { origin: 'https://evil.example' } },
        403,
      ],
      ['dev route without dev mode', '/v1/dev/tokens', { method: 'POST' }, 404],
    ];
    for (const [what, path, init, status] of cases) {
      const response = await fetch(`${s.url}${path}`, init);
      await response.arrayBuffer();
      assert.equal(response.status, status, what);
      assertSecurityHeaders(response.headers, what);
    }
    // CORS still answers the widget's origin (the headers above do not replace it).
    const cors = await fetch(`${s.url}/v1/sites/shop/config`, { headers: { origin: SITE_ORIGIN } });
    assert.equal(cors.headers.get('access-control-allow-origin'), SITE_ORIGIN);
    assert.equal(cors.headers.get('cross-origin-resource-policy'), 'same-site');
  });

  it('add HSTS only when the request came over TLS, as the proxy in front says', async () => {
    const s = await server();
    const cases: [Record<string, string>, boolean][] = [
      [{}, false],
      [{ 'x-forwarded-proto': 'https' }, true],
      [{ 'x-forwarded-proto': 'https, http' }, true],
      [{ 'x-forwarded-proto': 'http' }, false],
      [{ forwarded: 'for=192.0.2.60;proto=https;by=203.0.113.43' }, true],
      [{ forwarded: 'proto=http' }, false],
    ];
    for (const [headers, secure] of cases) {
      const response = await fetch(`${s.url}/nothing`, { headers });
      await response.arrayBuffer();
      assertSecurityHeaders(response.headers, JSON.stringify(headers), secure);
    }
  });

  it('are on refused WebSocket upgrades and on requests Node refuses before any handler', async () => {
    const s = await server();
    const cases: [string, string, number][] = [
      ['unknown path', upgrade('/v1/nope', { 'sec-websocket-protocol': 'chat' }), 404],
      ['no subprotocol', upgrade('/v1/ws', { 'sec-websocket-protocol': 'chat' }), 400],
      ['bad WebSocket version (refused by ws)', upgrade('/v1/ws', { 'sec-websocket-version': '7' }), 400],
      ['bad WebSocket key (refused by ws)', upgrade('/v1/ws', { 'sec-websocket-key': 'short' }), 400],
      ['malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400],
      ['headers too large', `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ];
    for (const [what, request, status] of cases) {
      const answer = await raw(s, request);
      assert.equal(answer.status, status, what);
      assertSecurityHeaders(answer.headers, what);
    }
    // A Helpline client (it offers helpline.v1) at a wrong path, for an unknown site or from a foreign origin is
    // refused inside the protocol, where a browser can read why (server.protocol.test.ts): the upgrade completes.
    for (const [what, request] of [
      ['wrong path', upgrade('/v1/nope')],
      ['unknown site', upgrade('/v1/ws?site=nope')],
      ['foreign origin', upgrade('/v1/ws?site=shop', { origin: 'https://evil.example' })],
    ] as const) {
      assert.equal(await upgradeStatus(s, request), 101, what);
    }
    const proxied = await raw(
      s,
      upgrade('/v1/nope', { 'sec-websocket-protocol': 'chat', 'x-forwarded-proto': 'https' }),
    );
    assertSecurityHeaders(proxied.headers, 'refused upgrade through a TLS proxy', true);
    // An accepted upgrade still works.
    const client = await TestClient.connect(s.socketUrl, (await visitorToken(s)).token);
    clients.push(client);
    assert.equal(client.closed, undefined);
  });
});

describe('a database outage', () => {
  it('answers 503 unavailable with Retry-After, and logs what failed without data', async () => {
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    const logLines: string[] = [];
    const s = await server({ storage, logLines });
    await storage.close();

    const ready = await fetch(`${s.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { error: { code: string } }).error.code, 'unavailable');
    assertSecurityHeaders(ready.headers, 'readyz during an outage');

    const session = await fetch(`${s.url}/v1/sessions/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"site":"shop"}',
    });
    assert.equal(session.status, 503);
    assert.ok(Number(session.headers.get('retry-after')) >= 1);
    const body = (await session.json()) as { error: { code: string; retryAfterMs?: number } };
    assert.equal(body.error.code, 'unavailable');
    assert.ok((body.error.retryAfterMs ?? 0) > 0);

    const failed = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.event === 'http.failed');
    // The storage may hand up the DatabaseError itself or an `unavailable` caused by it: either way, its code.
    assert.ok(failed?.errorCode === '08003' || failed?.causeCode === '08003', JSON.stringify(failed));
    assert.match(`${failed?.error} ${failed?.cause}`, /failed: connection_does_not_exist \(08003\)/);
  });
});
