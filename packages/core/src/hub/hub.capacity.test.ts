import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_CAPACITY } from '../agent/agent.types';
import { helplineError, isHelplineError } from '../protocol/errors';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { HubStorage, StoredInteraction, Subject } from './hub.types';
import { DEFAULT_LIFECYCLES } from './lifecycles';
import { createMemoryStorage } from './memory.storage';

// An agent past their capacity, as cluster fault runs showed it (an agent holding 3 chats with a capacity of 2): the
// router's count of what agents hold is a cache of the records, and a write that committed although its answer was
// lost (a leader cut off from the database, or frozen, between its COMMIT and the answer) made the cache wrong. The
// hub took the accept for failed and gave the offer back; the offer then ran out and the timeout was written over
// the accepted chat, so the agent's `joined` stayed in the log with no `left`, the router no longer counted the
// chat, and the agent was given another. Now every step is stored only while the record is still in the state the
// hub's copy took it from (a stale copy is reloaded and the router follows it), and an accept is stored only while
// the agent has room by the records, counted under a lock on the agent.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const queue = { ...supportQueue, offerTimeoutSeconds: 2 };
const OFFER_MS = queue.offerTimeoutSeconds * 1000;
const CAPACITY = 2;
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

/** Memory storage whose next accept is stored but answered with a failure, as when the COMMIT's answer is lost. */
function lossyStorage() {
  const storage = createMemoryStorage();
  let loseNextAccept = false;
  const lossy: HubStorage = {
    ...storage,
    async commit(cid, events, recordOf, options) {
      const stored = await storage.commit(cid, events, recordOf, options);
      if (loseNextAccept && options?.holds) {
        loseNextAccept = false;
        throw helplineError('unavailable', { detail: 'the connection closed' }, { retryAfterMs: 1_000 });
      }
      return stored;
    },
  };
  return { storage: lossy, loseNextAccept: () => (loseNextAccept = true) };
}

async function hubWithAlice(storage: HubStorage) {
  const clock = createTestClock();
  const hub = createHub({
    queues: [queue],
    agents: [
      testAgent('alice', { queueIds: [queue.id], capacity: { ...DEFAULT_CAPACITY, chat: CAPACITY } }),
      testAgent('bob', { queueIds: [queue.id], capacity: { ...DEFAULT_CAPACITY, chat: 1 } }),
    ],
    authenticate: devAuthenticate,
    clock,
    storage,
    logger: { error() {} },
  });
  cleanups.push(() => hub.close());
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const session = createAgentSession({ ...base, token: 'dev:agent:alice:Alice' });
  cleanups.push(() => session.close());
  await session.setPresence('available');
  const chat = async (visitor: string) => {
    const client = createVisitorSession({ ...base, token: `dev:visitor:${visitor}:${visitor}` });
    cleanups.push(() => client.close());
    return client.startChat({});
  };
  const offered = (cid: string) => waitFor(() => session.$offers.get()[cid] !== undefined, `${cid} offered`);
  // The accept as the API sends it: one try, no client retry.
  const accept = (cid: string) => hub.execute(alice, 'offer.accept', { cid });
  /** Bob signs in, with room for one chat. */
  const bobArrives = async () => {
    const bob = createAgentSession({ ...base, token: 'dev:agent:bob:Bob' });
    cleanups.push(() => bob.close());
    await bob.setPresence('available');
    return bob;
  };
  return { clock, hub, chat, offered, accept, bobArrives, session };
}

/** The open interactions alice holds by the stored records, and the ones the log says she joined and never left. */
async function heldByAlice(storage: HubStorage, cids: readonly string[]) {
  const records = (await storage.openInteractions()).filter(
    (r) => r.interaction.agentId === 'alice' && ['active', 'wrap-up'].includes(r.interaction.state),
  );
  const joinedNotLeft: string[] = [];
  for (const cid of cids) {
    const events = await storage.events(cid, 0, 1_000);
    const joined = events.filter((e) => e.ev.type === 'joined' && e.ev.participant.id === 'alice').length;
    const left = events.filter((e) => e.ev.type === 'left' && e.ev.participantId === 'alice').length;
    if (joined > left) joinedNotLeft.push(cid);
  }
  return { records: records.map((r) => r.interaction.id), joinedNotLeft };
}

describe('hub: an agent never holds more than their capacity', () => {
  it('an accept stored although its answer was lost stays the agent’s, and counts against their capacity', async () => {
    const lossy = lossyStorage();
    const { clock, hub, chat, offered, accept, bobArrives, session } = await hubWithAlice(lossy.storage);

    const first = await chat('v1');
    await offered(first);
    await accept(first);

    const second = await chat('v2');
    await offered(second);
    lossy.loseNextAccept();
    await assert.rejects(accept(second), (error) => isHelplineError(error) && error.code === 'unavailable');

    // Bob arrives, with room for one chat. The offer the hub gave back runs out: its timeout must not be written
    // over the accepted chat. A third chat is offered to whoever has room as the router counts, and alice takes
    // what she is offered.
    const bob = await bobArrives();
    await clock.advance(OFFER_MS + 1);
    const third = await chat('v3');
    await waitFor(
      () => session.$offers.get()[third] !== undefined || bob.$offers.get()[third] !== undefined,
      'the third chat offered',
    );
    if (session.$offers.get()[third] !== undefined) await accept(third).catch(() => {});

    const held = await heldByAlice(lossy.storage, [first, second, third]);
    // As the cluster scenarios judge it: from each `joined` of hers until she left or the chat ended.
    assert.deepEqual(held.joinedNotLeft.sort(), [first, second].sort(), 'alice holds two chats by the log');
    assert.deepEqual(held.records.sort(), [first, second].sort(), 'and by the records');
    assert.equal(hub.interaction(second)?.state, 'active', 'the stored accept stands');
    assert.equal(hub.interaction(second)?.agentId, 'alice');
    assert.notEqual(hub.interaction(third)?.state, 'active', 'no third chat for alice');
  });

  it('an accept retried after its answer was lost finds it stored, and stands', async () => {
    const lossy = lossyStorage();
    const { clock, hub, chat, offered, accept, bobArrives, session } = await hubWithAlice(lossy.storage);
    const first = await chat('v1');
    await offered(first);
    await accept(first);
    const second = await chat('v2');
    await offered(second);
    lossy.loseNextAccept();
    await assert.rejects(accept(second), (error) => isHelplineError(error) && error.code === 'unavailable');

    await accept(second);
    assert.equal(hub.interaction(second)?.state, 'active');
    assert.equal(hub.interaction(second)?.agentId, 'alice');
    // The router counts it: a third chat goes to bob, not to alice past her capacity.
    const bob = await bobArrives();
    const third = await chat('v3');
    await waitFor(() => bob.$offers.get()[third] !== undefined, 'the third chat offered to bob');
    assert.equal(session.$offers.get()[third], undefined);
    await clock.advance(OFFER_MS + 1);
    const held = await heldByAlice(lossy.storage, [first, second, third]);
    assert.deepEqual(held.records.sort(), [first, second].sort());
    const joins = (await lossy.storage.events(second, 0, 100)).filter((e) => e.ev.type === 'joined');
    assert.equal(joins.length, 1, 'alice joined once');
  });

  it('an accept past the agent’s capacity by the records is refused, whatever the router counts', async () => {
    const storage = createMemoryStorage();
    const { hub, chat, offered, accept } = await hubWithAlice(storage);
    const first = await chat('v1');
    await offered(first);
    await accept(first);
    // Another chat of alice's that the router never heard of: a record written while this hub's copy was stale.
    const record = (await storage.getInteraction(first)) as StoredInteraction;
    const ghost = `${first}-ghost`;
    await storage.putInteraction({ ...record, interaction: { ...record.interaction, id: ghost } });

    const second = await chat('v2');
    await offered(second);
    await assert.rejects(
      accept(second),
      (error) => isHelplineError(error) && error.code === 'agent/capacity',
      'refused by the records',
    );
    assert.equal(hub.interaction(second)?.state, 'offered', 'nothing stored');
    const held = await heldByAlice(storage, [first, second]);
    assert.deepEqual(held.records.sort(), [first, ghost].sort());
  });

  it('a chat’s accept is refused while the records say the agent holds a call (voiceBlocksChat)', async () => {
    const storage = createMemoryStorage();
    const { hub, chat, offered, accept } = await hubWithAlice(storage);
    const first = await chat('v1');
    await offered(first);
    // A call of alice's that the router never heard of: accepted while this hub's copy was stale.
    const record = (await storage.getInteraction(first)) as StoredInteraction;
    const talking = [...(DEFAULT_LIFECYCLES.voice?.handling ?? [])][0] ?? 'active';
    const call = `${first}-call`;
    await storage.putInteraction({
      ...record,
      interaction: { ...record.interaction, id: call, channel: 'voice', state: talking, agentId: 'alice' },
    });
    await assert.rejects(
      accept(first),
      (error) => isHelplineError(error) && error.code === 'agent/capacity',
      'refused by the records',
    );
    assert.equal(hub.interaction(first)?.state, 'offered', 'nothing stored');
  });
});
