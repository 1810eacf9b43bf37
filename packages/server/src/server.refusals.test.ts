import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it, mock } from 'node:test';
import {
  createAgentSession,
  createVisitorSession,
  createWebSocketTransport,
  type ErrorCode,
  type WebSocketConstructor,
} from '@helpline/core';
import { createTestClock, type TestClock } from '@helpline/core/testing';
import { WebSocket } from 'ws';
import type { HelplineServer } from './server';
import { http, SITE_ORIGIN, staffToken, startTestServer, visitorToken } from './testing/harness';

// The real client (session, connection, WebSocket transport) against the real server: each refusal that retrying
// cannot fix ends in `closed` with its typed reason, is told once on the console, and leaves no retry behind.

let server: HelplineServer;
after(async () => {
  await server?.close();
});

let clock: TestClock;
let errors: ReturnType<typeof mock.method>;
beforeEach(() => {
  clock = createTestClock();
  errors = mock.method(console, 'error', () => undefined);
});
afterEach(() => mock.restoreAll());

/** `ws`'s WebSocket, sending `origin` as a browser would, and counting the sockets it opens. */
function sockets(origin: string | null): { WebSocketImpl: WebSocketConstructor; readonly opened: number } {
  const counter = { opened: 0 };
  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, origin === null ? {} : { origin });
      counter.opened++;
    }
  }
  return {
    WebSocketImpl: CountingWebSocket,
    get opened() {
      return counter.opened;
    },
  };
}

type Session = ReturnType<typeof createAgentSession> | ReturnType<typeof createVisitorSession>;

/** Lets the back-off (on the test clock) and the sockets (in real time) run until the session settles. */
async function settled(session: Session): Promise<void> {
  for (let turn = 0; turn < 400; turn++) {
    const { value } = session.$connection.get();
    if (value === 'closed' || value === 'caught-up') return;
    await clock.advance(500);
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`still ${session.$connection.get().value}`);
}

async function assertRefusedForGood(
  session: Session,
  socketsOf: { readonly opened: number },
  code: ErrorCode,
  opened = 1,
): Promise<void> {
  session.connection.open();
  await settled(session);
  const { value, context } = session.$connection.get();
  assert.equal(value, 'closed');
  assert.equal(context.closedBy, 'server');
  assert.equal(context.error?.code, code, context.error?.message);
  assert.equal(errors.mock.callCount(), 1, 'told once on the console');
  assert.match(String(errors.mock.calls[0]?.arguments[0]), new RegExp(code));
  assert.equal(socketsOf.opened, opened, 'sockets opened');
  assert.equal(clock.pendingTimers, 0, 'no retry left waiting');
  session.connection.close();
}

describe('a refused client stops and says why (real server, real client)', () => {
  it('starts the server', async () => {
    server = await startTestServer();
  });

  it('invalid token → auth/invalid-token', async () => {
    const ws = sockets(null);
    const transport = createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: ws.WebSocketImpl });
    const forged = await staffToken('alice', { secret: 'not-the-secret-but-long-enough-1234' });
    const agent = createAgentSession({ transport, token: forged, clock, environment: null });
    await assertRefusedForGood(agent, ws, 'auth/invalid-token');
  });

  it('expired token → auth/token-expired', async () => {
    const ws = sockets(null);
    const transport = createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: ws.WebSocketImpl });
    const expired = await staffToken('alice', { expiresIn: -60 });
    const agent = createAgentSession({ transport, token: expired, clock, environment: null });
    await assertRefusedForGood(agent, ws, 'auth/token-expired');
  });

  it('expired token from a token function → asked once more, then auth/token-expired', async () => {
    const ws = sockets(null);
    const transport = createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: ws.WebSocketImpl });
    let asked = 0;
    const token = () => {
      asked++;
      return staffToken('alice', { expiresIn: -60 });
    };
    const agent = createAgentSession({ transport, token, clock, environment: null });
    await assertRefusedForGood(agent, ws, 'auth/token-expired', 2);
    assert.equal(asked, 2);
  });

  it('expired token, renewed by the token function → connected', async () => {
    const ws = sockets(null);
    const transport = createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: ws.WebSocketImpl });
    let asked = 0;
    const token = () => staffToken('alice', ++asked === 1 ? { expiresIn: -60 } : {});
    const agent = createAgentSession({ transport, token, clock, environment: null });
    agent.connection.open();
    await settled(agent);
    assert.equal(agent.$connection.get().value, 'caught-up');
    assert.equal(agent.$connection.get().context.error, undefined);
    assert.equal(errors.mock.callCount(), 0);
    agent.connection.close();
  });

  it('unknown site → site/unknown', async () => {
    const { token } = await visitorToken(server);
    const ws = sockets(SITE_ORIGIN);
    const transport = createWebSocketTransport({
      url: server.socketUrl,
      site: 'no-such-site',
      WebSocketImpl: ws.WebSocketImpl,
    });
    const visitor = createVisitorSession({ transport, token, clock, environment: null });
    await assertRefusedForGood(visitor, ws, 'site/unknown');
  });

  it('origin not allowed → site/origin-not-allowed', async () => {
    const { token } = await visitorToken(server);
    const ws = sockets('https://evil.example');
    const transport = createWebSocketTransport({
      url: server.socketUrl,
      site: 'shop',
      WebSocketImpl: ws.WebSocketImpl,
    });
    const visitor = createVisitorSession({ transport, token, clock, environment: null });
    await assertRefusedForGood(visitor, ws, 'site/origin-not-allowed');
  });

  it('wrong path (/ws instead of /v1/ws) → connection/wrong-path, naming the endpoint', async () => {
    const { token } = await visitorToken(server);
    const ws = sockets(SITE_ORIGIN);
    const url = server.socketUrl.replace('/v1/ws', '/ws');
    const transport = createWebSocketTransport({ url, site: 'shop', WebSocketImpl: ws.WebSocketImpl });
    const visitor = createVisitorSession({ transport, token, clock, environment: null });
    await assertRefusedForGood(visitor, ws, 'connection/wrong-path');
    assert.match(visitor.$connection.get().context.error?.message ?? '', /\/ws .*\/v1\/ws/);
  });

  it('a good visitor token at the right place still connects', async () => {
    const { token } = await visitorToken(server);
    const ws = sockets(SITE_ORIGIN);
    const transport = createWebSocketTransport({
      url: server.socketUrl,
      site: 'shop',
      WebSocketImpl: ws.WebSocketImpl,
    });
    const visitor = createVisitorSession({ transport, token, clock, environment: null });
    visitor.connection.open();
    await settled(visitor);
    assert.equal(visitor.$connection.get().value, 'caught-up');
    assert.equal(errors.mock.callCount(), 0);
    visitor.connection.close();
  });
});

describe('the HTTP API names an unknown site the same way', () => {
  it('site config and visitor session: 404 site/unknown', async () => {
    const config = await http(server, '/v1/sites/no-such-site/config');
    assert.equal(config.status, 404);
    assert.match(JSON.stringify(config.body), /"code":"site\/unknown"/);
    const visitor = await http(server, '/v1/sessions/visitor', { body: { site: 'no-such-site' } });
    assert.equal(visitor.status, 404);
    assert.match(JSON.stringify(visitor.body), /"code":"site\/unknown"/);
  });
});
