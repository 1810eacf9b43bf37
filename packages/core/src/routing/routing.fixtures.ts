import { type Agent, type ChannelCapacity, DEFAULT_CAPACITY } from '../agent/agent.types';
import type { Channel, SkillRequirement } from '../interaction/interaction.types';
import type { Queue } from '../queue/queue.types';
import type { RoutingItem } from './routing.types';

/* Builders shared by the routing tests and the benchmark. */

/** A queue with test-friendly defaults (always open, 30 s offers, no skills). */
export function makeQueue(id: string, overrides: Partial<Queue> = {}): Queue {
  return {
    id,
    name: id,
    priority: 0,
    slaTargetSeconds: 20,
    skills: [],
    closedAlternative: 'none',
    acw: { kind: 'none' },
    dispositions: [],
    dispositionRequired: false,
    offerTimeoutSeconds: 30,
    ...overrides,
  };
}

/** An agent that works every queue, speaks English and has one chat slot unless told otherwise. */
export function makeAgent(
  id: string,
  overrides: Omit<Partial<Agent>, 'capacity'> & { capacity?: Partial<ChannelCapacity> } = {},
): Agent {
  const { capacity, ...rest } = overrides;
  return {
    id,
    displayName: id,
    skills: {},
    languages: ['en'],
    queueIds: [],
    role: 'agent',
    ...rest,
    capacity: { ...DEFAULT_CAPACITY, chat: 1, ...capacity },
  };
}

/** A waiting chat in `queueId` with no extra skills. */
export function makeItem(
  id: string,
  queueId: string,
  waitingSince: number,
  overrides: Partial<Omit<RoutingItem, 'id' | 'queueId' | 'waitingSince'>> & {
    channel?: Channel;
    requiredSkills?: readonly SkillRequirement[];
  } = {},
): RoutingItem {
  return { id, queueId, channel: 'chat', priority: 0, requiredSkills: [], waitingSince, ...overrides };
}

/** A settable clock for tests: `now()` for the router, `advance(ms)` to move time. */
export function manualClock(start = Date.UTC(2024, 5, 3, 9, 0, 0)): {
  now: () => number;
  advance: (ms: number) => void;
  set: (ms: number) => void;
} {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** mulberry32: a tiny seeded PRNG so fixtures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
