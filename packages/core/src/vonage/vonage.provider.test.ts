import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { createTestClock, flush, type TestClock } from '../testing/test-clock';
import type { VoiceSnapshot } from '../voice/voice.machine';
import { FakeVonageClient, fakeVonageError } from './vonage.fake';
import { createVonageVoice, VONAGE_CALL_STORAGE_KEY } from './vonage.provider';
import type { VonageCall, VonageCallStorage, VonageServerControl, VonageVoice } from './vonage.types';

/** An unsigned JWT whose `exp` is `expSeconds` (the provider only reads `exp`). */
function jwt(expSeconds: number, sub = 'alice'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub, exp: expSeconds })}.signature`;
}

function memoryStorage(): VonageCallStorage & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

interface World {
  readonly clock: TestClock;
  readonly client: FakeVonageClient;
  readonly voice: VonageVoice;
  readonly storage: ReturnType<typeof memoryStorage>;
  readonly control: VonageServerControl & {
    tokens: number;
    holds: [string, boolean][];
    dials: string[];
    failToken?: unknown;
    failDial?: unknown;
  };
  readonly loads: () => number;
}

function world(
  side: 'visitor' | 'agent',
  overrides: { storage?: ReturnType<typeof memoryStorage>; clock?: TestClock; tokenTtlSeconds?: number } = {},
): World {
  const clock = overrides.clock ?? createTestClock();
  const client = new FakeVonageClient();
  const storage = overrides.storage ?? memoryStorage();
  const ttl = overrides.tokenTtlSeconds ?? 900;
  let loads = 0;
  const control: World['control'] = {
    tokens: 0,
    holds: [],
    dials: [],
    async token() {
      control.tokens += 1;
      if (control.failToken !== undefined) throw control.failToken;
      return jwt(Math.floor(clock.now() / 1000) + ttl, `token-${control.tokens}`);
    },
    async hold(cid, held) {
      control.holds.push([cid, held]);
    },
    async dial(cid) {
      control.dials.push(cid);
      if (control.failDial !== undefined) throw control.failDial;
    },
  };
  const voice = createVonageVoice({
    side,
    control,
    clock,
    storage,
    loadClient: async () => {
      loads += 1;
      return client;
    },
  });
  return { clock, client, voice, storage, control, loads: () => loads };
}

const state = (call: VonageCall): VoiceSnapshot => call.$snapshot.get();

/** A visitor call whose far end (the agent) answered. */
async function talkingVisitorCall(w: World): Promise<VonageCall> {
  const call = await w.voice.call('c1');
  w.client.emit('legStatusUpdate', call.callId, 'agent-leg', 'ANSWERED');
  assert.equal(state(call).value, 'active');
  return call;
}

/** An agent call the agent accepted: the server's invite is answered at once. */
async function talkingAgentCall(w: World): Promise<VonageCall> {
  const expected = w.voice.expect('c1');
  await flush();
  w.client.emit('callInvite', 'leg-a', '+14155550100', 'phone');
  const call = await expected;
  assert.equal(state(call).value, 'active');
  return call;
}

describe('Vonage provider: loading and session', () => {
  it('loads the client only when a call starts, then opens a session with a server token', async () => {
    const w = world('visitor');
    assert.equal(w.loads(), 0);
    assert.equal(w.voice.$session.get(), 'idle');
    const call = await w.voice.call('c1');
    assert.equal(w.loads(), 1);
    assert.equal(w.client.callsOf('createSession').length, 1);
    assert.deepEqual(w.client.callsOf('serverCall'), [[{ cid: 'c1' }]]);
    assert.equal(w.voice.$session.get(), 'ready');
    assert.equal(call.cid, 'c1');
    assert.equal(state(call).value, 'dialing');
  });

  it('reports a client that cannot be loaded as voice/vonage-unavailable', async () => {
    const voice = createVonageVoice({
      side: 'visitor',
      control: { token: async () => jwt(2e9), hold: async () => {}, dial: async () => {} },
      loadClient: async () => {
        throw new Error("Cannot find package '@vonage/client-sdk'");
      },
    });
    await assert.rejects(voice.call('c1'), (error: unknown) => {
      assert.ok(isHelplineError(error));
      assert.equal(error.code, 'voice/vonage-unavailable');
      return true;
    });
    assert.equal(voice.$session.get(), 'failed');
  });

  it('maps a refused session to a typed error and opens a new one on the next try', async () => {
    const w = world('visitor');
    w.client.failNext('createSession', fakeVonageError('SESSION_ERROR', 'session:error:invalid-token'));
    await assert.rejects(w.voice.call('c1'), { code: 'voice/vonage-token' });
    assert.equal(w.voice.$session.get(), 'failed');
    assert.equal(w.voice.$sessionError.get()?.code, 'voice/vonage-token');
    await w.voice.call('c1');
    assert.equal(w.voice.$session.get(), 'ready');
    assert.equal(w.voice.$sessionError.get(), undefined);
    assert.equal(w.client.callsOf('createSession').length, 2);
  });

  it('follows session reconnecting and reconnection without touching the call', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.emit('reconnecting');
    assert.equal(w.voice.$session.get(), 'reconnecting');
    assert.equal(state(call).context.media, 'ok');
    w.client.emit('reconnection');
    assert.equal(w.voice.$session.get(), 'ready');
  });

  it('refreshes the session before the token expires, from the JWT exp, on the injected clock', async () => {
    const w = world('agent', { tokenTtlSeconds: 900 });
    await w.voice.connect();
    assert.equal(w.control.tokens, 1);
    await w.clock.advance(839_000);
    assert.equal(w.client.callsOf('refreshSession').length, 0, 'not before exp - 60 s');
    await w.clock.advance(1_000);
    assert.equal(w.control.tokens, 2);
    assert.deepEqual(
      w.client.callsOf('refreshSession').map(([token]) => String(token).split('.')[1]),
      [
        Buffer.from(JSON.stringify({ sub: 'token-2', exp: Math.floor(w.clock.now() / 1000) + 900 })).toString(
          'base64url',
        ),
      ],
    );
    // The refreshed token's exp schedules the next refresh.
    await w.clock.advance(840_000);
    assert.equal(w.client.callsOf('refreshSession').length, 2);
  });

  it('retries a failed refresh while the old token still holds', async () => {
    const w = world('agent', { tokenTtlSeconds: 900 });
    await w.voice.connect();
    w.control.failToken = new Error('server down');
    await w.clock.advance(840_000);
    assert.equal(w.control.tokens, 2);
    assert.equal(w.voice.$sessionError.get()?.code, 'voice/vonage-call');
    w.control.failToken = undefined;
    await w.clock.advance(5_000);
    assert.equal(w.client.callsOf('refreshSession').length, 1);
    assert.equal(w.voice.$sessionError.get(), undefined);
  });

  it('refreshes a short-lived token halfway through its life', async () => {
    const w = world('agent', { tokenTtlSeconds: 60 });
    await w.voice.connect();
    await w.clock.advance(29_000);
    assert.equal(w.client.callsOf('refreshSession').length, 0);
    await w.clock.advance(1_000);
    assert.equal(w.client.callsOf('refreshSession').length, 1);
  });

  it('stops timers and listeners and deletes the session on dispose', async () => {
    const w = world('agent');
    await w.voice.connect();
    assert.ok(w.client.listenerCount('callInvite') > 0);
    assert.equal(w.clock.pendingTimers, 1);
    await w.voice.dispose();
    assert.equal(w.client.listenerCount('callInvite'), 0);
    assert.equal(w.clock.pendingTimers, 0);
    assert.equal(w.client.callsOf('deleteSession').length, 1);
    assert.equal(w.voice.$session.get(), 'idle');
  });
});

describe('Vonage provider: visitor click-to-call', () => {
  it('moves dialing → ringing → active from the agent leg and ignores its own leg', async () => {
    const w = world('visitor');
    const call = await w.voice.call('c1');
    w.client.emit('legStatusUpdate', call.callId, call.callId, 'ANSWERED');
    assert.equal(state(call).value, 'dialing', 'our own leg answering is the NCCO, not the agent');
    w.client.emit('legStatusUpdate', call.callId, 'agent-leg', 'RINGING');
    assert.equal(state(call).value, 'ringing');
    w.clock.setTimeout(() => {}, 0);
    await w.clock.advance(2_000);
    w.client.emit('legStatusUpdate', call.callId, 'agent-leg', 'ANSWERED');
    const { value, context } = state(call);
    assert.equal(value, 'active');
    assert.equal(context.timestamps.answeredAt, w.clock.now());
  });

  it('applies events that arrive before serverCall resolves', async () => {
    const w = world('visitor');
    let open: () => void = () => {};
    w.client.serverCallGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const placing = w.voice.call('c1');
    await flush();
    w.client.emit('legStatusUpdate', 'call-1', 'agent-leg', 'RINGING');
    open();
    const call = await placing;
    assert.equal(call.callId, 'call-1');
    assert.equal(state(call).value, 'ringing');
  });

  it('refuses a second call while one is live', async () => {
    const w = world('visitor');
    await w.voice.call('c1');
    await assert.rejects(w.voice.call('c2'), { code: 'conflict/state' });
  });

  it('ends with no wrap-up on the visitor side, attributing the hang-up', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    await call.hangUp();
    assert.deepEqual(w.client.callsOf('hangup'), [[call.callId, undefined, undefined]]);
    assert.equal(state(call).value, 'ended');
    assert.equal(state(call).context.endReason, 'completed');
    assert.equal(state(call).context.endedBy, 'visitor');
    // Vonage's own report of our hang-up changes nothing.
    w.client.emit('callHangup', call.callId, { mos_score: 4.2 } as never, 'LOCAL_HANGUP');
    assert.equal(state(call).context.endedBy, 'visitor');
    assert.equal(call.$quality.get()?.mos, 4.2);
  });

  it('maps a failed serverCall to a typed error', async () => {
    const w = world('visitor');
    w.client.failNext('serverCall', fakeVonageError('NETWORK_ERROR', 'network:error'));
    await assert.rejects(w.voice.call('c1'), (error: unknown) => {
      assert.ok(isHelplineError(error));
      assert.equal(error.code, 'voice/vonage-network');
      assert.ok((error.retryAfterMs ?? 0) > 0);
      return true;
    });
  });
});

describe('Vonage provider: callHangup reasons', () => {
  // [side, reason, answered before?, expected state, endReason, endedBy]
  const table = [
    ['visitor', 'REMOTE_HANGUP', true, 'ended', 'completed', 'agent'],
    ['visitor', 'REMOTE_HANGUP', false, 'ended', 'abandoned', 'agent'],
    ['visitor', 'REMOTE_REJECT', false, 'ended', 'rejected', 'agent'],
    ['visitor', 'REMOTE_REJECT', true, 'ended', 'completed', 'agent'],
    ['visitor', 'REMOTE_NO_ANSWER_TIMEOUT', false, 'ended', 'missed', 'system'],
    ['visitor', 'LOCAL_HANGUP', true, 'ended', 'completed', 'visitor'],
    ['visitor', 'MEDIA_TIMEOUT', true, 'ended', 'failed', 'system'],
    ['visitor', 'SOMETHING_NEW', true, 'ended', 'failed', 'system'],
    ['agent', 'REMOTE_HANGUP', true, 'wrap-up', 'completed', 'visitor'],
    ['agent', 'LOCAL_HANGUP', true, 'wrap-up', 'completed', 'agent'],
    ['agent', 'MEDIA_TIMEOUT', true, 'wrap-up', 'failed', 'system'],
  ] as const;

  for (const [side, reason, answered, value, endReason, endedBy] of table) {
    it(`${side}, ${answered ? 'talking' : 'not answered'}: ${reason} → ${value} (${endReason} by ${endedBy})`, async () => {
      const w = world(side);
      let call: VonageCall;
      if (side === 'visitor') {
        call = answered ? await talkingVisitorCall(w) : await w.voice.call('c1');
      } else {
        call = await talkingAgentCall(w);
      }
      w.client.emit('callHangup', call.callId, {} as never, reason as never);
      const snapshot = state(call);
      assert.equal(snapshot.value, value);
      assert.equal(snapshot.context.endReason, endReason);
      assert.equal(snapshot.context.endedBy, endedBy);
      assert.equal(call.$vonageEndReason.get(), reason);
      if (reason === 'MEDIA_TIMEOUT') assert.equal(call.$error.get()?.code, 'voice/vonage-call');
    });
  }

  it('ignores events of other calls', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.emit('callHangup', 'someone-else', {} as never, 'REMOTE_HANGUP');
    w.client.emit('callMediaReconnecting', 'someone-else');
    assert.equal(state(call).value, 'active');
    assert.equal(state(call).context.media, 'ok');
  });
});

describe('Vonage provider: agent calls', () => {
  it('answers the invite the server sends after the agent accepted, linked to the interaction', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    assert.equal(call.cid, 'c1');
    assert.deepEqual(w.client.callsOf('answer'), [['leg-a']]);
    assert.equal(state(call).context.direction, 'inbound');
  });

  it('links and answers an invite that rang before expect() was called', async () => {
    const w = world('agent');
    await w.voice.connect();
    w.client.emit('callInvite', 'leg-a', '+14155550100', 'phone');
    await flush();
    const ringing = w.voice.$call.get();
    assert.equal(ringing?.$snapshot.get().value, 'ringing');
    const call = await w.voice.expect('c1');
    assert.equal(call, ringing);
    assert.equal(call.cid, 'c1');
    assert.equal(state(call).value, 'active');
  });

  it('lets an unexpected invite ring; the agent answers or rejects it', async () => {
    const w = world('agent');
    await w.voice.connect();
    w.client.emit('callInvite', 'leg-a', 'alice', 'app');
    await flush();
    const call = w.voice.$call.get();
    assert.ok(call);
    assert.equal(state(call).value, 'ringing');
    await call.reject();
    assert.deepEqual(w.client.callsOf('reject'), [['leg-a']]);
    assert.equal(state(call).context.endReason, 'rejected');
    assert.equal(state(call).context.endedBy, 'agent');

    w.client.emit('callInvite', 'leg-b', 'bob', 'app');
    await flush();
    const second = w.voice.$call.get();
    assert.ok(second && second !== call);
    await second.answer();
    assert.equal(state(second).value, 'active');
  });

  it('declines a second invite while a call is live', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    w.client.emit('callInvite', 'leg-b', 'bob', 'app');
    await flush();
    assert.deepEqual(w.client.callsOf('reject'), [['leg-b']]);
    assert.equal(w.voice.$call.get(), call);
    assert.equal(state(call).value, 'active');
  });

  it('fails when the expected invite never comes', async () => {
    const w = world('agent');
    const refused = assert.rejects(w.voice.expect('c1'), { code: 'connection/timeout' });
    await flush();
    await w.clock.advance(30_000);
    await refused;
  });

  for (const [reason, endReason, endedBy] of [
    ['RemoteCancel', 'abandoned', 'visitor'],
    ['RemoteTimeout', 'missed', 'system'],
    ['RejectedElsewhere', 'rejected', 'agent'],
    ['AnsweredElsewhere', 'abandoned', 'system'],
  ] as const) {
    it(`callInviteCancel ${reason} ends the ringing call (${endReason} by ${endedBy})`, async () => {
      const w = world('agent');
      await w.voice.connect();
      w.client.emit('callInvite', 'leg-a', 'alice', 'app');
      await flush();
      const call = w.voice.$call.get();
      assert.ok(call);
      w.client.emit('callInviteCancel', 'leg-a', reason);
      assert.equal(state(call).value, 'ended');
      assert.equal(state(call).context.endReason, endReason);
      assert.equal(state(call).context.endedBy, endedBy);
      assert.equal(call.$vonageEndReason.get(), reason);
    });
  }

  it('dials a callback through the server and follows the customer leg', async () => {
    const w = world('agent');
    const dialing = w.voice.dial('cb1');
    await flush();
    assert.deepEqual(w.control.dials, ['cb1']);
    w.client.emit('callInvite', 'leg-a', '+14155550100', 'phone');
    const call = await dialing;
    assert.deepEqual(w.client.callsOf('answer'), [['leg-a']]);
    assert.equal(state(call).value, 'dialing');
    assert.equal(state(call).context.direction, 'outbound');
    w.client.emit('legStatusUpdate', 'leg-a', 'customer-leg', 'RINGING');
    assert.equal(state(call).value, 'ringing');
    w.client.emit('legStatusUpdate', 'leg-a', 'customer-leg', 'ANSWERED');
    assert.equal(state(call).value, 'active');
    w.client.emit('callHangup', 'leg-a', {} as never, 'REMOTE_HANGUP');
    assert.equal(state(call).context.endedBy, 'visitor');
  });

  it('reports a refused dial with the server error and expects no invite', async () => {
    const w = world('agent');
    w.control.failDial = Object.assign(new Error('nope'), { name: 'HelplineError', code: 'auth/forbidden' });
    await assert.rejects(w.voice.dial('cb1'), { code: 'auth/forbidden' });
    assert.equal(w.clock.pendingTimers, 1, 'only the session refresh timer is left');
  });
});

describe('Vonage provider: in-call controls', () => {
  it('mutes and unmutes through the client, and follows mute events of its own leg only', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    await call.mute();
    assert.deepEqual(w.client.callsOf('mute'), [['leg-a']]);
    assert.equal(state(call).context.muted, true);
    await call.unmute();
    assert.equal(state(call).context.muted, false);
    w.client.emit('mute', 'leg-a', 'other-leg', true);
    assert.equal(state(call).context.muted, false);
    w.client.emit('mute', 'leg-a', 'leg-a', true);
    assert.equal(state(call).context.muted, true);
  });

  it('holds and resumes through the server, by the agent', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    await call.hold();
    assert.deepEqual(w.control.holds, [['c1', true]]);
    assert.equal(state(call).value, 'held');
    assert.equal(state(call).context.heldBy, 'agent');
    await w.clock.advance(10_000);
    await call.resume();
    assert.deepEqual(w.control.holds, [
      ['c1', true],
      ['c1', false],
    ]);
    assert.equal(state(call).value, 'active');
    assert.equal(state(call).context.heldMs, 10_000);
  });

  it('refuses hold on a call not linked to an interaction', async () => {
    const w = world('agent');
    await w.voice.connect();
    w.client.emit('callInvite', 'leg-a', 'alice', 'app');
    await flush();
    const call = w.voice.$call.get();
    assert.ok(call);
    await call.answer();
    await assert.rejects(call.hold(), { code: 'conflict/state' });
    assert.deepEqual(w.control.holds, []);
  });

  it('sends valid DTMF, refuses invalid digits, and collects digits from the other side', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    await call.sendDigits('12#*');
    assert.deepEqual(w.client.callsOf('sendDTMF'), [[call.callId, '12#*']]);
    await assert.rejects(call.sendDigits('12a'), { code: 'validation/field', field: 'digits' });
    assert.equal(w.client.callsOf('sendDTMF').length, 1);
    w.client.emit('dtmf', call.callId, 'agent-leg', '4');
    w.client.emit('dtmf', call.callId, 'agent-leg', '2');
    w.client.emit('dtmf', call.callId, call.callId, '9');
    assert.equal(call.$receivedDigits.get(), '42');
  });

  it('maps a refused operation to a typed error on the call', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.failNext('mute', fakeVonageError('CS_ERROR', 'MEMBER_NOT_FOUND'));
    await assert.rejects(call.mute(), { code: 'voice/vonage-call' });
    assert.equal(call.$error.get()?.code, 'voice/vonage-call');
    assert.equal(state(call).context.muted, false);
  });

  it('refuses actions the call state does not allow', async () => {
    const w = world('visitor');
    const call = await w.voice.call('c1');
    await assert.rejects(call.answer(), { code: 'conflict/state' });
    await assert.rejects(call.sendDigits('1'), { code: 'conflict/state' });
  });

  it('finishes wrap-up on the agent side', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    w.client.emit('callHangup', call.callId, {} as never, 'REMOTE_HANGUP');
    assert.equal(state(call).value, 'wrap-up');
    call.finishWrapUp('resolved', 'ok');
    assert.equal(state(call).value, 'ended');
    assert.equal(state(call).context.disposition, 'resolved');
  });
});

describe('Vonage provider: media and session failures', () => {
  it('shows media reconnecting and restored', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.emit('callMediaReconnecting', call.callId);
    assert.equal(state(call).context.media, 'reconnecting');
    w.client.emit('callMediaReconnection', call.callId);
    assert.equal(state(call).context.media, 'ok');
  });

  it('reconnects the leg after a media disconnect', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.emit('callMediaDisconnect', call.callId, 'networkChange');
    assert.equal(state(call).context.media, 'failed');
    await flush();
    assert.deepEqual(w.client.callsOf('reconnectCall'), [[call.callId]]);
    assert.equal(state(call).context.media, 'ok');
    assert.equal(state(call).value, 'active');
  });

  it('fails the call when the leg cannot be reconnected after a media disconnect', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    w.client.failNext('reconnectCall', fakeVonageError('CS_ERROR', 'CONVERSATION_NOT_FOUND'));
    w.client.emit('callMediaDisconnect', call.callId, 'networkChange');
    await flush();
    assert.equal(state(call).value, 'wrap-up');
    assert.equal(state(call).context.endReason, 'failed');
    assert.equal(call.$error.get()?.code, 'voice/vonage-call');
  });

  it('on an expired token mid-call, opens a new session with a fresh token and takes the leg back', async () => {
    const w = world('agent');
    const call = await talkingAgentCall(w);
    w.client.emit('sessionError', 'EXPIRED_TOKEN');
    assert.equal(w.voice.$sessionError.get()?.code, 'voice/vonage-token');
    assert.equal(state(call).context.media, 'reconnecting');
    await flush();
    await flush();
    assert.equal(w.client.callsOf('createSession').length, 2);
    assert.equal(w.control.tokens, 2);
    assert.deepEqual(w.client.callsOf('reconnectCall'), [['leg-a']]);
    assert.equal(state(call).context.media, 'ok');
    assert.equal(w.voice.$session.get(), 'ready');
  });

  it('fails the live call when the session cannot be reopened', async () => {
    const w = world('visitor');
    const call = await talkingVisitorCall(w);
    w.client.failNext('createSession', fakeVonageError('NETWORK_ERROR', 'network:error'));
    w.client.emit('sessionError', 'TRANSPORT_CLOSED');
    assert.equal(w.voice.$sessionError.get()?.code, 'voice/vonage-network');
    await flush();
    await flush();
    assert.equal(state(call).value, 'ended');
    assert.equal(state(call).context.endReason, 'failed');
  });

  it('marks the session failed with a typed error when no call is live', async () => {
    const w = world('agent');
    await w.voice.connect();
    w.client.emit('sessionError', 'PING_TIMEOUT');
    assert.equal(w.voice.$session.get(), 'failed');
    assert.equal(w.voice.$sessionError.get()?.code, 'voice/vonage-network');
    assert.equal(w.clock.pendingTimers, 0, 'no refresh of a dead session');
    await w.voice.connect();
    assert.equal(w.voice.$session.get(), 'ready');
  });
});

describe('Vonage provider: reload re-attach', () => {
  it('keeps the leg id of a live call and re-attaches it after a reload', async () => {
    const clock = createTestClock();
    const storage = memoryStorage();
    const before = world('visitor', { clock, storage });
    const call = await talkingVisitorCall(before);
    const answeredAt = state(call).context.timestamps.answeredAt;
    assert.ok(storage.data.has(VONAGE_CALL_STORAGE_KEY));

    await clock.advance(5_000);
    const after = world('visitor', { clock, storage });
    const again = await after.voice.reattach();
    assert.ok(again);
    assert.equal(again.callId, call.callId);
    assert.equal(again.cid, 'c1');
    assert.deepEqual(after.client.callsOf('reconnectCall'), [[call.callId]]);
    assert.equal(state(again).value, 'active');
    assert.equal(state(again).context.timestamps.answeredAt, answeredAt);
    assert.equal(after.voice.$call.get(), again);
    // The re-attached call is controlled as before.
    await again.hangUp();
    assert.deepEqual(after.client.callsOf('hangup'), [[call.callId, undefined, undefined]]);
    assert.equal(storage.data.has(VONAGE_CALL_STORAGE_KEY), false);
  });

  it('re-attaches a call still waiting in the queue as dialing', async () => {
    const storage = memoryStorage();
    const before = world('visitor', { storage });
    await before.voice.call('c1');
    const after = world('visitor', { storage });
    const again = await after.voice.reattach();
    assert.equal(again && state(again).value, 'dialing');
  });

  it('ends the call cleanly when the leg is gone', async () => {
    const storage = memoryStorage();
    const before = world('agent', { storage });
    await talkingAgentCall(before);
    const after = world('agent', { storage });
    after.client.failNext('reconnectCall', fakeVonageError('CS_ERROR', 'CONVERSATION_NOT_FOUND'));
    const again = await after.voice.reattach();
    assert.ok(again);
    assert.equal(state(again).value, 'wrap-up');
    assert.equal(state(again).context.endReason, 'failed');
    assert.equal(again.$error.get()?.code, 'voice/vonage-call');
    assert.equal(storage.data.has(VONAGE_CALL_STORAGE_KEY), false);
  });

  it('has nothing to re-attach without a stored call, or after the call ended', async () => {
    const storage = memoryStorage();
    const w = world('visitor', { storage });
    assert.equal(await w.voice.reattach(), undefined);
    assert.equal(w.loads(), 0, 'nothing loaded for nothing');
    const call = await talkingVisitorCall(w);
    w.client.emit('callHangup', call.callId, {} as never, 'REMOTE_HANGUP');
    assert.equal(storage.data.has(VONAGE_CALL_STORAGE_KEY), false);
    storage.setItem(VONAGE_CALL_STORAGE_KEY, '{not json');
    assert.equal(await world('visitor', { storage }).voice.reattach(), undefined);
  });

  it('does not keep a ringing invite (there is no leg to take back yet)', async () => {
    const storage = memoryStorage();
    const w = world('agent', { storage });
    await w.voice.connect();
    w.client.emit('callInvite', 'leg-a', 'alice', 'app');
    await flush();
    assert.equal(storage.data.has(VONAGE_CALL_STORAGE_KEY), false);
    await w.voice.$call.get()?.answer();
    assert.ok(storage.data.has(VONAGE_CALL_STORAGE_KEY));
  });
});
