import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createManualEnvironment, type ManualEnvironment } from '../connection/environment';
import { createHub, createMemoryStorage, devAuthenticate, type Hub, type HubStorage } from '../hub';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession, type VisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createFakeBus, createFakeLocks } from './leader.testing';
import { createLeaderTransport, type LeaderTransport } from './leader.transport';
import { createMemoryTransport, type MemoryTransport } from './memory.transport';
import type { Transport, TransportLink } from './transport.types';

// Two or more "tabs" in one process, with fake Web Locks and BroadcastChannel (leader.testing.ts). Crashing a tab
// kills its locks, its channel and its socket at once, as closing a tab does.

interface Tab {
  readonly id: string;
  readonly transport: LeaderTransport;
  readonly visitor: VisitorSession;
  readonly environment: ManualEnvironment;
  /** The tab is closed abruptly: its page, socket, locks and channel are gone. */
  crash(): void;
}

interface Browser {
  readonly clock: TestClock;
  readonly hub: Hub;
  readonly storage: HubStorage;
  /** The visitor's transport to the server: its `openLinks` are the browser's sockets. */
  readonly sockets: MemoryTransport;
  tab(id: string, options?: { shared?: boolean }): Tab;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function browser(): Browser {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const hub = createHub({
    storage,
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock: createTestClock(), // stands still: no pings unless a test asks
  });
  cleanups.push(() => hub.close());
  const sockets = createMemoryTransport({ hub });
  const locks = createFakeLocks();
  const bus = createFakeBus();
  return {
    clock,
    hub,
    storage,
    sockets,
    tab(id, { shared = true } = {}) {
      const links = new Set<TransportLink>();
      const inner: Transport = {
        open(handlers) {
          const link = sockets.open(handlers);
          links.add(link);
          return link;
        },
      };
      const environment = createManualEnvironment();
      const transport = createLeaderTransport({
        transport: inner,
        scope: 'shop:v1',
        locks: shared ? locks.forOwner(id) : null,
        channel: shared ? bus.forOwner(id) : null,
        environment,
        clock,
        tabId: id,
      });
      const visitor = createVisitorSession({
        transport,
        clock,
        random: () => 0.5,
        token: 'dev:visitor:v1:Ada',
        environment,
        storageKey: false,
      });
      // Sessions connect lazily, when a store is observed or an action runs; these tests watch the socket.
      visitor.connection.open();
      let alive = true;
      const close = () => {
        if (!alive) return;
        alive = false;
        visitor.close();
        transport.dispose();
      };
      cleanups.push(close);
      return {
        id,
        transport,
        visitor,
        environment,
        crash() {
          bus.crash(id);
          locks.crash(id);
          for (const link of links) link.close(1006, 'tab closed');
          // Nothing of the tab runs any more: stop its session without telling anyone.
          alive = false;
          visitor.close();
        },
      };
    },
  };
}

const caughtUp = (visitor: VisitorSession) => visitor.$connection.get().value === 'caught-up';
const texts = (visitor: VisitorSession) => visitor.$messages.get().map((m) => m.text);

/** A chat between the visitor (in every tab) and agent alice. */
async function chat(world: Browser, tabs: readonly Tab[]) {
  const agentTransport = createMemoryTransport({ hub: world.hub });
  const agent = createAgentSession({
    transport: agentTransport,
    clock: world.clock,
    token: 'dev:agent:alice:Alice',
  });
  cleanups.push(() => agent.close());
  await agent.setPresence('available');
  const [first, ...others] = tabs;
  assert.ok(first);
  for (const tab of tabs) await waitFor(() => caughtUp(tab.visitor), `${tab.id} caught up`);
  const cid = await first.visitor.startChat({});
  for (const tab of others) await tab.visitor.restore();
  await waitFor(() => agent.$offers.get()[cid] !== undefined, 'offer');
  await agent.accept(cid);
  for (const tab of tabs) {
    await waitFor(() => tab.visitor.$interaction.get()?.state === 'active', `${tab.id} sees the agent`);
  }
  return { agent, cid };
}

describe('createLeaderTransport', () => {
  it('gives two tabs one socket, the same stores, and each its own acks', async () => {
    const world = browser();
    const a = world.tab('a');
    const b = world.tab('b');
    const { agent, cid } = await chat(world, [a, b]);
    assert.equal(world.sockets.openLinks, 1, 'one socket for the browser');
    assert.equal(a.transport.$isLeader.get(), true);
    assert.equal(b.transport.$isLeader.get(), false);
    assert.equal(b.visitor.$conversation.get()?.cid, cid, 'the follower is in the same conversation');

    await Promise.all([
      a.visitor.sendMessage('from a'),
      b.visitor.sendMessage('from b'),
      agent.sendMessage(cid, 'from alice'),
    ]);
    for (const tab of [a, b]) {
      await waitFor(() => texts(tab.visitor).length === 3, `${tab.id} has all three`);
      await waitFor(
        () => tab.visitor.$messages.get().every((m) => m.status === 'sent'),
        `${tab.id} confirmed`,
      );
    }
    assert.deepEqual(texts(a.visitor), texts(b.visitor));
    const stored = (await world.storage.events(cid, 0, 100)).flatMap((e) =>
      e.ev.type === 'message' ? [e.ev.text] : [],
    );
    assert.deepEqual([...stored].sort(), ['from a', 'from alice', 'from b']);
    assert.deepEqual(texts(a.visitor), stored, 'the tabs show the server order');
    assert.equal(world.sockets.openLinks, 1);
  });

  it('hands the socket to a follower when the leader tab closes, losing nothing', async () => {
    const world = browser();
    const a = world.tab('a');
    const b = world.tab('b');
    const c = world.tab('c');
    const { agent, cid } = await chat(world, [a, b, c]);
    await agent.sendMessage(cid, 'before');
    await waitFor(() => texts(b.visitor).length === 1 && texts(c.visitor).length === 1, 'followers have it');

    a.crash();
    await waitFor(() => world.sockets.openLinks === 0, 'the leader socket is gone');
    // Said while no tab had a socket: only the resume can bring these.
    await agent.sendMessage(cid, 'during 1');
    await agent.sendMessage(cid, 'during 2');
    await waitFor(() => b.transport.$isLeader.get(), 'b took the lock');
    await world.clock.advance(500); // the reconnect back-off of b and c
    for (const tab of [b, c]) await waitFor(() => caughtUp(tab.visitor), `${tab.id} back`);
    assert.equal(world.sockets.openLinks, 1, 'still one socket');
    assert.equal(c.transport.$isLeader.get(), false);

    await c.visitor.sendMessage('after, from c');
    for (const tab of [b, c]) {
      await waitFor(() => texts(tab.visitor).length === 4, `${tab.id} has everything`);
      assert.deepEqual(texts(tab.visitor), ['before', 'during 1', 'during 2', 'after, from c']);
    }
    await waitFor(() => agent.$conversations.get()[cid]?.messages.length === 4, 'alice got it once');
  });

  it('keeps the leader socket when a follower tab closes', async () => {
    const world = browser();
    const a = world.tab('a');
    const b = world.tab('b');
    const { agent, cid } = await chat(world, [a, b]);
    b.visitor.close();
    b.transport.dispose();
    await a.visitor.sendMessage('still here');
    await waitFor(() => agent.$conversations.get()[cid]?.messages.length === 1, 'delivered');
    assert.equal(world.sockets.openLinks, 1);
    assert.ok(caughtUp(a.visitor));
  });

  it('hands leadership over when the leader page goes into the back/forward cache, and follows on return', async () => {
    const world = browser();
    const a = world.tab('a');
    const b = world.tab('b');
    const { agent, cid } = await chat(world, [a, b]);

    a.environment.emit('pagehide');
    await waitFor(() => b.transport.$isLeader.get(), 'b leads');
    assert.equal(a.transport.$isLeader.get(), false);
    await world.clock.advance(500);
    await waitFor(() => caughtUp(b.visitor), 'b back');
    assert.equal(a.visitor.$connection.get().value, 'suspended');
    await agent.sendMessage(cid, 'while a was away');

    a.environment.emit('pageshow');
    await waitFor(() => caughtUp(a.visitor), 'a back, as a follower');
    await waitFor(() => texts(a.visitor).includes('while a was away'), 'a caught up on what it missed');
    assert.equal(a.transport.$isLeader.get(), false);
    assert.equal(world.sockets.openLinks, 1);
  });

  it('uses a socket per tab without Web Locks or BroadcastChannel', async () => {
    const world = browser();
    const a = world.tab('a', { shared: false });
    const b = world.tab('b', { shared: false });
    assert.equal(a.transport.shared, false);
    assert.equal(a.transport.$isLeader.get(), true);
    await waitFor(() => caughtUp(a.visitor) && caughtUp(b.visitor), 'both connected');
    assert.equal(world.sockets.openLinks, 2);
  });
});
