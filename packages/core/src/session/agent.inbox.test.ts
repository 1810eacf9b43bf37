import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate } from '../hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import type { Transport } from '../transport';
import { createMemoryTransport } from '../transport/memory.transport';
import { createAgentSession } from './agent.session';
import { createVisitorSession } from './visitor.session';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A transport whose frames say `to` where the server said `from` (a server speaking of a state no machine has). */
function renaming(transport: Transport, from: string, to: string): Transport {
  return {
    open: (handlers) =>
      transport.open({ ...handlers, onFrame: (raw) => handlers.onFrame(raw.replaceAll(from, to)) }),
  };
}

describe("the agent's inbox", () => {
  function world() {
    const clock = createTestClock();
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
    });
    const transport = createMemoryTransport({ hub });
    cleanups.push(() => hub.close());
    const visit = (token: string) => {
      const session = createVisitorSession({ transport, clock, random: () => 0.5, token });
      cleanups.push(() => session.close());
      return session;
    };
    const agent = (via: Transport) => {
      const session = createAgentSession({
        transport: via,
        clock,
        random: () => 0.5,
        token: 'dev:agent:alice:Alice',
      });
      cleanups.push(() => session.close());
      return session;
    };
    return { hub, transport, visitor: visit('dev:visitor:v1:Ada'), visit, agent };
  }

  it('holds the work the agent handles or wraps up, and lets it go when it is over', async () => {
    const { transport, visitor, agent } = world();
    const alice = agent(transport);
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    assert.equal(alice.$interactions.get()[cid], undefined, 'an offer is not in the inbox yet');
    await alice.accept(cid);
    await waitFor(() => alice.$interactions.get()[cid]?.state === 'active', 'handled');
    await alice.end(cid);
    await waitFor(() => alice.$interactions.get()[cid]?.state === 'wrap-up', 'wrapping up');
    await alice.wrapUp(cid, { disposition: 'resolved' });
    await waitFor(() => alice.$interactions.get()[cid] === undefined, 'over');
  });

  it('does not take a state no interaction machine has for work in hand', async () => {
    // 'connecting' and 'held' are states of a call, never of an interaction; a list of state names once had them.
    const { transport, visitor, agent } = world();
    const alice = agent(renaming(transport, '"state":"active"', '"state":"connecting"'));
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    await waitFor(
      () => alice.$conversations.get()[cid]?.interaction?.state === 'connecting',
      'the odd state arrives',
    );
    assert.equal(alice.$interactions.get()[cid], undefined);
  });

  it('re-renders no offer, and no work in hand, for a message in another chat', async () => {
    const { transport, visitor: ada, visit, agent } = world();
    const alice = agent(transport);
    const bo = visit('dev:visitor:v2:Bo');
    await alice.setPresence('available');
    const chat = await ada.startChat({});
    await waitFor(() => alice.$offers.get()[chat] !== undefined, 'first offer');
    await alice.accept(chat);
    const waiting = await bo.startChat({});
    await waitFor(() => alice.$offers.get()[waiting] !== undefined, 'second offer');

    const offers = alice.$offers.get();
    const offer = offers[waiting];
    const inHand = alice.$interactions.get();
    const heard = { offers: 0, interactions: 0, transfers: 0, conversations: 0 };
    const stops = [
      alice.$offers.listen(() => heard.offers++),
      alice.$interactions.listen(() => heard.interactions++),
      alice.$transferResults.listen(() => heard.transfers++),
      alice.$conversations.listen(() => heard.conversations++),
    ];
    cleanups.push(() => {
      for (const stop of stops) stop();
    });

    await ada.sendMessage('Hello?');
    await waitFor(
      () => alice.$conversations.get()[chat]?.messages.some((m) => m.text === 'Hello?') === true,
      'the message reaches alice',
    );
    assert.ok(heard.conversations > 0, 'the conversation changed');
    assert.equal(heard.offers, 0, 'no offer re-rendered');
    assert.equal(heard.interactions, 0, 'no work in hand re-rendered');
    assert.equal(heard.transfers, 0);
    assert.equal(alice.$offers.get(), offers);
    assert.equal(alice.$offers.get()[waiting], offer);
    assert.equal(alice.$interactions.get(), inHand);
  });

  it('re-renders no conversation while the customer types', async () => {
    const { transport, visitor: ada, agent } = world();
    const alice = agent(transport);
    await alice.setPresence('available');
    const chat = await ada.startChat({});
    await waitFor(() => alice.$offers.get()[chat] !== undefined, 'offer');
    await alice.accept(chat);
    await waitFor(() => alice.$conversations.get()[chat]?.interaction?.state === 'active', 'accepted');

    const conversations = alice.$conversations.get();
    await ada.setTyping(true);
    await waitFor(() => alice.$typing.get()[chat] === true, 'typing shown');
    assert.equal(alice.$conversations.get(), conversations);
  });
});
