import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { dialError } from '../protocol/errors.dial';
import type { Notice, WireCall } from '../protocol/protocol.types';
import { createAgentSession } from '../session/agent.session';
import { createTestClock, salesQueue, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import type { DialOptions, OutboundCall } from './dial.hub';
import { createHub } from './hub';
import type { HubStorage, StoredInteraction, Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const supervisor: Subject = { id: 'sam', role: 'supervisor', name: 'Sam' };
const DNC = '+442079460999';

/** A hub whose dial policy lets E.164 numbers through, refuses one number as do-not-call, and records placed calls. */
function setup(options: { dial?: false; storage?: HubStorage } = {}) {
  const clock = createTestClock();
  const placed: OutboundCall[] = [];
  const dial: DialOptions = {
    simulated: true,
    async check({ number, queue }) {
      if (!/^\+[1-9]\d{6,14}$/.test(number)) {
        throw dialError('dial/invalid-number', {
          scope: 'voice.dial',
          field: 'number',
          number,
          rule: 'not E.164',
        });
      }
      if (number === DNC) throw dialError('dial/do-not-call', { number });
      if (queue.id === 'sales') throw dialError('dial/no-caller-id', { queue: queue.id });
      return { number, callerId: '+441632960000', customer: { id: `tel-${number.slice(1)}`, name: number } };
    },
    place: (call) => placed.push(call),
  };
  const hub = createHub({
    queues: [supportQueue, salesQueue],
    agents: [
      testAgent('alice'),
      testAgent('dana'),
      testAgent('bob', { queueIds: ['sales'] }),
      testAgent('carl', { capacity: { ...testAgent('x').capacity, voice: 0 } }),
    ],
    authenticate: devAuthenticate,
    clock,
    ...(options.dial === false ? {} : { dial }),
    ...(options.storage ? { storage: options.storage } : {}),
  });
  cleanups.push(() => hub.close());
  const agent = (id: string) => {
    const session = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: `dev:agent:${id}:${id}`,
      clock,
      random: () => 0.5,
    });
    cleanups.push(() => session.close());
    return session;
  };
  /** The phone network's side of a placed call: it speaks for the customer's phone. */
  const phone = (call: OutboundCall) => {
    const session = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: `dev:visitor:${call.customer.id}:${call.customer.name}`,
      clock,
    });
    cleanups.push(() => session.close());
    session.connection.open();
    const notices: Notice[] = [];
    session.connection.onNotice((notice) => notices.push(notice));
    return { connection: session.connection, notices };
  };
  return { clock, hub, placed, agent, phone };
}

async function refused(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return isHelplineError(error) && error.code === code;
  });
  return caught as Error;
}

describe('click-to-dial: an outbound call', () => {
  it('is the agent’s at once, rings, connects and wraps up like any call, and counts apart in the KPIs', async () => {
    const { hub, placed, agent, phone, clock } = setup();
    const alice = agent('alice');
    await alice.setPresence('available');
    const result = await alice.dial('+442079460958');
    assert.equal(result.number, '+442079460958');
    assert.equal(result.simulated, true);
    assert.equal(alice.$dial.get()?.status, 'placed');

    const interaction = hub.interaction(result.cid);
    assert.equal(interaction?.channel, 'voice');
    assert.equal(interaction?.state, 'active');
    assert.equal(interaction?.agentId, 'alice');
    assert.equal(interaction?.queueId, 'support');
    assert.equal(interaction?.customer.phone, '+442079460958');
    assert.equal(interaction?.timestamps.queuedAt, undefined);
    await waitFor(() => alice.$interactions.get()[result.cid] !== undefined, 'the console has it');

    // Placed once the agent has the answer, with the queue's caller ID.
    await waitFor(() => placed.length === 1, 'the call is placed');
    const call = placed[0] as OutboundCall;
    assert.equal(call.callerId, '+441632960000');
    assert.equal(call.agentId, 'alice');
    const line = phone(call);
    const ref = { cid: call.cid, callId: call.callId };
    const attached = await line.connection.command('call.attach', { cid: call.cid });
    assert.equal(attached.call?.state, 'dialing');
    assert.equal(attached.call?.startedBy, 'agent');

    const ringing = (await line.connection.command('call.ring', ref)) as { call: WireCall };
    assert.equal(ringing.call.state, 'ringing');
    // A repeated report changes nothing.
    assert.equal(
      ((await line.connection.command('call.ring', ref)) as { call: WireCall }).call.state,
      'ringing',
    );
    await line.connection.command('call.answer', ref);
    await clock.advance(3_000);
    await line.connection.command('call.media', { ...ref, media: 'connected' });
    assert.ok(hub.interaction(call.cid)?.timestamps.answeredAt, 'talk time starts when the far end picks up');

    await clock.advance(60_000);
    await line.connection.command('chat.end', { cid: call.cid });
    assert.equal(hub.interaction(call.cid)?.state, 'wrap-up');
    await refused(alice.wrapUp(call.cid), 'wrapup/disposition-required');
    await alice.wrapUp(call.cid, { disposition: 'resolved' });
    assert.equal(hub.interaction(call.cid)?.state, 'ended');

    const { kpis } = await hub.execute(supervisor, 'supervisor.snapshot', {});
    assert.equal(kpis.outboundCalls, 1);
    assert.equal(kpis.outboundConnected, 1);
    assert.equal(kpis.queued, 0, 'never queued');
    assert.equal(kpis.answered, 0, 'not an inbound answer');
    assert.equal(kpis.asaSeconds, undefined);
    assert.equal(kpis.abandoned, 0);
    assert.equal(kpis.handled, 1);
    assert.equal(Math.round(kpis.talkSeconds ?? 0), 60);
  });

  it('that nobody picks up ends with the agent’s hang-up and counts as not connected', async () => {
    const { hub, placed, agent, phone, clock } = setup();
    const alice = agent('alice');
    await alice.setPresence('available');
    const { cid } = await alice.dial('+442079460958');
    await waitFor(() => placed.length === 1, 'placed');
    const line = phone(placed[0] as OutboundCall);
    await line.connection.command('call.ring', { cid, callId: (placed[0] as OutboundCall).callId });
    await hub.execute({ id: 'alice', role: 'agent', name: 'Alice' }, 'call.hangup', {
      cid,
      callId: (placed[0] as OutboundCall).callId,
    });
    assert.equal(hub.interaction(cid)?.state, 'wrap-up');
    await clock.advance(1_000);
    const { kpis } = await hub.execute(supervisor, 'supervisor.snapshot', {});
    assert.equal(kpis.outboundCalls, 1);
    assert.equal(kpis.outboundConnected, 0);
    assert.equal(kpis.abandoned, 0, 'an unanswered dial is no abandoned inbound call');
  });

  it('takes the agent’s voice capacity: a second dial during the first is refused', async () => {
    const { agent } = setup();
    const alice = agent('alice');
    await alice.setPresence('available');
    await alice.dial('+442079460958');
    const error = await refused(alice.dial('+442079460959'), 'dial/no-voice');
    assert.match(error.message, /another call/);
    assert.equal(alice.$dial.get()?.status, 'refused');
  });

  it('counts the agent’s calls by the records, as an accept does: a call the router never heard of refuses it', async () => {
    const storage = createMemoryStorage();
    const { agent, placed } = setup({ storage });
    const dana = agent('dana');
    await dana.setPresence('available');
    await dana.dial('+442079460958');
    const [danas] = placed;
    assert.ok(danas);
    // A call of alice's in the records that this hub's router does not count: dialled or accepted by another
    // instance while this hub's copy was stale.
    const record = (await storage.getInteraction(danas.cid)) as StoredInteraction;
    await storage.putInteraction({
      ...record,
      interaction: { ...record.interaction, id: `${danas.cid}-ghost`, agentId: 'alice' },
    });
    const alice = agent('alice');
    await alice.setPresence('available');
    const error = await refused(alice.dial('+442079460959'), 'dial/no-voice');
    assert.match(error.message, /another call/);
    assert.equal(placed.length, 1, 'nothing placed');
    const alices = (await storage.openInteractions()).filter((r) => r.interaction.agentId === 'alice');
    assert.equal(alices.length, 1, 'nothing stored but the ghost');
  });
});

describe('click-to-dial: refusals', () => {
  it('refuses before anything exists: the policy’s checks, offline, no voice, another queue', async () => {
    const { hub, placed, agent } = setup();
    const alice = agent('alice');
    await refused(alice.dial('+442079460958'), 'dial/no-voice'); // offline
    await alice.setPresence('available');
    const invalid = await refused(alice.dial('+44 20'), 'dial/invalid-number');
    assert.match(invalid.message, /\[voice.dial\] number "\+44 20"/);
    await refused(alice.dial(DNC), 'dial/do-not-call');
    await refused(alice.dial('+442079460958', { queueId: 'sales' }), 'dial/no-caller-id');
    const bob = agent('bob');
    await bob.setPresence('available');
    await refused(bob.dial('+442079460958', { queueId: 'support' }), 'auth/forbidden');
    const carl = agent('carl');
    await carl.setPresence('available');
    const noVoice = await refused(carl.dial('+442079460958'), 'dial/no-voice');
    assert.match(noVoice.message, /no voice capacity/);
    assert.equal(hub.interactions().length, 0);
    assert.equal(placed.length, 0);
  });

  it('is for agents only, and needs a server with outbound calling', async () => {
    const { hub } = setup();
    await refused(hub.execute(supervisor, 'voice.dial', { number: '+442079460958' }), 'auth/forbidden');
    await refused(
      hub.execute({ id: 'v1', role: 'visitor', name: 'V' }, 'voice.dial', { number: '+442079460958' }),
      'auth/forbidden',
    );
    await refused(
      hub.execute({ id: 'alice', role: 'agent', name: 'A' }, 'dnc.add', { number: DNC }),
      'auth/forbidden',
    );
    const bare = setup({ dial: false });
    await refused(
      bare.hub.execute({ id: 'alice', role: 'agent', name: 'A' }, 'voice.dial', { number: '+442079460958' }),
      'dial/disabled',
    );
  });
});
