import type { BenchRow } from '../../../../scripts/bench/bench.types';
import type { Agent } from '../agent/agent.types';
import type { Channel, SkillRequirement } from '../interaction/interaction.types';
import type { Queue } from '../queue/queue.types';
import { createRouter } from './router';
import { makeAgent, makeQueue, manualClock, seededRandom } from './routing.fixtures';
import type { Router, RoutingEvent, RoutingItem } from './routing.types';

/*
 * Routing benchmark (DESIGN §6: ≥ 20,000 decisions/s with 1,000 agents and 10,000 waiting).
 * A decision is one offer made. Fixture (seeded, identical on every run): 50 queues, 30 skills, 1,000 agents
 * working 5–10 queues each with 3 chats / 1 call, 10,000 waiting interactions with mixed channels, VIPs,
 * extra skills and languages (some that nobody speaks, so they never leave the queue).
 * Steady state: each step releases the oldest accepted interaction, enqueues a new one, calls route() and
 * accepts the offers it made. Throughput counts the whole step; the p99 is of route() time per offer made,
 * over the calls that offered something.
 */

const AGENTS = 1000;
const WAITING = 10_000;
const QUEUES = 50;
const SKILLS = 30;
const STEPS = 30_000;

interface Fixture {
  router: Router;
  newItem: () => RoutingItem;
  clock: ReturnType<typeof manualClock>;
}

function buildFixture(seed: number): Fixture {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const skills = Array.from({ length: SKILLS }, (_, i) => `skill-${String(i).padStart(2, '0')}`);
  const queues: Queue[] = Array.from({ length: QUEUES }, (_, i) => {
    const required = new Map<string, number>();
    for (let k = int(1, 2); k > 0; k--) required.set(pick(skills), int(1, 5));
    return makeQueue(`queue-${String(i).padStart(2, '0')}`, {
      priority: int(0, 3),
      skills: [...required].map(([skill, minLevel]) => ({ skill, minLevel })),
      offerTimeoutSeconds: 30,
    });
  });
  const clock = manualClock();
  const router = createRouter({ queues, now: clock.now });

  for (let a = 0; a < AGENTS; a++) {
    const queueIds = new Set<string>();
    for (let k = int(5, 10); k > 0; k--) queueIds.add(pick(queues).id);
    const agentSkills: Record<string, number> = {};
    for (let k = int(3, 8); k > 0; k--) agentSkills[pick(skills)] = int(1, 10);
    // Mostly qualified for the queues they work, as rostering would make them.
    for (const id of queueIds) {
      for (const requirement of queues.find((q) => q.id === id)?.skills ?? []) {
        if (random() < 0.9)
          agentSkills[requirement.skill] = Math.max(
            agentSkills[requirement.skill] ?? 0,
            int(requirement.minLevel, 10),
          );
      }
    }
    const languages = ['en'];
    if (random() < 0.3) languages.push(pick(['nl', 'fr', 'de', 'es']));
    const agent: Agent = makeAgent(`agent-${String(a).padStart(4, '0')}`, {
      skills: agentSkills,
      languages,
      queueIds: [...queueIds],
      capacity: { chat: 3, voice: 1, callback: 1, voiceBlocksChat: true },
    });
    router.upsertAgent(agent);
  }

  let next = 0;
  const newItem = (): RoutingItem => {
    const channel: Channel = random() < 0.7 ? 'chat' : random() < 0.66 ? 'voice' : 'callback';
    const requiredSkills: SkillRequirement[] =
      random() < 0.2 ? [{ skill: pick(skills), minLevel: int(1, 3) }] : [];
    const r = random();
    const language =
      r < 0.6 ? undefined : r < 0.9 ? 'en' : pick(['nl-NL', 'fr-FR', 'de-DE', 'es-ES', 'ja-JP']);
    return {
      id: `i-${next++}`,
      queueId: pick(queues).id,
      channel,
      priority: random() < 0.1 ? int(1, 5) : 0,
      requiredSkills,
      waitingSince: clock.now() - int(0, 600_000),
      ...(language === undefined ? {} : { language }),
    };
  };
  return { router, newItem, clock };
}

function acceptAll(router: Router, events: RoutingEvent[], assigned: string[]): number {
  let offers = 0;
  for (const event of events) {
    if (event.type !== 'offered') continue;
    offers++;
    router.accept(event.offer.interactionId, event.offer.agentId);
    assigned.push(event.offer.interactionId);
  }
  return offers;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Routing throughput and latency at DESIGN §6 scale. */
export default async function routingBench(): Promise<BenchRow[]> {
  const { router, newItem, clock } = buildFixture(20240603);
  for (let i = 0; i < WAITING; i++) router.enqueue(newItem());
  const assigned: string[] = [];

  // Burst: every agent logs in at once with 10,000 waiting.
  for (const view of router.agents()) router.setPresence(view.agent.id, 'available');
  let started = performance.now();
  const burstOffers = acceptAll(router, router.route(), assigned);
  const burstMs = performance.now() - started;

  // Keep ~10,000 waiting: top up what the burst took.
  for (let i = 0; i < burstOffers; i++) router.enqueue(newItem());

  // Steady state.
  const decisionTimes: number[] = [];
  let decisions = 0;
  let releaseAt = 0;
  const items: RoutingItem[] = Array.from({ length: STEPS }, newItem);
  started = performance.now();
  for (let step = 0; step < STEPS; step++) {
    clock.advance(10);
    const done = assigned[releaseAt++];
    if (done !== undefined) router.release(done);
    router.enqueue(items[step] as RoutingItem);
    const before = performance.now();
    const events = router.route();
    const took = performance.now() - before;
    const offers = acceptAll(router, events, assigned);
    if (offers > 0) {
      decisions += offers;
      decisionTimes.push(took / offers);
    }
  }
  const steadyMs = performance.now() - started;
  decisionTimes.sort((a, b) => a - b);
  const waitingNow = router.positions().length;

  // Positions + EWT for one queue of a few hundred, as a server would publish after each change.
  const busiest = [...new Set(items.map((i) => i.queueId))]
    .map((id) => ({ id, waiting: router.waiting(id).length }))
    .sort((a, b) => b.waiting - a.waiting)[0];
  router.recordHandleTime(busiest?.id ?? '', 240);
  const positionRuns = 2000;
  started = performance.now();
  for (let i = 0; i < positionRuns; i++) router.positions(busiest?.id);
  const positionsUs = ((performance.now() - started) / positionRuns) * 1000;

  const perSecond = Math.round((decisions / steadyMs) * 1000);
  const burstPerSecond = Math.round((burstOffers / burstMs) * 1000);
  const p99Us = percentile(decisionTimes, 99) * 1000;
  const scale = `${AGENTS.toLocaleString('en')} agents, ${WAITING.toLocaleString('en')} waiting, ${QUEUES} queues, ${SKILLS} skills`;
  return [
    {
      what: `routing decisions/s, steady state (${scale})`,
      measured: `${perSecond.toLocaleString('en')} /s (${decisions.toLocaleString('en')} offers, ${waitingNow.toLocaleString('en')} left waiting)`,
      budget: '≥ 20,000 /s',
      competitors: '—',
      ok: perSecond >= 20_000,
    },
    {
      what: 'routing p99 decision time, steady state',
      measured: `${p99Us.toFixed(1)} µs (p50 ${(percentile(decisionTimes, 50) * 1000).toFixed(1)} µs)`,
      budget: '≤ 1 ms',
      competitors: '—',
      ok: p99Us <= 1000,
    },
    {
      what: 'routing decisions/s, all 1,000 agents log in at once',
      measured: `${burstPerSecond.toLocaleString('en')} /s (${burstOffers.toLocaleString('en')} offers in ${burstMs.toFixed(0)} ms)`,
      budget: '≥ 20,000 /s',
      competitors: '—',
      ok: burstPerSecond >= 20_000,
    },
    {
      what: `queue positions + EWT, one queue of ${busiest?.waiting ?? 0}`,
      measured: `${positionsUs.toFixed(1)} µs per call`,
      budget: '≤ 1 ms',
      competitors: '—',
      ok: positionsUs <= 1000,
    },
  ];
}
