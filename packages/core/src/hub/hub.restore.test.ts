import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Agent } from '../agent/agent.types';
import type { OfferLeg } from '../interaction/lifecycle';
import type { Queue } from '../queue/queue.types';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { HubStorage } from './hub.types';
import { createMemoryStorage } from './memory.storage';
import type { WireConsultLeg } from './voice.hub';

// A restart (or a new routing leader) takes over the offers that were out: each stays with its agent until its
// original expiry, and one that ran out meanwhile times out at once, as it would have without the restart.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const OFFER_MS = supportQueue.offerTimeoutSeconds * 1000;

/** One run of the hub on `storage`; a restart is a second call on the same storage and clock. */
function start(
  storage: HubStorage,
  clock: TestClock,
  agents: readonly Agent[] = [testAgent('alice')],
  queue: Queue = supportQueue,
  phoneLegsStored = false,
) {
  const hub = createHub({
    queues: [queue],
    agents: [...agents],
    authenticate: devAuthenticate,
    clock,
    storage,
    phoneLegsStored,
  });
  cleanups.push(() => hub.close());
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const agent = (id: string) => {
    const session = createAgentSession({ ...base, token: `dev:agent:${id}:${id}` });
    cleanups.push(() => session.close());
    return session;
  };
  const visitor = (id: string) => {
    const session = createVisitorSession({ ...base, token: `dev:visitor:${id}:${id}` });
    cleanups.push(() => session.close());
    return session;
  };
  return { hub, agent, visitor };
}

/** A chat offered to alice, and the hub it was offered on closed as a crash would leave it. */
async function offeredThenDown() {
  const storage = createMemoryStorage();
  const clock = createTestClock();
  const first = start(storage, clock);
  const alice = first.agent('alice');
  await alice.setPresence('available');
  const cid = await first.visitor('v1').startChat({});
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered to alice');
  const expiresAt = alice.$offers.get()[cid]?.expiresAt ?? 0;
  assert.equal(expiresAt, clock.now() + OFFER_MS);
  alice.close();
  first.hub.close();
  return { storage, clock, cid, expiresAt };
}

async function legsOf(storage: HubStorage, cid: string): Promise<readonly OfferLeg[]> {
  const stored = await storage.getInteraction(cid);
  assert.ok(stored, `${cid} is stored`);
  return (stored.snapshot.context as { offerHistory: readonly OfferLeg[] }).offerHistory;
}

describe('hub: offers outstanding at a restart', () => {
  it('stay offered to the same agent with their expiry; the agent sees the offer when back and accepts it', async () => {
    const { storage, clock, cid, expiresAt } = await offeredThenDown();
    await clock.advance(5_000);

    const second = start(storage, clock);
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'offered');
    assert.equal(second.hub.interaction(cid)?.agentId, 'alice');
    const alice = second.agent('alice');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'the offer is in her snapshot');
    assert.equal(alice.$offers.get()[cid]?.expiresAt, expiresAt, 'the same offer, not a new one');
    await alice.accept(cid);
    assert.equal(second.hub.interaction(cid)?.state, 'active');
    await clock.advance(OFFER_MS);
    assert.equal(second.hub.interaction(cid)?.state, 'active', 'an answered offer does not time out');
    assert.deepEqual(
      (await legsOf(storage, cid)).map((leg) => [leg.agentId, leg.expiresAt, leg.answeredAt !== undefined]),
      [['alice', expiresAt, true]],
      'one offer, answered: nothing was withdrawn',
    );
  });

  it('time out at their original expiry when not answered: missed, counted, back in line', async () => {
    const { storage, clock, cid, expiresAt } = await offeredThenDown();
    const second = start(storage, clock);
    await second.hub.restore();
    await clock.advance(expiresAt - clock.now() - 1);
    assert.equal(second.hub.interaction(cid)?.state, 'offered', 'the deadline was re-armed, not moved');
    await clock.advance(1);
    await waitFor(() => second.hub.interaction(cid)?.state === 'queued', 'timed out at its expiry');
    const [leg] = await legsOf(storage, cid);
    assert.deepEqual([leg?.endReason, leg?.endedAt], ['missed', expiresAt]);
  });

  it('time out at once when their expiry passed while the server was down, and go to whoever is free', async () => {
    const { storage, clock, cid, expiresAt } = await offeredThenDown();
    await clock.advance(OFFER_MS + 60_000);

    const second = start(storage, clock, [testAgent('alice'), testAgent('bob')]);
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'queued', 'missed as soon as the hub is back');
    const stored = await storage.getInteraction(cid);
    assert.ok(stored);
    assert.equal((stored.snapshot.context as { missCount: number }).missCount, 1, 'counted as a miss');
    const [leg] = await legsOf(storage, cid);
    assert.equal(leg?.endReason, 'missed');
    assert.ok((leg?.endedAt ?? 0) >= expiresAt);
    const bob = second.agent('bob');
    await bob.setPresence('available');
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offered again, to bob');
    const alice = second.agent('alice');
    await alice.setPresence('available');
    assert.equal(alice.$offers.get()[cid], undefined, 'alice no longer has it');
  });

  it('keep a phone call: it rings again for its caller, and accepting the offer answers the new call', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = start(storage, clock);
    const before = first.agent('alice');
    await before.setPresence('available');
    const cid = await first.visitor('v1').startChat({ channel: 'voice' });
    await waitFor(() => before.$offers.get()[cid] !== undefined, 'the call is offered to alice');
    before.close();
    first.hub.close();

    const second = start(storage, clock);
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'offered');
    const caller = second.visitor('v1');
    const ringing = await caller.connection.command('call.attach', { cid });
    assert.deepEqual([ringing.call?.state, ringing.call?.startedBy], ['ringing', 'visitor']);
    const alice = second.agent('alice');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'the offer is in her snapshot');
    await alice.accept(cid);
    const answered = await caller.connection.command('call.attach', { cid });
    assert.deepEqual(
      [answered.call?.callId, answered.call?.state],
      [ringing.call?.callId, 'connecting'],
      'the call that rang is the one answered',
    );
  });

  it('are taken back and wait in line again when the agent is no longer there to hold them', async () => {
    const { storage, clock, cid } = await offeredThenDown();
    const second = start(storage, clock, [testAgent('bob')]);
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'queued');
    const [leg] = await legsOf(storage, cid);
    assert.deepEqual([leg?.agentId, leg?.endReason], ['alice', 'missed']);
    const bob = second.agent('bob');
    await bob.setPresence('available');
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offered to bob');
  });
});

// A browser call's media runs between the browsers: a restart or a new routing leader carries on the call the record
// stored, and its parties attach again, instead of ending a call both people are still talking on.
/** A voice call from v1 that alice answered and whose media connected, on a hub `start` returned. */
async function talkingOn(first: ReturnType<typeof start>) {
  const alice = first.agent('alice');
  await alice.setPresence('available');
  const caller = first.visitor('v1');
  const cid = await caller.startChat({ channel: 'voice' });
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'the call is offered to alice');
  await alice.accept(cid);
  const callId = (await caller.connection.command('call.attach', { cid })).call?.callId ?? '';
  await caller.connection.command('call.media', { cid, callId, media: 'connected' });
  return { alice, caller, cid, callId };
}

describe('hub: browser calls being talked on at a restart', () => {
  /** A call alice and the caller talk on, held by the caller, and the hub it ran on closed as a crash would. */
  async function talkingThenDown(queue = supportQueue, phoneLegsStored = false) {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = start(storage, clock, [testAgent('alice')], queue, phoneLegsStored);
    const { caller, cid, callId } = await talkingOn(first);
    await caller.connection.command('call.hold', { cid, callId });
    first.hub.close();
    return { storage, clock, cid, callId };
  }

  it('goes on: the parties attach to the same call, held as it was, and a hang-up ends it as usual', async () => {
    const { storage, clock, cid, callId } = await talkingThenDown();
    assert.deepEqual(
      (await storage.getInteraction(cid))?.call?.snapshot.value,
      'held',
      'stored with the record',
    );
    const second = start(storage, clock);
    await second.hub.restore();
    const caller = second.visitor('v1');
    const alice = second.agent('alice');
    const back = await caller.connection.command('call.attach', { cid });
    assert.deepEqual([back.call?.callId, back.call?.state, back.call?.heldBy], [callId, 'held', 'visitor']);
    assert.equal((await alice.connection.command('call.attach', { cid })).call?.callId, callId);
    await caller.connection.command('call.resume', { cid, callId });
    await alice.connection.command('call.hangup', { cid, callId });
    const interaction = second.hub.interaction(cid);
    assert.deepEqual(
      [interaction?.state, interaction?.endedBy],
      ['wrap-up', 'agent'],
      'wrapped up, not failed',
    );
    assert.equal((await storage.getInteraction(cid))?.call, undefined, 'an ended call is not stored');
  });

  it('ends once neither party comes back', async () => {
    const { storage, clock, cid } = await talkingThenDown();
    const second = start(storage, clock);
    await second.hub.restore();
    await clock.advance(61_000);
    assert.deepEqual(
      [second.hub.interaction(cid)?.state, second.hub.interaction(cid)?.endedBy],
      ['wrap-up', 'system'],
    );
  });

  it('a call carried by a phone network is not stored, and ends as failed as before', async () => {
    const vonage = { ...supportQueue, voice: { provider: 'vonage' as const } };
    const { storage, clock, cid } = await talkingThenDown(vonage);
    assert.equal((await storage.getInteraction(cid))?.call, undefined);
    const second = start(storage, clock, [testAgent('alice')], vonage);
    await second.hub.restore();
    assert.deepEqual(
      [second.hub.interaction(cid)?.state, second.hub.interaction(cid)?.endedBy],
      ['wrap-up', 'system'],
    );
  });

  it('a call carried by a phone network whose gateway stores its legs goes on like a browser call', async () => {
    const vonage = { ...supportQueue, voice: { provider: 'vonage' as const } };
    const { storage, clock, cid, callId } = await talkingThenDown(vonage, true);
    assert.equal((await storage.getInteraction(cid))?.call?.snapshot.value, 'held', 'stored with the record');
    const second = start(storage, clock, [testAgent('alice')], vonage, true);
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'active', 'not failed');
    const alice = second.agent('alice');
    const attached = await alice.connection.command('call.attach', { cid });
    assert.deepEqual([attached.call?.callId, attached.call?.state], [callId, 'held'], 'the same call');
  });
});

describe('hub: a call consulting at a restart', () => {
  const agents = [testAgent('alice'), testAgent('bob')];

  /**
   * Alice talks to the caller and consults Bob (`answered`: Bob picked up; `merged`: all three talk), then the hub
   * closes as a crash would leave it.
   */
  async function consultingThenDown(how: 'ringing' | 'answered' | 'merged') {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = start(storage, clock, agents);
    const { alice, cid, callId } = await talkingOn(first);
    const bob = first.agent('bob');
    await bob.setPresence('available');
    const { leg } = await alice.connection.command('call.consult', {
      cid,
      callId,
      to: { kind: 'agent', id: 'bob' },
    });
    if (how !== 'ringing') await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    if (how === 'merged') await alice.connection.command('call.merge', { cid, callId });
    first.hub.close();
    return { storage, clock, cid, callId, legId: leg.legId };
  }

  /** The hub started again on the same storage, restored, with the three parties connected again. */
  async function restarted(storage: HubStorage, clock: TestClock) {
    const second = start(storage, clock, agents);
    await second.hub.restore();
    const consults = (session: { connection: ReturnType<typeof second.agent>['connection'] }) => {
      const legs: WireConsultLeg[] = [];
      session.connection.onNotice((notice) => {
        if (notice.type === 'consult') legs.push(notice.leg);
      });
      return legs;
    };
    const alice = second.agent('alice');
    const bob = second.agent('bob');
    const bobLegs = consults(bob);
    bob.connection.open();
    return { ...second, alice, bob, bobLegs, caller: second.visitor('v1') };
  }

  it('goes on with its leg under the same id: the colleague answers, the agent merges and returns', async () => {
    const { storage, clock, cid, callId, legId } = await consultingThenDown('ringing');
    const stored = (await storage.getInteraction(cid))?.call;
    assert.deepEqual(
      [stored?.snapshot.value, stored?.snapshot.context.consult?.legId],
      ['consulting', legId],
      'stored with the record, with its leg',
    );
    const { hub, alice, bob, bobLegs, caller } = await restarted(storage, clock);
    assert.equal(hub.interaction(cid)?.state, 'active', 'not failed');
    await waitFor(
      () => bobLegs.some((leg) => leg.legId === legId && leg.state === 'ringing'),
      'bob, back, is told the consult rings for him',
    );
    const attached = await alice.connection.command('call.attach', { cid });
    assert.deepEqual(
      [attached.call?.callId, attached.call?.state, attached.call?.consult?.legId],
      [callId, 'consulting', legId],
      'a console that reloaded finds its leg on the call',
    );
    assert.equal((await caller.connection.command('call.attach', { cid })).call?.consult, undefined);
    const answered = await bob.connection.command('consult.answer', { cid, legId });
    assert.equal(answered.leg.state, 'active');
    const merged = await alice.connection.command('call.merge', { cid, callId });
    assert.equal(merged.call.state, 'conferenced');
    const back = await alice.connection.command('call.return', { cid, callId });
    assert.deepEqual([back.call.state, back.call.consult], ['active', undefined]);
    await waitFor(() => bobLegs.at(-1)?.outcome === 'returned', 'the leg ends for bob');
    assert.equal(hub.interaction(cid)?.state, 'active');
  });

  it('a consult still ringing times out when it would have: the caller stays on hold', async () => {
    const { storage, clock, cid, callId, legId } = await consultingThenDown('ringing');
    await clock.advance(46_000);
    const { alice, bob, bobLegs } = await restarted(storage, clock);
    await clock.advance(0);
    await waitFor(
      () => bobLegs.at(-1)?.legId === legId && bobLegs.at(-1)?.state === 'ended',
      'bob, back, is told the consult ended',
    );
    const call = (await alice.connection.command('call.attach', { cid })).call;
    assert.deepEqual([call?.callId, call?.state, call?.consult], [callId, 'held', undefined]);
    await assert.rejects(bob.connection.command('consult.answer', { cid, legId }), /conflict|consult/i);
  });

  it('a conference goes on: the colleague leaving leaves the agent and the caller talking', async () => {
    const { storage, clock, cid, callId, legId } = await consultingThenDown('merged');
    const { hub, alice, bob } = await restarted(storage, clock);
    const call = (await alice.connection.command('call.attach', { cid })).call;
    assert.deepEqual([call?.state, call?.consult?.legId], ['conferenced', legId]);
    const left = await bob.connection.command('consult.hangup', { cid, legId });
    assert.deepEqual([left.leg.state, left.leg.outcome], ['ended', 'ended']);
    const after = (await alice.connection.command('call.attach', { cid })).call;
    assert.deepEqual([after?.state, after?.consult], ['active', undefined], 'alice and the caller talk on');
    await alice.connection.command('call.hangup', { cid, callId });
    assert.deepEqual([hub.interaction(cid)?.state, hub.interaction(cid)?.endedBy], ['wrap-up', 'agent']);
  });
});
