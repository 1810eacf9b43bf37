import { type Agent, DEFAULT_CAPACITY } from '../agent/agent.types';
import type { Queue } from '../queue/queue.types';

/** A support queue that requires a disposition at wrap-up: the usual test fixture. */
export const supportQueue: Queue = {
  id: 'support',
  name: 'Support',
  priority: 1,
  slaTargetSeconds: 30,
  skills: [],
  closedAlternative: 'callback',
  acw: { kind: 'required' },
  dispositions: [
    { id: 'resolved', label: 'Resolved', resolved: true },
    { id: 'follow-up', label: 'Needs follow-up', resolved: false },
  ],
  dispositionRequired: true,
  offerTimeoutSeconds: 20,
};

/** A sales queue with optional wrap-up. */
export const salesQueue: Queue = {
  ...supportQueue,
  id: 'sales',
  name: 'Sales',
  priority: 2,
  acw: { kind: 'optional' },
  dispositionRequired: false,
  dispositions: [{ id: 'sold', label: 'Sold', resolved: true }],
};

/** An agent profile working every queue. */
export function testAgent(id: string, overrides: Partial<Agent> = {}): Agent {
  return {
    id,
    displayName: id.charAt(0).toUpperCase() + id.slice(1),
    skills: {},
    languages: ['en'],
    capacity: DEFAULT_CAPACITY,
    queueIds: [],
    role: 'agent',
    ...overrides,
  };
}
