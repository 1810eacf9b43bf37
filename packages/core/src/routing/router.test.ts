import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_LOAD } from '../agent/agent.types';
import { HelplineError } from '../protocol/errors';
import type { Queue } from '../queue/queue.types';
import { createRouter } from './router';
import { makeAgent, makeItem, makeQueue, manualClock } from './routing.fixtures';
import type { Router, RoutingEvent, RoutingItem } from './routing.types';

const SECOND = 1000;
const T0 = Date.UTC(2024, 5, 3, 9, 0, 0);

function offered(events: RoutingEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'offered' ? [`${e.offer.interactionId}→${e.offer.agentId}`] : []));
}

/** Serves everything through one single-slot agent and returns the interaction ids in the order offered. */
function serviceOrder(queues: Queue[], items: RoutingItem[]): string[] {
  const clock = manualClock(T0);
  const router = createRouter({ queues, now: clock.now });
  router.upsertAgent(makeAgent('solo'));
  router.setPresence('solo', 'available');
  for (const item of items) router.enqueue(item);
  const order: string[] = [];
  for (;;) {
    const [event] = router.route();
    if (event?.type !== 'offered') break;
    order.push(event.offer.interactionId);
    router.accept(event.offer.interactionId, 'solo');
    router.release(event.offer.interactionId);
  }
  return order;
}

function setup(queues: Queue[] = [makeQueue('q')]): {
  router: Router;
  clock: ReturnType<typeof manualClock>;
} {
  const clock = manualClock(T0);
  return { router: createRouter({ queues, now: clock.now }), clock };
}

function online(router: Router, ...agents: ReturnType<typeof makeAgent>[]): void {
  for (const agent of agents) {
    router.upsertAgent(agent);
    router.setPresence(agent.id, 'available');
  }
}

describe('routing order', () => {
  const cases: { name: string; queues: Queue[]; items: RoutingItem[]; expected: string[] }[] = [
    {
      name: 'longest waiting first',
      queues: [makeQueue('q')],
      items: [
        makeItem('b', 'q', T0 - 10 * SECOND),
        makeItem('a', 'q', T0 - 60 * SECOND),
        makeItem('c', 'q', T0),
      ],
      expected: ['a', 'b', 'c'],
    },
    {
      name: 'interaction priority beats waiting time (VIP boost)',
      queues: [makeQueue('q')],
      items: [makeItem('old', 'q', T0 - 600 * SECOND), makeItem('vip', 'q', T0, { priority: 10 })],
      expected: ['vip', 'old'],
    },
    {
      name: 'queue priority breaks equal interaction priority',
      queues: [makeQueue('low', { priority: 1 }), makeQueue('high', { priority: 5 })],
      items: [makeItem('l', 'low', T0 - 300 * SECOND), makeItem('h', 'high', T0)],
      expected: ['h', 'l'],
    },
    {
      name: 'interaction priority beats queue priority',
      queues: [makeQueue('low', { priority: 1 }), makeQueue('high', { priority: 5 })],
      items: [makeItem('h', 'high', T0 - 60 * SECOND), makeItem('vip', 'low', T0, { priority: 3 })],
      expected: ['vip', 'h'],
    },
    {
      name: 'ties broken by id',
      queues: [makeQueue('q1'), makeQueue('q2')],
      items: [makeItem('z', 'q1', T0), makeItem('m', 'q2', T0), makeItem('a', 'q1', T0)],
      expected: ['a', 'm', 'z'],
    },
  ];
  for (const { name, queues, items, expected } of cases) {
    it(name, () => assert.deepEqual(serviceOrder(queues, items), expected));
  }
});

describe('agent choice and skill matching', () => {
  const billing = makeQueue('billing', { skills: [{ skill: 'billing', minLevel: 5 }] });

  const cases: {
    name: string;
    agents: ReturnType<typeof makeAgent>[];
    item: RoutingItem;
    expected: string | undefined;
  }[] = [
    {
      name: 'an agent below the queue skill level is not eligible',
      agents: [makeAgent('junior', { skills: { billing: 4 } })],
      item: makeItem('i', 'billing', T0),
      expected: undefined,
    },
    {
      name: 'the item’s own skills are required on top of the queue’s',
      agents: [
        makeAgent('no-vat', { skills: { billing: 9 } }),
        makeAgent('vat', { skills: { billing: 5, vat: 2 } }),
      ],
      item: makeItem('i', 'billing', T0, { requiredSkills: [{ skill: 'vat', minLevel: 2 }] }),
      expected: 'vat',
    },
    {
      name: 'best skill match wins (sum of levels over required skills)',
      agents: [
        makeAgent('good', { skills: { billing: 6 } }),
        makeAgent('expert', { skills: { billing: 9 } }),
      ],
      item: makeItem('i', 'billing', T0),
      expected: 'expert',
    },
    {
      name: 'skills the item does not need do not count',
      agents: [
        makeAgent('broad', { skills: { billing: 6, french: 10, sales: 10 } }),
        makeAgent('deep', { skills: { billing: 7 } }),
      ],
      item: makeItem('i', 'billing', T0),
      expected: 'deep',
    },
    {
      name: 'language matches by primary subtag',
      agents: [
        makeAgent('en', { skills: { billing: 9 } }),
        makeAgent('nl', { skills: { billing: 5 }, languages: ['nl-NL'] }),
      ],
      item: makeItem('i', 'billing', T0, { language: 'nl-BE' }),
      expected: 'nl',
    },
    {
      name: 'nobody speaks the language: no offer',
      agents: [makeAgent('en', { skills: { billing: 9 } })],
      item: makeItem('i', 'billing', T0, { language: 'ja' }),
      expected: undefined,
    },
    {
      name: 'agents only work their queues (empty list = all queues)',
      agents: [
        makeAgent('other', { skills: { billing: 9 }, queueIds: ['sales'] }),
        makeAgent('mine', { skills: { billing: 5 }, queueIds: ['billing'] }),
      ],
      item: makeItem('i', 'billing', T0),
      expected: 'mine',
    },
  ];
  for (const { name, agents, item, expected } of cases) {
    it(name, () => {
      const { router } = setup([billing, makeQueue('sales')]);
      online(router, ...agents);
      router.enqueue(item);
      const events = router.route();
      assert.deepEqual(offered(events), expected === undefined ? [] : [`${item.id}→${expected}`]);
    });
  }

  it('equal skills: the longest idle agent wins, then the id', () => {
    const { router, clock } = setup();
    online(router, makeAgent('b'));
    clock.advance(5 * SECOND);
    online(router, makeAgent('a'), makeAgent('c'));
    router.enqueue(makeItem('i1', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i1→b']); // idle since T0, the others since T0+5 s
    router.enqueue(makeItem('i2', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i2→a']); // a and c idle equally long: by id
  });

  it('idle since the last release: an agent who just finished goes to the back', () => {
    const { router, clock } = setup();
    online(router, makeAgent('a'), makeAgent('b'));
    router.enqueue(makeItem('i1', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i1→a']);
    router.accept('i1', 'a');
    clock.advance(60 * SECOND);
    router.release('i1');
    assert.equal(router.agent('a')?.idleSince, T0 + 60 * SECOND);
    router.enqueue(makeItem('i2', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i2→b']);
  });

  it('an idle agent is preferred to a busy one with a free chat slot', () => {
    const { router } = setup();
    online(router, makeAgent('a', { capacity: { chat: 3 } }), makeAgent('b', { capacity: { chat: 3 } }));
    router.enqueue(makeItem('i1', 'q', T0));
    router.enqueue(makeItem('i2', 'q', T0 + 1));
    assert.deepEqual(offered(router.route()), ['i1→a', 'i2→b']);
  });
});

describe('capacity', () => {
  it('counts offered and assigned interactions per channel', () => {
    const { router } = setup();
    online(router, makeAgent('a', { capacity: { chat: 2, voice: 1, voiceBlocksChat: false } }));
    for (let i = 0; i < 4; i++) router.enqueue(makeItem(`c${i}`, 'q', T0 + i));
    router.enqueue(makeItem('v', 'q', T0 + 10, { channel: 'voice' }));
    assert.deepEqual(offered(router.route()), ['c0→a', 'c1→a', 'v→a']);
    router.accept('c0', 'a');
    assert.deepEqual(router.route(), []);
    assert.deepEqual(router.agent('a')?.load, { ...EMPTY_LOAD, chat: 2, voice: 1 });
    router.release('c0');
    assert.deepEqual(offered(router.route()), ['c2→a']);
  });

  it('a call blocks new chats when voiceBlocksChat is set', () => {
    const { router } = setup();
    online(router, makeAgent('a', { capacity: { chat: 3, voice: 1, voiceBlocksChat: true } }));
    router.enqueue(makeItem('v', 'q', T0, { channel: 'voice' }));
    router.enqueue(makeItem('c', 'q', T0 + 1));
    assert.deepEqual(offered(router.route()), ['v→a']);
    router.accept('v', 'a');
    router.release('v');
    assert.deepEqual(offered(router.route()), ['c→a']);
  });

  it('assign() refuses an agent without capacity, with a typed error', () => {
    const { router } = setup();
    online(router, makeAgent('a'));
    router.assign('out-1', 'a', 'chat');
    assert.throws(
      () => router.assign('out-2', 'a', 'chat'),
      (e: unknown) => e instanceof HelplineError && e.code === 'agent/capacity',
    );
  });
});

describe('offers: timeout, misses, away', () => {
  it('an expired offer is missed and re-queued at its original place', () => {
    const { router, clock } = setup([makeQueue('q', { offerTimeoutSeconds: 20 })]);
    online(router, makeAgent('a'));
    router.enqueue(makeItem('first', 'q', T0 - 60 * SECOND));
    router.enqueue(makeItem('second', 'q', T0 - 30 * SECOND));
    assert.deepEqual(offered(router.route()), ['first→a']);
    assert.equal(router.offerOf('first')?.expiresAt, T0 + 20 * SECOND);
    clock.advance(19 * SECOND);
    assert.deepEqual(router.tick(), []);
    clock.advance(1 * SECOND);
    const events = router.tick();
    assert.deepEqual(
      events.map((e) => e.type),
      ['missed', 'requeued'],
    );
    assert.deepEqual(
      router.waiting('q').map((i) => [i.id, i.waitingSince]),
      [
        ['first', T0 - 60 * SECOND],
        ['second', T0 - 30 * SECOND],
      ],
    );
    assert.equal(router.agent('a')?.consecutiveMisses, 1);
    assert.equal(router.offerOf('first'), undefined);
  });

  it('after N consecutive misses the agent is set away with reason missed-offers', () => {
    const clock = manualClock(T0);
    const router = createRouter({
      queues: [makeQueue('q', { offerTimeoutSeconds: 10 })],
      now: clock.now,
      maxConsecutiveMisses: 2,
    });
    online(router, makeAgent('a'));
    router.enqueue(makeItem('i', 'q', T0));
    for (let miss = 1; miss <= 2; miss++) {
      assert.deepEqual(offered(router.route()), ['i→a']);
      clock.advance(10 * SECOND);
      const events = router.tick();
      if (miss === 2) {
        assert.ok(
          events.some((e) => e.type === 'agent-away' && e.agentId === 'a' && e.reason === 'missed-offers'),
        );
      }
    }
    assert.equal(router.agent('a')?.presence, 'away');
    assert.equal(router.agent('a')?.awayReason, 'missed-offers');
    assert.deepEqual(router.route(), []);
    assert.deepEqual(
      router.waiting('q').map((i) => i.id),
      ['i'],
    );
  });

  it('accepting resets the miss counter', () => {
    const { router, clock } = setup([makeQueue('q', { offerTimeoutSeconds: 10 })]);
    online(router, makeAgent('a'));
    router.enqueue(makeItem('i', 'q', T0));
    router.route();
    clock.advance(10 * SECOND);
    router.tick();
    assert.equal(router.agent('a')?.consecutiveMisses, 1);
    router.route();
    router.accept('i', 'a');
    assert.equal(router.agent('a')?.consecutiveMisses, 0);
  });

  it('going away withdraws pending offers (re-queued, not missed)', () => {
    const { router } = setup();
    online(router, makeAgent('a'), makeAgent('b', { capacity: { chat: 1 } }));
    router.enqueue(makeItem('i', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i→a']);
    assert.deepEqual(router.setPresence('a', 'away', 'break'), [
      { type: 'requeued', interactionId: 'i', queueId: 'q' },
    ]);
    assert.equal(router.agent('a')?.consecutiveMisses, 0);
    assert.deepEqual(offered(router.route()), ['i→b']);
  });

  it('accept/reject by the wrong agent is a typed conflict', () => {
    const { router } = setup();
    online(router, makeAgent('a'), makeAgent('b'));
    router.enqueue(makeItem('i', 'q', T0));
    router.route();
    assert.throws(
      () => router.accept('i', 'b'),
      (e: unknown) => e instanceof HelplineError && e.code === 'conflict/state',
    );
    assert.throws(
      () => router.reject('nope', 'a'),
      (e: unknown) => e instanceof HelplineError && e.code === 'not-found',
    );
  });
});

describe('restoreAssigned: work an agent held before a restart', () => {
  it('gives it back even past their capacity (never refuses a restart), and offers them nothing until below it', () => {
    const { router } = setup();
    router.upsertAgent(makeAgent('a'));
    router.restoreAssigned('i1', 'a', 'chat');
    router.restoreAssigned('i2', 'a', 'chat');
    assert.deepEqual(router.agent('a')?.interactionIds, ['i1', 'i2']);
    assert.throws(() => router.assign('i3', 'a', 'chat'), /capacity/, 'assign still keeps to capacity');
    router.setPresence('a', 'available');
    router.enqueue(makeItem('next', 'q', T0));
    router.release('i1');
    assert.deepEqual(router.route(), [], 'still at capacity after one is released');
    router.release('i2');
    assert.deepEqual(offered(router.route()), ['next→a']);
  });
});

describe('restoreOffer: an offer made before a restart', () => {
  const expiring = (expiresAt: number) => ({ agentId: 'a', offeredAt: T0 - 5 * SECOND, expiresAt });

  it('holds the agent’s capacity until its original expiry, whatever their presence, and can be accepted', () => {
    const { router } = setup();
    router.upsertAgent(makeAgent('a'));
    const restored = router.restoreOffer(makeItem('i', 'q', T0 - 60 * SECOND), expiring(T0 + 25 * SECOND));
    assert.deepEqual(restored, {
      interactionId: 'i',
      agentId: 'a',
      queueId: 'q',
      channel: 'chat',
      offeredAt: T0 - 5 * SECOND,
      expiresAt: T0 + 25 * SECOND,
    });
    assert.deepEqual(router.offerOf('i'), restored);
    assert.equal(router.agent('a')?.presence, 'offline', 'nobody is connected yet after a restart');
    assert.deepEqual(router.agent('a')?.interactionIds, ['i']);
    assert.deepEqual(router.waiting('q'), [], 'an offer is not in line');
    router.setPresence('a', 'available');
    router.enqueue(makeItem('next', 'q', T0));
    assert.deepEqual(router.route(), [], 'the agent’s one slot is taken by the restored offer');
    router.accept('i', 'a');
    assert.equal(router.offerOf('i'), undefined);
    router.release('i');
    assert.deepEqual(offered(router.route()), ['next→a']);
  });

  it('times out at its original expiry like any offer: missed, counted, back in line at its place', () => {
    const { router, clock } = setup();
    online(router, makeAgent('a'));
    router.restoreOffer(makeItem('i', 'q', T0 - 60 * SECOND), expiring(T0 + 10 * SECOND));
    clock.advance(9 * SECOND);
    assert.deepEqual(router.tick(), []);
    clock.advance(1 * SECOND);
    assert.deepEqual(
      router.tick().map((e) => e.type),
      ['missed', 'requeued'],
    );
    assert.equal(router.agent('a')?.consecutiveMisses, 1);
    assert.deepEqual(router.passedOverOf('i'), ['a']);
    assert.deepEqual(
      router.waiting('q').map((i) => [i.id, i.waitingSince]),
      [['i', T0 - 60 * SECOND]],
    );
  });

  it('an expiry that passed while nobody ran the router is due at the next tick', () => {
    const { router } = setup();
    router.upsertAgent(makeAgent('a'));
    router.restoreOffer(makeItem('i', 'q', T0 - 60 * SECOND), expiring(T0 - 1));
    const events = router.tick();
    assert.deepEqual(
      events.map((e) => e.type),
      ['missed', 'requeued'],
    );
    assert.equal(events[0]?.type === 'missed' ? events[0].offer.expiresAt : undefined, T0 - 1);
  });

  it('is withdrawn like any offer when the agent goes away', () => {
    const { router } = setup();
    router.upsertAgent(makeAgent('a'));
    router.restoreOffer(makeItem('i', 'q', T0), expiring(T0 + 10 * SECOND));
    assert.deepEqual(router.setPresence('a', 'away', 'break'), [
      { type: 'requeued', interactionId: 'i', queueId: 'q' },
    ]);
    assert.equal(router.agent('a')?.consecutiveMisses, 0);
  });

  it('refuses an unknown agent, one who no longer serves the queue or has no room, and an interaction it holds', () => {
    const { router } = setup([makeQueue('q'), makeQueue('other')]);
    router.upsertAgent(makeAgent('a'));
    router.upsertAgent(makeAgent('elsewhere', { queueIds: ['other'] }));
    const code = (call: () => unknown) => {
      try {
        call();
        return undefined;
      } catch (error) {
        return error instanceof HelplineError ? error.code : String(error);
      }
    };
    const item = makeItem('i', 'q', T0);
    const until = T0 + 10 * SECOND;
    assert.equal(
      code(() => router.restoreOffer(item, { ...expiring(until), agentId: 'gone' })),
      'not-found',
    );
    assert.equal(
      code(() => router.restoreOffer(item, { ...expiring(until), agentId: 'elsewhere' })),
      'validation/field',
    );
    router.assign('held', 'a', 'chat');
    assert.equal(
      code(() => router.restoreOffer(item, expiring(until))),
      'agent/capacity',
    );
    assert.equal(router.offerOf('i'), undefined, 'nothing changed');
    assert.equal(router.passedOverOf('i').length, 0);
    router.release('held');
    router.enqueue(makeItem('waiting', 'q', T0));
    assert.equal(
      code(() => router.restoreOffer(makeItem('waiting', 'q', T0), expiring(until))),
      'conflict/state',
    );
    assert.deepEqual(
      router.waiting('q').map((i) => i.id),
      ['waiting'],
    );
    assert.deepEqual(router.agent('a')?.interactionIds, []);
  });
});

describe('reject', () => {
  it('re-queues at the original place, is not a miss, and prefers another agent', () => {
    const { router } = setup();
    online(router, makeAgent('a'), makeAgent('b'));
    router.enqueue(makeItem('i', 'q', T0 - 5 * SECOND));
    router.enqueue(makeItem('j', 'q', T0));
    assert.deepEqual(offered(router.route()), ['i→a', 'j→b']);
    assert.deepEqual(router.reject('i', 'a'), [{ type: 'requeued', interactionId: 'i', queueId: 'q' }]);
    assert.equal(router.agent('a')?.consecutiveMisses, 0);
    assert.deepEqual(
      router.positions('q').map((p) => [p.interactionId, p.position]),
      [['i', 1]],
    );
    // Only `a` has capacity, so `i` goes back to `a` as the last resort...
    assert.deepEqual(offered(router.route()), ['i→a']);
    router.reject('i', 'a');
    // ...but as soon as `b` is free, `b` gets it although `a` has been idle longer.
    router.accept('j', 'b');
    router.release('j');
    assert.deepEqual(offered(router.route()), ['i→b']);
  });
});

describe('overflow', () => {
  it('widens skills after the wait threshold and emits overflowed once', () => {
    const queue = makeQueue('q', {
      skills: [{ skill: 'tech', minLevel: 8 }],
      overflow: { afterSeconds: 60, widenToMinLevel: 3 },
    });
    const { router, clock } = setup([queue]);
    online(router, makeAgent('junior', { skills: { tech: 4 } }));
    router.enqueue(makeItem('i', 'q', T0 - 30 * SECOND));
    assert.deepEqual(router.route(), []);
    clock.advance(29 * SECOND);
    assert.deepEqual(router.tick(), []);
    clock.advance(1 * SECOND);
    assert.deepEqual(router.tick(), [{ type: 'overflowed', interactionId: 'i', queueId: 'q' }]);
    assert.deepEqual(router.tick(), []);
    assert.deepEqual(offered(router.route()), ['i→junior']);
  });

  it('also offers to agents of the overflow queue, by that queue’s skills', () => {
    const vip = makeQueue('vip', {
      skills: [{ skill: 'vip', minLevel: 5 }],
      overflow: { afterSeconds: 30, queueId: 'general' },
    });
    const general = makeQueue('general', { skills: [{ skill: 'general', minLevel: 2 }] });
    const { router, clock } = setup([vip, general]);
    online(
      router,
      makeAgent('g', { skills: { general: 3 }, queueIds: ['general'] }),
      makeAgent('unskilled', { skills: { general: 1 }, queueIds: ['general'] }),
    );
    router.enqueue(makeItem('i', 'vip', T0));
    assert.deepEqual(router.route(), []);
    clock.advance(30 * SECOND);
    assert.deepEqual(router.tick(), [
      { type: 'overflowed', interactionId: 'i', queueId: 'vip', toQueueId: 'general' },
    ]);
    assert.deepEqual(offered(router.route()), ['i→g']);
    // A missed offer keeps the overflow: it comes back to the same wider pool.
    clock.advance(30 * SECOND);
    const events = router.tick();
    assert.ok(!events.some((e) => e.type === 'overflowed'));
    assert.deepEqual(offered(router.route()), ['i→g']);
  });
});

describe('transfer', () => {
  it('keeps the original wait: a transferred chat goes ahead of newer ones in the new queue', () => {
    const { router, clock } = setup([makeQueue('first'), makeQueue('second')]);
    online(router, makeAgent('a', { queueIds: ['first'] }));
    router.enqueue(makeItem('old', 'first', T0 - 600 * SECOND));
    router.enqueue(makeItem('new', 'second', T0 - 10 * SECOND));
    router.route();
    router.accept('old', 'a');
    clock.advance(120 * SECOND);
    assert.deepEqual(router.transfer('old', 'second'), [
      { type: 'requeued', interactionId: 'old', queueId: 'second' },
    ]);
    assert.deepEqual(
      router.waiting('second').map((i) => [i.id, i.waitingSince]),
      [
        ['old', T0 - 600 * SECOND],
        ['new', T0 - 10 * SECOND],
      ],
    );
    assert.deepEqual(router.agent('a')?.interactionIds, []);
    online(router, makeAgent('b', { queueIds: ['second'] }));
    assert.deepEqual(offered(router.route()), ['old→b']);
  });

  it('transfers a waiting interaction and an offered one', () => {
    const { router } = setup([makeQueue('first'), makeQueue('second')]);
    online(router, makeAgent('a', { queueIds: ['first'] }));
    router.enqueue(makeItem('w1', 'first', T0));
    router.enqueue(makeItem('w2', 'first', T0 + 1));
    router.route();
    router.transfer('w1', 'second');
    router.transfer('w2', 'second');
    assert.deepEqual(router.agent('a')?.interactionIds, []);
    assert.deepEqual(
      router.waiting('second').map((i) => i.id),
      ['w1', 'w2'],
    );
    assert.deepEqual(router.waiting('first'), []);
  });
});

describe('remove, removeAgent, errors', () => {
  it('remove() takes a waiting or offered interaction out and frees capacity', () => {
    const { router } = setup();
    online(router, makeAgent('a'));
    router.enqueue(makeItem('i', 'q', T0));
    router.enqueue(makeItem('j', 'q', T0 + 1));
    router.route();
    router.remove('i');
    router.remove('j');
    assert.deepEqual(router.waiting('q'), []);
    assert.deepEqual(router.agent('a')?.interactionIds, []);
    assert.deepEqual(router.remove('unknown'), []);
  });

  it('removeAgent() re-queues its offers', () => {
    const { router } = setup();
    online(router, makeAgent('a'));
    router.enqueue(makeItem('i', 'q', T0));
    router.route();
    assert.deepEqual(router.removeAgent('a'), [{ type: 'requeued', interactionId: 'i', queueId: 'q' }]);
    assert.equal(router.agent('a'), undefined);
    assert.deepEqual(
      router.waiting('q').map((i) => i.id),
      ['i'],
    );
  });

  it('rejects unknown queues, duplicates and malformed items', () => {
    const { router } = setup();
    assert.throws(
      () => router.enqueue(makeItem('i', 'nope', T0)),
      (e: unknown) => e instanceof HelplineError && e.code === 'not-found',
    );
    router.enqueue(makeItem('i', 'q', T0));
    assert.throws(
      () => router.enqueue(makeItem('i', 'q', T0)),
      (e: unknown) => e instanceof HelplineError && e.code === 'conflict/state',
    );
    assert.throws(
      () => router.enqueue(makeItem('k', 'q', Number.NaN)),
      (e: unknown) => e instanceof HelplineError && e.field === 'waitingSince',
    );
    assert.throws(
      () => router.setPresence('ghost', 'available'),
      (e: unknown) => e instanceof HelplineError && e.code === 'not-found',
    );
  });

  it('a new agent starts offline', () => {
    const { router } = setup();
    router.upsertAgent(makeAgent('a'));
    router.enqueue(makeItem('i', 'q', T0));
    assert.deepEqual(router.route(), []);
    assert.equal(router.agent('a')?.presence, 'offline');
  });

  it('upsertQueue: raising a queue’s skill level takes effect for waiting interactions', () => {
    const { router } = setup([makeQueue('q')]);
    router.enqueue(makeItem('i', 'q', T0));
    router.upsertQueue(makeQueue('q', { skills: [{ skill: 'x', minLevel: 5 }] }));
    online(router, makeAgent('weak', { skills: { x: 4 } }));
    assert.deepEqual(router.route(), []);
    online(router, makeAgent('strong', { skills: { x: 5 } }));
    assert.deepEqual(offered(router.route()), ['i→strong']);
  });
});

describe('positions and estimated wait', () => {
  it('positions follow service order; EWT = position × AHT / servers (M/M/N)', () => {
    const { router } = setup([makeQueue('q')]);
    router.upsertAgent(makeAgent('a', { capacity: { chat: 2 } }));
    router.upsertAgent(makeAgent('b', { capacity: { chat: 2 } }));
    router.enqueue(makeItem('late', 'q', T0));
    router.enqueue(makeItem('early', 'q', T0 - 60 * SECOND));
    router.enqueue(makeItem('vip', 'q', T0, { priority: 5 }));
    // No handle times yet: unknown.
    assert.deepEqual(
      router.positions('q').map((p) => [p.interactionId, p.position, p.estimatedWaitSeconds]),
      [
        ['vip', 1, undefined],
        ['early', 2, undefined],
        ['late', 3, undefined],
      ],
    );
    router.recordHandleTime('q', 100);
    router.recordHandleTime('q', 200);
    // AHT 150 s but nobody logged in: still unknown.
    assert.equal(router.positions('q')[0]?.estimatedWaitSeconds, undefined);
    router.setPresence('a', 'available');
    router.setPresence('b', 'available');
    router.route(); // all four chat slots take the three chats
    router.enqueue(makeItem('x', 'q', T0 + SECOND));
    router.enqueue(makeItem('y', 'q', T0 + 2 * SECOND));
    // 4 chat servers (2 agents × 2 slots), AHT 150 s: position 1 → 150/4 = 37.5 s; position 2 → 75 s.
    router.route(); // one slot left: x is offered, y waits at position 1
    assert.deepEqual(
      router.positions('q').map((p) => [p.interactionId, p.position, p.estimatedWaitSeconds]),
      [['y', 1, 37.5]],
    );
  });

  it('uses a rolling window of handle times', () => {
    const clock = manualClock(T0);
    const router = createRouter({ queues: [makeQueue('q')], now: clock.now, handleTimeWindow: 2 });
    online(router, makeAgent('a'));
    router.assign('busy', 'a', 'chat');
    router.enqueue(makeItem('i', 'q', T0));
    for (const seconds of [1000, 60, 120]) router.recordHandleTime('q', seconds);
    // Window keeps 60 and 120 → AHT 90 s; 1 server → 90 s for position 1.
    assert.equal(router.positions('q')[0]?.estimatedWaitSeconds, 90);
    assert.throws(() => router.recordHandleTime('q', -1), HelplineError);
  });
});
