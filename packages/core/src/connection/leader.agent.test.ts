import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, createMemoryStorage, devAuthenticate, type Hub } from '../hub';
import { type AgentSession, createAgentSession } from '../session/agent.session';
import { createVisitorSession, type VisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport';
import type { Transport, TransportLink } from '../transport/transport.types';
import { createLeaderTransport, type LeaderTransport } from './leader';
import { createFakeBus, createFakeLocks } from './leader.testing';

// The agent console across tabs: every tab of agent alice runs its own agent session over the leader transport,
// so the browser holds one socket, every tab's stores follow it, and any tab's actions go through it.

interface ConsoleTab {
  readonly id: string;
  readonly transport: LeaderTransport;
  readonly agent: AgentSession;
  /** The tab is closed abruptly: its page, socket, locks and channel are gone. */
  crash(): void;
}

interface World {
  readonly clock: TestClock;
  readonly hub: Hub;
  /** The console's transport to the server: its `openLinks` are the browser's sockets. */
  readonly sockets: MemoryTransport;
  tab(id: string): ConsoleTab;
  visitor(): VisitorSession;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function world(): World {
  const clock = createTestClock();
  const hub = createHub({
    storage: createMemoryStorage(),
    queues: [supportQueue],
    agents: [testAgent('alice', { queueIds: ['support'] })],
    authenticate: devAuthenticate,
    clock: createTestClock(), // stands still: no pings, no offer timeouts
  });
  cleanups.push(() => hub.close());
  const sockets = createMemoryTransport({ hub });
  const locks = createFakeLocks();
  const bus = createFakeBus();
  return {
    clock,
    hub,
    sockets,
    tab(id) {
      const links = new Set<TransportLink>();
      const inner: Transport = {
        open(handlers) {
          const link = sockets.open(handlers);
          links.add(link);
          return link;
        },
      };
      const transport = createLeaderTransport({
        transport: inner,
        scope: 'console:alice',
        locks: locks.forOwner(id),
        channel: bus.forOwner(id),
        environment: null,
        clock,
        tabId: id,
      });
      const agent = createAgentSession({
        transport,
        clock,
        random: () => 0.5,
        token: 'dev:agent:alice:Alice',
      });
      // What a console does: it watches the offers and the presence.
      const stop = [agent.$offers.listen(() => undefined), agent.$presence.listen(() => undefined)];
      let alive = true;
      cleanups.push(() => {
        if (!alive) return;
        alive = false;
        for (const unsubscribe of stop) unsubscribe();
        agent.close();
        transport.dispose();
      });
      return {
        id,
        transport,
        agent,
        crash() {
          bus.crash(id);
          locks.crash(id);
          for (const link of links) link.close(1006, 'tab closed');
          alive = false;
          for (const unsubscribe of stop) unsubscribe();
          agent.close();
        },
      };
    },
    visitor() {
      const visitor = createVisitorSession({
        transport: createMemoryTransport({ hub }),
        clock,
        token: 'dev:visitor:v1:Ada',
        storageKey: false,
      });
      cleanups.push(() => visitor.close());
      return visitor;
    },
  };
}

const caughtUp = (tab: ConsoleTab) => tab.agent.$connection.get().value === 'caught-up';
const texts = (tab: ConsoleTab, cid: string) =>
  tab.agent.$conversations.get()[cid]?.messages.map((m) => m.text) ?? [];

describe('the agent console across tabs', () => {
  it('two tabs share one socket; an offer reaches both, the follower accepts, both lose the offer', async () => {
    const { sockets, tab, visitor } = world();
    const a = tab('a');
    await waitFor(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab('b');
    for (const t of [a, b]) await waitFor(() => caughtUp(t), `${t.id} connected`);
    assert.equal(sockets.openLinks, 1, 'one socket for both tabs');
    assert.equal(b.transport.$isLeader.get(), false);

    await b.agent.setPresence('available');
    await waitFor(() => a.agent.$presence.get().status === 'available', 'a hears b went available');

    const ada = visitor();
    const cid = await ada.startChat({});
    for (const t of [a, b])
      await waitFor(() => t.agent.$offers.get()[cid] !== undefined, `${t.id} has the offer`);

    await b.agent.accept(cid);
    for (const t of [a, b]) {
      await waitFor(() => t.agent.$offers.get()[cid] === undefined, `${t.id} lost the offer`);
      await waitFor(() => t.agent.$interactions.get()[cid]?.state === 'active', `${t.id} handles it`);
    }

    await a.agent.sendMessage(cid, 'from a');
    await ada.sendMessage('from Ada');
    for (const t of [a, b]) await waitFor(() => texts(t, cid).length === 2, `${t.id} has both`);
    assert.deepEqual(texts(a, cid), texts(b, cid));
    assert.equal(sockets.openLinks, 1);
  });

  it('when the leader tab closes, the follower takes the socket over and the agent carries on', async () => {
    const { clock, sockets, tab, visitor } = world();
    const a = tab('a');
    await waitFor(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab('b');
    for (const t of [a, b]) await waitFor(() => caughtUp(t), `${t.id} connected`);
    await a.agent.setPresence('available');
    const ada = visitor();
    const cid = await ada.startChat({});
    await waitFor(() => b.agent.$offers.get()[cid] !== undefined, 'b has the offer');
    await a.agent.accept(cid);
    await waitFor(() => b.agent.$interactions.get()[cid] !== undefined, 'b handles it');

    a.crash();
    await waitFor(() => sockets.openLinks === 0, 'a’s socket is gone');
    await ada.sendMessage('while no tab had the socket');
    await waitFor(() => b.transport.$isLeader.get(), 'b took the lock');
    await clock.advance(500); // b's reconnect back-off
    await waitFor(() => caughtUp(b), 'b reconnected');
    assert.equal(sockets.openLinks, 1, 'one socket again');

    assert.equal(b.agent.$presence.get().status, 'available', 'still available');
    assert.equal(b.agent.$interactions.get()[cid]?.state, 'active', 'still handling the chat');
    await b.agent.sendMessage(cid, 'from b');
    await waitFor(() => ada.$messages.get().some((m) => m.text === 'from b'), 'Ada hears b');
    await waitFor(() => texts(b, cid).includes('while no tab had the socket'), 'b got what it missed');
  });
});
