import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CLOSE_CODES, helplineError, type ServerFrame } from '@helpline/core';
import type { ClusterBus } from '@helpline/core/cluster';
import { createHub, createMemoryStorage, devAuthenticate, type HubStorage } from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { silentLogger } from '../log/logger';
import { until } from './cluster.testing';
import { createEngineSwitch, type EngineSwitch } from './engine.switch';
import {
  createLeaseArena,
  createSharedBus,
  type LeaseArena,
  type RecordedSocket,
  recordedSocket,
  type SharedBus,
} from './engine.testing';
import type { EngineTopics } from './engine.topics';

const queue = { ...supportQueue, acw: { kind: 'none' as const }, dispositionRequired: false };

interface Deployment {
  readonly bus: SharedBus<EngineTopics>;
  readonly arena: LeaseArena;
  readonly storage: HubStorage;
  readonly engines: Map<string, EngineSwitch>;
  /** Each instance's own bus, to speak as it. */
  readonly buses: Map<string, ClusterBus<EngineTopics>>;
  /** Starts instance `id` (it contends for the lease and restores a hub when it wins). */
  start(id: string): Promise<EngineSwitch>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function deployment(timings: { waitForLeaderMs?: number; resumeWithinMs?: number } = {}): Deployment {
  const bus = createSharedBus<EngineTopics>();
  const arena = createLeaseArena();
  // One database for every instance; it keeps resume tokens, as the SQL storage does.
  const tokens = new Map<string, string>();
  const storage: HubStorage = {
    ...createMemoryStorage(),
    async saveResumeToken(token, subjectId) {
      tokens.set(token, subjectId);
    },
    async findResumeToken(token) {
      return tokens.get(token);
    },
    async takeResumeToken(token) {
      const subjectId = tokens.get(token);
      tokens.delete(token);
      return subjectId;
    },
  };
  const engines = new Map<string, EngineSwitch>();
  const buses = new Map<string, ClusterBus<EngineTopics>>();
  return {
    bus,
    arena,
    storage,
    engines,
    buses,
    async start(id) {
      const own = bus.join(id);
      buses.set(id, own);
      const engine = createEngineSwitch({
        bus: own,
        lease: arena.lease(id),
        createHub: () =>
          createHub({
            queues: [queue],
            agents: [testAgent('alice'), testAgent('bob')],
            authenticate: devAuthenticate,
            storage,
          }),
        log: silentLogger,
        waitForLeaderMs: timings.waitForLeaderMs ?? 1_000,
        resumeWithinMs: timings.resumeWithinMs ?? 1_000,
        executeTimeoutMs: 500,
      });
      engines.set(id, engine);
      cleanups.push(() => engine.close());
      await engine.restore();
      return engine;
    },
  };
}

const evt = (cid: string, type: string) => (f: ServerFrame) =>
  f.t === 'evt' && f.cid === cid && f.ev.type === type;

/** A visitor's chat accepted by alice: the visitor on `visitorOn`, alice on `agentOn`. */
async function chat(visitorOn: EngineSwitch, agentOn: EngineSwitch) {
  const alice = recordedSocket(agentOn);
  assert.equal((await alice.hello('dev:agent:alice:Alice')).t, 'welcome');
  await alice.command('presence.set', { status: 'available' });
  const visitor = recordedSocket(visitorOn);
  assert.equal((await visitor.hello('dev:visitor:v1:Ada')).t, 'welcome');
  const { cid } = (await visitor.command('chat.start', { channel: 'chat', queueId: 'support' })) as {
    cid: string;
  };
  await alice.next((f) => f.t === 'notice' && f.notice.type === 'offer', 'the offer');
  await alice.command('offer.accept', { cid });
  await visitor.next(evt(cid, 'joined'), 'alice joined');
  return { alice, visitor, cid };
}

const say = (socket: RecordedSocket, cid: string, n: number, text: string) =>
  socket.command('message.send', {
    cid,
    clientMsgId: `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    text,
  });

describe('the engine switch: one hub for the deployment, relayed to from the other instances', () => {
  it('a visitor on a follower and an agent on the leader chat both ways through the relay', async () => {
    const d = deployment();
    const a = await d.start('a');
    const b = await d.start('b');
    assert.equal(a.role, 'leader');
    assert.equal(b.role, 'follower');
    assert.equal(b.leader?.instanceId, 'a');
    assert.equal(b.notReady(), undefined);

    const { alice, visitor, cid } = await chat(b, a);
    const sent = (await say(visitor, cid, 1, 'hello')) as { seq: number };
    const heard = await alice.next(
      (f) => evt(cid, 'message')(f) && f.t === 'evt' && f.seq === sent.seq,
      'hello',
    );
    assert.equal(heard.t === 'evt' && heard.ev.type === 'message' && heard.ev.text, 'hello');
    await alice.command('typing', { cid, typing: true });
    await visitor.next((f) => f.t === 'notice' && f.notice.type === 'typing', 'typing');
    await say(alice, cid, 2, 'hi there');
    await visitor.next(
      (f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.text === 'hi there',
      'the reply',
    );
    await alice.command('chat.end', { cid });
    await visitor.next((f) => f.t === 'evt' && f.ev.type === 'state' && f.ev.state !== 'active', 'the end');
    // Only the leader has a hub; the follower's view is the relay.
    assert.equal(a.interaction(cid)?.state, 'ended');
    assert.equal(b.interaction(cid), undefined);
    assert.equal(b.connectionCount, 1);
  });

  it("runs a follower's API call on the leader's hub, and says unavailable when no answer comes", async () => {
    const d = deployment();
    const a = await d.start('a');
    const b = await d.start('b');
    const { cid } = await chat(a, a);
    const history = await b.execute({ id: 'v1', role: 'visitor', name: 'Ada' }, 'history', { cid });
    assert.ok(
      history.events.some((e) => e.ev.type === 'joined'),
      'the history holds the join',
    );
    await assert.rejects(
      b.execute({ id: 'v2', role: 'visitor', name: 'Eve' }, 'history', { cid }),
      (error: { code?: string }) => error.code === 'conversation/forbidden' || error.code === 'not-found',
    );
    d.bus.cut('a');
    await assert.rejects(
      b.execute({ id: 'v1', role: 'visitor', name: 'Ada' }, 'history', { cid }),
      (error: { code?: string; retryAfterMs?: number }) =>
        error.code === 'unavailable' && (error.retryAfterMs ?? 0) > 0,
    );
  });

  it('a new leader: the old one closes its hub with 1012, the followers close what they relayed to it; the clients resume on the new one', async () => {
    const d = deployment();
    const a = await d.start('a');
    const b = await d.start('b');
    const c = await d.start('c');
    const { alice, visitor, cid } = await chat(c, a);
    await say(visitor, cid, 1, 'before');
    const welcome = visitor.frames.find((f) => f.t === 'welcome');
    assert.ok(welcome?.t === 'welcome', 'welcomed');

    // a's lease goes to b (a froze, say); a has not noticed yet.
    d.arena.grant('b');
    await until(() => b.role === 'leader', 'b leads');
    await until(() => visitor.closed !== undefined, "the relayed visitor's socket closes");
    assert.equal(visitor.closed?.code, CLOSE_CODES.serviceRestart);
    await until(() => alice.closed !== undefined, "alice's socket on the old leader closes");
    assert.equal(alice.closed?.code, CLOSE_CODES.serviceRestart);
    assert.equal(a.role, 'follower');
    assert.equal(c.leader?.instanceId, 'b');

    // They resume: alice on c (relayed to b), the visitor on b itself.
    const alice2 = recordedSocket(c);
    assert.equal((await alice2.hello('dev:agent:alice:Alice')).t, 'welcome');
    const visitor2 = recordedSocket(b);
    const resumed = await visitor2.hello('dev:visitor:v1:Ada', {
      token: welcome.resumeToken,
      cursors: { [cid]: 0 },
    });
    assert.ok(resumed.t === 'welcome' && resumed.resumed, `resumed: ${JSON.stringify(resumed)}`);
    await visitor2.next(
      (f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.text === 'before',
      'replayed',
    );
    await say(visitor2, cid, 2, 'after');
    await alice2.next((f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.text === 'after', 'after');
    assert.equal(b.interaction(cid)?.state, 'active', 'the new leader restored the chat');
  });

  it('drops what an old leader sends once another leads', async () => {
    const d = deployment();
    const a = await d.start('a');
    const b = await d.start('b');
    const visitor = recordedSocket(b);
    await visitor.hello('dev:visitor:v1:Ada');
    d.arena.grant('b');
    await until(() => b.role === 'leader', 'b leads');
    const follower = await d.start('c');
    assert.equal(follower.leader?.instanceId, 'b');
    const socket = recordedSocket(follower);
    await socket.hello('dev:visitor:v2:Bo');
    const before = socket.frames.length;
    // a, no longer leading, still speaks for its old term, or claims the new one: c hears nothing of it.
    const ghost = d.buses.get('a');
    for (const epoch of [1, 2]) {
      ghost?.publish('relay.out', { connectionId: 'c.1', epoch, n: 1, raw: '{"t":"pong"}' });
      ghost?.publish('relay.close', { connectionId: 'c.1', epoch, code: 1000, reason: 'stale' });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(socket.frames.length, before);
    assert.equal(socket.closed, undefined);
    assert.equal(a.role, 'follower');
  });

  it('a socket that comes while nobody leads waits for a leader, and is refused with 1013 if none comes', async () => {
    const d = deployment({ waitForLeaderMs: 300, resumeWithinMs: 5_000 });
    const a = await d.start('a');
    d.arena.expire();
    await until(() => a.role === 'suspended', 'a lost the lease');
    assert.equal(a.notReady(), 'the lease was lost');
    const refused = recordedSocket(a);
    await until(() => refused.closed !== undefined, 'refused', 2_000);
    assert.equal(refused.closed?.code, CLOSE_CODES.tryAgainLater);
    const bye = refused.frames.find((f) => f.t === 'bye');
    assert.equal(bye?.t === 'bye' && bye.error.code, 'unavailable');

    // A socket that comes now waits, and is relayed as soon as a leader is known.
    const waiting = recordedSocket(a);
    const welcomed = waiting.hello('dev:visitor:v3:Cy');
    const b = await d.start('b');
    assert.equal(b.role, 'leader', 'b won the free lease');
    assert.equal((await welcomed).t, 'welcome', 'relayed to b');
    assert.equal(a.role, 'follower');
    assert.equal(a.leader?.instanceId, 'b');
  });

  it('a leader that loses its lease and wins it straight back keeps its hub and its clients', async () => {
    const d = deployment({ resumeWithinMs: 2_000 });
    const a = await d.start('a');
    const b = await d.start('b');
    const { alice, visitor, cid } = await chat(b, a);
    d.arena.expire();
    await until(() => a.role === 'suspended', 'suspended');
    // Writes wait for the lease: nothing is written while it is not held.
    d.arena.grant('a');
    await until(() => a.role === 'leader', 'leads again');
    await say(visitor, cid, 1, 'still here');
    await alice.next(
      (f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.text === 'still here',
      'the message',
    );
    assert.equal(alice.closed, undefined);
    assert.equal(visitor.closed, undefined);
  });

  it('a fenced write of an earlier term than the one held is no news; one of the term held stops the leader', async () => {
    const d = deployment({ resumeWithinMs: 2_000 });
    const a = await d.start('a');
    d.arena.expire();
    await until(() => a.role === 'suspended', 'suspended');
    d.arena.grant('a');
    await until(() => a.role === 'leader', 'leads again, epoch 2');
    a.fenced(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(a.role, 'leader', 'a refusal from before the win changes nothing');
    a.fenced(2);
    await until(() => a.role === 'follower', 'steps down');
  });

  it('a leader whose lease went to another in between starts over: a new hub, restored', async () => {
    const d = deployment({ resumeWithinMs: 5_000 });
    const a = await d.start('a');
    const b = await d.start('b');
    const { alice } = await chat(a, a);
    d.arena.expire();
    await until(() => a.role === 'suspended', 'suspended');
    d.arena.grant('b');
    await until(() => b.role === 'leader', 'b leads');
    await until(() => alice.closed !== undefined, "alice's socket closes");
    assert.equal(alice.closed?.code, CLOSE_CODES.serviceRestart);
    d.arena.expire();
    d.arena.grant('a');
    await until(() => a.role === 'leader', 'a leads again');
    assert.equal(a.interactions().length, 1, 'restored from storage');
  });

  it('a leader that steps down says so: followers stop relaying to it and one of them takes the lease at once', async () => {
    const d = deployment({ resumeWithinMs: 200 });
    const a = await d.start('a');
    const b = await d.start('b');
    const visitor = recordedSocket(b);
    await visitor.hello('dev:visitor:v1:Ada');
    d.arena.expire();
    // a does not win it back within its grace, and steps down; b hears it and contends without waiting for a retry.
    await until(() => b.role === 'leader', 'b leads', 2_000);
    assert.equal(a.role, 'follower');
    assert.equal(a.leader?.instanceId, 'b');
    assert.equal(visitor.closed?.code, CLOSE_CODES.serviceRestart, 'what b relayed to a was closed');
    const again = recordedSocket(b);
    assert.equal((await again.hello('dev:visitor:v1:Ada')).t, 'welcome', "on b's own hub now");
  });

  it('a hub that cannot restore: retried while the database is away, otherwise the start fails and the lease goes', async () => {
    const bus = createSharedBus<EngineTopics>();
    const arena = createLeaseArena();
    const failing = (failures: Error[]) => {
      const lease = arena.lease(`i${failures.length}`);
      const engine = createEngineSwitch({
        bus: bus.join(`i${failures.length}`),
        lease,
        createHub: () => {
          const hub = createHub({ queues: [queue], agents: [], authenticate: devAuthenticate });
          const failure = failures.shift();
          return failure ? { ...hub, restore: () => Promise.reject(failure) } : hub;
        },
        log: silentLogger,
      });
      cleanups.push(() => engine.close());
      return { engine, lease };
    };
    const outage = helplineError('unavailable', { detail: 'database away' }, { retryAfterMs: 10 });
    const flaky = failing([outage]);
    await flaky.engine.restore();
    assert.equal(flaky.engine.role, 'leader', 'restored on the second try');
    await flaky.lease.close();

    const broken = failing([new Error('no such agent'), new Error('no such agent')]);
    await assert.rejects(broken.engine.restore(), /no such agent/);
    assert.equal(broken.engine.role, 'follower');
    assert.equal(broken.lease.held, false, 'the lease was given up for another instance');
  });

  it('the bus listener reconnecting ends every relayed socket (frames may have been lost); readiness says why while it is down', async () => {
    const d = deployment();
    await d.start('a');
    const b = await d.start('b');
    const visitor = recordedSocket(b);
    await visitor.hello('dev:visitor:v1:Ada');
    d.bus.cut('b');
    assert.equal(b.notReady(), 'the bus listener is down');
    d.bus.heal('b');
    await until(() => visitor.closed !== undefined, 'closed');
    assert.equal(visitor.closed?.code, CLOSE_CODES.serviceRestart);
    assert.equal(b.notReady(), undefined);
  });
});
