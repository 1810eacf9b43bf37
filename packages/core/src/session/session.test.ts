import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate, type Hub } from '../hub';
import { isHelplineError } from '../protocol/errors';
import { createTestClock, flush, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport/memory.transport';
import { type AgentSession, createAgentSession } from './agent.session';
import { createVisitorSession, type VisitorSession } from './visitor.session';

interface World {
  clock: TestClock;
  hub: Hub;
  transport: MemoryTransport;
  visitor: VisitorSession;
  alice: AgentSession;
  bob: AgentSession;
}

const open: World[] = [];

function world(): World {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
  });
  const transport = createMemoryTransport({ hub });
  const options = { transport, clock, random: () => 0.5 };
  const w: World = {
    clock,
    hub,
    transport,
    visitor: createVisitorSession({ ...options, token: 'dev:visitor:v1:Ada' }),
    alice: createAgentSession({ ...options, token: 'dev:agent:alice:Alice' }),
    bob: createAgentSession({ ...options, token: 'dev:agent:bob:Bob' }),
  };
  open.push(w);
  return w;
}

afterEach(() => {
  for (const w of open.splice(0)) {
    w.visitor.close();
    w.alice.close();
    w.bob.close();
    w.hub.close();
  }
});

const texts = (messages: readonly { text: string }[]) => messages.map((m) => m.text);

describe('visitor ↔ agent over the memory transport', () => {
  it('holds a whole conversation: offer, accept, messages, typing, read, end, CSAT, wrap-up', async () => {
    const { visitor, alice, hub } = world();
    await alice.setPresence('available');

    const cid = await visitor.startChat({ prechat: { name: 'Ada' }, topic: 'support' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer to alice');
    assert.equal(visitor.$interaction.get()?.state, 'offered');

    await visitor.sendMessage('Hello, anyone there?');
    await alice.accept(cid);
    await waitFor(() => visitor.$interaction.get()?.state === 'active', 'visitor sees active');
    assert.deepEqual(texts(alice.$conversations.get()[cid]?.messages ?? []), ['Hello, anyone there?']);
    assert.ok(
      visitor.$interaction.get()?.participants.some((p) => p.id === 'alice' && p.displayName === 'Alice'),
    );

    await alice.setTyping(cid, true);
    await waitFor(() => visitor.$agentTyping.get(), 'typing shown');
    await alice.sendMessage(cid, 'Hi Ada, how can I help?');
    await waitFor(() => visitor.$messages.get().length === 2, 'agent reply arrives');
    await visitor.sendMessage('My order is late.');
    await waitFor(() => alice.$conversations.get()[cid]?.messages.length === 3, 'third message');
    assert.deepEqual(texts(visitor.$messages.get()), texts(alice.$conversations.get()[cid]?.messages ?? []));
    assert.ok(visitor.$messages.get().every((m) => m.status === 'sent'));

    await alice.markRead(cid);
    await waitFor(() => visitor.$readByAgent.get(), 'read receipt');
    // Marking again with nothing new sends nothing: a receipt is an event, but not a message to read.
    const lastSeq = alice.$conversations.get()[cid]?.lastSeq;
    await alice.markRead(cid);
    await flush();
    assert.equal(alice.$conversations.get()[cid]?.lastSeq, lastSeq);

    await alice.end(cid);
    await waitFor(() => visitor.$interaction.get()?.state === 'wrap-up', 'visitor sees the end');
    assert.equal(visitor.$interaction.get()?.endedBy, 'agent');
    assert.equal(visitor.$interaction.get()?.endReason, 'completed');

    await visitor.rate(5, 'Quick and kind');
    await assert.rejects(alice.wrapUp(cid, { notes: 'no disposition' }), (e: unknown) => {
      assert.ok(isHelplineError(e));
      assert.equal(e.code, 'wrapup/disposition-required');
      return true;
    });
    await alice.wrapUp(cid, { disposition: 'resolved', notes: 'Sent tracking link' });
    await waitFor(() => hub.interaction(cid)?.state === 'ended', 'ended after wrap-up');
    const done = hub.interaction(cid);
    assert.equal(done?.disposition, 'resolved');
    assert.equal(done?.csat?.score, 5);
    assert.equal(visitor.$interaction.get()?.notes, undefined, 'visitors never see agent notes');
    assert.equal(alice.$interactions.get()[cid], undefined, 'finished work leaves the inbox');
  });

  it('re-offers a missed offer to the next agent after its timeout', async () => {
    const { visitor, alice, bob, clock } = world();
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'first offer');

    await bob.setPresence('available');
    await clock.advance(supportQueue.offerTimeoutSeconds * 1000);
    await waitFor(() => alice.$offers.get()[cid] === undefined, 'alice loses the offer');
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offer moves to bob');
    await bob.accept(cid);
    await waitFor(() => visitor.$interaction.get()?.state === 'active', 'bob joined');
    assert.equal(visitor.$interaction.get()?.agentId, 'bob');
  });

  it('keeps messages typed while offline and sends them once when the link returns', async () => {
    const { visitor, alice, transport, clock } = world();
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer');
    await alice.accept(cid);

    transport.setUnreachable(true);
    transport.dropAll();
    await waitFor(() => visitor.$connection.get().value === 'reconnecting', 'visitor reconnecting');
    const sends = [visitor.sendMessage('one'), visitor.sendMessage('two')];
    await waitFor(() => visitor.$messages.get().length === 2, 'optimistic echo');
    assert.deepEqual(
      visitor.$messages.get().map((m) => m.status),
      ['sending', 'sending'],
    );
    transport.setUnreachable(false);
    await clock.advance(30_000);
    await Promise.all(sends);
    await waitFor(() => alice.$conversations.get()[cid]?.messages.length === 2, 'delivered after reconnect');
    assert.deepEqual(texts(alice.$conversations.get()[cid]?.messages ?? []), ['one', 'two']);
    assert.deepEqual(
      visitor.$messages.get().map((m) => m.status),
      ['sent', 'sent'],
    );
  });

  it('publishes queue positions as the line moves, from the very first one', async () => {
    const { visitor: first, transport, clock, alice } = world();
    const second = createVisitorSession({ transport, clock, random: () => 0.5, token: 'dev:visitor:v2:Bo' });
    try {
      await first.startChat({});
      await clock.advance(1000); // Equal waits would be ordered by id; one second apart, by time.
      const cid = await second.startChat({});
      await waitFor(() => first.$position.get()?.position === 1, 'first in line');
      await waitFor(() => second.$position.get()?.position === 2, 'second in line');
      await first.endChat();
      await waitFor(() => second.$position.get()?.position === 1, 'moves up');
      assert.equal(first.$position.get(), undefined, 'no position after leaving');
      await alice.setPresence('available');
      await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
      await alice.accept(cid);
      await waitFor(() => second.$position.get() === undefined, 'no position once answered');
    } finally {
      second.close();
    }
  });

  it('treats asking for the presence one already has as done, and explains an impossible change', async () => {
    const { alice } = world();
    await alice.setPresence('available');
    await alice.setPresence('available');
    assert.equal(alice.$presence.get().status, 'available');
    await alice.setPresence('away', 'break');
    await alice.setPresence('away', 'break');
    assert.deepEqual(alice.$presence.get(), { status: 'away', reason: 'break' });
  });

  it('refuses bad input with typed errors and keeps what was accepted', async () => {
    const { visitor, alice } = world();
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await assert.rejects(
      visitor.sendMessage('   '),
      (e: unknown) => isHelplineError(e) && e.code === 'validation/field',
    );
    await assert.rejects(
      visitor.sendMessage('x'.repeat(4001)),
      (e: unknown) => isHelplineError(e) && e.code === 'validation/field',
    );
    await visitor.sendMessage('still here');
    await assert.rejects(
      alice.setPresence('away'),
      (e: unknown) => isHelplineError(e) && e.code === 'validation/field',
    );
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer');
    await alice.accept(cid);
    await waitFor(() => alice.$conversations.get()[cid]?.messages.length === 1, 'accepted message kept');
  });
});
