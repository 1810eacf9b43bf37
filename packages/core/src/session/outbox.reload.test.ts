import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createTestClock, flush, type TestClock, waitFor } from '../testing';
import { createWebSocketTransport } from '../transport';
import { type HubServer, startHubServer } from '../transport/websocket.testing';
import { createAgentSession } from './agent.session';
import { createMemoryOutbox, type Outbox } from './outbox';
import type { ConversationMemory, RememberedConversation } from './visitor.persistence';
import { createVisitorSession, type VisitorSession } from './visitor.session';

// A "reload" in Node: the first session is dropped and a second one starts with the same outbox and conversation
// memory (what IndexedDB and localStorage keep across a reload in a browser), over a real socket to the hub.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once an asynchronous check holds, checking after each macrotask. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    if (await check()) return;
    await flush();
  }
  throw new Error(`${what} did not happen`);
}

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

function page(
  server: HubServer,
  clock: TestClock,
  outbox: Outbox,
  memory: ConversationMemory,
): VisitorSession {
  const transport = createWebSocketTransport({ url: server.url, WebSocketImpl: WebSocket });
  const visitor = createVisitorSession({
    transport,
    clock,
    random: () => 0.5,
    token: 'dev:visitor:v1:Ada',
    outbox,
    memory,
  });
  // Sessions connect lazily, when a store is observed or an action runs; these tests watch the socket.
  visitor.connection.open();
  cleanups.push(() => visitor.close());
  return visitor;
}

describe('a visitor reloading mid-chat', () => {
  it('returns to the same conversation and sends what the outbox kept exactly once, in order', async () => {
    const server = await startHubServer({ hub: { clock: createTestClock() } });
    cleanups.push(() => server.stop());
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    const memory = keptMemory();

    const before = page(server, clock, outbox, memory);
    const cid = await before.startChat({});
    await before.sendMessage('zero');
    assert.deepEqual(memory.value?.cid, cid, 'the conversation is remembered');

    // The server stores 'one', but neither its ack nor its event gets back: the page cannot know. 'two' waits
    // behind it (one message of a conversation on the wire at a time, so a refused one is never overtaken).
    server.setMuted(true);
    const unconfirmed = [before.sendMessage('one'), before.sendMessage('two')];
    await waitFor(() => before.$messages.get().length === 3, 'echoed');
    await eventually(async () => (await server.messages(cid)).length === 2, 'stored');
    assert.deepEqual(await server.messages(cid), ['zero', 'one']);
    // Then the network goes: this one never reaches the server.
    server.setRefusing(true);
    server.closeAll(1001);
    await waitFor(() => before.$connection.get().value === 'reconnecting', 'offline');
    const offline = before.sendMessage('three');
    await waitFor(() => before.$messages.get().length === 4, 'typed offline');
    assert.deepEqual(
      (await outbox.list()).map((e) => e.text),
      ['one', 'two', 'three'],
    );

    // Reload.
    const ids = (await outbox.list()).map((e) => e.clientMsgId);
    before.close();
    await Promise.allSettled([...unconfirmed, offline]);
    server.setMuted(false);
    server.setRefusing(false);
    const after = page(server, clock, outbox, memory);
    await waitFor(() => after.$conversation.get()?.cid === cid, 'back in the same conversation');
    await waitFor(() => after.$messages.get().length === 4, 'history and outbox shown');
    await eventually(async () => (await outbox.list()).length === 0, 'outbox drained');

    assert.deepEqual(
      await server.messages(cid),
      ['zero', 'one', 'two', 'three'],
      'each stored once, in order',
    );
    assert.deepEqual(
      after.$messages.get().map((m) => [m.text, m.status]),
      [
        ['zero', 'sent'],
        ['one', 'sent'],
        ['two', 'sent'],
        ['three', 'sent'],
      ],
    );
    const stored = (await server.storage.events(cid, 0, 100)).flatMap((e) =>
      e.ev.type === 'message' ? [e.ev.clientMsgId] : [],
    );
    assert.deepEqual(stored.slice(1), ids, 'the same clientMsgIds across the reload');
  });

  it('forgets a remembered conversation that ended while the page was away', async () => {
    const server = await startHubServer({ hub: { clock: createTestClock() } });
    cleanups.push(() => server.stop());
    const clock = createTestClock();
    const memory = keptMemory();
    const before = page(server, clock, createMemoryOutbox(), memory);
    const cid = await before.startChat({});
    await before.sendMessage('hello');
    before.close();

    const agent = createAgentSession({
      transport: createWebSocketTransport({ url: server.url, WebSocketImpl: WebSocket }),
      clock,
      token: 'dev:agent:alice:Alice',
    });
    cleanups.push(() => agent.close());
    agent.connection.open();
    await waitFor(() => agent.$connection.get().value === 'caught-up', 'agent connected');
    await agent.setPresence('available');
    await waitFor(() => agent.$offers.get()[cid] !== undefined, 'offer');
    await agent.accept(cid);
    await agent.end(cid);
    await agent.wrapUp(cid, { disposition: 'resolved' });
    await waitFor(() => server.hub.interaction(cid)?.state === 'ended', 'ended');

    const after = page(server, clock, createMemoryOutbox(), memory);
    await waitFor(() => after.$connection.get().value === 'caught-up', 'connected');
    await waitFor(() => memory.value === undefined, 'forgotten');
    assert.equal(after.$conversation.get(), undefined, 'a fresh start');
  });
});
