import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createTestClock, supportQueue, testAgent } from '../testing';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { Subject } from './hub.types';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('hub: the supervisor board', () => {
  it('lists the agents who take work, not the supervisors who watch them', async () => {
    const hub = createHub({
      queues: [supportQueue],
      agents: [
        testAgent('alice', { queueIds: ['support'] }),
        // A supervisor with skills is still no agent: work is never routed to them.
        testAgent('sam', { role: 'supervisor', queueIds: ['support'], skills: { support: 5 } }),
      ],
      authenticate: devAuthenticate,
      clock: createTestClock(),
    });
    cleanups.push(() => hub.close());
    const sam: Subject = { id: 'sam', role: 'supervisor', name: 'Sam' };
    const board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual(
      board.agents.map((agent) => agent.name),
      ['Alice'],
    );
  });
});
