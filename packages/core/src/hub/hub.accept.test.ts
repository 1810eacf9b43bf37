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

// An agent's answer to an offer (accept or decline) that is being stored when the offer runs out. The answer was
// checked, and taken by the machine, while the offer stood: it wins, and the timeout is the loser. On a slow
// database — a cluster's leader writes through its fence — the write can straddle the offer's expiry; the router
// must not count the offer as missed (nor put an accepted chat back in line and lose the agent's load), and nothing
// may be reported as failed.

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

/** A hub over gated storage with alice (one chat at a time), and a chat of `v1` offered to her. */
async function offeredToAlice() {
  const clock = createTestClock();
  const gated = gatedStorage();
  const failures: string[] = [];
  const hub = createHub({
    queues: [queue],
    agents: [testAgent('alice', { queueIds: [queue.id], capacity: { ...DEFAULT_CAPACITY, chat: 1 } })],
    authenticate: devAuthenticate,
    clock,
    storage: gated.storage,
    logger: { error: (what, error) => failures.push(`${what}: ${String(error)}`) },
  });
  cleanups.push(() => hub.close());
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const visitor = (id: string) => {
    const session = createVisitorSession({ ...base, token: `dev:visitor:${id}:${id}` });
    cleanups.push(() => session.close());
    return session;
  };
  const alice = createAgentSession({ ...base, token: 'dev:agent:alice:Alice' });
  cleanups.push(() => alice.close());
  await alice.setPresence('available');
  const cid = await visitor('v1').startChat({});
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered to alice');
  /** Runs `answer` with its write held until the offer has run out. */
  const answerAsItRunsOut = async (answer: () => Promise<void>) => {
    const held = gated.holdNextCommit();
    const answering = answer();
    await held;
    await clock.advance(OFFER_MS + 1);
    gated.release();
    await answering;
  };
  return { clock, hub, failures, alice, visitor, cid, storage: gated.storage, answerAsItRunsOut };
}

describe('hub: an answer stored while its offer runs out', () => {
  it('an accept wins: the chat is active with the agent, the router holds it against her capacity, nothing failed', async () => {
    const { clock, hub, failures, alice, visitor, cid, answerAsItRunsOut } = await offeredToAlice();
    await answerAsItRunsOut(() => alice.accept(cid));

    assert.equal(hub.interaction(cid)?.state, 'active');
    assert.equal(hub.interaction(cid)?.agentId, 'alice');
    assert.deepEqual(failures, [], 'nothing reported as failed');
    // Alice's one chat slot is taken: a second chat waits rather than going to her past her capacity.
    const next = await visitor('v2').startChat({});
    await clock.advance(OFFER_MS);
    assert.equal(hub.interaction(next)?.state, 'queued');
    assert.equal(alice.$offers.get()[next], undefined, 'no offer past her capacity');
    assert.equal(hub.interaction(cid)?.state, 'active', 'the accepted chat stays hers');
  });

  it('a decline stored while its offer runs out is a decline, not a miss, and nothing failed', async () => {
    const { clock, failures, alice, cid, storage, answerAsItRunsOut } = await offeredToAlice();
    await answerAsItRunsOut(() => alice.reject(cid));
    await clock.advance(10);

    assert.deepEqual(failures, [], 'nothing reported as failed');
    const stored = await storage.getInteraction(cid);
    assert.ok(stored);
    const { offerHistory, missCount } = stored.snapshot.context as {
      offerHistory: readonly { endReason?: string }[];
      missCount?: number;
    };
    assert.deepEqual(
      offerHistory.map((leg) => leg.endReason),
      ['rejected', undefined],
      'declined, then offered again (alice is the only agent)',
    );
    assert.equal(missCount ?? 0, 0, 'the decline is not counted as a miss');
  });
});
