import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { can } from '../machine';
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
  type CallbackContext,
  type CallbackEvent,
  type CallbackSnapshot,
  type CallbackState,
  callbackFlags,
  callbackMachine,
  callbackSnapshot,
} from './callback.machine';
import {
  acwPolicyArb,
  assertOutcomeKept,
  atArb,
  offerEventArbs,
  retimeOffer,
  wrapUpEventArbs,
} from './interaction.testing';
import type { WrapUpPolicy } from './lifecycle';

const T0 = 1_700_000_000_000;
const LATER = T0 + 120_000;
const PHONE = '+31201234567';
const RETRY_MS = 60_000;

const requested = callbackSnapshot({ at: T0, phone: PHONE, maxAttempts: 3, retryDelayMs: RETRY_MS });
const scheduled = run(callbackMachine, requested, {
  type: 'SCHEDULE',
  at: T0 + 1,
  slot: { start: T0 + 10_000, end: T0 + 3_600_000 },
});
const queued = run(callbackMachine, requested, { type: 'QUEUE', at: T0 + 1 });
const offered = run(callbackMachine, queued, {
  type: 'OFFER',
  at: T0 + 2,
  agentId: 'a1',
  expiresAt: T0 + 30_000,
});
const dialing = run(callbackMachine, offered, { type: 'ACCEPT', at: T0 + 3, agentId: 'a1' });
const retryWait = run(callbackMachine, dialing, { type: 'NO_ANSWER', at: T0 + 4 });
const active = run(callbackMachine, dialing, { type: 'ANSWER', at: T0 + 4 });
const wrapUp = run(callbackMachine, active, { type: 'HANG_UP', at: T0 + 5, by: 'agent' });
const completed = run(callbackMachine, wrapUp, { type: 'WRAP_UP_DONE', at: T0 + 6 });
const cancelled = run(callbackMachine, requested, { type: 'CANCEL', at: T0 + 1, by: 'visitor' });
const failed = run(callbackMachine, requested, { type: 'FAIL', at: T0 + 1 });

const events: SampleEvents<CallbackEvent> = {
  SCHEDULE: { type: 'SCHEDULE', at: LATER, slot: { start: LATER + 60_000, end: LATER + 3_600_000 } },
  QUEUE: { type: 'QUEUE', at: LATER },
  DUE: { type: 'DUE', at: LATER },
  OFFER: { type: 'OFFER', at: LATER, agentId: 'a2', expiresAt: LATER + 30_000 },
  ACCEPT: { type: 'ACCEPT', at: LATER, agentId: 'a1' },
  REJECT: { type: 'REJECT', at: LATER, agentId: 'a1' },
  OFFER_TIMEOUT: { type: 'OFFER_TIMEOUT', at: LATER },
  OFFER_WITHDRAWN: { type: 'OFFER_WITHDRAWN', at: LATER },
  ANSWER: { type: 'ANSWER', at: LATER },
  NO_ANSWER: { type: 'NO_ANSWER', at: LATER },
  HANG_UP: { type: 'HANG_UP', at: LATER, by: 'visitor' },
  CANCEL: { type: 'CANCEL', at: LATER, by: 'visitor' },
  FAIL: { type: 'FAIL', at: LATER },
  REASSIGN: { type: 'REASSIGN', at: LATER, queueId: 'sales' },
  WRAP_UP_DONE: { type: 'WRAP_UP_DONE', at: LATER, disposition: 'resolved' },
  WRAP_UP_TIMEOUT: { type: 'WRAP_UP_TIMEOUT', at: LATER },
  SKIP_WRAP_UP: { type: 'SKIP_WRAP_UP', at: LATER },
};

const terminal = {
  SCHEDULE: x,
  QUEUE: x,
  DUE: x,
  OFFER: x,
  ACCEPT: x,
  REJECT: x,
  OFFER_TIMEOUT: x,
  OFFER_WITHDRAWN: x,
  ANSWER: x,
  NO_ANSWER: x,
  HANG_UP: x,
  CANCEL: x,
  FAIL: x,
  WRAP_UP_DONE: x,
  WRAP_UP_TIMEOUT: x,
  SKIP_WRAP_UP: x,
  REASSIGN: x,
} as const;

// With the default ACW policy (`optional`, no disposition required); other policies are tested below.
// biome-ignore format: the table reads best as a grid
const table: TransitionTable<CallbackState, CallbackEvent> = {
  requested: {
    SCHEDULE: 'scheduled', QUEUE: 'queued', DUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: 'cancelled', FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  scheduled: {
    SCHEDULE: 'scheduled', QUEUE: x, DUE: 'queued', OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: 'cancelled', FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  queued: {
    SCHEDULE: 'scheduled', QUEUE: x, DUE: x, OFFER: 'offered', ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: 'cancelled', FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: 'queued',
  },
  offered: {
    SCHEDULE: x, QUEUE: x, DUE: x, OFFER: x, ACCEPT: 'dialing', REJECT: 'queued', OFFER_TIMEOUT: 'queued',
    OFFER_WITHDRAWN: 'queued', ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: 'cancelled', FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  dialing: {
    SCHEDULE: 'scheduled', QUEUE: x, DUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: 'active', NO_ANSWER: 'retry-wait', HANG_UP: x, CANCEL: x, FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  'retry-wait': {
    SCHEDULE: 'scheduled', QUEUE: x, DUE: 'queued', OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: 'cancelled', FAIL: 'failed',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  active: {
    SCHEDULE: x, QUEUE: x, DUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: 'wrap-up', CANCEL: x, FAIL: 'wrap-up',
    WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  'wrap-up': {
    SCHEDULE: x, QUEUE: x, DUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, ANSWER: x, NO_ANSWER: x, HANG_UP: x, CANCEL: x, FAIL: x,
    WRAP_UP_DONE: 'completed', WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: 'completed', REASSIGN: x,
  },
  completed: terminal,
  cancelled: terminal,
  failed: terminal,
};

describeTransitionTable({
  machine: callbackMachine,
  table,
  snapshots: {
    requested,
    scheduled,
    queued,
    offered,
    dialing,
    'retry-wait': retryWait,
    active,
    'wrap-up': wrapUp,
    completed,
    cancelled,
    failed,
  },
  events,
});

/** Offer to `agentId` and dial. */
function offerAndDial(snapshot: CallbackSnapshot, at: number, agentId = 'a1'): CallbackSnapshot {
  return run(
    callbackMachine,
    snapshot,
    { type: 'OFFER', at, agentId, expiresAt: at + 30_000 },
    { type: 'ACCEPT', at: at + 1, agentId },
  );
}

function activeCallback(policy: Partial<WrapUpPolicy>): CallbackSnapshot {
  const start = callbackSnapshot({ at: T0, phone: PHONE, ...policy });
  return run(callbackMachine, offerAndDial(run(callbackMachine, start, { type: 'QUEUE', at: T0 }), T0 + 1), {
    type: 'ANSWER',
    at: T0 + 3,
  });
}

describe('callback machine: scheduling', () => {
  test('as soon as possible goes straight to the queue', () => {
    assert.equal(queued.value, 'queued');
    assert.equal(queued.context.asap, true);
    assert.equal(queued.context.slot, undefined);
    assert.equal(queued.context.timestamps.queuedAt, T0 + 1);
  });

  test('a slot must be a non-empty window that has not ended', () => {
    assertIllegal(callbackMachine, requested, {
      type: 'SCHEDULE',
      at: LATER,
      slot: { start: LATER + 10, end: LATER + 10 },
    });
    assertIllegal(callbackMachine, requested, {
      type: 'SCHEDULE',
      at: LATER,
      slot: { start: LATER - 20, end: LATER },
    });
    assertIllegal(callbackMachine, requested, {
      type: 'SCHEDULE',
      at: LATER,
      slot: { start: Number.NaN, end: LATER + 1 },
    });
    // A slot that already started but has not ended is fine: it is due at once.
    const now = run(callbackMachine, requested, {
      type: 'SCHEDULE',
      at: LATER,
      slot: { start: LATER - 20, end: LATER + 1 },
    });
    assert.equal(run(callbackMachine, now, { type: 'DUE', at: LATER }).value, 'queued');
  });

  test('a scheduled callback is due only when its slot starts', () => {
    assertIllegal(callbackMachine, scheduled, { type: 'DUE', at: T0 + 9_999 });
    const due = run(callbackMachine, scheduled, { type: 'DUE', at: T0 + 10_000 });
    assert.equal(due.value, 'queued');
    assert.equal(due.context.timestamps.queuedAt, T0 + 10_000);
    assert.equal(due.context.dueSince, T0 + 10_000);
    assert.equal(due.context.asap, false);
  });

  test('rescheduling replaces the slot', () => {
    const slot = { start: LATER + 1_000, end: LATER + 2_000 };
    const next = run(callbackMachine, scheduled, { type: 'SCHEDULE', at: LATER, slot });
    assert.equal(next.value, 'scheduled');
    assert.deepEqual(next.context.slot, slot);
  });

  test('a queued callback moved to a slot leaves the queue and waits for it', () => {
    const slot = { start: LATER + 1_000, end: LATER + 2_000 };
    const next = run(callbackMachine, queued, { type: 'SCHEDULE', at: LATER, slot });
    assert.equal(next.value, 'scheduled');
    assert.equal(next.context.asap, false);
    assert.equal(run(callbackMachine, next, { type: 'DUE', at: slot.start }).value, 'queued');
  });

  test('an agent hands back an accepted callback before reaching the customer: the dial is not counted', () => {
    const slot = { start: LATER + 1_000, end: LATER + 2_000 };
    assert.equal(dialing.context.attempts, 1);
    const next = run(callbackMachine, dialing, { type: 'SCHEDULE', at: LATER, slot });
    assert.equal(next.value, 'scheduled');
    assert.equal(next.context.agentId, undefined);
    assert.equal(next.context.attempts, 0);
    assert.deepEqual(next.context.slot, slot);
    const leg = next.context.offerHistory.at(-1);
    assert.equal(leg?.agentId, 'a1');
    assert.equal(leg?.endReason, 'transferred');
    assert.equal(leg?.endedAt, LATER);
    // Once the customer answered, the call is on: it ends through hang-up and wrap-up instead.
    assertIllegal(callbackMachine, active, { type: 'SCHEDULE', at: LATER, slot });
  });
});

describe('callback machine: bounded retries', () => {
  test('each unanswered dial waits with a doubling back-off; the last one fails as missed', () => {
    let cb = callbackSnapshot({ at: T0, phone: PHONE, maxAttempts: 3, retryDelayMs: RETRY_MS });
    cb = run(callbackMachine, cb, { type: 'QUEUE', at: T0 });
    let at = T0 + 10;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      cb = offerAndDial(cb, at);
      assert.equal(cb.context.attempts, attempt);
      cb = run(callbackMachine, cb, { type: 'NO_ANSWER', at: at + 5 });
      if (cb.value !== 'retry-wait') break;
      const next = cb.context.nextAttemptAt ?? Number.NaN;
      waits.push(next - (at + 5));
      assertIllegal(callbackMachine, cb, { type: 'DUE', at: next - 1 });
      cb = run(callbackMachine, cb, { type: 'DUE', at: next });
      assert.equal(cb.value, 'queued');
      assert.equal(cb.context.timestamps.queuedAt, T0, 'queuedAt is the first time, kept across retries');
      assert.equal(cb.context.dueSince, next, 'due again since the retry came due');
      at = next + 10;
    }
    assert.deepEqual(waits, [RETRY_MS, 2 * RETRY_MS]);
    assert.equal(cb.value, 'failed');
    assert.equal(cb.context.endReason, 'missed');
    assert.equal(cb.context.endedBy, 'system');
    assert.equal(cb.context.attempts, 3);
    assert.equal(cb.context.nextAttemptAt, undefined);
    assert.equal(callbackFlags(cb).attemptsLeft, 0);
  });

  test('a single-attempt callback fails on the first unanswered dial', () => {
    const cb = callbackSnapshot({ at: T0, phone: PHONE, maxAttempts: 1 });
    const dialed = offerAndDial(run(callbackMachine, cb, { type: 'QUEUE', at: T0 }), T0 + 1);
    assert.equal(run(callbackMachine, dialed, { type: 'NO_ANSWER', at: T0 + 10 }).value, 'failed');
  });

  test('rejected and timed-out offers do not use up attempts', () => {
    const rejected = run(callbackMachine, offered, { type: 'REJECT', at: T0 + 5, agentId: 'a1' });
    const missed = run(
      callbackMachine,
      rejected,
      { type: 'OFFER', at: T0 + 6, agentId: 'a2', expiresAt: T0 + 100 },
      { type: 'OFFER_TIMEOUT', at: T0 + 100 },
    );
    assert.equal(missed.context.attempts, 0);
    assert.equal(missed.context.missCount, 1);
    assert.deepEqual(
      missed.context.offerHistory.map((leg) => leg.endReason),
      ['rejected', 'missed'],
    );
  });

  test('a withdrawn offer re-queues before it expires, ends its leg missed, and uses up no attempt', () => {
    const withdrawn = run(callbackMachine, offered, { type: 'OFFER_WITHDRAWN', at: T0 + 5 });
    assert.equal(withdrawn.value, 'queued');
    assert.equal(withdrawn.context.agentId, undefined);
    assert.equal(withdrawn.context.offerExpiresAt, undefined);
    assert.equal(withdrawn.context.attempts, 0);
    assert.equal(withdrawn.context.missCount, 1);
    assert.deepEqual(
      withdrawn.context.offerHistory.map((leg) => leg.endReason),
      ['missed'],
    );
  });

  test('only the offered agent can accept, and a retry may be rescheduled into a slot', () => {
    assertIllegal(callbackMachine, offered, { type: 'ACCEPT', at: LATER, agentId: 'a2' });
    const slot = { start: LATER + 1_000, end: LATER + 2_000 };
    const rescheduled = run(callbackMachine, retryWait, { type: 'SCHEDULE', at: LATER, slot });
    assert.equal(rescheduled.value, 'scheduled');
    assert.equal(rescheduled.context.nextAttemptAt, undefined);
    assert.equal(rescheduled.context.attempts, 1, 'attempts stay counted across a reschedule');
  });
});

describe('callback machine: cancelling and ending', () => {
  for (const start of [requested, scheduled, queued, offered, retryWait]) {
    test(`cancel in ${start.value}: by visitor → abandoned, by agent → rejected`, () => {
      const byVisitor = run(callbackMachine, start, { type: 'CANCEL', at: LATER, by: 'visitor' });
      assert.deepEqual(
        [byVisitor.value, byVisitor.context.endReason, byVisitor.context.endedBy],
        ['cancelled', 'abandoned', 'visitor'],
      );
      const byAgent = run(callbackMachine, start, { type: 'CANCEL', at: LATER, by: 'agent' });
      assert.deepEqual(
        [byAgent.value, byAgent.context.endReason, byAgent.context.endedBy],
        ['cancelled', 'rejected', 'agent'],
      );
    });
  }

  test('a hang-up records who hung up', () => {
    for (const by of ['visitor', 'agent', 'system'] as const) {
      const next = run(callbackMachine, active, { type: 'HANG_UP', at: LATER, by });
      assert.deepEqual(
        [next.value, next.context.endReason, next.context.endedBy],
        ['wrap-up', 'completed', by],
      );
    }
  });

  test('a call that fails while active is wrapped up and ends in failed', () => {
    const inWrapUp = run(callbackMachine, active, { type: 'FAIL', at: T0 + 10 });
    assert.equal(inWrapUp.value, 'wrap-up');
    assert.equal(run(callbackMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER }).value, 'failed');
    assert.equal(run(callbackMachine, inWrapUp, { type: 'SKIP_WRAP_UP', at: LATER }).value, 'failed');
    const timed = run(callbackMachine, activeCallback({ acw: { kind: 'timed', seconds: 10 } }), {
      type: 'FAIL',
      at: T0 + 10,
    });
    assert.equal(run(callbackMachine, timed, { type: 'WRAP_UP_TIMEOUT', at: T0 + 10_010 }).value, 'failed');
  });
});

describe('callback machine: ACW policies and dispositions', () => {
  const POLICIES: Record<AcwPolicy['kind'], AcwPolicy> = {
    none: { kind: 'none' },
    optional: { kind: 'optional' },
    required: { kind: 'required' },
    timed: { kind: 'timed', seconds: 30 },
  };
  // Where an active callback goes on HANG_UP and on FAIL, and which wrap-up exits are allowed.
  const expected: Record<AcwPolicy['kind'], { hangUp: CallbackState; fail: CallbackState; exits: string[] }> =
    {
      none: { hangUp: 'completed', fail: 'failed', exits: [] },
      optional: { hangUp: 'wrap-up', fail: 'wrap-up', exits: ['WRAP_UP_DONE', 'SKIP_WRAP_UP'] },
      required: { hangUp: 'wrap-up', fail: 'wrap-up', exits: ['WRAP_UP_DONE'] },
      timed: { hangUp: 'wrap-up', fail: 'wrap-up', exits: ['WRAP_UP_DONE', 'WRAP_UP_TIMEOUT'] },
    };
  for (const kind of Object.keys(POLICIES) as AcwPolicy['kind'][]) {
    test(`acw ${kind}: ${JSON.stringify(expected[kind])}`, () => {
      const start = activeCallback({ acw: POLICIES[kind] });
      const hungUp = run(callbackMachine, start, { type: 'HANG_UP', at: T0 + 10, by: 'visitor' });
      assert.equal(hungUp.value, expected[kind].hangUp);
      assert.equal(run(callbackMachine, start, { type: 'FAIL', at: T0 + 10 }).value, expected[kind].fail);
      if (hungUp.value !== 'wrap-up') return;
      const late = T0 + 10 + 30_000;
      const exits = (['WRAP_UP_DONE', 'WRAP_UP_TIMEOUT', 'SKIP_WRAP_UP'] as const).filter((type) =>
        can(callbackMachine, hungUp, { type, at: late }),
      );
      assert.deepEqual(exits, expected[kind].exits);
    });
  }

  test('a required disposition must be given to finish, and cannot be skipped', () => {
    const inWrapUp = run(callbackMachine, activeCallback({ dispositionRequired: true }), {
      type: 'HANG_UP',
      at: T0 + 10,
      by: 'agent',
    });
    assert.equal(callbackFlags(inWrapUp).needsDisposition, true);
    assertIllegal(callbackMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER, disposition: '' });
    assertIllegal(callbackMachine, inWrapUp, { type: 'SKIP_WRAP_UP', at: LATER });
    const done = run(callbackMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER, disposition: 'sold' });
    assert.equal(done.value, 'completed');
    assert.equal(done.context.disposition, 'sold');
    assert.equal(done.context.timestamps.wrapUpEndedAt, LATER);
  });
});

describe('callback machine: flags', () => {
  test('flags per state', () => {
    const pick = (s: CallbackSnapshot) => {
      const f = callbackFlags(s);
      return [
        f.isWaiting,
        f.canCancel,
        f.canReschedule,
        f.isDialing,
        f.canHangUp,
        f.isFinished,
        f.attemptsLeft,
      ];
    };
    assert.deepEqual(pick(requested), [false, true, true, false, false, false, 3]);
    assert.deepEqual(pick(scheduled), [false, true, true, false, false, false, 3]);
    assert.deepEqual(pick(offered), [true, true, false, false, false, false, 3]);
    assert.deepEqual(pick(queued), [true, true, true, false, false, false, 3]);
    assert.deepEqual(pick(dialing), [false, false, true, true, false, false, 2]);
    assert.deepEqual(pick(retryWait), [true, true, true, false, false, false, 2]);
    assert.deepEqual(pick(active), [false, false, false, false, true, false, 2]);
    assert.deepEqual(pick(completed), [false, false, false, false, false, true, 0]);
    assert.equal(callbackFlags(retryWait).nextAttemptAt, T0 + 4 + RETRY_MS);
  });
});

// --- Properties --------------------------------------------------------------------------------------------

const callbackEventArbs: EventArbitraries<CallbackEvent> = {
  SCHEDULE: fc.record({
    type: fc.constant('SCHEDULE'),
    at: atArb,
    // `start` relative to the clock and `end` relative to `start`; retimed below.
    slot: fc.record({
      start: fc.integer({ min: -60_000, max: 120_000 }),
      end: fc.integer({ min: -1, max: 600_000 }),
    }),
  }),
  QUEUE: fc.record({ type: fc.constant('QUEUE'), at: atArb }),
  DUE: fc.record({ type: fc.constant('DUE'), at: atArb }),
  ...offerEventArbs,
  ANSWER: fc.record({ type: fc.constant('ANSWER'), at: atArb }),
  NO_ANSWER: fc.record({ type: fc.constant('NO_ANSWER'), at: atArb }),
  HANG_UP: fc.record({
    type: fc.constant('HANG_UP'),
    at: atArb,
    by: fc.constantFrom('visitor', 'agent', 'system'),
  }),
  CANCEL: fc.record({ type: fc.constant('CANCEL'), at: atArb, by: fc.constantFrom('visitor', 'agent') }),
  FAIL: fc.record({ type: fc.constant('FAIL'), at: atArb }),
  REASSIGN: fc.record(
    {
      type: fc.constant('REASSIGN'),
      at: atArb,
      queueId: fc.constantFrom('sales', 'billing'),
      acw: acwPolicyArb,
      dispositionRequired: fc.boolean(),
    },
    { requiredKeys: ['type', 'at', 'queueId'] },
  ),
  ...wrapUpEventArbs,
};

const sequenceOptions: SequenceOptions<CallbackEvent> = {
  start: T0,
  retime: (event, clock) => {
    if (event.type === 'SCHEDULE') {
      const start = clock + event.slot.start;
      return { ...event, slot: { start, end: start + event.slot.end } };
    }
    return retimeOffer(event, clock);
  },
};

const startArb = fc
  .record({
    at: fc.integer({ min: T0 - 1_000, max: T0 }),
    acw: acwPolicyArb,
    dispositionRequired: fc.boolean(),
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    retryDelayMs: fc.integer({ min: 0, max: 60_000 }),
  })
  .map((options) => callbackSnapshot({ ...options, phone: PHONE }));

const TIMESTAMP_KEYS = [
  'createdAt',
  'queuedAt',
  'offeredAt',
  'answeredAt',
  'endedAt',
  'wrapUpEndedAt',
] as const;
const FINISHED: readonly CallbackState[] = ['completed', 'cancelled', 'failed'];

function checkInvariants(value: CallbackState, context: CallbackContext): void {
  const ts = context.timestamps;
  const isOver = value === 'wrap-up' || FINISHED.includes(value);
  assert.equal(context.endReason !== undefined, isOver, `endReason set exactly when over (${value})`);
  assert.equal(context.endedBy !== undefined, isOver, `endedBy set exactly when over (${value})`);
  assert.equal(ts.endedAt !== undefined, isOver);
  assert.ok(context.attempts >= 0 && context.attempts <= context.maxAttempts, 'attempts within bounds');
  assert.equal(
    context.nextAttemptAt !== undefined,
    value === 'retry-wait',
    `nextAttemptAt only in retry-wait`,
  );
  assert.equal(context.offerExpiresAt !== undefined, value === 'offered');
  if (value === 'scheduled') assert.ok(context.slot);
  if (value === 'dialing' || value === 'active') assert.ok(context.attempts >= 1);
  if (value === 'failed' && context.endReason === 'missed')
    assert.equal(context.attempts, context.maxAttempts);
  if (value === 'cancelled') assert.ok(context.endReason === 'abandoned' || context.endReason === 'rejected');
  if (value === 'completed') assert.ok(context.endReason === 'completed');
  for (const key of TIMESTAMP_KEYS) {
    const time = ts[key];
    if (time !== undefined) assert.ok(time >= ts.createdAt, `${key} before createdAt`);
  }
  if (ts.wrapUpEndedAt !== undefined) assert.ok(ts.endedAt !== undefined && ts.wrapUpEndedAt >= ts.endedAt);
  const openLegs = context.offerHistory.filter((leg) => leg.endReason === undefined);
  const holdsAgent = value === 'offered' || value === 'dialing' || value === 'active';
  assert.equal(openLegs.length, holdsAgent ? 1 : 0, `open legs in ${value}`);
}

function checkStep({ before, after, event }: Step<CallbackState, CallbackEvent, CallbackContext>): void {
  checkInvariants(after.value, after.context);
  for (const key of TIMESTAMP_KEYS) {
    const was = before.context.timestamps[key];
    const now = after.context.timestamps[key];
    if (was !== undefined) assert.ok(now !== undefined && now >= was, `${key} went back on ${event.type}`);
  }
  for (const key of ['createdAt', 'queuedAt', 'answeredAt'] as const) {
    const was = before.context.timestamps[key];
    if (was !== undefined) assert.equal(after.context.timestamps[key], was, `${key} changed`);
  }
  // Only a hand-back (rescheduled after accepting, before reaching the customer) returns its one dial.
  const handedBack = before.value === 'dialing' && after.value === 'scheduled';
  assert.ok(
    after.context.attempts >= before.context.attempts - (handedBack ? 1 : 0),
    'attempts never decrease, except by the one dial a hand-back returns',
  );
  assertOutcomeKept(before.context, after.context);
}

describeMachineProperties({
  machine: callbackMachine,
  start: startArb,
  events: callbackEventArbs,
  sequence: sequenceOptions,
  checkStep,
  finals: [completed, cancelled, failed],
  // `offered` always accepts OFFER_WITHDRAWN, so fewer walks get past it to `active`, `wrap-up` and `completed`:
  // at 100 walks some seeds (42 among them) never reach them; at 300 none of seeds 1-60 missed a state.
  runs: { random: 300, guided: 500, coverage: 300 },
});
