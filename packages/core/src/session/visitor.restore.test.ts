import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate } from '../hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { createAgentSession } from './agent.session';
import type { ConversationMemory, RememberedConversation } from './visitor.persistence';
import { createVisitorSession } from './visitor.session';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function keptMemory(): ConversationMemory & { value: RememberedConversation | undefined } {
  return {
    value: undefined,
    read() {
      return this.value;
    },
    write(value) {
      this.value = value;
    },
  };
}

describe('a visitor reloading while their callback is being retried', () => {
  it('keeps the callback through dialing and retry-wait, and returns to it after the reload', async () => {
    const clock = createTestClock();
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
    });
    const transport = createMemoryTransport({ hub });
    const memory = keptMemory();
    const page = () => {
      const session = createVisitorSession({
        transport,
        clock,
        random: () => 0.5,
        token: 'dev:visitor:v1:Ada',
        memory,
      });
      cleanups.push(() => session.close());
      return session;
    };
    const alice = createAgentSession({ transport, clock, random: () => 0.5, token: 'dev:agent:alice:Alice' });
    cleanups.push(
      () => hub.close(),
      () => alice.close(),
    );
    await alice.setPresence('available');

    const before = page();
    const cid = await before.requestCallback({ phone: '+31201234567', timeZone: 'UTC', slot: 'asap' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'callback offered');
    await alice.accept(cid);
    await waitFor(() => before.$interaction.get()?.state === 'dialing', 'the visitor sees the dialling');
    assert.equal(memory.value?.cid, cid, 'remembered while dialling');
    await alice.connection.command('callback.outcome', { cid, outcome: 'no-answer' });
    await waitFor(() => before.$interaction.get()?.state === 'retry-wait', 'the visitor sees the retry');
    assert.equal(memory.value?.cid, cid, 'remembered while waiting for the next attempt');
    before.close();

    const after = page();
    after.connection.open();
    await waitFor(() => after.$interaction.get()?.id === cid, 'back to the callback after the reload');
    assert.equal(after.$interaction.get()?.state, 'retry-wait');
    assert.equal((await after.restore())?.cid, cid, 'restore finds it too');
  });
});
