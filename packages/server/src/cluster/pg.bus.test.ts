import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterBus, ClusterMessage } from '@helpline/core/cluster';
import pg from 'pg';
import { startFaultProxy } from '../testing/proxy';
import { type ClusterTestDatabase, clusterTestDatabase, until } from './cluster.testing';
import { createPgBus, NOTIFY_LIMIT_BYTES, type PgBusOptions } from './pg.bus';

type Topics = {
  'conversation.appended': { cid: string; seq: number };
  'call.signal': { cid: string; sdp: string };
};
type Message = ClusterMessage<Topics>;

/** Every message a bus receives, and the failures it reports. */
function record(bus: ClusterBus<Topics>) {
  const messages: Message[] = [];
  bus.subscribe((message) => messages.push(message));
  return messages;
}

/** A 16 KB SDP-like offer: what a browser sends with many candidates and codecs. */
function bigSdp(): string {
  const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];
  for (let i = 0; lines.join('\r\n').length < 16 * 1024; i++) {
    lines.push(
      `a=candidate:${i} 1 udp 2122260223 192.168.${i % 255}.${i % 200} ${50_000 + i} typ host generation 0`,
    );
  }
  return lines.join('\r\n');
}

describe('createPgBus (PostgreSQL LISTEN/NOTIFY)', async () => {
  const database = await clusterTestDatabase();
  if ('skip' in database) {
    it('runs against PostgreSQL', { skip: database.skip }, () => {});
    return;
  }
  const db: ClusterTestDatabase = database;
  const channel = `helpline_bus_${db.schema}`;
  const opened: ClusterBus<Topics>[] = [];
  const failures: string[] = [];

  async function bus(instanceId: string, options: Partial<PgBusOptions> = {}) {
    const created = await createPgBus<Topics>({
      directUrl: db.url,
      instanceId,
      schema: db.schema,
      queries: db.sql,
      reportFailure: (what) => failures.push(`${instanceId}: ${what}`),
      ...options,
    });
    opened.push(created);
    return created;
  }

  /** Counts the notifications on the bus's channel, as a plain listener sees them. */
  let observer: pg.Client;
  const observed: string[] = [];
  before(async () => {
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
    observer.on('notification', (notification) => observed.push(notification.payload ?? ''));
    await observer.query(`LISTEN ${channel}`);
  });

  after(async () => {
    for (const each of opened) await each.close();
    await observer.end();
    await db.drop();
  });

  it('three instances deliver to each other, each origin in the order it published', async () => {
    const buses = [await bus('a'), await bus('b'), await bus('c')];
    const received = buses.map(record);
    for (let seq = 1; seq <= 40; seq++) {
      for (const each of buses) each.publish('conversation.appended', { cid: each.instanceId, seq });
    }
    await until(() => received.every((messages) => messages.length === 120), 'every bus got 120 messages');
    for (const messages of received) {
      for (const origin of ['a', 'b', 'c']) {
        const seqs = messages
          .filter((m) => m.origin === origin)
          .map((m) => (m.payload as { seq: number }).seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
      }
      assert.ok(messages.every((m) => m.kind === 'conversation.appended' && m.payload.cid === m.origin));
    }
    assert.deepEqual(failures, []);
  });

  it('batches what is published together: 300 messages in a few notifications, each under the limit', async () => {
    const [sender, receiver] = [await bus('batch-a'), await bus('batch-b')];
    const received = record(receiver);
    observed.length = 0;
    for (let seq = 1; seq <= 300; seq++) {
      sender.publish(
        'conversation.appended',
        { cid: 'c-batch', seq },
        { subjects: ['visitor-1', 'agent-7'] },
      );
    }
    await sender.flush();
    await until(() => received.length === 300, 'the receiver got 300 messages');
    assert.deepEqual(
      received.map((m) => (m.payload as { seq: number }).seq),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    assert.deepEqual(received[0]?.to, { subjects: ['visitor-1', 'agent-7'] });
    await until(() => observed.length >= 2, 'the notifications reached the observer');
    // ~100 bytes a message: at least 4 notifications of at most 7.5 KB, and far fewer than messages.
    assert.ok(observed.length >= 4 && observed.length <= 10, `${observed.length} notifications`);
    for (const payload of observed) assert.ok(Buffer.byteLength(payload) <= NOTIFY_LIMIT_BYTES);
  });

  it('sends a 16 KB payload by reference, and it arrives whole, in its place', async () => {
    const [sender, receiver] = [await bus('large-a'), await bus('large-b')];
    const received = record(receiver);
    observed.length = 0;
    const sdp = bigSdp();
    assert.ok(Buffer.byteLength(sdp) > 16 * 1024);
    sender.publish('conversation.appended', { cid: 'c-call', seq: 1 });
    sender.publish('call.signal', { cid: 'c-call', sdp }, { connections: ['conn-9'] });
    sender.publish('conversation.appended', { cid: 'c-call', seq: 2 });
    await until(() => received.length === 3, 'the receiver got 3 messages');
    assert.deepEqual(
      received.map((m) => m.kind),
      ['conversation.appended', 'call.signal', 'conversation.appended'],
    );
    assert.deepEqual(received[1], {
      kind: 'call.signal',
      payload: { cid: 'c-call', sdp },
      to: { connections: ['conn-9'] },
      origin: 'large-a',
    });
    await until(() => observed.length >= 1, 'the notification reached the observer');
    assert.ok(
      observed.every((payload) => Buffer.byteLength(payload) < 1024 && !payload.includes('candidate')),
    );
    const rows = await db.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM cluster_payloads');
    assert.equal(rows[0]?.n, '1', 'the large payload waits in cluster_payloads for the sweep');
  });

  it('delivers a message addressed to instances only to them', async () => {
    const [a, b, c] = [await bus('to-a'), await bus('to-b'), await bus('to-c')];
    const [atA, atB, atC] = [record(a), record(b), record(c)];
    a.publish('conversation.appended', { cid: 'only-b', seq: 1 }, { instances: ['to-b'] });
    a.publish('call.signal', { cid: 'only-c', sdp: bigSdp() }, { instances: ['to-c'] });
    a.publish('conversation.appended', { cid: 'all', seq: 2 });
    await until(
      () => atA.length === 1 && atB.length === 2 && atC.length === 2,
      'the addressed messages arrived',
    );
    assert.deepEqual(
      [atA, atB, atC].map((messages) => messages.map((m) => m.payload.cid)),
      [['all'], ['only-b', 'all'], ['only-c', 'all']],
    );
  });

  it("sends a message for one instance on that instance's own channel, in order with the shared ones", async () => {
    const [a, b, c] = [await bus('own-a'), await bus('own-b'), await bus('own-c')];
    const [atB, atC] = [record(b), record(c)];
    observed.length = 0;
    for (let seq = 1; seq <= 3; seq++) {
      a.publish('conversation.appended', { cid: 'for-b', seq }, { instances: ['own-b'] });
      a.publish('conversation.appended', { cid: 'for-c', seq }, { instances: ['own-c'] });
    }
    a.publish('conversation.appended', { cid: 'all', seq: 4 });
    a.publish('conversation.appended', { cid: 'for-b', seq: 5 }, { instances: ['own-b'] });
    await until(() => atB.length === 5 && atC.length === 4, 'the messages arrived');
    assert.deepEqual(
      atB.map((m) => `${m.payload.cid} ${(m.payload as { seq: number }).seq}`),
      ['for-b 1', 'for-b 2', 'for-b 3', 'all 4', 'for-b 5'],
    );
    assert.deepEqual(
      atC.map((m) => `${m.payload.cid} ${(m.payload as { seq: number }).seq}`),
      ['for-c 1', 'for-c 2', 'for-c 3', 'all 4'],
    );
    await until(() => observed.length >= 1, 'the shared notification reached the observer');
    assert.ok(
      observed.every((payload) => !payload.includes('for-b') && !payload.includes('for-c')),
      'the shared channel carries only what is for everyone',
    );
  });

  it('reconnects when its LISTEN session is terminated, then asks for a repair', async () => {
    const [sender, receiver] = [await bus('kill-a'), await bus('kill-b')];
    const received = record(receiver);
    let repairs = 0;
    receiver.onReconnect(() => repairs++);
    assert.equal(receiver.connected, true);
    assert.equal(await db.terminate('helpline bus kill-b'), 1);
    await until(() => repairs === 1, 'onReconnect after the listener came back');
    assert.equal(receiver.connected, true);
    sender.publish('conversation.appended', { cid: 'after', seq: 1 });
    await until(() => received.length === 1, 'a message after the reconnect');
    assert.ok(failures.includes('kill-b: bus listener'), 'the lost listener was reported');
  });

  it('notices a listener that stays open but carries nothing (a silent partition), and reconnects', async () => {
    const proxy = await startFaultProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    const through = new URL(db.url);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    const sender = await bus('silent-a');
    const receiver = await bus('silent-b', { directUrl: through.toString(), heartbeatMs: 200 });
    try {
      const received = record(receiver);
      let repairs = 0;
      receiver.onReconnect(() => repairs++);
      proxy.blackhole();
      await until(() => repairs === 1, 'onReconnect after a silent listener', 3_000);
      sender.publish('conversation.appended', { cid: 'after-partition', seq: 1 });
      await until(() => received.length === 1, 'a message after the partition');
    } finally {
      await receiver.close();
      await proxy.close();
    }
  });

  it('keeps its listener past the idle timeout it set (its pings count as activity)', async () => {
    const [sender, receiver] = [await bus('alive-a'), await bus('alive-b', { heartbeatMs: 150 })];
    const received = record(receiver);
    let repairs = 0;
    receiver.onReconnect(() => repairs++);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(repairs, 0, 'no reconnect: the server did not end the session');
    sender.publish('conversation.appended', { cid: 'still-here', seq: 1 });
    await until(() => received.length === 1, 'a message after ten idle timeouts');
  });

  it('asks for a repair when a large payload is gone before it is read', async () => {
    const receiver = await bus('gone-b');
    const received = record(receiver);
    let repairs = 0;
    receiver.onReconnect(() => repairs++);
    const batch = JSON.stringify({
      o: 'gone-a',
      n: 1,
      m: [{ k: 'conversation.appended', p: { cid: 'c', seq: 1 } }, { r: 'swept-long-ago' }],
    });
    await db.sql.query('SELECT pg_notify($1, $2)', [channel, batch]);
    await until(() => repairs === 1, 'onReconnect for the missing payload');
    assert.deepEqual(
      received.map((m) => m.payload),
      [{ cid: 'c', seq: 1 }],
    );
    assert.ok(failures.includes('gone-b: bus read of large payloads'));
  });

  it('sends what is pending on close, then stops', async () => {
    const [sender, receiver] = [await bus('close-a'), await bus('close-b')];
    const received = record(receiver);
    sender.publish('conversation.appended', { cid: 'last', seq: 1 });
    await sender.close();
    sender.publish('conversation.appended', { cid: 'too-late', seq: 2 });
    await until(() => received.length === 1, 'the pending message');
    assert.equal(sender.connected, false);
    await receiver.flush();
    assert.deepEqual(
      received.map((m) => m.payload.cid),
      ['last'],
    );
  });
});
