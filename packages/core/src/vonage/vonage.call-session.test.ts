// Core's call session driving the Vonage provider on both sides, against the real hub over the memory transport:
// the same app code as with WebRTC, with Vonage (here two fake clients, the test playing Vonage's cloud) carrying
// the audio.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub } from '../hub/hub';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { type CallSession, createCallSession } from '../voice/call.session';
import { FakeVonageClient } from './vonage.fake';
import { createVonageVoice } from './vonage.provider';
import { createVonageProvider } from './vonage.voice-provider';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function jwt(expSeconds: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ sub: 'u', exp: expSeconds })}.sig`;
}

const microphone = {
  getUserMedia: async () => ({ getTracks: () => [{ stop() {} }] }) as unknown as MediaStream,
  enumerateDevices: async () => [],
};

function vonageSide(side: 'visitor' | 'agent', clock: ReturnType<typeof createTestClock>) {
  const client = new FakeVonageClient();
  const holds: [string, boolean][] = [];
  const control = {
    token: async () => jwt(Math.floor(clock.now() / 1000) + 900),
    hold: async (id: string, held: boolean) => void holds.push([id, held]),
    dial: async () => {},
  };
  const provider = createVonageProvider({
    side,
    control,
    voice: createVonageVoice({ side, control, clock, loadClient: async () => client }),
    environment: { mediaDevices: microphone },
  });
  return { client, holds, provider };
}

const state = (calls: CallSession) => calls.$call.get()?.snapshot.value;

describe('call session on Vonage', () => {
  it('a visitor click-to-call reaches an agent, both talk over Vonage, hold goes to the server, hang-up ends both legs', async () => {
    const clock = createTestClock();
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
    });
    cleanups.push(() => hub.close());
    const base = { clock, random: () => 0.5 };

    const aliceSession = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
    });
    const alice = vonageSide('agent', clock);
    const aliceCalls = createCallSession({
      connection: aliceSession.connection,
      provider: alice.provider,
      accept: (cid) => aliceSession.accept(cid),
      ringer: false,
    });
    const adaSession = createVisitorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
      storageKey: false,
    });
    const ada = vonageSide('visitor', clock);
    const adaCalls = createCallSession({
      connection: adaSession.connection,
      provider: ada.provider,
      ringer: false,
    });
    cleanups.push(() => {
      aliceCalls.dispose();
      adaCalls.dispose();
      aliceSession.close();
      adaSession.close();
    });

    await aliceSession.setPresence('available');
    const cid = await adaCalls.call(() => adaSession.startChat({ channel: 'voice' }));
    assert.equal(ada.client.callsOf('createSession').length, 1, 'prepare opened the Vonage session');
    await waitFor(() => aliceCalls.$call.get()?.ringing === true, 'the agent rings');

    await aliceCalls.answer();
    await waitFor(() => ada.client.callsOf('serverCall').length === 1, 'the visitor joins with serverCall');
    const callId = aliceCalls.$call.get()?.callId;
    assert.deepEqual(ada.client.callsOf('serverCall'), [[{ cid: callId }]]);

    // Vonage's cloud: the server rings the agent's app, which answers by itself; the visitor hears the agent.
    alice.client.emit('callInvite', 'leg-alice', '+14155550100', 'phone');
    await waitFor(() => alice.client.callsOf('answer').length === 1, 'the agent app answers');
    ada.client.emit('legStatusUpdate', 'call-1', 'leg-alice', 'ANSWERED');
    await waitFor(
      () => state(adaCalls) === 'active' && state(aliceCalls) === 'active',
      'active on both sides',
    );
    assert.equal(hub.interaction(cid)?.state, 'active');

    await aliceCalls.hold();
    await waitFor(() => state(adaCalls) === 'held', 'held for the visitor too');
    await waitFor(() => alice.holds.length === 1, 'the server holds the caller');
    assert.deepEqual(alice.holds, [[callId, true]]);
    assert.deepEqual(ada.holds, [], 'the visitor side never asks the server to hold');
    await aliceCalls.resume();
    await waitFor(() => alice.holds.length === 2, 'resumed on the server');

    await adaCalls.hangUp();
    await waitFor(() => state(aliceCalls) === 'ended', 'ended for the agent');
    await waitFor(
      () => ada.client.callsOf('hangup').length === 1 && alice.client.callsOf('hangup').length === 1,
      'both Vonage legs hung up',
    );
    assert.equal(aliceCalls.$call.get()?.snapshot.context.endedBy, 'visitor');
  });
});
