import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createConnection } from '../connection/connection';
import { serverFrameGuard } from '../protocol/protocol.guards.staff.generated';
import { CLOSE_CODES, SUBPROTOCOL } from '../protocol/protocol.limits';
import { commandResultSchemas } from '../protocol/protocol.results.staff';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession, type VisitorSession } from '../session/visitor.session';
import { createTestClock, flush, type TestClock, waitFor } from '../testing';
import type { LinkCloseInfo } from './transport.types';
import { type HubServer, startHubServer } from './websocket.testing';
import { createWebSocketTransport, endpointUrl, type WebSocketLike } from './websocket.transport';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(heartbeatMs = 10_000): Promise<{ server: HubServer; hubClock: TestClock }> {
  // The hub's own clock stands still, so it pings only when a test says so.
  const hubClock = createTestClock();
  const started = await startHubServer({ hub: { clock: hubClock, heartbeatMs } });
  cleanups.push(() => started.stop());
  return { server: started, hubClock };
}

function recorder() {
  const frames: string[] = [];
  const closes: LinkCloseInfo[] = [];
  let opened = 0;
  return {
    frames,
    closes,
    get opened() {
      return opened;
    },
    handlers: {
      onOpen: () => {
        opened++;
      },
      onFrame: (raw: string) => {
        frames.push(raw);
      },
      onClose: (info: LinkCloseInfo) => {
        closes.push(info);
      },
    },
  };
}

describe('createWebSocketTransport (Node 20 with ws)', () => {
  it('opens with the helpline.v1 subprotocol and the site in the URL, never the token', async () => {
    const { server: hubServer } = await server();
    const transport = createWebSocketTransport({
      url: hubServer.url,
      site: 'shop',
      WebSocketImpl: WebSocket,
    });
    const link = recorder();
    const open = transport.open(link.handlers);
    await waitFor(() => link.opened === 1, 'open');
    open.send(JSON.stringify({ t: 'hello', v: 1, token: 'dev:visitor:v1:Ada' }));
    await waitFor(() => link.frames.length > 0, 'welcome');
    assert.match(link.frames[0] ?? '', /^\{"t":"welcome"/);
    assert.equal(hubServer.accepted[0]?.protocol, SUBPROTOCOL);
    assert.equal(hubServer.accepted[0]?.url, '/ws?site=shop');
    assert.ok(!hubServer.accepted[0]?.url.includes('dev:'), 'no token in the URL');
    open.close();
    await waitFor(() => link.closes.length === 1, 'closed');
    assert.deepEqual(link.closes, [{ code: 1000, reason: 'closed by client' }]);
    await waitFor(() => hubServer.accepted[0]?.closedWith === 1000, 'server saw a normal close');
  });

  it('reports the close code, the reason and the retryAfterMs of a preceding bye', async () => {
    const { server: hubServer } = await server();
    const transport = createWebSocketTransport({ url: hubServer.url, WebSocketImpl: WebSocket });
    const link = recorder();
    transport.open(link.handlers);
    await waitFor(() => hubServer.openSockets === 1 && link.opened === 1, 'open');
    hubServer.refuseAll(7_000);
    await waitFor(() => link.closes.length === 1, 'closed');
    assert.deepEqual(link.closes[0], { code: 4429, reason: 'limit/rate', retryAfterMs: 7_000 });
    await flush();
    assert.equal(link.closes.length, 1, 'onClose runs once');
  });

  it('reports an unreachable server once as 1006, without an unhandled error', async () => {
    const { server: hubServer } = await server();
    hubServer.setRefusing(true);
    const transport = createWebSocketTransport({ url: hubServer.url, WebSocketImpl: WebSocket });
    const link = recorder();
    transport.open(link.handlers);
    await waitFor(() => link.closes.length === 1, 'closed');
    await flush();
    assert.equal(link.opened, 0);
    assert.equal(link.closes.length, 1);
    assert.equal(link.closes[0]?.code, 1006);
    assert.equal(link.closes[0]?.url, hubServer.url, 'says where it tried');
    assert.equal(
      link.closes[0]?.status,
      503,
      'the refusing test server answers 503: retryable, not a wrong path',
    );
  });

  it('names the URL and the HTTP status of an upgrade the server refused (Node tells; browsers do not)', async () => {
    const http = await import('node:http');
    const plain = http.createServer((_request, response) => response.writeHead(404).end('Not Found'));
    plain.on('upgrade', (_request, socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'),
    );
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => plain.close(resolve)));
    const { port } = plain.address() as { port: number };
    const transport = createWebSocketTransport({
      url: `ws://127.0.0.1:${port}/ws`,
      site: 'shop',
      WebSocketImpl: WebSocket,
    });
    const link = recorder();
    transport.open(link.handlers);
    await waitFor(() => link.closes.length === 1, 'closed');
    assert.equal(link.opened, 0);
    assert.deepEqual(link.closes[0], {
      code: 1006,
      reason: 'socket error',
      status: 404,
      url: `ws://127.0.0.1:${port}/ws?site=shop`,
    });
  });

  it('closes a socket that is still connecting once, and drops frames sent before open or after close', async () => {
    const { server: hubServer } = await server();
    const transport = createWebSocketTransport({ url: hubServer.url, WebSocketImpl: WebSocket });
    const link = recorder();
    const open = transport.open(link.handlers);
    open.send('{"t":"ping","ts":1}'); // before open: dropped, not thrown
    open.close(4408, 'gave up');
    open.close(); // twice: no second report
    await waitFor(() => link.closes.length === 1, 'closed');
    for (let turn = 0; turn < 20; turn++) await flush(); // let ws abort its handshake
    assert.equal(link.opened, 0);
    assert.deepEqual(link.closes, [{ code: 4408, reason: 'gave up' }]);
    open.send('{"t":"ping","ts":1}');
  });

  it('detaches every handler from the socket once the link is over', async () => {
    const sockets: FakeSocket[] = [];
    class FakeSocket implements WebSocketLike {
      readyState = 0;
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onclose: WebSocketLike['onclose'] = null;
      onerror: WebSocketLike['onerror'] = null;
      constructor(
        readonly url: string,
        readonly protocols?: string | string[],
      ) {
        sockets.push(this);
      }
      send(): void {}
      close(): void {}
    }
    const transport = createWebSocketTransport({
      url: 'wss://x.test/ws',
      site: 'a b',
      WebSocketImpl: FakeSocket,
    });
    const link = recorder();
    transport.open(link.handlers);
    const socket = sockets[0];
    assert.ok(socket);
    assert.equal(socket.url, 'wss://x.test/ws?site=a%20b');
    assert.equal(socket.protocols, SUBPROTOCOL);
    socket.readyState = 1;
    socket.onopen?.({});
    socket.onmessage?.({
      data: '{"t":"bye","code":4429,"error":{"code":"limit/rate","message":"m","retryAfterMs":900}}',
    });
    socket.onerror?.({});
    socket.onclose?.({ code: 1006, reason: '' }); // after the error: ignored
    await flush();
    assert.deepEqual(link.closes, [{ code: 1006, reason: 'socket error', retryAfterMs: 900 }]);
    assert.equal(socket.onopen, null);
    assert.equal(socket.onmessage, null);
    assert.equal(socket.onclose, null);
    assert.doesNotThrow(() => socket.onerror?.({}), 'a late error is ignored');
  });

  it('adds the site to URLs that already have a query or a fragment', () => {
    assert.equal(endpointUrl('wss://h/ws?v=1', 's'), 'wss://h/ws?v=1&site=s');
    assert.equal(endpointUrl('wss://h/ws#x', 's'), 'wss://h/ws?site=s#x');
    assert.equal(endpointUrl('wss://h/ws', undefined), 'wss://h/ws');
  });

  it('needs a WebSocket class where there is no global one', () => {
    assert.equal(typeof (globalThis as { WebSocket?: unknown }).WebSocket, 'undefined', 'Node 20');
    assert.throws(() => createWebSocketTransport({ url: 'ws://127.0.0.1:1/ws' }), /WebSocketImpl/);
  });
});

describe('a connection over WebSocket to the real hub', () => {
  async function visitorOver(hubServer: HubServer, clock: TestClock): Promise<VisitorSession> {
    const transport = createWebSocketTransport({
      url: hubServer.url,
      site: 'shop',
      WebSocketImpl: WebSocket,
    });
    const visitor = createVisitorSession({
      transport,
      clock,
      random: () => 0.5,
      token: 'dev:visitor:v1:Ada',
    });
    // Sessions connect lazily, when a store is observed or an action runs; these tests watch the socket.
    visitor.connection.open();
    cleanups.push(() => visitor.close());
    await waitFor(() => visitor.$connection.get().value === 'caught-up', 'visitor caught up');
    return visitor;
  }

  it('carries a whole chat between a visitor and an agent over real sockets', async () => {
    const { server: hubServer } = await server();
    const clock = createTestClock();
    const transport = createWebSocketTransport({ url: hubServer.url, WebSocketImpl: WebSocket });
    const visitor = await visitorOver(hubServer, clock);
    const agent = createAgentSession({ transport, clock, token: 'dev:agent:alice:Alice' });
    cleanups.push(() => agent.close());
    await agent.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => agent.$offers.get()[cid] !== undefined, 'offer');
    await agent.accept(cid);
    await visitor.sendMessage('Hello over a socket');
    await agent.sendMessage(cid, 'Hi!');
    await waitFor(() => visitor.$messages.get().length === 2, 'both messages at the visitor');
    assert.deepEqual(await hubServer.messages(cid), ['Hello over a socket', 'Hi!']);
    assert.equal(hubServer.openSockets, 2);
  });

  it('reconnects with back-off after the server goes away (1001) and resumes', async () => {
    const { server: hubServer } = await server();
    const clock = createTestClock();
    const visitor = await visitorOver(hubServer, clock);
    const cid = await visitor.startChat({});
    hubServer.closeAll(CLOSE_CODES.goingAway, 'restarting');
    await waitFor(() => visitor.$connection.get().value === 'reconnecting', 'reconnecting');
    // random() = 0.5 and attempt 0: the first delay is half of 500 ms.
    await clock.advance(249);
    for (let turn = 0; turn < 20; turn++) await flush();
    assert.equal(hubServer.accepted.length, 1, 'no reconnect before the back-off ran out');
    await clock.advance(1);
    await waitFor(() => visitor.$connection.get().value === 'caught-up', 'back and caught up');
    assert.equal(hubServer.accepted.length, 2);
    await visitor.sendMessage('after the restart');
    assert.deepEqual(await hubServer.messages(cid), ['after the restart']);
  });

  it('waits at least the retryAfterMs of a bye before reconnecting', async () => {
    const { server: hubServer } = await server();
    const clock = createTestClock();
    const visitor = await visitorOver(hubServer, clock);
    hubServer.refuseAll(5_000);
    await waitFor(() => visitor.$connection.get().value === 'reconnecting', 'reconnecting');
    assert.equal(visitor.$connection.get().context.retryAfterMs, 5_000);
    await clock.advance(4_999);
    for (let turn = 0; turn < 20; turn++) await flush();
    assert.equal(hubServer.accepted.length, 1, 'still waiting');
    await clock.advance(1);
    await waitFor(() => visitor.$connection.get().value === 'caught-up', 'back after the hint');
    assert.equal(hubServer.accepted.length, 2);
  });

  it('declares a half-open socket dead after two missed ping intervals and replaces it', async () => {
    const { server: hubServer, hubClock } = await server(10_000);
    const clock = createTestClock();
    const visitor = await visitorOver(hubServer, clock);
    const cid = await visitor.startChat({});

    // Server pings keep a quiet link alive well past two intervals.
    for (let i = 0; i < 3; i++) {
      const before = hubServer.receivedFrames;
      await hubClock.advance(10_000);
      await waitFor(() => hubServer.receivedFrames > before, 'the pong to a ping');
      await clock.advance(10_000);
    }
    assert.equal(hubServer.accepted.length, 1, 'pinged link stays');
    assert.equal(visitor.$connection.get().value, 'caught-up');

    // The last ping arrived 10 s ago; the next two never will.
    hubServer.blackhole();
    await clock.advance(10_000);
    assert.equal(visitor.$connection.get().value, 'caught-up', 'one missed interval is not enough');
    await clock.advance(10_000);
    await waitFor(() => visitor.$connection.get().value === 'reconnecting', 'declared dead');
    await clock.advance(250);
    await waitFor(() => visitor.$connection.get().value === 'caught-up', 'replaced');
    assert.equal(hubServer.accepted.length, 2);
    assert.equal(hubServer.openSockets, 1);
    await visitor.sendMessage('on the new socket');
    assert.deepEqual(await hubServer.messages(cid), ['on the new socket']);
  });

  it('never reconnects after a deliberate close', async () => {
    const { server: hubServer } = await server();
    const clock = createTestClock();
    const transport = createWebSocketTransport({ url: hubServer.url, WebSocketImpl: WebSocket });
    const connection = createConnection(
      { transport, clock, token: 'dev:visitor:v1:Ada', environment: null },
      commandResultSchemas,
      serverFrameGuard,
    );
    connection.open();
    await waitFor(() => connection.$state.get().value === 'caught-up', 'connected');
    connection.close();
    await waitFor(() => hubServer.accepted[0]?.closedWith === 1000, 'server saw a normal close');
    await clock.advance(10 * 60_000);
    connection.probe();
    connection.resume();
    for (let turn = 0; turn < 20; turn++) await flush();
    assert.equal(hubServer.accepted.length, 1);
    assert.equal(connection.$state.get().value, 'closed');
    assert.equal(clock.pendingTimers, 0, 'no timer left behind');
  });
});
