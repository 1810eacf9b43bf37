/// <reference types="mocha" />
import { assert } from 'chai';
import { eventually, type Harness, startHarness } from '../transport/harness.testing';
import { createWebSocketTransport } from '../transport/websocket.transport';
import type { OutboxEntry } from './outbox';
import { createBrowserOutbox } from './outbox.browser';
import { createBrowserConversationMemory } from './visitor.persistence';
import { createVisitorSession, type VisitorSession } from './visitor.session';

let run = 0;
/** A key no other test (or earlier run in this profile) has used. */
const freshKey = () => `test:${Date.now()}:${run++}`;
const entry = (n: number): OutboxEntry => ({ cid: 'c1', clientMsgId: `m${n}`, text: `text ${n}`, at: n });

describe('createBrowserOutbox in Chromium', () => {
  it('keeps entries in IndexedDB, in order, across a reload', async () => {
    const key = freshKey();
    let outbox: ReturnType<typeof createBrowserOutbox> | undefined = createBrowserOutbox({ key });
    for (const n of [3, 1, 2]) await outbox.add(entry(n));
    await outbox.add(entry(1)); // the same message again: kept once, in its first place
    assert.equal(await outbox.backend(), 'indexeddb');
    outbox = undefined; // the page is gone

    const reloaded = createBrowserOutbox({ key });
    assert.deepEqual(
      (await reloaded.list()).map((e) => e.clientMsgId),
      ['m3', 'm1', 'm2'],
    );
    assert.deepEqual((await reloaded.list())[0], entry(3));
    await reloaded.remove('m1');
    assert.deepEqual(
      (await createBrowserOutbox({ key }).list()).map((e) => e.clientMsgId),
      ['m3', 'm2'],
    );
    assert.deepEqual(
      await createBrowserOutbox({ key: freshKey() }).list(),
      [],
      'outboxes are separate by key',
    );
  });

  it('falls back to localStorage without IndexedDB, and moves those entries into IndexedDB later', async () => {
    const key = freshKey();
    const withoutIndexedDb = createBrowserOutbox({ key, indexedDB: null });
    await withoutIndexedDb.add(entry(1));
    await withoutIndexedDb.add(entry(2));
    assert.equal(await withoutIndexedDb.backend(), 'localstorage');
    assert.include(localStorage.getItem(`helpline:outbox:${key}`) ?? '', '"m2"');
    assert.deepEqual(
      (await createBrowserOutbox({ key, indexedDB: null }).list()).map((e) => e.clientMsgId),
      ['m1', 'm2'],
      'survives a reload in localStorage too',
    );

    const withIndexedDb = createBrowserOutbox({ key });
    assert.deepEqual(
      (await withIndexedDb.list()).map((e) => e.clientMsgId),
      ['m1', 'm2'],
    );
    assert.equal(await withIndexedDb.backend(), 'indexeddb');
    assert.equal(localStorage.getItem(`helpline:outbox:${key}`), null, 'moved, not copied');
  });

  it('falls back to localStorage when IndexedDB fails to open', async () => {
    const failing = {
      open() {
        throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    const outbox = createBrowserOutbox({ key: freshKey(), indexedDB: failing });
    await outbox.add(entry(1));
    assert.equal(await outbox.backend(), 'localstorage');
    assert.deepEqual(
      (await outbox.list()).map((e) => e.text),
      ['text 1'],
    );
  });

  it('keeps entries in memory when no storage works at all', async () => {
    const outbox = createBrowserOutbox({ key: freshKey(), indexedDB: null, storage: null });
    await outbox.add(entry(1));
    assert.equal(await outbox.backend(), 'memory');
    assert.lengthOf(await outbox.list(), 1);
  });

  it('remembers the current conversation in localStorage', () => {
    const key = freshKey();
    createBrowserConversationMemory({ key }).write({ cid: 'c_1', lastSeq: 7 });
    assert.deepEqual(createBrowserConversationMemory({ key }).read(), { cid: 'c_1', lastSeq: 7 });
    createBrowserConversationMemory({ key }).write(undefined);
    assert.equal(createBrowserConversationMemory({ key }).read(), undefined);
    localStorage.setItem(`helpline:conversation:${key}`, '{not json');
    assert.equal(createBrowserConversationMemory({ key }).read(), undefined, 'garbage is ignored');
  });
});

describe('a visitor reloading in Chromium against a real server', () => {
  let harness: Harness;
  const sessions: VisitorSession[] = [];
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.close();
    await harness.stop();
  });

  function page(storageKey: string): VisitorSession {
    const transport = createWebSocketTransport({ url: harness.url, site: 'shop' });
    // Default persistence: the browser outbox and conversation memory under `storageKey`.
    const session = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada', storageKey });
    sessions.push(session);
    return session;
  }

  it('sends what the outbox kept exactly once, in order, and returns to the same conversation', async () => {
    const storageKey = freshKey();
    const before = page(storageKey);
    const cid = await before.startChat({});
    await before.sendMessage('zero');

    // 'one' is stored by the server, but no ack or event comes back: the page cannot know. 'two' waits behind it
    // (one message of a conversation on the wire at a time).
    await harness.muted(true);
    const unconfirmed = [before.sendMessage('one'), before.sendMessage('two')];
    await eventually(async () => (await harness.messages(cid)).length === 2, 'stored by the server');
    // Then the network goes: this one never reaches the server.
    await harness.refusing(true);
    await harness.closeAll(1001);
    await eventually(() => before.$connection.get().value === 'reconnecting', 'offline');
    const offline = before.sendMessage('three');
    await eventually(() => before.$messages.get().length === 4, 'typed offline');

    // Reload: the old page stops, a new one starts with nothing but what the browser kept.
    before.close();
    sessions.splice(sessions.indexOf(before), 1);
    await Promise.allSettled([...unconfirmed, offline]);
    const kept = await createBrowserOutbox({ key: storageKey }).list();
    assert.deepEqual(
      kept.map((e) => e.text),
      ['one', 'two', 'three'],
    );
    await harness.muted(false);
    await harness.refusing(false);

    const after = page(storageKey);
    after.$messages.listen(() => undefined); // a widget rendering the messages
    await eventually(() => after.$conversation.get()?.cid === cid, 'back in the same conversation');
    await eventually(
      () => after.$messages.get().length === 4 && after.$messages.get().every((m) => m.status === 'sent'),
      'all four confirmed',
    );
    assert.deepEqual(
      await harness.messages(cid),
      ['zero', 'one', 'two', 'three'],
      'stored once each, in order',
    );
    assert.deepEqual(
      after.$messages.get().map((m) => m.key),
      [after.$messages.get()[0]?.key, ...kept.map((e) => e.clientMsgId)],
      'the same clientMsgIds across the reload',
    );
    await eventually(
      async () => (await createBrowserOutbox({ key: storageKey }).list()).length === 0,
      'drained',
    );
  });
});
