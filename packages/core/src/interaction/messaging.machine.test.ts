import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pendingDeadline } from '../machine';
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
import { acwPolicyArb, assertOutcomeKept, atArb, offerEventArbs, retimeOffer } from './interaction.testing';
import {
  type MessagingContext,
  type MessagingEvent,
  type MessagingState,
  messagingMachine,
  messagingSla,
  messagingSnapshot,
} from './messaging.machine';
import { phaseOf } from './phase';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;
const HOUR = 3_600_000;

const queued = messagingSnapshot({ at: T0, queueId: 'support' });
const offered = run(messagingMachine, queued, {
  type: 'OFFER',
  at: T0 + 1,
  agentId: 'a1',
  expiresAt: T0 + 30_000,
});
const active = run(messagingMachine, offered, { type: 'ACCEPT', at: T0 + 2, agentId: 'a1' });
const pending = run(
  messagingMachine,
  active,
  { type: 'AGENT_REPLY', at: T0 + 3 },
  { type: 'SET_PENDING', at: T0 + 4 },
);
const snoozed = run(messagingMachine, active, { type: 'SNOOZE', at: T0 + 3, until: LATER + HOUR });
const resolved = run(messagingMachine, active, { type: 'RESOLVE', at: T0 + 5, by: 'agent' });

const events: SampleEvents<MessagingEvent> = {
  OFFER: { type: 'OFFER', at: LATER, agentId: 'a2', expiresAt: LATER + 30_000 },
  ACCEPT: { type: 'ACCEPT', at: LATER, agentId: 'a1' },
  REJECT: { type: 'REJECT', at: LATER, agentId: 'a1' },
  OFFER_TIMEOUT: { type: 'OFFER_TIMEOUT', at: LATER },
  OFFER_WITHDRAWN: { type: 'OFFER_WITHDRAWN', at: LATER },
  REASSIGN: { type: 'REASSIGN', at: LATER, queueId: 'billing' },
  CUSTOMER_MESSAGE: { type: 'CUSTOMER_MESSAGE', at: LATER },
  AGENT_REPLY: { type: 'AGENT_REPLY', at: LATER },
  SET_PENDING: { type: 'SET_PENDING', at: LATER },
  SNOOZE: { type: 'SNOOZE', at: LATER, until: LATER + HOUR },
  // Before the sample snooze is over: refused (the deadline's own event is tested below).
  WAKE: { type: 'WAKE', at: LATER },
  REOPEN: { type: 'REOPEN', at: LATER, agentId: 'a2' },
  RESOLVE: { type: 'RESOLVE', at: LATER, by: 'agent', disposition: 'answered' },
  TRANSFER: { type: 'TRANSFER', at: LATER, queueId: 'billing' },
};

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<MessagingState, MessagingEvent> = {
  queued: {
    OFFER: 'offered', ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x, OFFER_WITHDRAWN: x, REASSIGN: 'queued',
    CUSTOMER_MESSAGE: 'queued', AGENT_REPLY: x, SET_PENDING: x, SNOOZE: x, WAKE: x, REOPEN: x,
    RESOLVE: 'resolved', TRANSFER: x,
  },
  offered: {
    OFFER: x, ACCEPT: 'active', REJECT: 'queued', OFFER_TIMEOUT: 'queued', OFFER_WITHDRAWN: 'queued', REASSIGN: x,
    CUSTOMER_MESSAGE: 'offered', AGENT_REPLY: x, SET_PENDING: x, SNOOZE: x, WAKE: x, REOPEN: x,
    RESOLVE: x, TRANSFER: x,
  },
  active: {
    OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x, OFFER_WITHDRAWN: x, REASSIGN: x,
    CUSTOMER_MESSAGE: 'active', AGENT_REPLY: 'active', SET_PENDING: 'pending', SNOOZE: 'snoozed', WAKE: x,
    REOPEN: x, RESOLVE: 'resolved', TRANSFER: 'queued',
  },
  pending: {
    OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x, OFFER_WITHDRAWN: x, REASSIGN: x,
    CUSTOMER_MESSAGE: 'active', AGENT_REPLY: 'pending', SET_PENDING: x, SNOOZE: 'snoozed', WAKE: x,
    REOPEN: 'active', RESOLVE: 'resolved', TRANSFER: 'queued',
  },
  snoozed: {
    OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x, OFFER_WITHDRAWN: x, REASSIGN: x,
    CUSTOMER_MESSAGE: 'active', AGENT_REPLY: 'snoozed', SET_PENDING: 'pending', SNOOZE: 'snoozed', WAKE: x,
    REOPEN: 'active', RESOLVE: 'resolved', TRANSFER: 'queued',
  },
  resolved: {
    OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x, OFFER_WITHDRAWN: x, REASSIGN: x,
    CUSTOMER_MESSAGE: 'queued', AGENT_REPLY: x, SET_PENDING: x, SNOOZE: x, WAKE: x, REOPEN: 'active',
    RESOLVE: x, TRANSFER: x,
  },
};

describeTransitionTable({
  machine: messagingMachine,
  table,
  snapshots: { queued, offered, active, pending, snoozed, resolved },
  events,
});

describe('messaging machine: waiting, snoozing, resolving, reopening', () => {
  test('a snooze wakes at its time into active, with the same agent', () => {
    const deadline = pendingDeadline(messagingMachine, snoozed);
    assert.equal(deadline?.kind, 'snooze-wake');
    assert.equal(deadline?.at, LATER + HOUR);
    assertIllegal(messagingMachine, snoozed, { type: 'WAKE', at: LATER + HOUR - 1 });
    const woken = run(messagingMachine, snoozed, deadline?.event(LATER + HOUR) as MessagingEvent);
    assert.equal(woken.value, 'active');
    assert.equal(woken.context.agentId, 'a1');
    assert.equal(woken.context.snoozedUntil, undefined);
  });

  test('a snooze must end in the future', () => {
    assertIllegal(messagingMachine, active, { type: 'SNOOZE', at: LATER, until: LATER });
  });

  test("the customer's answer brings a pending conversation back to its agent", () => {
    const back = run(messagingMachine, pending, { type: 'CUSTOMER_MESSAGE', at: LATER });
    assert.equal(back.value, 'active');
    assert.equal(back.context.agentId, 'a1');
    assert.equal(back.context.awaitingReplySince, LATER);
  });

  test('resolving needs the disposition the queue requires', () => {
    const strict = run(
      messagingMachine,
      messagingSnapshot({ at: T0, dispositionRequired: true }),
      { type: 'OFFER', at: T0 + 1, agentId: 'a1', expiresAt: T0 + 30_000 },
      { type: 'ACCEPT', at: T0 + 2, agentId: 'a1' },
    );
    assertIllegal(messagingMachine, strict, { type: 'RESOLVE', at: LATER, by: 'agent' });
    assertIllegal(messagingMachine, strict, { type: 'RESOLVE', at: LATER, by: 'agent', disposition: ' ' });
    const done = run(messagingMachine, strict, {
      type: 'RESOLVE',
      at: LATER,
      by: 'agent',
      disposition: 'refund',
    });
    assert.deepEqual(
      [done.value, done.context.endReason, done.context.endedBy, done.context.disposition],
      ['resolved', 'completed', 'agent', 'refund'],
    );
    assert.equal(done.context.timestamps.endedAt, LATER);
  });

  test("the customer's next message reopens a resolved conversation into the queue, remembering its agent", () => {
    const reopened = run(messagingMachine, resolved, { type: 'CUSTOMER_MESSAGE', at: LATER });
    assert.equal(reopened.value, 'queued');
    assert.equal(reopened.context.agentId, undefined);
    assert.equal(reopened.context.lastAgentId, 'a1');
    assert.equal(reopened.context.reopenCount, 1);
    assert.equal(reopened.context.openedAt, LATER);
    assert.equal(reopened.context.endReason, undefined);
    assert.equal(reopened.context.timestamps.endedAt, undefined);
    assert.equal(reopened.context.timestamps.queuedAt, T0, 'the first wait is kept');
  });

  test('staff reopen a resolved conversation for an agent, who holds it at once', () => {
    const reopened = run(messagingMachine, resolved, { type: 'REOPEN', at: LATER, agentId: 'a2' });
    assert.equal(reopened.value, 'active');
    assert.equal(reopened.context.agentId, 'a2');
    assertIllegal(messagingMachine, resolved, { type: 'REOPEN', at: LATER, agentId: '' });
  });

  test('first response and replies count per episode', () => {
    const replied = run(
      messagingMachine,
      active,
      { type: 'AGENT_REPLY', at: T0 + 10 },
      { type: 'CUSTOMER_MESSAGE', at: T0 + 20 },
      { type: 'AGENT_REPLY', at: T0 + 30 },
    );
    assert.equal(replied.context.firstResponseAt, T0 + 10);
    assert.equal(replied.context.replies, 2);
    assert.equal(replied.context.awaitingReplySince, undefined);
    const again = run(
      messagingMachine,
      replied,
      { type: 'RESOLVE', at: T0 + 40, by: 'agent' },
      { type: 'CUSTOMER_MESSAGE', at: T0 + 50 },
    );
    assert.equal(again.context.firstResponseAt, undefined);
    assert.equal(again.context.replies, 0);
  });

  test('every state has a phase; pending and snoozed hold no capacity (not handling)', () => {
    const phases = Object.keys(messagingMachine.states).map((state) => phaseOf('email', state));
    assert.deepEqual(phases, ['waiting', 'offered', 'handling', 'pending', 'pending', 'final']);
    assert.equal(phaseOf('whatsapp', 'snoozed'), 'pending');
  });
});

describe('messaging SLA (computed, not a deadline)', () => {
  const policy = { firstResponseSeconds: 3600, resolutionSeconds: 86_400 };

  test('due times count from the episode; unanswered past the target is a breach', () => {
    const sla = messagingSla(active, policy, T0 + HOUR - 1);
    assert.equal(sla.firstResponseDueAt, T0 + HOUR);
    assert.equal(sla.resolutionDueAt, T0 + 24 * HOUR);
    assert.equal(sla.firstResponseBreached, false);
    assert.equal(messagingSla(active, policy, T0 + HOUR + 1).firstResponseBreached, true);
  });

  test('an answer in time stays in time; a late resolution stays late', () => {
    const answered = run(messagingMachine, active, { type: 'AGENT_REPLY', at: T0 + 1000 });
    assert.equal(messagingSla(answered, policy, T0 + 48 * HOUR).firstResponseBreached, false);
    const late = run(messagingMachine, answered, { type: 'RESOLVE', at: T0 + 25 * HOUR, by: 'agent' });
    assert.equal(messagingSla(late, policy, T0 + 25 * HOUR).resolutionBreached, true);
    const onTime = run(messagingMachine, answered, { type: 'RESOLVE', at: T0 + HOUR, by: 'agent' });
    assert.equal(messagingSla(onTime, policy, T0 + 48 * HOUR).resolutionBreached, false);
  });
});

// ─── properties ──────────────────────────────────────────────────────────────────────────────────

const textArb = fc.option(fc.constantFrom('', ' ', 'answered', 'refund'), { nil: undefined });

const messagingEventArbs: EventArbitraries<MessagingEvent> = {
  ...offerEventArbs,
  REASSIGN: fc.record(
    {
      type: fc.constant('REASSIGN'),
      at: atArb,
      queueId: fc.constantFrom('support', 'billing'),
      acw: acwPolicyArb,
      dispositionRequired: fc.boolean(),
    },
    { requiredKeys: ['type', 'at', 'queueId'] },
  ),
  CUSTOMER_MESSAGE: fc.record({ type: fc.constant('CUSTOMER_MESSAGE'), at: atArb }),
  AGENT_REPLY: fc.record({ type: fc.constant('AGENT_REPLY'), at: atArb }),
  SET_PENDING: fc.record({ type: fc.constant('SET_PENDING'), at: atArb }),
  // `until` is relative here (see retime): sometimes already past.
  SNOOZE: fc.record({
    type: fc.constant('SNOOZE'),
    at: atArb,
    until: fc.integer({ min: -10_000, max: 120_000 }),
  }),
  WAKE: fc.record({ type: fc.constant('WAKE'), at: atArb }),
  REOPEN: fc.record({ type: fc.constant('REOPEN'), at: atArb, agentId: fc.constantFrom('a1', 'a2', '') }),
  RESOLVE: fc.record(
    {
      type: fc.constant('RESOLVE'),
      at: atArb,
      by: fc.constantFrom('agent' as const, 'system' as const),
      disposition: textArb,
      notes: textArb,
    },
    { requiredKeys: ['type', 'at', 'by'] },
  ),
  TRANSFER: fc.record(
    { type: fc.constant('TRANSFER'), at: atArb, queueId: fc.constantFrom('support', 'billing') },
    { requiredKeys: ['type', 'at'] },
  ),
};

const sequenceOptions: SequenceOptions<MessagingEvent> = {
  start: T0,
  retime(event, clock) {
    const retimed = retimeOffer(event, clock);
    return retimed.type === 'SNOOZE' ? { ...retimed, until: clock + retimed.until } : retimed;
  },
};

const startArb = fc
  .record({ dispositionRequired: fc.boolean(), at: fc.integer({ min: T0 - 1000, max: T0 }) })
  .map((options) => messagingSnapshot({ ...options, queueId: 'support' }));

const ASSIGNED: readonly MessagingState[] = ['offered', 'active', 'pending', 'snoozed'];
const KEPT_TIMESTAMPS = ['createdAt', 'queuedAt', 'answeredAt'] as const;

function checkInvariants(value: MessagingState, context: MessagingContext): void {
  const ts = context.timestamps;
  const isResolved = value === 'resolved';
  assert.equal(context.endReason !== undefined, isResolved, `endReason set exactly when resolved (${value})`);
  assert.equal(context.endedBy !== undefined, isResolved, `endedBy set exactly when resolved (${value})`);
  assert.equal(ts.endedAt !== undefined, isResolved, `endedAt set exactly when resolved (${value})`);
  assert.equal(context.snoozedUntil !== undefined, value === 'snoozed', `snoozedUntil only while snoozed`);
  assert.equal(
    context.offerExpiresAt !== undefined,
    value === 'offered',
    `offerExpiresAt only while offered`,
  );
  if (ASSIGNED.includes(value)) assert.ok(context.agentId, `an agent holds it in ${value}`);
  if (value === 'queued') assert.equal(context.agentId, undefined, 'nobody holds a queued conversation');
  const openLegs = context.offerHistory.filter((leg) => leg.endReason === undefined);
  assert.equal(openLegs.length, ASSIGNED.includes(value) ? 1 : 0, `open legs in ${value}`);
  assert.equal(context.missCount, context.offerHistory.filter((leg) => leg.endReason === 'missed').length);
  assert.equal(context.firstResponseAt !== undefined, context.replies > 0, 'a first response iff replies');
  assert.ok(context.openedAt >= ts.createdAt, 'an episode opens after creation');
  if (ts.queuedAt !== undefined) assert.ok(ts.queuedAt >= ts.createdAt);
}

function checkStep({ before, after, event }: Step<MessagingState, MessagingEvent, MessagingContext>): void {
  checkInvariants(after.value, after.context);
  for (const key of KEPT_TIMESTAMPS) {
    const was = before.context.timestamps[key];
    if (was !== undefined)
      assert.equal(after.context.timestamps[key], was, `${key} changed on ${event.type}`);
  }
  assert.ok(after.context.reopenCount >= before.context.reopenCount, 'reopenings only add up');
  // A resolution is kept until the customer (or staff) reopens: nothing else changes its outcome.
  if (after.value === 'resolved') assertOutcomeKept(before.context, after.context);
  if (before.value === 'resolved' && after.value !== 'resolved') {
    assert.ok(event.type === 'CUSTOMER_MESSAGE' || event.type === 'REOPEN', `reopened by ${event.type}`);
    assert.equal(after.context.reopenCount, before.context.reopenCount + 1);
  }
}

describeMachineProperties({
  machine: messagingMachine,
  start: startArb,
  events: messagingEventArbs,
  sequence: sequenceOptions,
  checkStep,
  // No final state: a resolved conversation reopens when the customer writes again.
  finals: [],
  runs: { random: 300, guided: 500, coverage: 100 },
});
