import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transition } from '../machine';
import { helplineError } from '../protocol/errors';
import type { Notice, WireInteraction } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { createRouter } from '../routing/router';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { DEFAULT_LIFECYCLES, type Intent, type Lifecycle, withSnapshot } from './lifecycles';
import type { Live } from './live';
import { waitingChat } from './live.testing';
import { createRoutingHub } from './routing.hub';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';

const _chat = DEFAULT_LIFECYCLES.chat as Lifecycle;

function setup(
  options: {
    refuse?: (intent: Intent, attempt: number) => boolean;
    queues?: readonly Queue[];
    /** The queues alice and bob serve. */
    queueIds?: readonly string[];
  } = {},
) {
  const clock = createTestClock();
  const router = createRouter({ queues: options.queues ?? [supportQueue], now: clock.now });
  for (const id of ['alice', 'bob'])
    router.upsertAgent(testAgent(id, { queueIds: [...(options.queueIds ?? ['support'])] }));
  const live = new Map<string, Live>();
  const steps: string[] = [];
  const notices: { to: string; notice: Notice }[] = [];
  const away: string[] = [];
  const failures: string[] = [];
  const attempts = new Map<string, number>();
  const turns = createTurns();
  const timers = createHubTimers({
    clock,
    serialized: turns.serialized,
    reportFailure: () => {},
    isClosed: () => false,
  });
  const routing = createRoutingHub({
    clock,
    router,
    live: (cid) => live.get(cid),
    serialized: turns.serialized,
    async drive(current, intent) {
      const attempt = (attempts.get(intent.kind) ?? 0) + 1;
      attempts.set(intent.kind, attempt);
      if (options.refuse?.(intent, attempt)) throw helplineError('unavailable', {}, { retryAfterMs: 2_000 });
      const event = current.lifecycle.event(intent, clock.now());
      assert.ok(event, intent.kind);
      const result = transition(current.lifecycle.machine, current.snapshot, event);
      assert.ok(result.ok, `${intent.kind} from ${current.snapshot.value}`);
      current.snapshot = result.snapshot;
      current.interaction = withSnapshot(current.interaction, result.snapshot);
      steps.push(`${current.interaction.id} ${intent.kind}`);
    },
    notify: (to, notice) => notices.push({ to, notice }),
    wireForAgent: (interaction) => interaction as WireInteraction,
    setAway: async (agentId) => {
      away.push(agentId);
    },
    repairTimers: timers.group(),
    overflowTimer: timers.group(),
    isClosed: () => false,
    reportFailure: (what) => failures.push(what),
  });
  function add(id: string): Live {
    const current = waitingChat(id, clock.now());
    live.set(id, current);
    return current;
  }
  const available = (agentId: string) => routing.run(() => router.setPresence(agentId, 'available'));
  const noticesOf = (to: string, type: Notice['type']) =>
    notices.filter((n) => n.to === to && n.notice.type === type).map((n) => n.notice);
  return { clock, router, routing, live, steps, notices, noticesOf, away, failures, add, available };
}

describe('routing hub: offers', () => {
  it('a waiting chat is offered to an available agent through its machine, and the agent hears of it', async () => {
    const { routing, steps, noticesOf, add, available } = setup();
    await available('alice');
    const current = add('c1');
    routing.enqueue(current);
    await routing.schedule();
    assert.deepEqual(steps, ['c1 offer']);
    assert.equal(current.snapshot.value, 'offered');
    assert.equal(noticesOf('alice', 'offer').length, 1);
  });

  it('an offer nobody answers times out when its deadline wakes the router, and the agent hears it was taken back', async () => {
    const { clock, routing, steps, noticesOf, add, available } = setup();
    await available('alice');
    routing.enqueue(add('c1'));
    await routing.schedule();
    // The offered state's deadline (armed by effects.hub.ts) wakes the router; before the expiry it finds nothing.
    await clock.advance(supportQueue.offerTimeoutSeconds * 1000 - 1);
    await routing.tick();
    assert.deepEqual(steps, ['c1 offer']);
    await clock.advance(1);
    await routing.tick();
    await waitFor(() => steps.includes('c1 offer-timeout'), 'offer timeout');
    assert.deepEqual(noticesOf('alice', 'offer.revoked'), [
      { type: 'offer.revoked', cid: 'c1', reason: 'missed' },
    ]);
  });

  it('a waiting chat overflows when its time comes on a quiet queue, with nothing else waking the router', async () => {
    const support: Queue = { ...supportQueue, overflow: { afterSeconds: 60, queueId: 'sales' } };
    const sales: Queue = { ...supportQueue, id: 'sales', name: 'Sales' };
    const { clock, routing, steps, noticesOf, add, available } = setup({
      queues: [support, sales],
      queueIds: ['sales'],
    });
    await available('alice');
    routing.enqueue(add('c1'));
    await routing.schedule();
    assert.equal(steps.length, 0, 'alice does not serve support');
    await clock.advance(59_999);
    assert.equal(steps.length, 0);
    await clock.advance(1);
    await waitFor(() => steps.includes('c1 offer'), 'offer after overflow');
    assert.equal(noticesOf('alice', 'offer').length, 1);
  });

  it('an answered offer does not time out', async () => {
    const { clock, router, routing, steps, add, available } = setup();
    await available('alice');
    routing.enqueue(add('c1'));
    await routing.schedule();
    router.accept('c1', 'alice');
    await clock.advance(supportQueue.offerTimeoutSeconds * 1000 * 2);
    await routing.tick();
    assert.deepEqual(steps, ['c1 offer']);
  });

  it('an offer storage could not take leaves the line and is offered again once storage is back', async () => {
    const { clock, routing, steps, router, add, available, failures } = setup({
      refuse: (intent, attempt) => intent.kind === 'offer' && attempt === 1,
    });
    await available('alice');
    routing.enqueue(add('c1'));
    await routing.schedule();
    assert.equal(steps.length, 0);
    assert.equal(router.waiting('support').length, 0);
    assert.equal(router.offerOf('c1'), undefined);
    await clock.advance(2_000);
    await waitFor(() => steps.includes('c1 offer'), 'offered again');
    assert.deepEqual(failures, []);
  });
});

describe('routing hub: the line', () => {
  it('tells a waiting customer their place once per change, and forgets it when they leave the line', async () => {
    const { routing, noticesOf, add } = setup();
    routing.enqueue(add('c1'));
    routing.enqueue(add('c2'));
    await routing.schedule();
    routing.publishPositions();
    assert.deepEqual(
      noticesOf('v-c2', 'position').map((n) => n.type === 'position' && n.position),
      [2],
    );
    assert.equal(routing.standingOf('c2')?.type, 'position');
    routing.leftLine('c2');
    assert.equal(routing.standingOf('c2'), undefined);
  });
});

describe('routing hub: a transfer to a named agent', () => {
  it('is offered to that agent, and the agent who asked hears whether it was taken', async () => {
    const { routing, steps, noticesOf, add, available } = setup();
    await available('alice');
    await available('bob');
    const current = add('c1');
    routing.transferTo(current, 'bob', 'alice');
    await routing.schedule();
    assert.deepEqual(steps, ['c1 offer']);
    assert.equal(current.interaction.agentId, 'alice');
    routing.transferSettled('c1', 'alice', 'accepted');
    // Told once: a later answer of the same agent is no news.
    routing.transferSettled('c1', 'alice', 'declined');
    assert.deepEqual(noticesOf('bob', 'transfer.result'), [
      { type: 'transfer.result', cid: 'c1', toAgentId: 'alice', outcome: 'accepted' },
    ]);
  });

  it('waits in its queue when the named agent has no room, and the agent who asked hears it was declined', async () => {
    const { routing, router, noticesOf, add } = setup();
    const current = add('c1');
    // Alice is offline: the router cannot offer her anything.
    routing.transferTo(current, 'bob', 'alice');
    await routing.schedule();
    assert.equal(router.waiting('support').length, 1);
    assert.deepEqual(noticesOf('bob', 'transfer.result'), [
      { type: 'transfer.result', cid: 'c1', toAgentId: 'alice', outcome: 'declined' },
    ]);
  });
});
