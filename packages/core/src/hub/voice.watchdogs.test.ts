import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transition } from '../machine';
import { helplineError } from '../protocol/errors';
import { createTestClock } from '../testing';
import { type VoiceEvent, type VoiceSnapshot, voiceMachine, voiceSnapshot } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';
import { createCallWatchdogs, type WatchdogKind } from './voice.watchdogs';

const budgets = { ringMs: 45_000, connectMs: 30_000, reattachMs: 20_000, absentMs: 60_000 };

function setup(options: { outages?: number } = {}) {
  const clock = createTestClock();
  const expired: { callId: string; kind: WatchdogKind; event: VoiceEvent['type'] }[] = [];
  const failures: string[] = [];
  let outages = options.outages ?? 0;
  const timers = createHubTimers({
    clock,
    serialized: createTurns().serialized,
    reportFailure: (what) => failures.push(what),
    isClosed: () => false,
  });
  const watchdogs = createCallWatchdogs({
    clock,
    timers,
    async expire(call, event, kind) {
      if (outages-- > 0) throw helplineError('unavailable', {}, { retryAfterMs: 5_000 });
      expired.push({ callId: call.callId, kind, event: event.type });
    },
    budgets,
  });
  return { clock, watchdogs, expired, failures, pending: () => clock.pendingTimers };
}

/** Call `callId` of interaction c1 after `events`, from a visitor's ringing call. */
function callAfter(callId: string, ...events: VoiceEvent['type'][]): CallRecord {
  let snapshot: VoiceSnapshot = voiceSnapshot({ direction: 'inbound', at: 0, acw: { kind: 'none' } });
  for (const type of events) {
    const result = transition(voiceMachine, snapshot, { type, at: 0 } as VoiceEvent);
    assert.ok(result.ok, type);
    snapshot = result.snapshot;
  }
  return { callId, cid: 'c1', startedBy: 'visitor', snapshot };
}

describe('call watchdogs: deadlines follow the call state', () => {
  it('a call ringing in a chat is missed after the ring budget; one ringing in the queue is the queue’s', async () => {
    const { clock, watchdogs, expired, pending } = setup();
    watchdogs.follow(callAfter('v1'), 'voice');
    assert.equal(pending(), 0);
    watchdogs.follow(callAfter('v1'), 'chat');
    await clock.advance(44_999);
    assert.deepEqual(expired, []);
    await clock.advance(1);
    assert.deepEqual(expired, [{ callId: 'v1', kind: 'ring', event: 'TIMEOUT' }]);
  });

  it('a picked-up call whose media never connects fails after the connect budget, counted from pick-up', async () => {
    const { clock, watchdogs, expired } = setup();
    watchdogs.follow(callAfter('v1'), 'chat');
    await clock.advance(10_000);
    watchdogs.follow(callAfter('v1', 'ANSWER'), 'chat');
    await clock.advance(29_999);
    assert.deepEqual(expired, [], 'the ring deadline went with the ringing');
    await clock.advance(1);
    assert.deepEqual(expired, [{ callId: 'v1', kind: 'connect', event: 'FAIL' }]);
  });

  it('broken media fails the call after the reattach budget unless it is restored; a later report keeps the deadline', async () => {
    const { clock, watchdogs, expired } = setup();
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'MEDIA_RECONNECTING'), 'chat');
    await clock.advance(15_000);
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'MEDIA_RESTORED'), 'chat');
    await clock.advance(60_000);
    assert.deepEqual(expired, []);
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'MEDIA_RECONNECTING'), 'chat');
    await clock.advance(10_000);
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'MEDIA_FAILED'), 'chat');
    await clock.advance(10_000);
    assert.deepEqual(expired, [{ callId: 'v1', kind: 'media', event: 'FAIL' }]);
  });

  it('a talking call with flowing media has no deadline; an ended one loses them all', async () => {
    const { clock, watchdogs, pending } = setup();
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED'), 'chat');
    assert.equal(pending(), 0);
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'MEDIA_RECONNECTING'), 'chat');
    watchdogs.absent(callAfter('v1'), true);
    assert.equal(pending(), 2);
    watchdogs.follow(callAfter('v1', 'ANSWER', 'CONNECTED', 'FAIL'), 'chat');
    assert.equal(pending(), 0);
    await clock.advance(120_000);
  });
});

describe('call watchdogs: absent parties', () => {
  it('a call with neither party connected fails after the absence budget unless one comes back', async () => {
    const { clock, watchdogs, expired } = setup();
    const call = callAfter('v1', 'ANSWER', 'CONNECTED');
    watchdogs.absent(call, true);
    await clock.advance(30_000);
    watchdogs.absent(call, false);
    await clock.advance(60_000);
    assert.deepEqual(expired, []);
    watchdogs.absent(call, true);
    await clock.advance(30_000);
    watchdogs.absent(call, true);
    await clock.advance(30_000);
    assert.deepEqual(
      expired,
      [{ callId: 'v1', kind: 'absent', event: 'FAIL' }],
      'counted from the first absence',
    );
  });
});

describe('call watchdogs: stopping and outages', () => {
  it('stop cancels every deadline of the interaction’s call', async () => {
    const { clock, watchdogs, expired, pending } = setup();
    watchdogs.follow(callAfter('v1', 'ANSWER'), 'chat');
    watchdogs.absent(callAfter('v1', 'ANSWER'), true);
    watchdogs.stop('c1');
    assert.equal(pending(), 0);
    await clock.advance(120_000);
    assert.deepEqual(expired, []);
  });

  it('a deadline whose step storage refused is tried again when storage may be back', async () => {
    const { clock, watchdogs, expired, failures } = setup({ outages: 1 });
    watchdogs.follow(callAfter('v1', 'ANSWER'), 'chat');
    await clock.advance(30_000);
    assert.deepEqual(expired, []);
    await clock.advance(5_000);
    assert.deepEqual(expired, [{ callId: 'v1', kind: 'connect', event: 'FAIL' }]);
    assert.deepEqual(failures, []);
  });
});
