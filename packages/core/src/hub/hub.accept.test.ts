import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_CAPACITY } from '../agent/agent.types';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { HubStorage } from './hub.types';
import { createMemoryStorage } from './memory.storage';

// An accept that is being stored when its offer runs out. The accept was checked, and taken by the machine, while
// the offer stood: it wins, and the timeout is the loser (docs/routing.md). On a slow database — a cluster's leader
// writes through its fence — the write can straddle the offer's expiry; the router must not count the offer as
// missed, put the chat back in line or lose the agent's load, and nothing may be reported as failed.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Offers shorter than a client's command timeout, so that running one out does not time out the accept too. */
const queue = { ...supportQueue, offerTimeoutSeconds: 2 };
const OFFER_MS = queue.offerTimeoutSeconds * 1000;

/** Memory storage whose next commit waits until `release()`; `entered` resolves once that commit has begun. */
function gatedStorage() {
  const storage = createMemoryStorage();
  let gate: { entered: () => void; opened: Promise<void> } | undefined;
  let release = () => {};
  const gated: HubStorage = {
    ...storage,
    async commit(...args) {
      const waiting = gate;
      gate = undefined;
      if (waiting) {
        waiting.entered();
        await waiting.opened;
      }
      return storage.commit(...args);
    },
  };
  return {
    storage: gated,
    /** Holds the next commit; resolves once it has begun. */
    holdNextCommit(): Promise<void> {
      return new Promise((entered) => {
        const opened = new Promise<void>((open) => {
          release = open;
        });
        gate = { entered, opened };
      });
    },
    release: () => release(),
  };
}

describe('hub: an accept stored while its offer runs out', () => {
  it('wins: the chat is active with the agent, the router holds it against her capacity, nothing failed', async () => {
    const clock = createTestClock();
    const { storage, holdNextCommit, release } = gatedStorage();
    const failures: string[] = [];
    const hub = createHub({
      queues: [queue],
      agents: [testAgent('alice', { queueIds: [queue.id], capacity: { ...DEFAULT_CAPACITY, chat: 1 } })],
      authenticate: devAuthenticate,
      clock,
      storage,
      logger: { error: (what, error) => failures.push(`${what}: ${String(error)}`) },
    });
    cleanups.push(() => hub.close());
    const transport = createMemoryTransport({ hub });
    const base = { clock, random: () => 0.5, transport };
    const alice = createAgentSession({ ...base, token: 'dev:agent:alice:Alice' });
    const first = createVisitorSession({ ...base, token: 'dev:visitor:v1:Vera' });
    const second = createVisitorSession({ ...base, token: 'dev:visitor:v2:Vic' });
    cleanups.push(
      () => alice.close(),
      () => first.close(),
      () => second.close(),
    );
    await alice.setPresence('available');
    const cid = await first.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered to alice');

    // The accept's write begins, and the offer runs out while it is stored.
    const held = holdNextCommit();
    const accepting = alice.accept(cid);
    await held;
    await clock.advance(OFFER_MS + 1);
    release();
    await accepting;

    assert.equal(hub.interaction(cid)?.state, 'active');
    assert.equal(hub.interaction(cid)?.agentId, 'alice');
    assert.deepEqual(failures, [], 'nothing reported as failed');
    // Alice's one chat slot is taken: a second chat waits rather than going to her past her capacity.
    const next = await second.startChat({});
    await clock.advance(OFFER_MS);
    assert.equal(hub.interaction(next)?.state, 'queued');
    assert.equal(alice.$offers.get()[next], undefined, 'no offer past her capacity');
    assert.equal(hub.interaction(cid)?.state, 'active', 'the accepted chat stays hers');
  });
});
