/// <reference types="mocha" />
import { assert } from 'chai';
import { type AgentSession, createAgentSession } from '../session/agent.session';
import { createVisitorSession, type VisitorSession } from '../session/visitor.session';
import { eventually, type Harness, startHarness } from './harness.testing';
import { createLeaderTransport, type LeaderTransport } from './leader.transport';
import { createWebSocketTransport, type WebSocketConstructor } from './websocket.transport';

// Each "tab" is a same-origin iframe: its WebSocket, Web Locks and BroadcastChannel are the iframe's own, real
// Chromium objects. Removing the iframe destroys its document as closing a tab does: the browser closes its
// socket, releases its lock and closes its channel, and nobody is told.

interface Tab {
  readonly frame: HTMLIFrameElement;
  readonly transport: LeaderTransport;
  readonly visitor: VisitorSession;
  /** Removes the iframe (the tab closes); what ran in it stops. */
  close(): void;
}

describe('one socket per browser in Chromium', () => {
  let harness: Harness;
  let scope: string;
  const cleanups: (() => void)[] = [];
  beforeEach(async () => {
    harness = await startHarness();
    scope = `shop:v1:${Date.now()}:${Math.random()}`;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    await harness.stop();
  });

  function tab(): Tab {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const page = frame.contentWindow as unknown as typeof globalThis;
    const transport = createLeaderTransport({
      transport: createWebSocketTransport({
        url: harness.url,
        site: 'shop',
        WebSocketImpl: page.WebSocket as unknown as WebSocketConstructor,
      }),
      scope,
      locks: page.navigator.locks,
      channel: (name) => new page.BroadcastChannel(name),
      environment: null,
    });
    const visitor = createVisitorSession({
      transport,
      token: 'dev:visitor:v1:Ada',
      storageKey: false,
      environment: null,
    });
    // Sessions connect lazily, when a store is observed or an action runs; these tests watch the socket.
    visitor.connection.open();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      frame.remove();
      // The tab's code would be gone with it; here it lives in the test page, so stop it without a word.
      visitor.close();
    };
    cleanups.push(() => {
      close();
      transport.dispose();
    });
    return { frame, transport, visitor, close };
  }

  function agent(): AgentSession {
    const session = createAgentSession({
      transport: createWebSocketTransport({ url: harness.url, site: 'console' }),
      token: 'dev:agent:alice:Alice',
    });
    cleanups.push(() => session.close());
    return session;
  }

  const visitorSockets = async () => (await harness.sockets()).filter((s) => s.url.includes('site=shop'));
  const openVisitorSockets = async () => (await visitorSockets()).filter((s) => s.open).length;
  const caughtUp = (t: Tab) => t.visitor.$connection.get().value === 'caught-up';
  const texts = (t: Tab) => t.visitor.$messages.get().map((m) => m.text);

  async function chat(tabs: Tab[]) {
    const alice = agent();
    alice.$offers.listen(() => undefined);
    await eventually(() => alice.$connection.get().value === 'caught-up', 'agent connected');
    await alice.setPresence('available');
    for (const t of tabs) await eventually(() => caughtUp(t), 'tab connected');
    const [first, ...others] = tabs;
    if (!first) throw new Error('no tab');
    const cid = await first.visitor.startChat({});
    for (const t of others) await t.visitor.restore();
    await eventually(() => alice.$offers.get()[cid] !== undefined, 'offer');
    await alice.accept(cid);
    for (const t of tabs) await eventually(() => t.visitor.$interaction.get()?.state === 'active', 'active');
    return { alice, cid };
  }

  it('two tabs share one socket and see the same conversation', async () => {
    const a = tab();
    await eventually(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab();
    const { alice, cid } = await chat([a, b]);
    assert.isTrue(a.transport.shared, 'Web Locks and BroadcastChannel are there');
    assert.isFalse(b.transport.$isLeader.get());
    assert.equal(await openVisitorSockets(), 1, 'one socket for both tabs');
    assert.equal((await visitorSockets()).length, 1, 'and never a second one');

    await Promise.all([a.visitor.sendMessage('from a'), b.visitor.sendMessage('from b')]);
    await alice.sendMessage(cid, 'from alice');
    for (const t of [a, b]) {
      await eventually(
        () => texts(t).length === 3 && t.visitor.$messages.get().every((m) => m.status === 'sent'),
        'all three, confirmed',
      );
    }
    assert.deepEqual(texts(a), texts(b));
    assert.deepEqual(await harness.messages(cid), texts(a));
  });

  it('when the leader tab closes, a follower takes over the socket without losing a message', async () => {
    const a = tab();
    await eventually(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab();
    const { alice, cid } = await chat([a, b]);
    await alice.sendMessage(cid, 'before');
    await eventually(() => texts(b).includes('before'), 'b has it');

    a.close();
    await eventually(async () => (await openVisitorSockets()) === 0, 'the browser closed a’s socket');
    // Said while no tab holds a socket: only b's resume can bring these.
    await alice.sendMessage(cid, 'during 1');
    await alice.sendMessage(cid, 'during 2');
    await eventually(() => b.transport.$isLeader.get(), 'b took the lock');
    await eventually(() => caughtUp(b), 'b reconnected');
    await b.visitor.sendMessage('after, from b');

    await eventually(() => texts(b).length === 4, 'b has everything');
    assert.deepEqual(texts(b), ['before', 'during 1', 'during 2', 'after, from b']);
    assert.deepEqual(await harness.messages(cid), texts(b), 'stored once each, in the same order');
    assert.equal(await openVisitorSockets(), 1, 'one socket again');
    assert.equal((await visitorSockets()).length, 2, 'a’s, then b’s');
  });
});
