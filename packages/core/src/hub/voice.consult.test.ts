import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Connection } from '../connection/connection';
import { isHelplineError } from '../protocol/errors';
import type { Notice, WireCall } from '../protocol/protocol.types';
import { createAgentSession } from '../session/agent.session';
import { createSupervisorSession } from '../session/supervisor.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { WireConsultLeg } from './voice.hub';

// Consult, conference and warm transfer through the hub, with real sessions over the memory transport: Alice talks
// to a visitor, consults Bob (or Sue, a supervisor), then returns, merges or hands the call to Bob.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

type Party = { close(): void; connection: Connection };

function setup() {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice'), testAgent('bob'), testAgent('carol')],
    authenticate: devAuthenticate,
    clock,
  });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };
  function party<T extends Party>(created: T) {
    cleanups.push(() => created.close());
    const notices: Notice[] = [];
    created.connection.onNotice((notice) => notices.push(notice));
    return Object.assign(created, {
      notices,
      lastCall: (): WireCall | undefined => notices.findLast((n) => n.type === 'call')?.call,
      lastLeg: (): WireConsultLeg | undefined => {
        const notice = notices.findLast((n) => n.type === 'consult');
        return notice?.type === 'consult' ? notice.leg : undefined;
      },
    });
  }
  const transport = () => createMemoryTransport({ hub });
  const agent = (id: string) =>
    party(createAgentSession({ ...base, transport: transport(), token: `dev:agent:${id}:${id}` }));
  const visitor = () =>
    party(createVisitorSession({ ...base, transport: transport(), token: 'dev:visitor:v1:Ada' }));
  const supervisor = () => {
    const sue = party(
      createSupervisorSession({ ...base, transport: transport(), token: 'dev:supervisor:sue:Sue' }),
    );
    sue.connection.open();
    return sue;
  };
  return { hub, clock, agent, visitor, supervisor };
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHelplineError(error), String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** Alice talks to the visitor (the call `active`); Bob is online and available (so he can be consulted). */
async function talking(context: ReturnType<typeof setup>) {
  const alice = context.agent('alice');
  const bob = context.agent('bob');
  await alice.setPresence('available');
  const v = context.visitor();
  const cid = await v.startChat({ channel: 'voice' });
  const { call } = await v.connection.command('call.attach', { cid });
  assert.ok(call);
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
  await alice.accept(cid);
  await alice.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
  await waitFor(() => v.lastCall()?.state === 'active', 'talking');
  await bob.setPresence('available');
  const ref = { cid, callId: call.callId };
  return { alice, bob, v, cid, callId: call.callId, ref };
}

describe('hub voice: consult and return', () => {
  it('a page that reloads mid-consult is told of the live leg again, at both ends', async () => {
    const context = setup();
    const { alice, bob, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    await waitFor(() => bob.lastLeg()?.state === 'ringing', 'the consult rings for bob');
    bob.close();
    const bobAgain = context.agent('bob');
    bobAgain.connection.open();
    await waitFor(() => bobAgain.lastLeg()?.legId === leg.legId, 'bob, reloaded, sees the consult ring');
    assert.equal(bobAgain.lastLeg()?.state, 'ringing');
    await bobAgain.connection.command('consult.answer', { cid: ref.cid, legId: leg.legId });
    alice.close();
    const aliceAgain = context.agent('alice');
    aliceAgain.connection.open();
    await waitFor(
      () => aliceAgain.lastLeg()?.state === 'active',
      'alice, reloaded, sees the consult talking',
    );
  });

  it('the customer waits on hold while Alice consults Bob; the customer is never told who', async () => {
    const context = setup();
    const { alice, bob, v, cid, ref } = await talking(context);
    const { call, leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    assert.deepEqual(
      [call.state, call.heldBy, call.consult?.party],
      ['consulting', 'agent', { kind: 'agent', id: 'bob' }],
    );
    assert.deepEqual([leg.state, leg.agentId, leg.cid], ['ringing', 'alice', cid]);
    await waitFor(() => bob.lastLeg()?.state === 'ringing', 'the consult rings for bob');
    await waitFor(() => v.lastCall()?.state === 'consulting', 'the visitor is on hold');
    assert.equal(v.lastCall()?.consult, undefined, 'the visitor does not learn who is consulted');
    assert.ok(!v.notices.some((n) => n.type === 'consult'), 'nor anything of the leg');
    assert.equal(alice.lastCall()?.consult?.party.id, 'bob');

    await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    await waitFor(() => alice.lastCall()?.consult?.answeredAt !== undefined, 'alice sees bob picked up');
    assert.equal(alice.lastLeg()?.state, 'active');

    const back = await alice.connection.command('call.return', ref);
    assert.deepEqual(
      [back.call.state, back.call.heldBy, back.call.consult],
      ['active', undefined, undefined],
    );
    await waitFor(() => bob.lastLeg()?.state === 'ended', 'the leg ends for bob');
    assert.equal(bob.lastLeg()?.outcome, 'returned');
    assert.equal(back.call.holdCount, 1, 'the consult was one hold');
  });

  it("relays a consult leg's signaling between its two ends only", async () => {
    const context = setup();
    const { alice, bob, v, cid, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    const signal = { kind: 'restart', peer: 'p1' } as const;
    await refused(
      alice.connection.command('consult.signal', { cid, legId: leg.legId, signal }),
      'conflict/state',
    );
    await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    await alice.connection.command('consult.signal', { cid, legId: leg.legId, signal });
    await waitFor(() => bob.notices.some((n) => n.type === 'consult.signal' && n.from === 'agent'), 'to bob');
    await bob.connection.command('consult.signal', { cid, legId: leg.legId, signal });
    await waitFor(
      () => alice.notices.some((n) => n.type === 'consult.signal' && n.from === 'party'),
      'to alice',
    );
    const carol = context.agent('carol');
    await refused(
      carol.connection.command('consult.signal', { cid, legId: leg.legId, signal }),
      'conflict/state',
    );
    await refused(v.connection.command('consult.answer', { cid, legId: leg.legId }), 'auth/forbidden');
  });

  it('Bob declining leaves the customer on hold until Alice resumes', async () => {
    const context = setup();
    const { alice, bob, v, cid, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    const declined = await bob.connection.command('consult.hangup', { cid, legId: leg.legId });
    assert.deepEqual([declined.leg.state, declined.leg.outcome], ['ended', 'ended']);
    await waitFor(() => alice.lastCall()?.state === 'held', 'back on plain hold');
    await alice.connection.command('call.resume', ref);
    await waitFor(() => v.lastCall()?.state === 'active', 'talking again');
  });

  it('a consult nobody picks up ends after the ring time; the customer stays on hold', async () => {
    const context = setup();
    const { alice, bob, ref } = await talking(context);
    await alice.connection.command('call.consult', { ...ref, to: { kind: 'agent', id: 'bob' } });
    await context.clock.advance(44_000);
    assert.equal(bob.lastLeg()?.state, 'ringing', 'still ringing before the ring time');
    await context.clock.advance(1_000);
    await waitFor(() => bob.lastLeg()?.state === 'ended', 'the consult stops ringing');
    await waitFor(() => alice.lastCall()?.state === 'held', 'the customer waits on hold');
    assert.equal(alice.lastLeg()?.outcome, 'ended');
  });

  it('a supervisor can be consulted; the customer hanging up ends the consult leg', async () => {
    const context = setup();
    const { alice, v, cid, ref } = await talking(context);
    const sue = context.supervisor();
    await waitFor(() => sue.connection.$state.get().value === 'caught-up', 'sue connected');
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'supervisor', id: 'sue' },
    });
    await waitFor(() => sue.lastLeg()?.legId === leg.legId, 'the consult rings for sue');
    await sue.connection.command('consult.answer', { cid, legId: leg.legId });
    await v.connection.command('call.hangup', ref);
    await waitFor(() => sue.lastLeg()?.state === 'ended', 'the leg ends with the call');
    await waitFor(() => alice.lastCall()?.state === 'ended', "alice's call ended");
    assert.equal(alice.lastCall()?.endReason, 'completed');
  });
});

describe('hub voice: conference', () => {
  it('merge brings all three together; Bob leaving leaves Alice and the customer talking', async () => {
    const context = setup();
    const { alice, bob, v, cid, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    await refused(alice.connection.command('call.merge', ref), 'conflict/state');
    await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    const merged = await alice.connection.command('call.merge', ref);
    assert.deepEqual([merged.call.state, merged.call.heldBy], ['conferenced', undefined]);
    await waitFor(() => v.lastCall()?.state === 'conferenced', 'the visitor hears everyone');
    await bob.connection.command('consult.hangup', { cid, legId: leg.legId });
    await waitFor(() => alice.lastCall()?.state === 'active', 'alice and the visitor go on');
  });
});

describe('hub voice: warm transfer', () => {
  it("Bob keeps the customer on the same interaction; Alice's leg ends as transferred", async () => {
    const context = setup();
    const { alice, bob, v, cid, callId, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    await refused(alice.connection.command('call.transfer', ref), 'conflict/state');
    await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    const { call } = await alice.connection.command('call.transfer', ref);
    assert.deepEqual([call.state, call.endReason, call.endedBy], ['ended', 'transferred', 'agent']);

    // The customer's browser is re-signalled to Bob: a new call of the same interaction, already picked up.
    await waitFor(() => v.lastCall()?.callId !== callId, 'a new call for the customer');
    assert.equal(v.lastCall()?.state, 'connecting');
    await waitFor(() => bob.lastCall()?.callId === v.lastCall()?.callId, 'bob has the same call');
    await waitFor(() => bob.lastLeg()?.outcome === 'transferred', 'the consult leg is over');

    const interaction = context.hub.interaction(cid);
    assert.equal(interaction?.agentId, 'bob');
    assert.equal(interaction?.state, 'active');
    assert.ok(
      interaction?.participants.some((p) => p.id === 'alice' && p.leftAt !== undefined),
      'alice left the conversation',
    );
    assert.ok(
      interaction?.participants.some((p) => p.id === 'bob' && p.leftAt === undefined),
      'bob joined',
    );

    // Bob holds the call's capacity now: Alice is free for the next one and Bob's commands are his.
    await refused(
      alice.connection.command('call.hold', { cid, callId: v.lastCall()?.callId ?? '' }),
      'auth/forbidden',
    );
    const next = v.lastCall()?.callId ?? '';
    await bob.connection.command('call.media', { cid, callId: next, media: 'connected' });
    await waitFor(() => v.lastCall()?.state === 'active', 'bob and the customer talk');
  });

  it('a transfer to a colleague who went away is refused and changes nothing', async () => {
    const context = setup();
    const { alice, bob, cid, ref } = await talking(context);
    const { leg } = await alice.connection.command('call.consult', {
      ...ref,
      to: { kind: 'agent', id: 'bob' },
    });
    await bob.connection.command('consult.answer', { cid, legId: leg.legId });
    await bob.setPresence('away', 'break');
    await refused(alice.connection.command('call.transfer', ref), 'agent/unavailable');
    assert.equal(context.hub.interaction(cid)?.agentId, 'alice');
    assert.equal(alice.lastCall()?.state, 'consulting');
  });
});

describe('hub voice: consult refusals', () => {
  it('only the call’s agent consults, merges, returns and transfers', async () => {
    const context = setup();
    const { bob, v, ref } = await talking(context);
    const to = { kind: 'agent', id: 'carol' } as const;
    await refused(v.connection.command('call.consult', { ...ref, to }), 'auth/forbidden');
    // Another agent learns nothing of the interaction.
    await refused(bob.connection.command('call.consult', { ...ref, to }), 'not-found');
    await refused(bob.connection.command('call.return', ref), 'not-found');
    await refused(bob.connection.command('call.merge', ref), 'not-found');
    await refused(bob.connection.command('call.transfer', ref), 'not-found');
    await refused(v.connection.command('call.transfer', ref), 'auth/forbidden');
  });

  it('refuses consulting oneself, someone offline, a supervisor who is an agent, a number without telephony', async () => {
    const context = setup();
    const { alice, ref } = await talking(context);
    await refused(
      alice.connection.command('call.consult', { ...ref, to: { kind: 'agent', id: 'alice' } }),
      'validation/field',
    );
    await refused(
      alice.connection.command('call.consult', { ...ref, to: { kind: 'agent', id: 'carol' } }),
      'voice/unreachable',
    );
    await refused(
      alice.connection.command('call.consult', { ...ref, to: { kind: 'supervisor', id: 'bob' } }),
      'voice/unreachable',
    );
    await refused(
      alice.connection.command('call.consult', { ...ref, to: { kind: 'external', number: '+442079460958' } }),
      'voice/unsupported',
    );
    assert.equal(alice.lastCall()?.state, 'active', 'nothing changed');
  });

  it('a colleague without room for another call cannot be consulted', async () => {
    const context = setup();
    const first = await talking(context);
    // Bob takes a call of his own: his one voice slot is taken.
    await first.alice.setPresence('away', 'break');
    const other = context.visitor();
    const cid2 = await other.startChat({ channel: 'voice' });
    await waitFor(() => first.bob.$offers.get()[cid2] !== undefined, 'offered to bob');
    await first.bob.accept(cid2);
    await refused(
      first.alice.connection.command('call.consult', { ...first.ref, to: { kind: 'agent', id: 'bob' } }),
      'agent/capacity',
    );
  });

  it('one consult at a time, and only while talking', async () => {
    const context = setup();
    const { alice, ref } = await talking(context);
    const sue = context.supervisor();
    await waitFor(() => sue.connection.$state.get().value === 'caught-up', 'sue connected');
    await alice.connection.command('call.consult', { ...ref, to: { kind: 'agent', id: 'bob' } });
    await refused(
      alice.connection.command('call.consult', { ...ref, to: { kind: 'supervisor', id: 'sue' } }),
      'conflict/state',
    );
  });
});
