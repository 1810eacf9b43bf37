import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, createMemoryStorage, devAuthenticate, type Hub } from '../hub';
import { type AgentSession, createAgentSession } from '../session/agent.session';
import { createOfferAlert, type OfferAlert } from '../session/offer.alert';
import { createVisitorSession, type VisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createFakeBus, createFakeLocks } from './leader.testing';
import { createLeaderTransport, type LeaderTransport } from './leader.transport';
import { createMemoryTransport, type MemoryTransport } from './memory.transport';
import type { Transport, TransportLink } from './transport.types';

// The agent console across tabs: every tab of agent alice runs its own agent session over the leader transport,
// so the browser holds one socket, every tab's stores follow it, and any tab's actions go through it.

interface ConsoleTab {
  readonly id: string;
  readonly transport: LeaderTransport;
  readonly agent: AgentSession;
  readonly alert: OfferAlert;
  /** Whether this tab's ringtone plays. */
  ringing(): boolean;
  /** Offers this tab showed a notification for, in order. */
  readonly notified: string[];
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
      // What a console does: it watches the offers and the presence, and alerts for offers.
      const stop = [agent.$offers.listen(() => undefined), agent.$presence.listen(() => undefined)];
      let ringing = false;
      const notified: string[] = [];
      const alert = createOfferAlert({
        session: agent,
        clock,
        ringer: {
          async start() {
            ringing = true;
            return true;
          },
          stop() {
            ringing = false;
          },
          unblock: async () => true,
        },
        notify: (offer) => {
          notified.push(offer.interaction.id);
          return undefined;
        },
      });
      let alive = true;
      cleanups.push(() => {
        if (!alive) return;
        alive = false;
        alert.dispose();
        for (const unsubscribe of stop) unsubscribe();
        agent.close();
        transport.dispose();
      });
      return {
        id,
        transport,
        agent,
        alert,
        ringing: () => ringing,
        notified,
        crash() {
          bus.crash(id);
          locks.crash(id);
          for (const link of links) link.close(1006, 'tab closed');
          alive = false;
          // Nothing of the tab runs any more, its sound included.
          alert.dispose();
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
    assert.equal(a.agent.$isLeader.get(), true);
    assert.equal(b.agent.$isLeader.get(), false);
    assert.equal(a.ringing(), true, 'the leader tab rings');
    assert.equal(b.ringing(), false, 'the follower does not');
    assert.deepEqual(a.notified, [cid], 'one notification');
    assert.deepEqual(b.notified, []);

    await b.agent.accept(cid);
    for (const t of [a, b]) {
      await waitFor(() => t.agent.$offers.get()[cid] === undefined, `${t.id} lost the offer`);
      await waitFor(() => t.agent.$interactions.get()[cid]?.state === 'active', `${t.id} handles it`);
    }
    assert.equal(a.ringing(), false, 'answered in the follower: the leader stops ringing');
    assert.deepEqual(a.alert.$alerting.get(), []);

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
  it('when the leader tab closes while an offer waits, the tab that takes over rings for it', async () => {
    const { clock, tab, visitor } = world();
    const a = tab('a');
    await waitFor(() => a.transport.$isLeader.get(), 'a leads');
    const b = tab('b');
    for (const t of [a, b]) await waitFor(() => caughtUp(t), `${t.id} connected`);
    await a.agent.setPresence('available');
    const cid = await visitor().startChat({});
    await waitFor(() => b.agent.$offers.get()[cid] !== undefined, 'b has the offer');
    assert.equal(a.ringing(), true);
    assert.equal(b.ringing(), false);

    a.crash();
    await waitFor(() => b.transport.$isLeader.get(), 'b took the lock');
    assert.equal(b.ringing(), true, 'b rings now');
    assert.deepEqual(b.notified, [cid]);
    await clock.advance(500);
    await waitFor(() => caughtUp(b), 'b reconnected');
    assert.ok(b.agent.$offers.get()[cid], 'the offer still waits after the resync');
    await b.agent.accept(cid);
    await waitFor(() => b.agent.$interactions.get()[cid]?.state === 'active', 'b handles it');
    assert.equal(b.ringing(), false);
  });
});
