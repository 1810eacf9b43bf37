import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, createMemoryStorage, devAuthenticate } from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { silentLogger } from '../log/logger';
import { until } from './cluster.testing';
import { createEngineSwitch, type EngineSwitch } from './engine.switch';
import { createLeaseArena, createSharedBus, recordedSocket } from './engine.testing';
import type { EngineTopics } from './engine.topics';
import { SILENT_ROUNDS, watchFollowers } from './follower.watch';

const ALIVE_MS = 40;
const queue = { ...supportQueue, acw: { kind: 'none' as const }, dispositionRequired: false };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Two instances, `a` leading; the hub's own heartbeat (15 s by default) is far slower than the watch. */
async function twoInstances() {
  const bus = createSharedBus<EngineTopics>();
  const arena = createLeaseArena();
  const storage = createMemoryStorage();
  const buses = new Map<string, ReturnType<typeof bus.join>>();
  const start = async (id: string): Promise<EngineSwitch> => {
    const own = bus.join(id);
    buses.set(id, own);
    const engine = createEngineSwitch({
      bus: own,
      lease: arena.lease(id),
      createHub: () =>
        createHub({
          queues: [queue],
          agents: [testAgent('alice')],
          authenticate: devAuthenticate,
          storage,
          agentGraceMs: 50,
        }),
      log: silentLogger,
      waitForLeaderMs: 1_000,
      followerAliveMs: ALIVE_MS,
    });
    cleanups.push(() => engine.close());
    await engine.restore();
    return engine;
  };
  const a = await start('a');
  const b = await start('b');
  assert.equal(a.role, 'leader');
  assert.equal(b.role, 'follower');
  // alice's console is on the follower, relayed to the leader's hub.
  const alice = recordedSocket(b);
  assert.equal((await alice.hello('dev:agent:alice:Alice')).t, 'welcome');
  await alice.command('presence.set', { status: 'available' });
  assert.equal(a.connectionCount, 1);
  return { a, b, alice, buses };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the leader's watch over its followers", () => {
  it('lets the sockets of a follower that died without a goodbye go within a few rounds: the agent is no longer online', async () => {
    const { a, buses } = await twoInstances();
    let heard = false;
    buses.get('a')?.subscribe((message) => {
      if (message.kind === 'relay.alive' && message.origin === 'b') heard = true;
    });
    await until(() => heard, 'b says it is alive');
    // kill -9 of b: its bus falls silent at once, no detach, no goodbye.
    await buses.get('b')?.close();
    const diedAt = Date.now();
    await until(() => a.connectionCount === 0, "the leader lets the dead follower's socket go", 2_000);
    const tookMs = Date.now() - diedAt;
    assert.ok(
      tookMs >= (SILENT_ROUNDS - 1) * ALIVE_MS,
      `not before it was silent for a while (${tookMs} ms)`,
    );
    // The hub knows alice's link is gone: her presence runs out its grace period, and she is offered nothing.
    await until(
      () => a.presenceOf('alice')?.value === 'offline',
      'alice goes offline after her grace period',
    );
  });

  it('keeps the sockets of a live follower, busy or idle', async () => {
    const { a, alice } = await twoInstances();
    await sleep(ALIVE_MS * SILENT_ROUNDS * 3);
    assert.equal(a.connectionCount, 1, 'idle: its alive messages keep it');
    await alice.command('presence.set', { status: 'away', reason: 'lunch' });
    await sleep(ALIVE_MS * SILENT_ROUNDS * 2);
    assert.equal(a.connectionCount, 1);
    assert.equal(a.presenceOf('alice')?.value, 'away');
  });

  it('never takes for dead a follower that never said it is alive (an older version), nor one of another term', async () => {
    const bus = createSharedBus<EngineTopics>();
    const leader = bus.join('a');
    const old = bus.join('old');
    const other = bus.join('other');
    const silent: string[] = [];
    const stop = watchFollowers({
      bus: leader,
      epoch: 2,
      everyMs: ALIVE_MS,
      onSilent: (instance) => silent.push(instance),
    });
    cleanups.push(stop);
    old.publish('relay.detach', { connectionId: 'old.1', epoch: 2 }, { instances: ['a'] });
    other.publish('relay.alive', { epoch: 1 }, { instances: ['a'] });
    await sleep(ALIVE_MS * SILENT_ROUNDS * 2);
    assert.deepEqual(silent, []);
    other.publish('relay.alive', { epoch: 2 }, { instances: ['a'] });
    await until(() => silent.length > 0, 'a follower of this term that fell silent is reported');
    assert.deepEqual(silent, ['other']);
  });
});
