import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { atom } from 'nanostores';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub, type Hub } from '../hub/hub';
import { helplineError, isHelplineError } from '../protocol/errors';
import { voiceState } from '../protocol/protocol.primitives';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import {
  createTestClock,
  fakeRinger,
  fakeVoiceProvider,
  supportQueue,
  type TestClock,
  testAgent,
  waitFor,
} from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport/memory.transport';
import { type CallSession, type CallSessionEvent, createCallSession } from './call.session';
import { voiceMachine } from './voice.machine';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(clock: TestClock = createTestClock()) {
  const hub: Hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock,
  });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };
  const visitor = (transport: MemoryTransport = createMemoryTransport({ hub })) => {
    const session = createVisitorSession({
      ...base,
      transport,
      token: 'dev:visitor:v1:Ada',
      storageKey: false,
    });
    const media = fakeVoiceProvider();
    const calls = createCallSession({
      connection: session.connection,
      provider: media.provider,
      ringer: false,
    });
    cleanups.push(() => {
      calls.dispose();
      session.close();
    });
    return { session, calls, media, transport, events: record(calls) };
  };
  const agent = (options: { leader?: boolean; audible?: boolean } = {}) => {
    const session = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
    });
    const media = fakeVoiceProvider();
    const ring = fakeRinger(options.audible);
    const calls = createCallSession({
      connection: session.connection,
      provider: media.provider,
      accept: (cid) => session.accept(cid),
      ringer: ring.ringer,
      ...(options.leader === undefined ? {} : { isLeader: atom(options.leader) }),
    });
    cleanups.push(() => {
      calls.dispose();
      session.close();
    });
    return { session, calls, media, ring, events: record(calls) };
  };
  return { hub, clock, visitor, agent };
}

function record(calls: CallSession): CallSessionEvent[] {
  const events: CallSessionEvent[] = [];
  calls.on((event) => events.push(event));
  return events;
}

const state = (calls: CallSession) => calls.$call.get()?.snapshot.value;

describe('call session: placing a call', () => {
  it('opens the microphone first: when that fails, nothing is created on the server', async () => {
    const context = setup();
    const session = createVisitorSession({
      transport: createMemoryTransport({ hub: context.hub }),
      token: 'dev:visitor:v9:Eve',
      storageKey: false,
      clock: context.clock,
    });
    const denied = fakeVoiceProvider({
      prepare: () => Promise.reject(helplineError('voice/permission-denied')),
    });
    const calls = createCallSession({
      connection: session.connection,
      provider: denied.provider,
      ringer: false,
    });
    cleanups.push(() => session.close());
    let placed = false;
    await assert.rejects(
      calls.call(async () => {
        placed = true;
        return session.startChat({ channel: 'voice' });
      }),
      (error: unknown) => isHelplineError(error) && error.code === 'voice/permission-denied',
    );
    assert.equal(placed, false);
    assert.equal(calls.$error.get()?.code, 'voice/permission-denied');
    assert.deepEqual(context.hub.interactions(), []);
  });

  it('rings at the agent, runs media on both sides once picked up, and ends for both', async () => {
    const context = setup();
    const alice = context.agent();
    await alice.session.setPresence('available');
    const ada = context.visitor();
    const cid = await ada.calls.call(() => ada.session.startChat({ channel: 'voice' }));
    assert.equal(state(ada.calls), 'ringing');
    assert.equal(ada.calls.$call.get()?.flags.canAnswer, false, 'the caller does not answer');

    await waitFor(() => alice.calls.$call.get()?.ringing === true, 'the agent rings');
    assert.equal(alice.calls.$call.get()?.flags.canAnswer, true);
    assert.deepEqual(alice.ring.log, ['start']);
    await alice.calls.answer();
    await waitFor(
      () => state(alice.calls) === 'connecting' && state(ada.calls) === 'connecting',
      'picked up',
    );
    assert.deepEqual(alice.ring.log, ['start', 'stop']);
    // The agent's side offers; the visitor placed the call and answers the offer.
    assert.ok(alice.media.log.includes('answer offerer=true resume=false'));
    assert.ok(ada.media.log.includes('start offerer=false resume=false'));

    alice.media.link()?.send({ kind: 'offer', peer: 'p_a', sdp: 'v=0' });
    await waitFor(() => ada.media.received.length === 1, 'offer relayed to the visitor provider');
    assert.deepEqual(ada.media.received[0], { kind: 'offer', peer: 'p_a', sdp: 'v=0' });

    alice.media.emit({ type: 'media', health: 'connected' });
    await waitFor(() => state(ada.calls) === 'active' && state(alice.calls) === 'active', 'active');
    assert.equal(context.hub.interaction(cid)?.state, 'active');

    await ada.calls.hangUp();
    await waitFor(() => state(alice.calls) === 'ended', 'ended for the agent');
    assert.equal(alice.calls.$call.get()?.snapshot.context.endedBy, 'visitor');
    assert.ok(alice.media.log.includes('hangup') && ada.media.log.includes('hangup'));
    assert.ok(alice.events.some((event) => event.type === 'ended'));
  });
});

describe('call session: during a call', () => {
  async function talking() {
    const context = setup();
    const alice = context.agent();
    await alice.session.setPresence('available');
    const ada = context.visitor();
    await ada.calls.call(() => ada.session.startChat({ channel: 'voice' }));
    await waitFor(() => alice.calls.$call.get()?.ringing === true, 'ringing');
    await alice.calls.answer();
    await waitFor(() => state(ada.calls) === 'connecting', 'picked up');
    ada.media.emit({ type: 'media', health: 'connected' });
    await waitFor(() => state(alice.calls) === 'active' && state(ada.calls) === 'active', 'active');
    return { context, alice, ada };
  }

  it('hold reaches the media of both sides; mute stays local', async () => {
    const { alice, ada } = await talking();
    await alice.calls.hold();
    await waitFor(() => state(ada.calls) === 'held', 'held for the visitor');
    assert.equal(ada.calls.$call.get()?.snapshot.context.heldBy, 'agent');
    assert.ok(ada.media.log.includes('hold true') && alice.media.log.includes('hold true'));
    await assert.rejects(
      ada.calls.resume(),
      (error: unknown) => isHelplineError(error) && error.code === 'conflict/state',
    );
    await alice.calls.resume();
    await waitFor(() => state(ada.calls) === 'active', 'resumed');
    assert.ok(ada.media.log.includes('hold false'));

    await ada.calls.mute();
    assert.equal(ada.calls.$call.get()?.flags.canUnmute, true);
    assert.equal(alice.calls.$call.get()?.snapshot.context.muted, false, 'mute is not shared');
    assert.ok(ada.media.log.includes('mute true'));
  });

  it('DTMF goes on the audio path and to the other screen', async () => {
    const { alice, ada } = await talking();
    await ada.calls.sendDigits('12#');
    assert.ok(ada.media.log.includes('dtmf 12#'));
    await waitFor(() => alice.calls.$call.get()?.digitsReceived === '12#', 'digits shown');
    assert.ok(alice.events.some((event) => event.type === 'dtmf' && event.digits === '12#'));
    await assert.rejects(
      ada.calls.sendDigits('hello'),
      (error: unknown) => isHelplineError(error) && error.code === 'validation/field',
    );
  });

  it("shows this side's broken media at once, and tells the hub", async () => {
    const { alice, ada, context } = await talking();
    ada.media.emit({ type: 'media', health: 'reconnecting' });
    assert.equal(ada.calls.$call.get()?.flags.isReconnecting, true, 'shown before the hub answers');
    await waitFor(() => alice.calls.$call.get()?.flags.isReconnecting === true, 'the other side sees it');
    ada.media.emit({ type: 'media', health: 'connected' });
    await waitFor(() => alice.calls.$call.get()?.snapshot.context.media === 'ok', 'restored');
    await context.clock.advance(60_000);
    assert.equal(state(alice.calls), 'active');
  });

  it('catches up after its socket was gone: a hold made meanwhile shows, media is not restarted', async () => {
    const { context, alice, ada } = await talking();
    ada.transport.dropAll();
    await alice.calls.hold();
    await context.clock.advance(5_000); // The visitor's reconnect back-off.
    await waitFor(() => state(ada.calls) === 'held', 'resynced after reconnecting');
    assert.equal(ada.media.log.filter((entry) => entry.startsWith('start')).length, 1);
  });

  it('back after its socket was gone, a call that ended meanwhile (the conversation finished) ends here too', async () => {
    const { context, alice, ada } = await talking();
    const cid = ada.calls.$call.get()?.cid ?? '';
    ada.transport.dropAll();
    await alice.calls.hangUp();
    await alice.session.wrapUp(cid, { disposition: 'resolved' });
    await context.clock.advance(5_000); // The visitor's reconnect back-off.
    await waitFor(() => state(ada.calls) === 'ended', 'ended after reconnecting');
    assert.equal(ada.calls.$call.get()?.snapshot.context.endedBy !== undefined, true);
    assert.ok(ada.media.log.includes('hangup'), 'the media stops');
    assert.ok(ada.events.some((event) => event.type === 'ended'));
  });

  it('a reloaded page attaches to the live call and joins its media as a new peer', async () => {
    const { context, alice, ada } = await talking();
    const cid = ada.calls.$call.get()?.cid ?? '';
    ada.session.close();
    const reloaded = context.visitor();
    assert.equal(await reloaded.calls.attach(cid), true);
    assert.equal(state(reloaded.calls), 'active');
    assert.ok(reloaded.media.log.includes('start offerer=false resume=true'));
    assert.equal(state(alice.calls), 'active');
    assert.equal(await reloaded.calls.attach('c_unknown').catch(() => false), false);
  });
});

describe('call session: ringing', () => {
  it('rings in the leader tab only', async () => {
    const context = setup();
    const leader = context.agent({ leader: true });
    const follower = context.agent({ leader: false });
    follower.calls.$call.listen(() => undefined); // A UI shows it: the tab connects.
    await leader.session.setPresence('available');
    const ada = context.visitor();
    await ada.calls.call(() => ada.session.startChat({ channel: 'voice' }));
    await waitFor(() => leader.calls.$call.get()?.ringing === true, 'the leader rings');
    await waitFor(() => follower.calls.$call.get()?.flags.canAnswer === true, 'the follower shows the call');
    assert.equal(follower.calls.$call.get()?.ringing, false);
    assert.deepEqual(follower.ring.log, []);
  });

  it('reports a ringtone the browser blocked, until the user allows sound', async () => {
    const context = setup();
    const alice = context.agent({ audible: false });
    await alice.session.setPresence('available');
    const ada = context.visitor();
    await ada.calls.call(() => ada.session.startChat({ channel: 'voice' }));
    await waitFor(() => alice.calls.$call.get()?.audioBlocked === true, 'blocked');
    await alice.calls.resumeAudio();
    assert.equal(alice.calls.$call.get()?.audioBlocked, false);
    assert.deepEqual(alice.ring.log, ['start', 'unblock']);
  });

  it('a voice offer that goes elsewhere stops ringing', async () => {
    const context = setup();
    const alice = context.agent();
    await alice.session.setPresence('available');
    const ada = context.visitor();
    await ada.calls.call(() => ada.session.startChat({ channel: 'voice' }));
    await waitFor(() => alice.calls.$call.get()?.ringing === true, 'ringing');
    await alice.calls.reject();
    assert.equal(alice.calls.$call.get(), undefined);
    assert.deepEqual(alice.ring.log, ['start', 'stop']);
  });
});

describe('voice protocol', () => {
  it('names exactly the states of the voice machine', () => {
    assert.deepEqual([...voiceState.options].sort(), Object.keys(voiceMachine.states).sort());
  });
});
