import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { acwPolicyArb, assertOutcomeKept, atArb, wrapUpEventArbs } from '../interaction/interaction.testing';
import { can, transition } from '../machine';
import {
  assertIllegal,
  describeMachineProperties,
  describeTransitionTable,
  type EventArbitraries,
  run,
  type SampleEvents,
  type SequenceOptions,
  type Step,
  type TransitionTable,
  ILLEGAL as x,
} from '../machine/machine.testing';
import type { AcwPolicy } from '../queue/queue.types';
import {
  type VoiceContext,
  type VoiceEvent,
  type VoiceSnapshot,
  type VoiceState,
  voiceFlags,
  voiceHoldMs,
  voiceMachine,
  voiceSnapshot,
} from './voice.machine';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;

const dialing = voiceSnapshot({ direction: 'outbound', at: T0 });
const ringing = voiceSnapshot({ direction: 'inbound', at: T0 });
const connecting = run(voiceMachine, ringing, { type: 'ANSWER', at: T0 + 1 });
const active = run(voiceMachine, connecting, { type: 'CONNECTED', at: T0 + 2 });
const held = run(voiceMachine, active, { type: 'HOLD', at: T0 + 3, by: 'agent' });
/** A held call that something records (the grid's samples are not recorded). */
const recordedHeld = run(
  voiceMachine,
  run(
    voiceMachine,
    run(voiceMachine, voiceSnapshot({ direction: 'inbound', at: T0, recording: 'on' }), {
      type: 'ANSWER',
      at: T0 + 1,
    }),
    { type: 'CONNECTED', at: T0 + 2 },
  ),
  { type: 'HOLD', at: T0 + 3, by: 'agent' },
);
const consulting = run(voiceMachine, active, {
  type: 'CONSULT',
  at: T0 + 3,
  party: { kind: 'agent', id: 'bob' },
});
/** The consulted colleague picked up: merge and warm transfer are open now. */
const consultingAnswered = run(voiceMachine, consulting, { type: 'CONSULT_ANSWERED', at: T0 + 4 });
const conferenced = run(voiceMachine, consultingAnswered, { type: 'MERGE', at: T0 + 5 });
const wrapUp = run(voiceMachine, active, { type: 'HANG_UP', at: T0 + 4, by: 'visitor' });
const ended = run(voiceMachine, wrapUp, { type: 'WRAP_UP_DONE', at: T0 + 5 });

const events: SampleEvents<VoiceEvent> = {
  RING: { type: 'RING', at: LATER },
  ANSWER: { type: 'ANSWER', at: LATER },
  CONNECTED: { type: 'CONNECTED', at: LATER },
  HOLD: { type: 'HOLD', at: LATER, by: 'agent' },
  RESUME: { type: 'RESUME', at: LATER, by: 'agent' },
  MUTE: { type: 'MUTE', at: LATER },
  UNMUTE: { type: 'UNMUTE', at: LATER },
  MEDIA_RECONNECTING: { type: 'MEDIA_RECONNECTING', at: LATER },
  MEDIA_RESTORED: { type: 'MEDIA_RESTORED', at: LATER },
  MEDIA_FAILED: { type: 'MEDIA_FAILED', at: LATER },
  START_RECORDING: { type: 'START_RECORDING', at: LATER },
  PAUSE_RECORDING: { type: 'PAUSE_RECORDING', at: LATER },
  RESUME_RECORDING: { type: 'RESUME_RECORDING', at: LATER },
  HANG_UP: { type: 'HANG_UP', at: LATER, by: 'visitor' },
  REJECT: { type: 'REJECT', at: LATER, by: 'agent' },
  TIMEOUT: { type: 'TIMEOUT', at: LATER },
  FAIL: { type: 'FAIL', at: LATER },
  WRAP_UP_DONE: { type: 'WRAP_UP_DONE', at: LATER, disposition: 'resolved' },
  WRAP_UP_TIMEOUT: { type: 'WRAP_UP_TIMEOUT', at: LATER },
  SKIP_WRAP_UP: { type: 'SKIP_WRAP_UP', at: LATER },
  CONSULT: { type: 'CONSULT', at: LATER, party: { kind: 'external', id: '+442071838750' } },
  CONSULT_ANSWERED: { type: 'CONSULT_ANSWERED', at: LATER },
  CONSULT_ENDED: { type: 'CONSULT_ENDED', at: LATER },
  RETURN: { type: 'RETURN', at: LATER },
  MERGE: { type: 'MERGE', at: LATER },
  TRANSFER: { type: 'TRANSFER', at: LATER },
};

// With the default ACW policy (`optional`, no disposition required); other policies are tested below.
// A cell naming the state itself is an accepted event that only changes an orthogonal field.
// biome-ignore format: the table reads best as a grid
const table: TransitionTable<VoiceState, VoiceEvent> = {
  dialing: {
    RING: 'ringing', ANSWER: 'connecting', CONNECTED: x, HOLD: x, RESUME: x, MUTE: 'dialing', UNMUTE: 'dialing',
    MEDIA_RECONNECTING: x, MEDIA_RESTORED: x, MEDIA_FAILED: x, START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'ended', REJECT: 'ended', TIMEOUT: 'ended', FAIL: 'ended',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: x,
  },
  ringing: {
    RING: x, ANSWER: 'connecting', CONNECTED: x, HOLD: x, RESUME: x, MUTE: 'ringing', UNMUTE: 'ringing',
    MEDIA_RECONNECTING: x, MEDIA_RESTORED: x, MEDIA_FAILED: x, START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'ended', REJECT: 'ended', TIMEOUT: 'ended', FAIL: 'ended',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: x,
  },
  connecting: {
    RING: x, ANSWER: x, CONNECTED: 'active', HOLD: x, RESUME: x, MUTE: 'connecting', UNMUTE: 'connecting',
    MEDIA_RECONNECTING: 'connecting', MEDIA_RESTORED: 'connecting', MEDIA_FAILED: 'connecting',
    START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'ended', REJECT: x, TIMEOUT: x, FAIL: 'ended',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: x,
  },
  active: {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: 'held', RESUME: x, MUTE: 'active', UNMUTE: 'active',
    MEDIA_RECONNECTING: 'active', MEDIA_RESTORED: 'active', MEDIA_FAILED: 'active',
    START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'wrap-up', REJECT: x, TIMEOUT: x, FAIL: 'wrap-up',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: 'consulting', CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: 'wrap-up',
  },
  held: {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: x, RESUME: 'active', MUTE: 'held', UNMUTE: 'held',
    MEDIA_RECONNECTING: 'held', MEDIA_RESTORED: 'held', MEDIA_FAILED: 'held',
    START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'wrap-up', REJECT: x, TIMEOUT: x, FAIL: 'wrap-up',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: 'consulting', CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: 'wrap-up',
  },
  'wrap-up': {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: x, RESUME: x, MUTE: x, UNMUTE: x,
    MEDIA_RECONNECTING: x, MEDIA_RESTORED: x, MEDIA_FAILED: x, START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: x, REJECT: x, TIMEOUT: x, FAIL: x,
    WRAP_UP_DONE: 'ended', WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: 'ended',
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: x,
  },
  // A consult that rings: the customer is on hold; merge and warm transfer wait for the colleague to pick up.
  consulting: {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: x, RESUME: x, MUTE: 'consulting', UNMUTE: 'consulting',
    MEDIA_RECONNECTING: 'consulting', MEDIA_RESTORED: 'consulting', MEDIA_FAILED: 'consulting',
    START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'wrap-up', REJECT: x, TIMEOUT: x, FAIL: 'wrap-up',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: 'consulting', CONSULT_ENDED: 'held', RETURN: 'active', MERGE: x, TRANSFER: x,
  },
  conferenced: {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: x, RESUME: x, MUTE: 'conferenced', UNMUTE: 'conferenced',
    MEDIA_RECONNECTING: 'conferenced', MEDIA_RESTORED: 'conferenced', MEDIA_FAILED: 'conferenced',
    START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: 'wrap-up', REJECT: x, TIMEOUT: x, FAIL: 'wrap-up',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: 'active', RETURN: 'active', MERGE: x, TRANSFER: 'wrap-up',
  },
  ended: {
    RING: x, ANSWER: x, CONNECTED: x, HOLD: x, RESUME: x, MUTE: x, UNMUTE: x,
    MEDIA_RECONNECTING: x, MEDIA_RESTORED: x, MEDIA_FAILED: x, START_RECORDING: x, PAUSE_RECORDING: x, RESUME_RECORDING: x,
    HANG_UP: x, REJECT: x, TIMEOUT: x, FAIL: x,
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x,
    CONSULT: x, CONSULT_ANSWERED: x, CONSULT_ENDED: x, RETURN: x, MERGE: x, TRANSFER: x,
  },
};

describeTransitionTable({
  machine: voiceMachine,
  table,
  snapshots: {
    dialing,
    ringing,
    connecting,
    active,
    held,
    consulting,
    conferenced,
    'wrap-up': wrapUp,
    ended,
  },
  events,
});

describe('voice machine: direction decides where a call starts', () => {
  test('outbound starts dialing, inbound starts ringing (ringing since creation)', () => {
    assert.equal(dialing.value, 'dialing');
    assert.equal(dialing.context.direction, 'outbound');
    assert.equal(dialing.context.timestamps.ringingAt, undefined);
    assert.equal(ringing.value, 'ringing');
    assert.deepEqual(ringing.context.timestamps, { createdAt: T0, ringingAt: T0 });
  });

  test('only an inbound ringing call can be answered or rejected from the UI', () => {
    const farEndRinging = run(voiceMachine, dialing, { type: 'RING', at: T0 + 1 });
    assert.equal(farEndRinging.context.timestamps.ringingAt, T0 + 1);
    assert.deepEqual([voiceFlags(ringing).canAnswer, voiceFlags(ringing).canReject], [true, true]);
    assert.deepEqual(
      [voiceFlags(farEndRinging).canAnswer, voiceFlags(farEndRinging).canReject],
      [false, false],
    );
    assert.deepEqual([voiceFlags(dialing).canAnswer, voiceFlags(dialing).canHangUp], [false, true]);
  });

  test('the call is answered when media flows; picked up is recorded separately', () => {
    assert.equal(connecting.context.timestamps.pickedUpAt, T0 + 1);
    assert.equal(connecting.context.timestamps.answeredAt, undefined);
    assert.equal(active.context.timestamps.answeredAt, T0 + 2);
  });
});

describe('voice machine: who ended it and why', () => {
  const cases: [VoiceSnapshot, VoiceEvent, VoiceState, string, string][] = [
    [dialing, { type: 'HANG_UP', at: LATER, by: 'agent' }, 'ended', 'abandoned', 'agent'],
    [dialing, { type: 'REJECT', at: LATER, by: 'visitor' }, 'ended', 'rejected', 'visitor'],
    [dialing, { type: 'TIMEOUT', at: LATER }, 'ended', 'missed', 'system'],
    [ringing, { type: 'HANG_UP', at: LATER, by: 'visitor' }, 'ended', 'abandoned', 'visitor'],
    [ringing, { type: 'REJECT', at: LATER, by: 'agent' }, 'ended', 'rejected', 'agent'],
    [ringing, { type: 'TIMEOUT', at: LATER }, 'ended', 'missed', 'system'],
    [ringing, { type: 'FAIL', at: LATER }, 'ended', 'failed', 'system'],
    [connecting, { type: 'HANG_UP', at: LATER, by: 'visitor' }, 'ended', 'abandoned', 'visitor'],
    [connecting, { type: 'FAIL', at: LATER }, 'ended', 'failed', 'system'],
    [active, { type: 'HANG_UP', at: LATER, by: 'agent' }, 'wrap-up', 'completed', 'agent'],
    [active, { type: 'FAIL', at: LATER }, 'wrap-up', 'failed', 'system'],
    [held, { type: 'HANG_UP', at: LATER, by: 'visitor' }, 'wrap-up', 'completed', 'visitor'],
    [held, { type: 'FAIL', at: LATER }, 'wrap-up', 'failed', 'system'],
  ];
  for (const [start, event, state, endReason, endedBy] of cases) {
    test(`${start.value} × ${event.type} → ${state}, ${endReason} by ${endedBy}`, () => {
      const next = run(voiceMachine, start, event);
      assert.deepEqual(
        [next.value, next.context.endReason, next.context.endedBy],
        [state, endReason, endedBy],
      );
      assert.equal(next.context.timestamps.endedAt, LATER);
    });
  }
});

describe('voice machine: hold', () => {
  test('only the side that held can resume; hold time and count add up', () => {
    assert.equal(held.context.heldBy, 'agent');
    assertIllegal(voiceMachine, held, { type: 'RESUME', at: T0 + 10, by: 'visitor' });
    const resumed = run(voiceMachine, held, { type: 'RESUME', at: T0 + 1_003, by: 'agent' });
    assert.equal(resumed.context.heldMs, 1_000);
    assert.equal(resumed.context.heldBy, undefined);
    assert.equal(resumed.context.holdStartedAt, undefined);
    const again = run(
      voiceMachine,
      resumed,
      { type: 'HOLD', at: T0 + 2_000, by: 'visitor' },
      { type: 'RESUME', at: T0 + 2_500, by: 'visitor' },
    );
    assert.equal(again.context.heldMs, 1_500);
    assert.equal(again.context.holdCount, 2);
  });

  test('hanging up while held closes the running hold', () => {
    assert.equal(voiceHoldMs(held, T0 + 503), 500, 'a running hold counts up to now');
    const hungUp = run(voiceMachine, held, { type: 'HANG_UP', at: T0 + 803, by: 'visitor' });
    assert.equal(hungUp.context.heldMs, 800);
    assert.equal(hungUp.context.heldBy, undefined);
    assert.equal(voiceHoldMs(hungUp, T0 + 10_000), 800);
  });
});

describe('voice machine: orthogonal facts', () => {
  test('a call is not recorded unless something records it: nothing to pause or resume then', () => {
    assert.equal(active.context.recording, 'off');
    assert.equal(voiceFlags(active).canPauseRecording, false);
    assertIllegal(voiceMachine, active, { type: 'PAUSE_RECORDING', at: T0 + 10 });
    assertIllegal(voiceMachine, held, { type: 'RESUME_RECORDING', at: T0 + 10 });
  });

  test('mute, media and recording change their own field and never the call state', () => {
    const next = run(
      voiceMachine,
      recordedHeld,
      { type: 'MUTE', at: T0 + 10 },
      { type: 'MEDIA_RECONNECTING', at: T0 + 11 },
      { type: 'PAUSE_RECORDING', at: T0 + 12 },
    );
    assert.equal(next.value, 'held');
    assert.deepEqual(
      [next.context.muted, next.context.media, next.context.recording],
      [true, 'reconnecting', 'paused'],
    );
    const flags = voiceFlags(next);
    assert.deepEqual(
      [flags.isHeld, flags.isReconnecting, flags.canUnmute, flags.canResumeRecording],
      [true, true, true, true],
    );
    const resumed = run(voiceMachine, next, { type: 'RESUME', at: T0 + 20, by: 'agent' });
    assert.deepEqual(
      [resumed.context.muted, resumed.context.media, resumed.context.recording],
      [true, 'reconnecting', 'paused'],
    );
  });

  test('repeating a fact is accepted and leaves the very same snapshot', () => {
    const muted = run(voiceMachine, active, { type: 'MUTE', at: T0 + 10 });
    const again = transition(voiceMachine, muted, { type: 'MUTE', at: T0 + 11 });
    assert.ok(again.ok);
    assert.equal(again.changed, false);
    assert.equal(again.snapshot, muted);
  });

  test('failed media is a fact; ending the call is a separate FAIL', () => {
    const broken = run(voiceMachine, active, { type: 'MEDIA_FAILED', at: T0 + 10 });
    assert.equal(broken.value, 'active');
    assert.equal(voiceFlags(broken).mediaFailed, true);
    assert.equal(run(voiceMachine, broken, { type: 'MEDIA_RESTORED', at: T0 + 11 }).context.media, 'ok');
  });

  test('a call can start with recording paused', () => {
    const call = voiceSnapshot({ direction: 'inbound', at: T0, recording: 'paused' });
    assert.equal(call.context.recording, 'paused');
  });
});

describe('voice machine: ACW policies and dispositions', () => {
  const POLICIES: Record<AcwPolicy['kind'], AcwPolicy> = {
    none: { kind: 'none' },
    optional: { kind: 'optional' },
    required: { kind: 'required' },
    timed: { kind: 'timed', seconds: 30 },
  };
  const expected: Record<AcwPolicy['kind'], { end: VoiceState; exits: string[] }> = {
    none: { end: 'ended', exits: [] },
    optional: { end: 'wrap-up', exits: ['WRAP_UP_DONE', 'SKIP_WRAP_UP'] },
    required: { end: 'wrap-up', exits: ['WRAP_UP_DONE'] },
    timed: { end: 'wrap-up', exits: ['WRAP_UP_DONE', 'WRAP_UP_TIMEOUT'] },
  };
  const talking = (acw: AcwPolicy, dispositionRequired = false): [VoiceSnapshot, VoiceSnapshot] => {
    const call = run(
      voiceMachine,
      voiceSnapshot({ direction: 'inbound', at: T0, acw, dispositionRequired }),
      { type: 'ANSWER', at: T0 + 1 },
      { type: 'CONNECTED', at: T0 + 2 },
    );
    return [call, run(voiceMachine, call, { type: 'HOLD', at: T0 + 3, by: 'agent' })];
  };
  for (const kind of Object.keys(POLICIES) as AcwPolicy['kind'][]) {
    test(`acw ${kind}: ${JSON.stringify(expected[kind])}`, () => {
      for (const start of talking(POLICIES[kind])) {
        for (const event of [
          { type: 'HANG_UP', at: T0 + 10, by: 'agent' },
          { type: 'FAIL', at: T0 + 10 },
        ] as const) {
          const next = run(voiceMachine, start, event);
          assert.equal(next.value, expected[kind].end, `${start.value} × ${event.type}`);
          if (next.value !== 'wrap-up') continue;
          const late = T0 + 10 + 30_000;
          const exits = (['WRAP_UP_DONE', 'WRAP_UP_TIMEOUT', 'SKIP_WRAP_UP'] as const).filter((type) =>
            can(voiceMachine, next, { type, at: late }),
          );
          assert.deepEqual(exits, expected[kind].exits);
        }
      }
    });
  }

  test('a timed wrap-up ends at its deadline, not before', () => {
    const [call] = talking(POLICIES.timed);
    const inWrapUp = run(voiceMachine, call, { type: 'HANG_UP', at: T0 + 10, by: 'visitor' });
    assert.equal(voiceFlags(inWrapUp).wrapUpDeadlineAt, T0 + 30_010);
    assertIllegal(voiceMachine, inWrapUp, { type: 'WRAP_UP_TIMEOUT', at: T0 + 30_009 });
    assert.equal(run(voiceMachine, inWrapUp, { type: 'WRAP_UP_TIMEOUT', at: T0 + 30_010 }).value, 'ended');
  });

  test('a required disposition must be given, and cannot be skipped', () => {
    const [call] = talking(POLICIES.optional, true);
    const inWrapUp = run(voiceMachine, call, { type: 'HANG_UP', at: T0 + 10, by: 'visitor' });
    assert.equal(voiceFlags(inWrapUp).needsDisposition, true);
    assert.equal(voiceFlags(inWrapUp).canSkipWrapUp, false);
    assertIllegal(voiceMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER });
    assertIllegal(voiceMachine, inWrapUp, { type: 'SKIP_WRAP_UP', at: LATER });
    const done = run(voiceMachine, inWrapUp, {
      type: 'WRAP_UP_DONE',
      at: LATER,
      disposition: 'billing',
      notes: 'ok',
    });
    assert.deepEqual([done.value, done.context.disposition, done.context.notes], ['ended', 'billing', 'ok']);
    assert.equal(done.context.timestamps.wrapUpEndedAt, LATER);
  });
});

describe('voice machine: flags', () => {
  test('flags per state', () => {
    const pick = (s: VoiceSnapshot) => {
      const f = voiceFlags(s);
      return [
        f.isOnCall,
        f.canHangUp,
        f.canHold,
        f.canResume,
        f.canMute,
        f.canPauseRecording,
        f.isWrappingUp,
      ];
    };
    assert.deepEqual(pick(dialing), [false, true, false, false, true, false, false]);
    assert.deepEqual(pick(ringing), [false, true, false, false, true, false, false]);
    assert.deepEqual(pick(connecting), [true, true, false, false, true, false, false]);
    // The samples are unrecorded calls (nothing to pause); a recorded one can pause while talking.
    assert.deepEqual(pick(active), [true, true, true, false, true, false, false]);
    assert.deepEqual(pick(held), [true, true, false, true, true, false, false]);
    assert.equal(voiceFlags(recordedHeld).canPauseRecording, true);
    assert.deepEqual(pick(wrapUp), [false, false, false, false, false, false, true]);
    assert.deepEqual(pick(ended), [false, false, false, false, false, false, false]);
  });
});

describe('voice machine: consult, conference and transfer', () => {
  test('a consult holds the customer: one hold, counted from the consult until the agent returns', () => {
    assert.equal(consulting.context.heldBy, 'agent');
    assert.equal(consulting.context.holdStartedAt, T0 + 3);
    assert.deepEqual(consulting.context.consult, { party: { kind: 'agent', id: 'bob' }, startedAt: T0 + 3 });
    assert.deepEqual([consulting.context.holdCount, consulting.context.consultCount], [1, 1]);
    const back = run(voiceMachine, consultingAnswered, { type: 'RETURN', at: T0 + 1_003 });
    assert.equal(back.value, 'active');
    assert.deepEqual(
      [back.context.heldMs, back.context.consult, back.context.heldBy],
      [1_000, undefined, undefined],
    );
  });

  test('consulting from the agent’s own hold keeps that hold running; the customer’s hold is theirs', () => {
    const fromHold = run(voiceMachine, held, {
      type: 'CONSULT',
      at: T0 + 500,
      party: { kind: 'supervisor', id: 'sue' },
    });
    assert.deepEqual([fromHold.context.holdStartedAt, fromHold.context.holdCount], [T0 + 3, 1]);
    const heldByVisitor = run(voiceMachine, active, { type: 'HOLD', at: T0 + 3, by: 'visitor' });
    assertIllegal(voiceMachine, heldByVisitor, {
      type: 'CONSULT',
      at: T0 + 4,
      party: { kind: 'agent', id: 'bob' },
    });
  });

  test('merge and warm transfer wait for the consulted party to pick up', () => {
    assertIllegal(voiceMachine, consulting, { type: 'MERGE', at: T0 + 10 });
    assertIllegal(voiceMachine, consulting, { type: 'TRANSFER', at: T0 + 10 });
    assertIllegal(voiceMachine, consultingAnswered, { type: 'CONSULT_ANSWERED', at: T0 + 10 });
    assert.equal(consultingAnswered.context.consult?.answeredAt, T0 + 4);
    const flags = voiceFlags(consultingAnswered);
    assert.deepEqual(
      [
        flags.isConsulting,
        flags.consultAnswered,
        flags.canMerge,
        flags.canTransfer,
        flags.canReturn,
        flags.canHold,
      ],
      [true, true, true, true, true, false],
    );
    assert.deepEqual([voiceFlags(consulting).canMerge, voiceFlags(consulting).canTransfer], [false, false]);
  });

  test('a conference ends the hold; the third party leaving leaves agent and customer talking', () => {
    assert.equal(conferenced.context.heldBy, undefined);
    assert.equal(conferenced.context.heldMs, 2, 'held from the consult (T0+3) to the merge (T0+5)');
    assert.equal(voiceFlags(conferenced).isConferenced, true);
    const left = run(voiceMachine, conferenced, { type: 'CONSULT_ENDED', at: T0 + 20 });
    assert.deepEqual([left.value, left.context.consult], ['active', undefined]);
  });

  test('a consult that ends on its own leaves the customer on hold until the agent resumes', () => {
    const declined = run(voiceMachine, consulting, { type: 'CONSULT_ENDED', at: T0 + 10 });
    assert.deepEqual(
      [declined.value, declined.context.heldBy, declined.context.consult],
      ['held', 'agent', undefined],
    );
    assert.equal(
      run(voiceMachine, declined, { type: 'RESUME', at: T0 + 20, by: 'agent' }).context.heldMs,
      17,
    );
  });

  test('the leaving agent’s leg ends as transferred, by the agent: warm from a consult or a conference, cold while talking', () => {
    const none = { acw: { kind: 'none' } as const };
    for (const start of [consultingAnswered, conferenced, active, held]) {
      const next = run(
        voiceMachine,
        { ...start, context: { ...start.context, ...none } },
        { type: 'TRANSFER', at: LATER },
      );
      assert.deepEqual(
        [next.value, next.context.endReason, next.context.endedBy, next.context.consult],
        ['ended', 'transferred', 'agent', undefined],
        start.value,
      );
      assert.equal(next.context.holdStartedAt, undefined, 'a running hold is closed');
    }
  });

  test('the customer hanging up while on hold for a consult completes the call', () => {
    const next = run(voiceMachine, consulting, { type: 'HANG_UP', at: T0 + 103, by: 'visitor' });
    assert.deepEqual(
      [next.value, next.context.endReason, next.context.heldMs],
      ['wrap-up', 'completed', 100],
    );
  });
});

// --- Properties --------------------------------------------------------------------------------------------

const sideArb = fc.constantFrom('visitor', 'agent') as fc.Arbitrary<'visitor' | 'agent'>;
const byArb = fc.constantFrom('visitor', 'agent', 'system') as fc.Arbitrary<'visitor' | 'agent' | 'system'>;
const bare = <T extends VoiceEvent['type']>(type: T) => fc.record({ type: fc.constant(type), at: atArb });

const voiceEventArbs: EventArbitraries<VoiceEvent> = {
  RING: bare('RING'),
  ANSWER: bare('ANSWER'),
  CONNECTED: bare('CONNECTED'),
  HOLD: fc.record({ type: fc.constant('HOLD'), at: atArb, by: sideArb }),
  RESUME: fc.record({ type: fc.constant('RESUME'), at: atArb, by: sideArb }),
  MUTE: bare('MUTE'),
  UNMUTE: bare('UNMUTE'),
  MEDIA_RECONNECTING: bare('MEDIA_RECONNECTING'),
  MEDIA_RESTORED: bare('MEDIA_RESTORED'),
  MEDIA_FAILED: bare('MEDIA_FAILED'),
  START_RECORDING: bare('START_RECORDING'),
  PAUSE_RECORDING: bare('PAUSE_RECORDING'),
  RESUME_RECORDING: bare('RESUME_RECORDING'),
  HANG_UP: fc.record({ type: fc.constant('HANG_UP'), at: atArb, by: byArb }),
  REJECT: fc.record({ type: fc.constant('REJECT'), at: atArb, by: byArb }),
  TIMEOUT: bare('TIMEOUT'),
  FAIL: bare('FAIL'),
  ...wrapUpEventArbs,
  CONSULT: fc.record({
    type: fc.constant('CONSULT'),
    at: atArb,
    party: fc.record({
      kind: fc.constantFrom('agent', 'supervisor', 'external') as fc.Arbitrary<
        'agent' | 'supervisor' | 'external'
      >,
      id: fc.constantFrom('bob', 'sue', '+442071838750'),
    }),
  }),
  CONSULT_ANSWERED: bare('CONSULT_ANSWERED'),
  CONSULT_ENDED: bare('CONSULT_ENDED'),
  RETURN: bare('RETURN'),
  MERGE: bare('MERGE'),
  TRANSFER: bare('TRANSFER'),
};

const sequenceOptions: SequenceOptions<VoiceEvent> = { start: T0 };

const startArb = fc
  .record({
    direction: fc.constantFrom('inbound', 'outbound') as fc.Arbitrary<'inbound' | 'outbound'>,
    at: fc.integer({ min: T0 - 1_000, max: T0 }),
    acw: acwPolicyArb,
    dispositionRequired: fc.boolean(),
    recording: fc.constantFrom('on', 'paused') as fc.Arbitrary<'on' | 'paused'>,
  })
  .map((options) => voiceSnapshot(options));

// In lifecycle order: each one, when set, is no earlier than the ones before it.
const TIMESTAMP_KEYS = [
  'createdAt',
  'ringingAt',
  'pickedUpAt',
  'answeredAt',
  'endedAt',
  'wrapUpEndedAt',
] as const;

function checkInvariants(value: VoiceState, context: VoiceContext): void {
  const isOver = value === 'wrap-up' || value === 'ended';
  assert.equal(context.endReason !== undefined, isOver, `endReason set exactly when over (${value})`);
  assert.equal(context.endedBy !== undefined, isOver, `endedBy set exactly when over (${value})`);
  assert.equal(context.timestamps.endedAt !== undefined, isOver);
  const onHold = value === 'held' || value === 'consulting';
  assert.equal(context.heldBy !== undefined, onHold, 'heldBy only while held (or consulting)');
  assert.equal(context.holdStartedAt !== undefined, onHold, 'a running hold only while held (or consulting)');
  assert.equal(
    context.consult !== undefined,
    value === 'consulting' || value === 'conferenced',
    'a consult leg only while consulting or conferenced',
  );
  if (value === 'conferenced')
    assert.ok(context.consult?.answeredAt !== undefined, 'only an answered consult merges');
  if (context.endReason === 'transferred') assert.equal(context.endedBy, 'agent', 'the agent transfers');
  assert.ok(['ok', 'reconnecting', 'failed'].includes(context.media));
  assert.ok(['on', 'paused'].includes(context.recording));
  assert.ok(context.heldMs >= 0 && Number.isFinite(context.heldMs));
  if (value === 'active' || value === 'held' || onHold)
    assert.ok(context.timestamps.answeredAt !== undefined);
  if (value === 'wrap-up')
    assert.ok(context.timestamps.answeredAt !== undefined, 'only a talking call wraps up');
  let previous = Number.NEGATIVE_INFINITY;
  for (const key of TIMESTAMP_KEYS) {
    const time = context.timestamps[key];
    if (time === undefined) continue;
    assert.ok(time >= previous, `${key} is earlier than a step before it`);
    previous = time;
  }
}

function checkStep({ before, after }: Step<VoiceState, VoiceEvent, VoiceContext>): void {
  checkInvariants(after.value, after.context);
  assert.equal(after.context.direction, before.context.direction, 'the direction never changes');
  for (const key of TIMESTAMP_KEYS) {
    const was = before.context.timestamps[key];
    if (was !== undefined) assert.equal(after.context.timestamps[key], was, `${key} is recorded once`);
  }
  assert.ok(after.context.heldMs >= before.context.heldMs, 'hold time never shrinks');
  assert.ok(after.context.holdCount >= before.context.holdCount);
  assert.ok(after.context.consultCount >= before.context.consultCount);
  assertOutcomeKept(before.context, after.context);
}

describeMachineProperties({
  machine: voiceMachine,
  start: startArb,
  events: voiceEventArbs,
  sequence: sequenceOptions,
  checkStep,
  finals: [ended],
  runs: { random: 300, guided: 500, coverage: 100 },
});

describe('voice machine: recording policy', () => {
  const talking = (policy: 'always' | 'on-demand' | 'never') =>
    run(
      voiceMachine,
      run(voiceMachine, voiceSnapshot({ direction: 'inbound', at: T0, recordingPolicy: policy }), {
        type: 'ANSWER',
        at: T0 + 1,
      }),
      { type: 'CONNECTED', at: T0 + 2 },
    );

  test('always: the call is recorded from its creation (the parties are told before they talk)', () => {
    const ringingCall = voiceSnapshot({ direction: 'inbound', at: T0, recordingPolicy: 'always' });
    assert.equal(ringingCall.context.recording, 'on');
    const call = talking('always');
    assert.equal(call.context.recording, 'on');
    assert.equal(voiceFlags(call).canStartRecording, false);
    assertIllegal(voiceMachine, call, { type: 'START_RECORDING', at: T0 + 3 });
  });

  test('on-demand: off until the agent starts it, then paused and resumed', () => {
    const call = talking('on-demand');
    assert.equal(call.context.recording, 'off');
    assert.equal(voiceFlags(call).canStartRecording, true);
    assertIllegal(voiceMachine, call, { type: 'PAUSE_RECORDING', at: T0 + 3 });
    const started = run(voiceMachine, call, { type: 'START_RECORDING', at: T0 + 3 });
    assert.equal(started.context.recording, 'on');
    assert.equal(voiceFlags(started).canStartRecording, false);
    assertIllegal(voiceMachine, started, { type: 'START_RECORDING', at: T0 + 4 });
    const paused = run(voiceMachine, started, { type: 'PAUSE_RECORDING', at: T0 + 4 });
    assert.equal(paused.context.recording, 'paused');
    // A paused recording is not started again: only resumed.
    assertIllegal(voiceMachine, paused, { type: 'START_RECORDING', at: T0 + 5 });
    const resumed = run(voiceMachine, paused, { type: 'RESUME_RECORDING', at: T0 + 5 });
    assert.equal(resumed.context.recording, 'on');
  });

  test('on-demand: not before the call is answered, nor after it ended', () => {
    const ringingCall = voiceSnapshot({ direction: 'inbound', at: T0, recordingPolicy: 'on-demand' });
    assert.equal(voiceFlags(ringingCall).canStartRecording, false);
    assertIllegal(voiceMachine, ringingCall, { type: 'START_RECORDING', at: T0 + 1 });
    const over = run(voiceMachine, talking('on-demand'), { type: 'HANG_UP', at: T0 + 9, by: 'agent' });
    assertIllegal(voiceMachine, over, { type: 'START_RECORDING', at: T0 + 10 });
  });

  test('never: nothing starts a recording', () => {
    const call = talking('never');
    assert.equal(call.context.recording, 'off');
    assert.equal(voiceFlags(call).canStartRecording, false);
    assertIllegal(voiceMachine, call, { type: 'START_RECORDING', at: T0 + 3 });
  });
});
