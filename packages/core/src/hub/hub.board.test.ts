import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
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

  it("names the customer of each interaction an agent holds, as the agent's inbox does", async () => {
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice', { queueIds: ['support'] })],
      authenticate: devAuthenticate,
      clock: createTestClock(),
    });
    cleanups.push(() => hub.close());
    const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
    const visitor: Subject = { id: 'v1', role: 'visitor', name: 'Visitor' };
    await hub.execute(alice, 'presence.set', { status: 'available' });
    const { cid } = await hub.execute(visitor, 'chat.start', {
      channel: 'chat',
      queueId: 'support',
      prechat: { name: 'Vera Visitor' },
    });
    await waitFor(() => hub.interaction(cid)?.state === 'offered', 'offered to Alice');
    await hub.execute(alice, 'offer.accept', { cid });
    const board = await hub.execute(
      { id: 'sam', role: 'supervisor', name: 'Sam' },
      'supervisor.snapshot',
      {},
    );
    assert.deepEqual(
      board.agents[0]?.interactions.map((held) => held.customerName),
      ['Vera Visitor'],
    );
  });
});
