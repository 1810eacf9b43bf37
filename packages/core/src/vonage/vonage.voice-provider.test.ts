import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestClock, flush } from '../testing/test-clock';
import type { VoiceCallLink, VoiceProviderEvent } from '../voice/voice.types';
import { FakeVonageClient, fakeVonageError } from './vonage.fake';
import { createVonageVoice } from './vonage.provider';
import { createVonageProvider } from './vonage.voice-provider';

function jwt(expSeconds: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ sub: 'u', exp: expSeconds })}.sig`;
}

function setup(side: 'visitor' | 'agent', microphone: 'ok' | 'denied' | 'missing' = 'ok') {
  const clock = createTestClock();
  const client = new FakeVonageClient();
  const holds: [string, boolean][] = [];
  const stopped: string[] = [];
  const control = {
    token: async () => jwt(Math.floor(clock.now() / 1000) + 900),
    hold: async (id: string, held: boolean) => void holds.push([id, held]),
    dial: async () => {},
  };
  const voice = createVonageVoice({ side, control, clock, loadClient: async () => client });
  const mediaDevices = {
    async getUserMedia() {
      if (microphone === 'denied') throw Object.assign(new Error('denied'), { name: 'NotAllowedError' });
      if (microphone === 'missing') throw Object.assign(new Error('none'), { name: 'NotFoundError' });
      return { getTracks: () => [{ stop: () => void stopped.push('mic') }] } as unknown as MediaStream;
    },
    async enumerateDevices() {
      return [
        { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset', groupId: 'g' },
        { kind: 'audiooutput', deviceId: 'spk-1', label: 'Speakers', groupId: 'g' },
      ] as MediaDeviceInfo[];
    },
  };
  const provider = createVonageProvider({ side, control, voice, environment: { mediaDevices } });
  const events: VoiceProviderEvent[] = [];
  provider.on((event) => events.push(event));
  const link = (resume = false): VoiceCallLink => ({
    callId: 'v1',
    offerer: side === 'agent',
    resume,
    send() {},
  });
  const media = () =>
    events.filter((e) => e.type === 'media').map((e) => (e.type === 'media' ? e.health : ''));
  return { clock, client, holds, stopped, provider, events, link, media, voice };
}

describe('Vonage as a VoiceProvider', () => {
  it('prepare asks for the microphone, releases it, and opens the Vonage session', async () => {
    const w = setup('visitor');
    assert.equal(w.provider.kind, 'vonage');
    await w.provider.prepare();
    assert.deepEqual(w.stopped, ['mic']);
    assert.equal(w.client.callsOf('createSession').length, 1);
  });

  it('prepare maps microphone failures to the catalog and opens no session', async () => {
    await assert.rejects(setup('visitor', 'denied').provider.prepare(), { code: 'voice/permission-denied' });
    const missing = setup('visitor', 'missing');
    await assert.rejects(missing.provider.prepare(), { code: 'voice/no-device' });
    assert.equal(missing.client.callsOf('createSession').length, 0);
  });

  it("visitor: start joins the hub's call with serverCall and reports media once it flows", async () => {
    const w = setup('visitor');
    await w.provider.start(w.link());
    assert.deepEqual(w.client.callsOf('serverCall'), [[{ cid: 'v1' }]]);
    assert.deepEqual(w.media(), []);
    w.client.emit('legStatusUpdate', 'call-1', 'agent-leg', 'ANSWERED');
    assert.deepEqual(w.media(), ['connected']);
    w.client.emit('callMediaReconnecting', 'call-1');
    w.client.emit('callMediaReconnection', 'call-1');
    assert.deepEqual(w.media(), ['connected', 'reconnecting', 'connected']);
    // The hub's hold reaches the visitor too; the server already holds the customer's leg.
    w.provider.hold(true);
    await flush();
    assert.deepEqual(w.holds, []);
    w.provider.hangup();
    await flush();
    assert.deepEqual(w.client.callsOf('hangup'), [['call-1', undefined, undefined]]);
  });

  it('agent: answer takes the invite the server rings the app with; hold goes to the server once per change', async () => {
    const w = setup('agent');
    const answering = w.provider.answer(w.link());
    await flush();
    w.client.emit('callInvite', 'leg-a', '+14155550100', 'phone');
    await answering;
    assert.deepEqual(w.client.callsOf('answer'), [['leg-a']]);
    assert.deepEqual(w.media(), ['connected']);
    w.provider.hold(false);
    w.provider.hold(true);
    w.provider.hold(true);
    await flush();
    w.provider.hold(false);
    await flush();
    assert.deepEqual(w.holds, [
      ['v1', true],
      ['v1', false],
    ]);
  });

  it('agent: a call the agent dialled joins the app leg the server rang, instead of placing a second call', async () => {
    const w = setup('agent');
    await w.provider.prepare();
    // Click-to-dial: the server places the phone leg and this agent's app leg at once; the app leg rings first.
    w.client.emit('callInvite', 'app-leg', '+442079460001', 'phone');
    await flush();
    assert.equal(w.voice.$call.get()?.cid, undefined);
    // The far end picks up: the call session starts the media of the call this side placed.
    await w.provider.start(w.link());
    assert.deepEqual(w.client.callsOf('answer'), [['app-leg']]);
    assert.deepEqual(w.client.callsOf('serverCall'), []);
    assert.equal(w.voice.$call.get()?.cid, 'v1');
    assert.deepEqual(w.media(), ['connected']);
    w.provider.hangup();
    await flush();
    assert.deepEqual(w.client.callsOf('hangup'), [['app-leg', undefined, undefined]]);
  });

  it('agent: a call the agent starts in a chat (no app leg ringing) is placed with serverCall', async () => {
    const w = setup('agent');
    await w.provider.prepare();
    await w.provider.start(w.link());
    assert.deepEqual(w.client.callsOf('serverCall'), [[{ cid: 'v1' }]]);
    assert.deepEqual(w.client.callsOf('answer'), []);
  });

  it('applies a mute asked for before the media flowed, and DTMF only while connected', async () => {
    const w = setup('visitor');
    w.provider.mute(true);
    await w.provider.start(w.link());
    assert.equal(w.provider.sendDtmf('1'), false);
    w.client.emit('legStatusUpdate', 'call-1', 'agent-leg', 'ANSWERED');
    await flush();
    assert.deepEqual(w.client.callsOf('mute'), [['call-1']]);
    assert.equal(w.provider.sendDtmf('12'), true);
    await flush();
    assert.deepEqual(w.client.callsOf('sendDTMF'), [['call-1', '12']]);
    assert.ok(w.events.some((e) => e.type === 'tone' && e.tone === '12'));
  });

  it('reports a failed call as failed media and a refused action as an error event', async () => {
    const w = setup('visitor');
    await w.provider.start(w.link());
    w.client.emit('legStatusUpdate', 'call-1', 'agent-leg', 'ANSWERED');
    w.client.failNext('sendDTMF', fakeVonageError('CS_ERROR', 'MEMBER_NOT_FOUND'));
    assert.equal(w.provider.sendDtmf('5'), true);
    await flush();
    const error = w.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' ? error.error.code : undefined, 'voice/vonage-call');
    w.client.emit('callHangup', 'call-1', {} as never, 'MEDIA_TIMEOUT');
    assert.deepEqual(w.media(), ['connected', 'failed']);
  });

  it('lists devices but does not pretend to switch them', async () => {
    const w = setup('agent');
    const devices = await w.provider.devices();
    assert.deepEqual(devices.inputs, [{ id: 'mic-1', label: 'Headset' }]);
    assert.equal(devices.canSelectOutput, false);
    await assert.rejects(w.provider.selectInput('mic-1'), { code: 'voice/unsupported' });
    assert.equal(await w.provider.stats(), undefined);
  });

  it('a resumed link re-attaches the stored leg instead of placing a new call', async () => {
    const storage = new Map<string, string>();
    const store = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    };
    const clock = createTestClock();
    const first = new FakeVonageClient();
    const control = { token: async () => jwt(2e9), hold: async () => {}, dial: async () => {} };
    const before = createVonageProvider({
      side: 'visitor',
      control,
      voice: createVonageVoice({
        side: 'visitor',
        control,
        clock,
        storage: store,
        loadClient: async () => first,
      }),
      environment: {},
    });
    await before.start({ callId: 'v1', offerer: false, resume: false, send() {} });
    first.emit('legStatusUpdate', 'call-1', 'agent-leg', 'ANSWERED');
    const second = new FakeVonageClient();
    const after = createVonageProvider({
      side: 'visitor',
      control,
      voice: createVonageVoice({
        side: 'visitor',
        control,
        clock,
        storage: store,
        loadClient: async () => second,
      }),
      environment: {},
    });
    const events: VoiceProviderEvent[] = [];
    after.on((event) => events.push(event));
    await after.start({ callId: 'v1', offerer: false, resume: true, send() {} });
    assert.deepEqual(second.callsOf('reconnectCall'), [['call-1']]);
    assert.equal(second.callsOf('serverCall').length, 0);
    assert.ok(events.some((e) => e.type === 'media' && e.health === 'connected'));
  });
});
