import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Agent, type ChannelCapacity, hasCapacity } from '../agent/agent.types';
import { CHANNELS, type Channel, type SkillRequirement } from '../interaction/interaction.types';
import type { Queue } from '../queue/queue.types';
import { createRouter } from './router';
import { makeAgent, makeQueue, manualClock } from './routing.fixtures';
import type { RoutedAgent, Router, RoutingEvent, RoutingItem } from './routing.types';

/*
 * Model-based properties: random sequences of router calls, checked after every step against
 * (a) invariants (capacity, one offer per interaction, positions) and
 * (b) a deliberately naive reference that re-derives every offer of route() from first principles:
 *     all waiting interactions in global order, each given to the best eligible agent by brute force.
 * The reference knows nothing of groups, dirty tracking or heaps, so it checks the indices too.
 */

const QUEUES: Queue[] = [
  makeQueue('q1', { priority: 1, skills: [{ skill: 'billing', minLevel: 3 }], offerTimeoutSeconds: 20 }),
  makeQueue('q2', {
    priority: 2,
    offerTimeoutSeconds: 15,
    overflow: { afterSeconds: 30, queueId: 'q3', widenToMinLevel: 1 },
  }),
  makeQueue('q3', {
    skills: [{ skill: 'tech', minLevel: 5 }],
    offerTimeoutSeconds: 25,
    overflow: { afterSeconds: 60, widenToMinLevel: 2 },
  }),
];
const QUEUE_BY_ID = new Map(QUEUES.map((q) => [q.id, q]));

const profileArb = fc.record({
  billing: fc.integer({ min: 0, max: 10 }),
  tech: fc.integer({ min: 0, max: 10 }),
  vat: fc.integer({ min: 0, max: 10 }),
  languages: fc.subarray(['en', 'nl-NL', 'fr']),
  queueIds: fc.subarray(['q1', 'q2', 'q3']),
  chat: fc.integer({ min: 0, max: 3 }),
  voice: fc.integer({ min: 0, max: 1 }),
  callback: fc.integer({ min: 0, max: 1 }),
  // Messaging channels have capacities of their own (8 emails beside 3 chats): routing never over-assigns any.
  email: fc.integer({ min: 0, max: 3 }),
  whatsapp: fc.integer({ min: 0, max: 2 }),
  voiceBlocksChat: fc.boolean(),
});
type Profile = typeof profileArb extends fc.Arbitrary<infer T> ? T : never;

function agentFrom(id: string, p: Profile): Agent {
  const skills: Record<string, number> = {};
  if (p.billing > 0) skills.billing = p.billing;
  if (p.tech > 0) skills.tech = p.tech;
  if (p.vat > 0) skills.vat = p.vat;
  return makeAgent(id, {
    skills,
    languages: p.languages,
    queueIds: p.queueIds,
    capacity: {
      chat: p.chat,
      voice: p.voice,
      callback: p.callback,
      'offline-message': 0,
      email: p.email,
      sms: 0,
      whatsapp: p.whatsapp,
      messenger: 0,
      voiceBlocksChat: p.voiceBlocksChat,
    },
  });
}

const itemArb = fc.record({
  queue: fc.integer({ min: 0, max: 2 }),
  channel: fc.constantFrom<Channel>('chat', 'chat', 'voice', 'callback', 'email', 'whatsapp'),
  priority: fc.integer({ min: 0, max: 2 }),
  vat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  tech: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  language: fc.option(fc.constantFrom('en', 'nl-BE', 'fr', 'de'), { nil: undefined }),
  waitedSeconds: fc.integer({ min: 0, max: 120 }),
});

function opsArb(weights: { enqueue: number; release: number }) {
  return fc.oneof(
    { weight: weights.enqueue, arbitrary: fc.record({ t: fc.constant('enqueue' as const), item: itemArb }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('route' as const) }) },
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 40 }) }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('accept' as const), k: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('reject' as const), k: fc.nat() }) },
    { weight: weights.release, arbitrary: fc.record({ t: fc.constant('release' as const), k: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('presence' as const),
        k: fc.nat(),
        presence: fc.constantFrom('available' as const, 'away' as const, 'offline' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), k: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('transfer' as const),
        k: fc.nat(),
        queue: fc.integer({ min: 0, max: 2 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('upsertAgent' as const),
        k: fc.nat({ max: 6 }),
        profile: profileArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('handle' as const),
        queue: fc.integer({ min: 0, max: 2 }),
        seconds: fc.integer({ min: 1, max: 900 }),
      }),
    },
  );
}
const opArb = opsArb({ enqueue: 5, release: 3 });
/** Long queues of many signatures and agents with several chat slots: stresses the order across groups. */
const crowdedOpArb = opsArb({ enqueue: 12, release: 4 });
const crowdedProfileArb = profileArb.map((p) => ({
  ...p,
  chat: Math.max(2, p.chat),
  languages: ['en', 'fr'],
}));
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

interface ModelItem {
  item: RoutingItem;
  status: 'waiting' | 'offered' | 'assigned';
  agentId: string | undefined;
  overflowed: boolean;
  passedBy: Set<string>;
}

/* --- the naive reference --- */

function merged(
  lists: readonly (readonly SkillRequirement[])[],
  widen: number | undefined,
): SkillRequirement[] {
  const levels = new Map<string, number>();
  for (const list of lists)
    for (const r of list) levels.set(r.skill, Math.max(levels.get(r.skill) ?? 0, r.minLevel));
  return [...levels].map(([skill, level]) => ({
    skill,
    minLevel: widen === undefined ? level : Math.min(level, widen),
  }));
}

/** The agent's skill score for the item, or -1 when the agent may not take it. */
function referenceScore(view: RoutedAgent, load: Record<Channel, number>, m: ModelItem): number {
  const { agent } = view;
  if (view.presence !== 'available') return -1;
  if (!hasCapacity(agent.capacity, load, m.item.channel)) return -1;
  const lang = m.item.language?.split('-')[0]?.toLowerCase();
  if (lang !== undefined && !agent.languages.some((l) => l.split('-')[0]?.toLowerCase() === lang)) return -1;
  const queue = QUEUE_BY_ID.get(m.item.queueId) as Queue;
  const policy = m.overflowed ? queue.overflow : undefined;
  const paths: Queue[] = [queue];
  if (policy?.queueId !== undefined) paths.push(QUEUE_BY_ID.get(policy.queueId) as Queue);
  let best = -1;
  for (const path of paths) {
    const works = agent.queueIds.length === 0 || agent.queueIds.includes(path.id);
    const requirements = merged([path.skills, m.item.requiredSkills], policy?.widenToMinLevel);
    if (!works || !requirements.every((r) => (agent.skills[r.skill] ?? 0) >= r.minLevel)) continue;
    best = Math.max(
      best,
      requirements.reduce((sum, r) => sum + (agent.skills[r.skill] ?? 0), 0),
    );
  }
  return best;
}

function referenceOffers(
  router: Router,
  model: Map<string, ModelItem>,
  lastIdle: Map<string, number>,
): string[] {
  const views = router.agents();
  const loads = new Map(views.map((v) => [v.agent.id, { ...(v.load as Record<Channel, number>) }]));
  const held = new Map(views.map((v) => [v.agent.id, v.interactionIds.length]));
  const waiting = [...model.values()].filter((m) => m.status === 'waiting');
  const queuePriority = (m: ModelItem) => QUEUE_BY_ID.get(m.item.queueId)?.priority ?? 0;
  waiting.sort(
    (a, b) =>
      b.item.priority - a.item.priority ||
      queuePriority(b) - queuePriority(a) ||
      a.item.waitingSince - b.item.waitingSince ||
      (a.item.id < b.item.id ? -1 : 1),
  );
  const result: string[] = [];
  for (const m of waiting) {
    let best: { id: string; key: (number | string)[] } | undefined;
    for (const view of views) {
      const id = view.agent.id;
      const load = loads.get(id) as Record<Channel, number>;
      const score = referenceScore(view, load, m);
      if (score < 0) continue;
      const h = held.get(id) ?? 0;
      const idle = lastIdle.get(id) ?? 0;
      // Sort key, smaller first: passed over, −score, busy, then idle-since (idle) or held count (busy), …, id.
      const key = [m.passedBy.has(id) ? 1 : 0, -score, h === 0 ? 0 : 1, h === 0 ? idle : h, idle, id];
      if (best === undefined || lexLess(key, best.key)) best = { id, key };
    }
    if (best === undefined) continue;
    result.push(`${m.item.id}→${best.id}`);
    const load = loads.get(best.id) as Record<Channel, number>;
    load[m.item.channel]++;
    held.set(best.id, (held.get(best.id) ?? 0) + 1);
  }
  return result;
}

function lexLess(a: (number | string)[], b: (number | string)[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number | string;
    const y = b[i] as number | string;
    if (x !== y) return x < y;
  }
  return false;
}

/* --- the simulation --- */

function simulate(profiles: Profile[], ops: Op[], check: boolean): string[] {
  const clock = manualClock(Date.UTC(2024, 5, 3, 9, 0, 0));
  const router = createRouter({ queues: QUEUES, now: clock.now, maxConsecutiveMisses: 2 });
  const model = new Map<string, ModelItem>();
  const lastIdle = new Map<string, number>();
  const log: string[] = [];
  let nextItem = 0;

  const apply = (events: RoutingEvent[]) => {
    for (const event of events) {
      log.push(JSON.stringify(event));
      if (event.type === 'offered') {
        const m = model.get(event.offer.interactionId) as ModelItem;
        m.status = 'offered';
        m.agentId = event.offer.agentId;
      } else if (event.type === 'missed') {
        (model.get(event.offer.interactionId) as ModelItem).passedBy.add(event.offer.agentId);
      } else if (event.type === 'requeued') {
        const m = model.get(event.interactionId) as ModelItem;
        m.status = 'waiting';
        m.agentId = undefined;
      } else if (event.type === 'overflowed') {
        (model.get(event.interactionId) as ModelItem).overflowed = true;
      }
    }
  };
  const pick = (status: ModelItem['status'], k: number) => {
    const ids = [...model.values()]
      .filter((m) => m.status === status)
      .map((m) => m.item.id)
      .sort();
    return ids.length === 0 ? undefined : model.get(ids[k % ids.length] as string);
  };
  const agentIds = () =>
    router
      .agents()
      .map((a) => a.agent.id)
      .sort();

  profiles.forEach((p, i) => {
    router.upsertAgent(agentFrom(`a${i}`, p));
    lastIdle.set(`a${i}`, clock.now());
    router.setPresence(`a${i}`, 'available');
  });

  for (const op of ops) {
    switch (op.t) {
      case 'enqueue': {
        const queue = QUEUES[op.item.queue] as Queue;
        const requiredSkills: SkillRequirement[] = [];
        if (op.item.vat !== undefined) requiredSkills.push({ skill: 'vat', minLevel: op.item.vat });
        if (op.item.tech !== undefined) requiredSkills.push({ skill: 'tech', minLevel: op.item.tech });
        const item: RoutingItem = {
          id: `i${String(nextItem++).padStart(3, '0')}`,
          queueId: queue.id,
          channel: op.item.channel,
          priority: op.item.priority,
          requiredSkills,
          waitingSince: clock.now() - op.item.waitedSeconds * 1000,
          ...(op.item.language === undefined ? {} : { language: op.item.language }),
        };
        router.enqueue(item);
        model.set(item.id, {
          item,
          status: 'waiting',
          agentId: undefined,
          overflowed: false,
          passedBy: new Set(),
        });
        break;
      }
      case 'route': {
        const expected = check ? referenceOffers(router, model, lastIdle) : [];
        const events = router.route();
        apply(events);
        if (check) {
          const actual = events.flatMap((e) =>
            e.type === 'offered' ? [`${e.offer.interactionId}→${e.offer.agentId}`] : [],
          );
          assert.deepEqual(actual, expected);
          // Nothing left that a free agent could take.
          assert.deepEqual(referenceOffers(router, model, lastIdle), []);
        }
        break;
      }
      case 'tick':
        clock.advance(op.seconds * 1000);
        apply(router.tick());
        break;
      case 'accept': {
        const m = pick('offered', op.k);
        if (m === undefined) break;
        router.accept(m.item.id, m.agentId as string);
        m.status = 'assigned';
        break;
      }
      case 'reject': {
        const m = pick('offered', op.k);
        if (m === undefined) break;
        const agentId = m.agentId as string;
        apply(router.reject(m.item.id, agentId));
        m.passedBy.add(agentId);
        break;
      }
      case 'release': {
        const m = pick('assigned', op.k);
        if (m === undefined) break;
        router.release(m.item.id);
        lastIdle.set(m.agentId as string, clock.now());
        model.delete(m.item.id);
        break;
      }
      case 'presence': {
        const ids = agentIds();
        const id = ids[op.k % ids.length] as string;
        const was = router.agent(id)?.presence;
        if (op.presence === 'available' && was !== 'available') lastIdle.set(id, clock.now());
        apply(router.setPresence(id, op.presence, op.presence === 'away' ? 'break' : undefined));
        break;
      }
      case 'remove': {
        const all = [...model.keys()].sort();
        const id = all[op.k % Math.max(1, all.length)];
        if (id === undefined) break;
        const m = model.get(id) as ModelItem;
        if (m.status === 'assigned') lastIdle.set(m.agentId as string, clock.now());
        apply(router.remove(id));
        model.delete(id);
        break;
      }
      case 'transfer': {
        const all = [...model.keys()].sort();
        const id = all[op.k % Math.max(1, all.length)];
        if (id === undefined) break;
        const m = model.get(id) as ModelItem;
        if (m.status === 'assigned') lastIdle.set(m.agentId as string, clock.now());
        const queueId = (QUEUES[op.queue] as Queue).id;
        m.item = { ...m.item, queueId };
        m.overflowed = false;
        m.passedBy = new Set();
        apply(router.transfer(id, queueId));
        break;
      }
      case 'upsertAgent': {
        const id = `a${op.k}`;
        const existing = router.agent(id);
        // Capacity stays as it was for a known agent, so "never over capacity" stays checkable.
        const capacity = existing?.agent.capacity;
        const agent = agentFrom(id, op.profile);
        router.upsertAgent(capacity === undefined ? agent : { ...agent, capacity });
        if (existing === undefined) lastIdle.set(id, clock.now());
        break;
      }
      case 'handle':
        router.recordHandleTime((QUEUES[op.queue] as Queue).id, op.seconds);
        break;
    }
    if (check) checkInvariants(router, model);
  }

  // Eventually: once an agent who can take anything is available, everything waiting is offered.
  router.upsertAgent(
    makeAgent('zz-super', {
      skills: { billing: 10, tech: 10, vat: 10 },
      languages: ['en', 'nl', 'fr', 'de'],
      capacity: {
        ...Object.fromEntries(CHANNELS.map((channel) => [channel, 1000])),
        voiceBlocksChat: false,
      } as ChannelCapacity,
    }),
  );
  router.setPresence('zz-super', 'available');
  apply(router.route());
  if (check) {
    for (const queue of QUEUES) assert.deepEqual(router.waiting(queue.id), [], `queue ${queue.id} drained`);
    checkInvariants(router, model);
  }
  return log;
}

function checkInvariants(router: Router, model: Map<string, ModelItem>): void {
  const seen = new Set<string>();
  for (const view of router.agents()) {
    const load = view.load as Record<Channel, number>;
    const counted = Object.fromEntries(CHANNELS.map((channel) => [channel, 0])) as Record<Channel, number>;
    for (const id of view.interactionIds) {
      assert.ok(!seen.has(id), `${id} held by two agents`);
      seen.add(id);
      const m = model.get(id);
      assert.ok(
        m !== undefined && m.status !== 'waiting' && m.agentId === view.agent.id,
        `${id} held by ${view.agent.id}`,
      );
      counted[m.item.channel]++;
    }
    for (const channel of CHANNELS) {
      assert.equal(load[channel], counted[channel]);
      assert.ok(load[channel] <= view.agent.capacity[channel], `${view.agent.id} over ${channel} capacity`);
    }
  }
  for (const m of model.values()) {
    if (m.status === 'offered') assert.equal(router.offerOf(m.item.id)?.agentId, m.agentId);
    else assert.equal(router.offerOf(m.item.id), undefined);
  }
  for (const queue of QUEUES) {
    const waiting = router.waiting(queue.id).map((i) => i.id);
    const expected = [...model.values()].filter((m) => m.status === 'waiting' && m.item.queueId === queue.id);
    assert.deepEqual([...waiting].sort(), expected.map((m) => m.item.id).sort());
    const positions = router.positions(queue.id);
    assert.deepEqual(
      positions.map((p) => p.position),
      waiting.map((_, i) => i + 1),
    );
    assert.deepEqual(
      positions.map((p) => p.interactionId),
      waiting,
    );
    for (const p of positions) assert.ok(p.estimatedWaitSeconds === undefined || p.estimatedWaitSeconds >= 0);
  }
}

describe('router properties', () => {
  it('offers match a brute-force reference; capacity, single offer and positions hold; everything is eventually offered', () => {
    fc.assert(
      fc.property(
        fc.array(profileArb, { minLength: 1, maxLength: 5 }),
        fc.array(opArb, { minLength: 10, maxLength: 120, size: 'max' }),
        (profiles, ops) => {
          simulate(profiles, ops, true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the global order across many groups when agents take several interactions per pass', () => {
    fc.assert(
      fc.property(
        fc.array(crowdedProfileArb, { minLength: 1, maxLength: 3 }),
        fc.array(crowdedOpArb, { minLength: 20, maxLength: 150, size: 'max' }),
        (profiles, ops) => {
          simulate(profiles, ops, true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is deterministic: the same calls give the same events', () => {
    fc.assert(
      fc.property(
        fc.array(profileArb, { minLength: 1, maxLength: 4 }),
        fc.array(opArb, { maxLength: 60, size: 'max' }),
        (profiles, ops) => {
          assert.deepEqual(simulate(profiles, ops, false), simulate(profiles, ops, false));
        },
      ),
      { numRuns: 100 },
    );
  });
});
