import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientCapabilities, Notice } from '../protocol/protocol.types';
import { createTestClock } from '../testing';
import type { Intent } from './lifecycles';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';
import type { VoiceInteraction } from './voice.calls';
import type { ConsultSignalNotice } from './voice.consult';
import { createVoiceHub } from './voice.hub';
import type { CallSignalNotice } from './voice.signaling';
import { alice, caller, connOf, inState } from './voice.testing';

// createVoiceHub composes the voice modules; these tests drive it through its own dependencies (the whole hub's
// behaviour with calls is in voice.hub.test.ts).

function setup(start: VoiceInteraction = inState('chat', 'active')) {
  const clock = createTestClock();
  const turns = createTurns();
  let current = start;
  const online = new Set([caller.id, alice.id]);
  const capabilities = new Map<string, (ClientCapabilities | undefined)[]>();
  const notices: { to: string; notice: Notice }[] = [];
  const signals: {
    to: string;
    notice: CallSignalNotice | ConsultSignalNotice;
    connectionId: string | undefined;
  }[] = [];
  const intents: (Intent | undefined)[] = [];
  const capable: [string, boolean][] = [];
  const timers = createHubTimers({
    clock,
    serialized: turns.serialized,
    reportFailure: (what, error) => assert.fail(`${what}: ${String(error)}`),
    isClosed: () => false,
  });
  const voice = createVoiceHub(
    {
      clock,
      randomBytes: (length) => new Uint8Array(length).fill(3),
      getLive: async () => current,
      serialized: turns.serialized,
      // As the hub does: the step is stored with the interaction's, then settled.
      async commit(_cid, { calls, intent }) {
        intents.push(intent);
        if (intent) current = inState(current.interaction.channel, 'wrap-up');
        voice.settled(current, calls);
      },
      notify: (to, notice) => notices.push({ to, notice }),
      sendSignal: (to, notice, connectionId) => signals.push({ to, notice, connectionId }),
      isOnline: (subjectId) => online.has(subjectId),
      capabilitiesOf: (subjectId) => capabilities.get(subjectId) ?? [],
      setVoiceCapable: (agentId, voiceCapable) => capable.push([agentId, voiceCapable]),
      timers,
    },
    { ringMs: 10_000, connectMs: 10_000, reattachMs: 10_000, absentMs: 10_000 },
  );
  return {
    clock,
    voice,
    online,
    capabilities,
    notices,
    signals,
    intents,
    capable,
    timers,
    now: () => current,
  };
}

async function talking(context: ReturnType<typeof setup>) {
  const { handlers } = context.voice;
  const { call } = await handlers['call.start'](connOf(caller), { cid: 'c1' });
  await handlers['call.answer'](connOf(alice), { cid: 'c1', callId: call.callId });
  await handlers['call.media'](connOf(alice), { cid: 'c1', callId: call.callId, media: 'connected' });
  return call.callId;
}

describe('voice hub: a stored call step', () => {
  it('is shown to both parties and logged as an event of the conversation', async () => {
    const context = setup();
    const { call } = await context.voice.handlers['call.start'](connOf(caller), { cid: 'c1' });
    assert.deepEqual(
      context.notices.map(({ to, notice }) => [to, notice.type === 'call' && notice.call.state]),
      [
        [caller.id, 'ringing'],
        [alice.id, 'ringing'],
      ],
    );
    assert.deepEqual(context.voice.callOf('c1'), call);
    const [ended] = context.voice.plan(inState('chat', 'wrap-up', { endedBy: 'agent' }), 'active', []);
    assert.ok(ended);
    assert.deepEqual(context.voice.eventOf(ended), {
      type: 'call',
      callId: call.callId,
      state: 'ended',
      media: 'ok',
      endedBy: 'agent',
      endReason: 'abandoned',
    });
  });

  it('the end of a voice interaction’s call ends the interaction with it', async () => {
    const context = setup(inState('voice', 'queued', { agentId: null }));
    const steps = context.voice.plan(context.now(), 'prechat', []);
    context.voice.settled(context.now(), steps);
    const ringing = context.voice.callOf('c1');
    assert.equal(ringing?.state, 'ringing');
    await context.voice.handlers['call.hangup'](connOf(caller), { cid: 'c1', callId: ringing?.callId ?? '' });
    assert.deepEqual(context.intents, [{ kind: 'customer-leaves' }]);
  });

  it('a finished interaction forgets its call and its deadlines', async () => {
    const context = setup();
    await context.voice.handlers['call.start'](connOf(caller), { cid: 'c1' });
    assert.ok(context.clock.pendingTimers > 0);
    context.voice.settled(inState('chat', 'ended'), []);
    assert.deepEqual([context.voice.callOf('c1'), context.clock.pendingTimers], [undefined, 0]);
  });
});

describe('voice hub: watchdogs', () => {
  it('an unanswered call in a chat is missed when its ring budget runs out', async () => {
    const context = setup();
    await context.voice.handlers['call.start'](connOf(caller), { cid: 'c1' });
    await context.clock.advance(10_000);
    assert.deepEqual(
      [context.voice.callOf('c1')?.state, context.voice.callOf('c1')?.endReason],
      ['ended', 'missed'],
    );
  });

  it('a new call in the same conversation rings for its own whole budget', async () => {
    const context = setup();
    const first = await context.voice.handlers['call.start'](connOf(caller), { cid: 'c1' });
    await context.clock.advance(5_000);
    await context.voice.handlers['call.hangup'](connOf(caller), { cid: 'c1', callId: first.call.callId });
    const second = await context.voice.handlers['call.start'](connOf(alice), { cid: 'c1' });
    await context.clock.advance(9_999);
    assert.equal(context.voice.callOf('c1')?.state, 'ringing');
    await context.clock.advance(1);
    assert.deepEqual(
      [context.voice.callOf('c1')?.callId, context.voice.callOf('c1')?.endReason],
      [second.call.callId, 'missed'],
    );
  });

  it('a call whose parties are both gone fails after the absence budget; one coming back saves it', async () => {
    const context = setup();
    await talking(context);
    context.online.clear();
    context.voice.presenceChanged(caller.id);
    await context.clock.advance(5_000);
    context.online.add(alice.id);
    context.voice.presenceChanged(alice.id);
    await context.clock.advance(20_000);
    assert.equal(context.voice.callOf('c1')?.state, 'active');
    context.online.clear();
    context.voice.presenceChanged(alice.id);
    context.voice.presenceChanged('someone-else');
    await context.clock.advance(10_000);
    assert.deepEqual(
      [context.voice.callOf('c1')?.state, context.voice.callOf('c1')?.endReason],
      ['ended', 'failed'],
    );
  });

  it('close stops every deadline', async () => {
    const context = setup();
    await context.voice.handlers['call.start'](connOf(caller), { cid: 'c1' });
    context.voice.close();
    assert.equal(context.clock.pendingTimers, 0);
  });
});

describe('voice hub: signals and capabilities', () => {
  it('signals go through sendSignal to the connection the other party took part with', async () => {
    const context = setup();
    const callId = await talking(context);
    const signal = { kind: 'restart', peer: 'p_v' } as const;
    await context.voice.handlers['call.signal'](connOf(caller), { cid: 'c1', callId, signal });
    assert.deepEqual(context.signals, [
      {
        to: alice.id,
        notice: { type: 'call.signal', cid: 'c1', callId, from: 'visitor', signal },
        connectionId: 'k-alice',
      },
    ]);
  });

  it('an agent whose every console cannot take calls gets no voice capacity, until one can', () => {
    const context = setup();
    context.voice.presenceChanged(alice.id);
    context.capabilities.set(alice.id, [{ voice: false }, undefined]);
    context.voice.presenceChanged(alice.id);
    context.capabilities.set(alice.id, [{ voice: false }]);
    context.voice.presenceChanged(alice.id);
    context.voice.presenceChanged(alice.id);
    // With no console at all (a reload) they keep what their consoles said last.
    context.capabilities.set(alice.id, []);
    context.voice.presenceChanged(alice.id);
    context.capabilities.set(alice.id, [{ voice: true }]);
    context.voice.presenceChanged(alice.id);
    assert.deepEqual(context.capable, [
      [alice.id, false],
      [alice.id, true],
    ]);
  });
});
