import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestClock } from '../testing';
import { createHeartbeat, type Liveness } from './heartbeat';

type TestConn = Liveness & { readonly name: string; readonly keptAliveElsewhere?: boolean };

function setup() {
  const clock = createTestClock();
  const conns = new Set<TestConn>();
  const pings: { name: string; raw: string }[] = [];
  const dropped: string[] = [];
  const sweeps: number[] = [];
  const heartbeat = createHeartbeat<TestConn>({
    clock,
    intervalMs: 15_000,
    connections: () => conns,
    pinged: (conn) => conn.keptAliveElsewhere !== true,
    ping: (conn, raw) => pings.push({ name: conn.name, raw }),
    timedOut(conn) {
      dropped.push(conn.name);
      conns.delete(conn);
    },
    sweep: (now) => sweeps.push(now),
  });
  const open = (name: string, keptAliveElsewhere?: boolean) => {
    const conn: TestConn = {
      name,
      unansweredPings: 0,
      ...(keptAliveElsewhere ? { keptAliveElsewhere } : {}),
    };
    conns.add(conn);
    heartbeat.start();
    return conn;
  };
  return { clock, conns, pings, dropped, sweeps, heartbeat, open };
}

describe('heartbeat', () => {
  it('pings every connection each interval with one ping serialized for all of them', async () => {
    const { clock, pings, open } = setup();
    open('a');
    open('b');
    await clock.advance(15_000);
    assert.deepEqual(
      pings.map((p) => p.name),
      ['a', 'b'],
    );
    assert.deepEqual(JSON.parse(pings[0]?.raw ?? ''), { t: 'ping', ts: clock.now() });
    assert.equal(pings[0]?.raw, pings[1]?.raw);
  });

  it('pings each connection in a slice of the interval of its own, so the pings of many do not go out at once', async () => {
    const { clock, pings, open } = setup();
    // One connection opened every 1.5 s: each first ping comes about one interval after it was first seen.
    for (let i = 0; i < 10; i++) {
      open(`c${i}`);
      await clock.advance(1_500);
    }
    await clock.advance(15_000);
    const at = new Map<number, string[]>();
    for (const { name, raw } of pings) {
      const { ts } = JSON.parse(raw) as { ts: number };
      at.set(ts, [...(at.get(ts) ?? []), name]);
    }
    assert.ok(pings.length >= 10, `pinged: ${pings.length}`);
    for (const [ts, names] of at) assert.equal(names.length, 1, `one ping at ${ts}: ${names.join(', ')}`);
    assert.deepEqual(
      pings.slice(0, 3).map((p) => p.name),
      ['c0', 'c1', 'c2'],
    );
  });

  it('drops a connection that left two pings unanswered; one that is heard from stays', async () => {
    const { clock, dropped, heartbeat, open } = setup();
    open('quiet');
    const lively = open('lively');
    for (let beat = 0; beat < 3; beat++) {
      await clock.advance(15_000);
      heartbeat.heard(lively);
    }
    assert.deepEqual(dropped, ['quiet']);
  });

  it('neither pings nor drops a connection kept alive elsewhere (a cluster follower’s relayed socket), and still sweeps', async () => {
    const { clock, pings, dropped, sweeps, open } = setup();
    open('relayed', true);
    for (let beat = 0; beat < 4; beat++) await clock.advance(15_000);
    assert.deepEqual(pings, []);
    assert.deepEqual(dropped, []);
    assert.equal(sweeps.length, 1, 'the sweep runs on the same timer');
  });

  it('keeps no timer while no connection is open, sweeps about once a minute, and stops for good', async () => {
    const { clock, conns, sweeps, heartbeat, open } = setup();
    assert.equal(clock.pendingTimers, 0);
    const a = open('a');
    heartbeat.start();
    assert.equal(clock.pendingTimers, 1);
    for (let beat = 0; beat < 4; beat++) {
      await clock.advance(15_000);
      heartbeat.heard(a);
    }
    assert.deepEqual(sweeps, [clock.now()]);
    conns.clear();
    await clock.advance(15_000);
    assert.equal(clock.pendingTimers, 0);
    open('b');
    heartbeat.stop();
    heartbeat.start();
    assert.equal(clock.pendingTimers, 0);
  });
});
