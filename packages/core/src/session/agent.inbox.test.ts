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
    const visitor = createVisitorSession({
      transport,
      clock,
      random: () => 0.5,
      token: 'dev:visitor:v1:Ada',
    });
    cleanups.push(
      () => hub.close(),
      () => visitor.close(),
    );
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
    return { hub, transport, visitor, agent };
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
});
