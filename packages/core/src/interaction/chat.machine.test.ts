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
  type ChatContext,
  type ChatEvent,
  type ChatSnapshot,
  type ChatState,
  chatFlags,
  chatMachine,
  chatSnapshot,
} from './chat.machine';
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
const LATER = T0 + 60_000;

const prechat = chatSnapshot({ at: T0, queueId: 'sales' });
const queued = run(chatMachine, prechat, { type: 'QUEUE', at: T0 + 1 });
const offered = run(chatMachine, queued, {
  type: 'OFFER',
  at: T0 + 2,
  agentId: 'a1',
  expiresAt: T0 + 30_000,
});
const active = run(chatMachine, offered, { type: 'ACCEPT', at: T0 + 3, agentId: 'a1' });
const wrapUp = run(chatMachine, active, { type: 'AGENT_END', at: T0 + 4 });
const ended = run(chatMachine, wrapUp, { type: 'WRAP_UP_DONE', at: T0 + 5 });

const events: SampleEvents<ChatEvent> = {
  SUBMIT_PRECHAT: { type: 'SUBMIT_PRECHAT', at: LATER, fields: { name: 'Ada' } },
  QUEUE: { type: 'QUEUE', at: LATER },
  OFFER: { type: 'OFFER', at: LATER, agentId: 'a2', expiresAt: LATER + 30_000 },
  ACCEPT: { type: 'ACCEPT', at: LATER, agentId: 'a1' },
  REJECT: { type: 'REJECT', at: LATER, agentId: 'a1' },
  OFFER_TIMEOUT: { type: 'OFFER_TIMEOUT', at: LATER },
  OFFER_WITHDRAWN: { type: 'OFFER_WITHDRAWN', at: LATER },
  VISITOR_LEFT: { type: 'VISITOR_LEFT', at: LATER },
  AGENT_END: { type: 'AGENT_END', at: LATER },
  INACTIVITY_TIMEOUT: { type: 'INACTIVITY_TIMEOUT', at: LATER },
  TRANSFER: { type: 'TRANSFER', at: LATER, queueId: 'support' },
  CLOSE_QUEUE: { type: 'CLOSE_QUEUE', at: LATER },
  FAIL: { type: 'FAIL', at: LATER },
  REASSIGN: { type: 'REASSIGN', at: LATER, queueId: 'sales' },
  WRAP_UP_DONE: { type: 'WRAP_UP_DONE', at: LATER, disposition: 'resolved', notes: 'ok' },
  WRAP_UP_TIMEOUT: { type: 'WRAP_UP_TIMEOUT', at: LATER },
  SKIP_WRAP_UP: { type: 'SKIP_WRAP_UP', at: LATER },
};

// With the default ACW policy (`optional`, no disposition required); other policies are tested below.
// biome-ignore format: the table reads best as a grid
const table: TransitionTable<ChatState, ChatEvent> = {
  prechat: {
    SUBMIT_PRECHAT: 'queued', QUEUE: 'queued', OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: 'ended', FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  queued: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: 'offered', ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: 'ended', FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: 'queued',
  },
  offered: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: 'active', REJECT: 'queued', OFFER_TIMEOUT: 'queued',
    OFFER_WITHDRAWN: 'queued', VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: x, FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  active: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'wrap-up', AGENT_END: 'wrap-up', INACTIVITY_TIMEOUT: 'wrap-up',
    TRANSFER: 'queued', CLOSE_QUEUE: x, FAIL: 'wrap-up', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
  'wrap-up': {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: x, AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x, CLOSE_QUEUE: x,
    FAIL: x, WRAP_UP_DONE: 'ended', WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: 'ended', REASSIGN: x,
  },
  ended: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: x, AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x, CLOSE_QUEUE: x,
    FAIL: x, WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
  },
};

describeTransitionTable({
  machine: chatMachine,
  table,
  snapshots: { prechat, queued, offered, active, 'wrap-up': wrapUp, ended },
  events,
});

function activeChat(policy: Partial<WrapUpPolicy>): ChatSnapshot {
  return run(
    chatMachine,
    chatSnapshot({ at: T0, ...policy }),
    { type: 'QUEUE', at: T0 + 1 },
    { type: 'OFFER', at: T0 + 2, agentId: 'a1', expiresAt: T0 + 30_000 },
    { type: 'ACCEPT', at: T0 + 3, agentId: 'a1' },
  );
}

const POLICIES: Record<AcwPolicy['kind'], AcwPolicy> = {
  none: { kind: 'none' },
  optional: { kind: 'optional' },
  required: { kind: 'required' },
  timed: { kind: 'timed', seconds: 30 },
};

describe('chat machine: ending and who ended it', () => {
  const cases: [ChatSnapshot, ChatEvent, ChatState, string, string][] = [
    [prechat, { type: 'VISITOR_LEFT', at: LATER }, 'ended', 'abandoned', 'visitor'],
    [prechat, { type: 'CLOSE_QUEUE', at: LATER }, 'ended', 'timeout', 'system'],
    [queued, { type: 'VISITOR_LEFT', at: LATER }, 'ended', 'abandoned', 'visitor'],
    [queued, { type: 'CLOSE_QUEUE', at: LATER }, 'ended', 'timeout', 'system'],
    [queued, { type: 'FAIL', at: LATER }, 'ended', 'failed', 'system'],
    [offered, { type: 'VISITOR_LEFT', at: LATER }, 'ended', 'abandoned', 'visitor'],
    [offered, { type: 'FAIL', at: LATER }, 'ended', 'failed', 'system'],
    [active, { type: 'VISITOR_LEFT', at: LATER }, 'wrap-up', 'completed', 'visitor'],
    [active, { type: 'AGENT_END', at: LATER }, 'wrap-up', 'completed', 'agent'],
    [active, { type: 'INACTIVITY_TIMEOUT', at: LATER }, 'wrap-up', 'timeout', 'system'],
    [active, { type: 'FAIL', at: LATER }, 'wrap-up', 'failed', 'system'],
  ];
  for (const [start, event, state, endReason, endedBy] of cases) {
    test(`${start.value} × ${event.type} → ${state}, ${endReason} by ${endedBy}`, () => {
      const next = run(chatMachine, start, event);
      assert.equal(next.value, state);
      assert.equal(next.context.endReason, endReason);
      assert.equal(next.context.endedBy, endedBy);
      assert.equal(next.context.timestamps.endedAt, LATER);
    });
  }

  test('the offer leg of a visitor who left while offered ends as abandoned', () => {
    const next = run(chatMachine, offered, { type: 'VISITOR_LEFT', at: LATER });
    assert.deepEqual(next.context.offerHistory.at(-1), {
      agentId: 'a1',
      offeredAt: T0 + 2,
      expiresAt: T0 + 30_000,
      endedAt: LATER,
      endReason: 'abandoned',
    });
  });
});

describe('chat machine: offers', () => {
  test('an offer needs an agent and an expiry in the future', () => {
    assertIllegal(chatMachine, queued, { type: 'OFFER', at: LATER, agentId: '', expiresAt: LATER + 1 });
    assertIllegal(chatMachine, queued, { type: 'OFFER', at: LATER, agentId: 'a1', expiresAt: LATER });
    assert.equal(
      run(chatMachine, queued, { type: 'OFFER', at: LATER, agentId: 'a1', expiresAt: LATER + 1 }).value,
      'offered',
    );
  });

  test('only the offered agent can accept or reject', () => {
    assertIllegal(chatMachine, offered, { type: 'ACCEPT', at: LATER, agentId: 'a2' });
    assertIllegal(chatMachine, offered, { type: 'REJECT', at: LATER, agentId: 'a2' });
  });

  test('an offer cannot time out before it expires (a stale timer is refused)', () => {
    assertIllegal(chatMachine, offered, { type: 'OFFER_TIMEOUT', at: T0 + 29_999 });
    assert.equal(run(chatMachine, offered, { type: 'OFFER_TIMEOUT', at: T0 + 30_000 }).value, 'queued');
  });

  test('reject and timeout re-queue, keep queuedAt, and record each leg', () => {
    const rejected = run(chatMachine, offered, { type: 'REJECT', at: T0 + 10, agentId: 'a1' });
    const reoffered = run(chatMachine, rejected, {
      type: 'OFFER',
      at: T0 + 20,
      agentId: 'a2',
      expiresAt: T0 + 50,
    });
    const missed = run(chatMachine, reoffered, { type: 'OFFER_TIMEOUT', at: T0 + 50 });
    assert.equal(missed.value, 'queued');
    assert.equal(missed.context.timestamps.queuedAt, T0 + 1);
    assert.equal(missed.context.agentId, undefined);
    assert.equal(missed.context.missCount, 1);
    assert.deepEqual(
      missed.context.offerHistory.map((leg) => [leg.agentId, leg.endReason, leg.endedAt]),
      [
        ['a1', 'rejected', T0 + 10],
        ['a2', 'missed', T0 + 50],
      ],
    );
    assert.equal(missed.context.timestamps.offeredAt, T0 + 20);
  });

  test('a withdrawn offer re-queues before it expires and ends its leg missed', () => {
    const withdrawn = run(chatMachine, offered, { type: 'OFFER_WITHDRAWN', at: T0 + 10 });
    assert.equal(withdrawn.value, 'queued');
    assert.equal(withdrawn.context.agentId, undefined);
    assert.equal(withdrawn.context.offerExpiresAt, undefined);
    assert.equal(withdrawn.context.timestamps.queuedAt, T0 + 1);
    assert.equal(withdrawn.context.missCount, 1);
    assert.deepEqual(
      withdrawn.context.offerHistory.map((leg) => [leg.agentId, leg.endReason, leg.endedAt]),
      [['a1', 'missed', T0 + 10]],
    );
  });

  test('accepting records answeredAt once, and the leg as answered', () => {
    assert.equal(active.context.timestamps.answeredAt, T0 + 3);
    assert.equal(active.context.agentId, 'a1');
    assert.equal(active.context.offerExpiresAt, undefined);
    assert.deepEqual(active.context.offerHistory, [
      { agentId: 'a1', offeredAt: T0 + 2, expiresAt: T0 + 30_000, answeredAt: T0 + 3 },
    ]);
  });
});

describe('chat machine: transfer', () => {
  test('a transfer re-queues with the first queuedAt and the first answeredAt kept', () => {
    const transferred = run(
      chatMachine,
      active,
      {
        type: 'TRANSFER',
        at: T0 + 100,
        queueId: 'billing',
        acw: { kind: 'required' },
        dispositionRequired: true,
      },
      { type: 'OFFER', at: T0 + 110, agentId: 'a2', expiresAt: T0 + 200 },
      { type: 'ACCEPT', at: T0 + 120, agentId: 'a2' },
    );
    const { context } = transferred;
    assert.equal(transferred.value, 'active');
    assert.equal(context.queueId, 'billing');
    assert.deepEqual(context.acw, { kind: 'required' });
    assert.equal(context.dispositionRequired, true);
    assert.equal(context.timestamps.queuedAt, T0 + 1);
    assert.equal(context.timestamps.answeredAt, T0 + 3);
    assert.equal(context.agentId, 'a2');
    assert.deepEqual(
      context.offerHistory.map((leg) => [leg.agentId, leg.endReason]),
      [
        ['a1', 'transferred'],
        ['a2', undefined],
      ],
    );
  });

  test('a transfer without a policy keeps the current one', () => {
    const start = activeChat({ acw: POLICIES.timed, dispositionRequired: true });
    const next = run(chatMachine, start, { type: 'TRANSFER', at: LATER });
    assert.deepEqual(next.context.acw, POLICIES.timed);
    assert.equal(next.context.dispositionRequired, true);
  });
});

describe('chat machine: ACW policies and dispositions', () => {
  // For each policy: where each end event of an active chat goes, and which wrap-up exits are allowed.
  const endTargets: Record<AcwPolicy['kind'], ChatState> = {
    none: 'ended',
    optional: 'wrap-up',
    required: 'wrap-up',
    timed: 'wrap-up',
  };
  const wrapUpExits: Record<AcwPolicy['kind'], { done: boolean; skip: boolean; timeout: boolean }> = {
    none: { done: true, skip: true, timeout: false },
    optional: { done: true, skip: true, timeout: false },
    required: { done: true, skip: false, timeout: false },
    timed: { done: true, skip: false, timeout: true },
  };

  for (const kind of Object.keys(POLICIES) as AcwPolicy['kind'][]) {
    for (const type of ['VISITOR_LEFT', 'AGENT_END', 'INACTIVITY_TIMEOUT', 'FAIL'] as const) {
      test(`acw ${kind}: active × ${type} → ${endTargets[kind]}`, () => {
        const next = run(chatMachine, activeChat({ acw: POLICIES[kind] }), { type, at: LATER });
        assert.equal(next.value, endTargets[kind]);
        assert.ok(next.context.endReason && next.context.endedBy);
        assert.equal(next.context.timestamps.wrapUpEndedAt, undefined);
      });
    }

    if (kind === 'none') continue;
    test(`acw ${kind}: wrap-up exits ${JSON.stringify(wrapUpExits[kind])}`, () => {
      const inWrapUp = run(chatMachine, activeChat({ acw: POLICIES[kind] }), {
        type: 'AGENT_END',
        at: T0 + 10,
      });
      const late = T0 + 10 + 30_000;
      const exits = {
        done: can(chatMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: late }),
        skip: can(chatMachine, inWrapUp, { type: 'SKIP_WRAP_UP', at: late }),
        timeout: can(chatMachine, inWrapUp, { type: 'WRAP_UP_TIMEOUT', at: late }),
      };
      assert.deepEqual(exits, wrapUpExits[kind]);
    });
  }

  test('ACW none: the wrap-up events are never reachable, the chat ends with its reason', () => {
    const next = run(chatMachine, activeChat({ acw: POLICIES.none }), { type: 'AGENT_END', at: LATER });
    assert.equal(next.value, 'ended');
    assert.equal(next.context.endReason, 'completed');
    assert.equal(next.context.endedBy, 'agent');
  });

  test('a timed wrap-up cannot time out before its deadline', () => {
    const inWrapUp = run(chatMachine, activeChat({ acw: POLICIES.timed }), {
      type: 'AGENT_END',
      at: T0 + 10,
    });
    assert.equal(chatFlags(inWrapUp).wrapUpDeadlineAt, T0 + 10 + 30_000);
    assertIllegal(chatMachine, inWrapUp, { type: 'WRAP_UP_TIMEOUT', at: T0 + 10 + 29_999 });
    const done = run(chatMachine, inWrapUp, { type: 'WRAP_UP_TIMEOUT', at: T0 + 10 + 30_000 });
    assert.equal(done.value, 'ended');
    assert.equal(done.context.timestamps.wrapUpEndedAt, T0 + 10 + 30_000);
    assert.equal(done.context.endReason, 'completed', 'the wrap-up timer does not change why the chat ended');
  });

  test('a required disposition must be given (not blank) to finish wrap-up, and cannot be skipped', () => {
    const inWrapUp = run(chatMachine, activeChat({ acw: POLICIES.optional, dispositionRequired: true }), {
      type: 'AGENT_END',
      at: T0 + 10,
    });
    assert.equal(chatFlags(inWrapUp).needsDisposition, true);
    assertIllegal(chatMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER });
    assertIllegal(chatMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER, disposition: '  ' });
    assertIllegal(chatMachine, inWrapUp, { type: 'SKIP_WRAP_UP', at: LATER });
    const done = run(chatMachine, inWrapUp, {
      type: 'WRAP_UP_DONE',
      at: LATER,
      disposition: 'refund',
      notes: 'n',
    });
    assert.equal(done.context.disposition, 'refund');
    assert.equal(done.context.notes, 'n');
    assert.equal(done.context.timestamps.wrapUpEndedAt, LATER);
  });

  test('without a required disposition, wrap-up may finish with none', () => {
    const inWrapUp = run(chatMachine, activeChat({ acw: POLICIES.required }), {
      type: 'AGENT_END',
      at: T0 + 10,
    });
    assert.equal(chatFlags(inWrapUp).needsDisposition, false);
    assert.equal(run(chatMachine, inWrapUp, { type: 'WRAP_UP_DONE', at: LATER }).value, 'ended');
  });
});

describe('chat machine: flags', () => {
  test('flags per state', () => {
    const pick = (s: ChatSnapshot) => {
      const f = chatFlags(s);
      return [
        f.isWaiting,
        f.isActive,
        f.isOver,
        f.canSend,
        f.canLeave,
        f.canAccept,
        f.canEnd,
        f.canSkipWrapUp,
      ];
    };
    assert.deepEqual(pick(prechat), [false, false, false, false, true, false, false, false]);
    assert.deepEqual(pick(queued), [true, false, false, true, true, false, false, false]);
    assert.deepEqual(pick(offered), [true, false, false, true, true, true, false, false]);
    assert.deepEqual(pick(active), [false, true, false, true, true, false, true, false]);
    assert.deepEqual(pick(wrapUp), [false, false, true, false, false, false, false, true]);
    assert.deepEqual(pick(ended), [false, false, true, false, false, false, false, false]);
  });
});

describe('chat machine: times never run backwards', () => {
  test('an event stamped before the latest recorded time is recorded at that time', () => {
    const next = run(chatMachine, offered, { type: 'ACCEPT', at: T0 - 5_000, agentId: 'a1' });
    assert.equal(next.context.timestamps.answeredAt, T0 + 2);
  });

  test('a non-finite stamp is recorded at the latest known time', () => {
    const next = run(chatMachine, queued, { type: 'VISITOR_LEFT', at: Number.NaN });
    assert.equal(next.context.timestamps.endedAt, T0 + 1);
  });
});

// --- Properties --------------------------------------------------------------------------------------------

const chatEventArbs: EventArbitraries<ChatEvent> = {
  SUBMIT_PRECHAT: fc.record({
    type: fc.constant('SUBMIT_PRECHAT'),
    at: atArb,
    fields: fc.dictionary(fc.string(), fc.string()),
  }),
  QUEUE: fc.record({ type: fc.constant('QUEUE'), at: atArb }),
  ...offerEventArbs,
  VISITOR_LEFT: fc.record({ type: fc.constant('VISITOR_LEFT'), at: atArb }),
  AGENT_END: fc.record({ type: fc.constant('AGENT_END'), at: atArb }),
  INACTIVITY_TIMEOUT: fc.record({ type: fc.constant('INACTIVITY_TIMEOUT'), at: atArb }),
  TRANSFER: fc.record(
    {
      type: fc.constant('TRANSFER'),
      at: atArb,
      queueId: fc.constantFrom('sales', 'billing'),
      acw: acwPolicyArb,
      dispositionRequired: fc.boolean(),
    },
    { requiredKeys: ['type', 'at'] },
  ),
  CLOSE_QUEUE: fc.record({ type: fc.constant('CLOSE_QUEUE'), at: atArb }),
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

const sequenceOptions: SequenceOptions<ChatEvent> = {
  start: T0,
  retime: retimeOffer,
};

const startArb = fc
  .record({
    acw: acwPolicyArb,
    dispositionRequired: fc.boolean(),
    at: fc.integer({ min: T0 - 1000, max: T0 }),
  })
  .map((options) => chatSnapshot(options));

const TIMESTAMP_KEYS = [
  'createdAt',
  'queuedAt',
  'offeredAt',
  'answeredAt',
  'endedAt',
  'wrapUpEndedAt',
] as const;
const ENDED_STATES: readonly ChatState[] = ['wrap-up', 'ended'];

function checkInvariants(value: ChatState, context: ChatContext): void {
  const ts = context.timestamps;
  const isOver = ENDED_STATES.includes(value);
  assert.equal(context.endReason !== undefined, isOver, `endReason set exactly when over (${value})`);
  assert.equal(context.endedBy !== undefined, isOver, `endedBy set exactly when over (${value})`);
  assert.equal(ts.endedAt !== undefined, isOver);
  for (const key of TIMESTAMP_KEYS) {
    const time = ts[key];
    if (time !== undefined) assert.ok(time >= ts.createdAt, `${key} before createdAt`);
  }
  if (ts.offeredAt !== undefined) assert.ok(ts.queuedAt !== undefined && ts.offeredAt >= ts.queuedAt);
  if (ts.answeredAt !== undefined) assert.ok(ts.queuedAt !== undefined && ts.answeredAt >= ts.queuedAt);
  if (ts.wrapUpEndedAt !== undefined) assert.ok(ts.endedAt !== undefined && ts.wrapUpEndedAt >= ts.endedAt);
  assert.equal(context.offerExpiresAt !== undefined, value === 'offered');
  if (value === 'offered' || value === 'active') assert.ok(context.agentId);
  const openLegs = context.offerHistory.filter((leg) => leg.endReason === undefined);
  assert.equal(openLegs.length, value === 'offered' || value === 'active' ? 1 : 0, `open legs in ${value}`);
  assert.equal(context.missCount, context.offerHistory.filter((leg) => leg.endReason === 'missed').length);
}

function checkStep({ before, after, event }: Step<ChatState, ChatEvent, ChatContext>): void {
  checkInvariants(after.value, after.context);
  // Timestamps only ever move forward; once set they stay set. queuedAt and answeredAt never change.
  for (const key of TIMESTAMP_KEYS) {
    const was = before.context.timestamps[key];
    const now = after.context.timestamps[key];
    if (was !== undefined) assert.ok(now !== undefined && now >= was, `${key} went back on ${event.type}`);
  }
  for (const key of ['createdAt', 'queuedAt', 'answeredAt'] as const) {
    const was = before.context.timestamps[key];
    if (was !== undefined) assert.equal(after.context.timestamps[key], was, `${key} changed`);
  }
  assertOutcomeKept(before.context, after.context);
}

describeMachineProperties({
  machine: chatMachine,
  start: startArb,
  events: chatEventArbs,
  sequence: sequenceOptions,
  checkStep,
  finals: [ended],
  runs: { random: 300, guided: 500, coverage: 100 },
});

describe('chat machine: reassignment', () => {
  test("a supervisor's move keeps the chat in line with its original wait, under the new queue's policy", () => {
    const moved = run(chatMachine, queued, {
      type: 'REASSIGN',
      at: LATER,
      queueId: 'sales',
      acw: { kind: 'none' },
      dispositionRequired: false,
    });
    assert.equal(moved.value, 'queued');
    assert.equal(moved.context.queueId, 'sales');
    assert.deepEqual(moved.context.acw, { kind: 'none' });
    assert.equal(moved.context.timestamps.queuedAt, queued.context.timestamps.queuedAt);
  });
});
