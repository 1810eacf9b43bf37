import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
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
import { type ChatContext, type ChatState, chatSnapshot } from './chat.machine';
import {
  acwPolicyArb,
  assertOutcomeKept,
  atArb,
  offerEventArbs,
  retimeOffer,
  wrapUpEventArbs,
} from './interaction.testing';
import { type VoiceInteractionEvent, voiceInteractionMachine } from './voice-interaction.machine';

// The voice interaction machine is the chat machine's table with two more columns (an agent's outbound dial); the
// chat machine's own behaviour is tested in chat.machine.test.ts.

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;

const prechat = chatSnapshot({ at: T0, queueId: 'sales' });
const queued = run(voiceInteractionMachine, prechat, { type: 'QUEUE', at: T0 + 1 });
const offered = run(voiceInteractionMachine, queued, {
  type: 'OFFER',
  at: T0 + 2,
  agentId: 'a1',
  expiresAt: T0 + 30_000,
});
const active = run(voiceInteractionMachine, offered, { type: 'ACCEPT', at: T0 + 3, agentId: 'a1' });
const wrapUp = run(voiceInteractionMachine, active, { type: 'AGENT_END', at: T0 + 4 });
const ended = run(voiceInteractionMachine, wrapUp, { type: 'WRAP_UP_DONE', at: T0 + 5 });

const events: SampleEvents<VoiceInteractionEvent> = {
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
  DIAL: { type: 'DIAL', at: LATER, agentId: 'a1' },
  CALL_CONNECTED: { type: 'CALL_CONNECTED', at: LATER },
  HAND_OVER: { type: 'HAND_OVER', at: LATER, agentId: 'a2' },
  WRAP_UP_DONE: { type: 'WRAP_UP_DONE', at: LATER, disposition: 'resolved', notes: 'ok' },
  WRAP_UP_TIMEOUT: { type: 'WRAP_UP_TIMEOUT', at: LATER },
  SKIP_WRAP_UP: { type: 'SKIP_WRAP_UP', at: LATER },
};

// With the default ACW policy (`optional`, no disposition required); other policies are tested below.
// biome-ignore format: the table reads best as a grid
const table: TransitionTable<ChatState, VoiceInteractionEvent> = {
  prechat: {
    SUBMIT_PRECHAT: 'queued', QUEUE: 'queued', OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: 'ended', FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
    DIAL: 'active', CALL_CONNECTED: x, HAND_OVER: x,
  },
  queued: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: 'offered', ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: 'ended', FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: 'queued',
    DIAL: x, CALL_CONNECTED: x, HAND_OVER: x,
  },
  offered: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: 'active', REJECT: 'queued', OFFER_TIMEOUT: 'queued',
    OFFER_WITHDRAWN: 'queued', VISITOR_LEFT: 'ended', AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x,
    CLOSE_QUEUE: x, FAIL: 'ended', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
    DIAL: x, CALL_CONNECTED: x, HAND_OVER: x,
  },
  active: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: 'wrap-up', AGENT_END: 'wrap-up', INACTIVITY_TIMEOUT: 'wrap-up',
    TRANSFER: 'queued', CLOSE_QUEUE: x, FAIL: 'wrap-up', WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
    DIAL: x, CALL_CONNECTED: 'active', HAND_OVER: 'active',
  },
  'wrap-up': {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: x, AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x, CLOSE_QUEUE: x,
    FAIL: x, WRAP_UP_DONE: 'ended', WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: 'ended', REASSIGN: x,
    DIAL: x, CALL_CONNECTED: x, HAND_OVER: x,
  },
  ended: {
    SUBMIT_PRECHAT: x, QUEUE: x, OFFER: x, ACCEPT: x, REJECT: x, OFFER_TIMEOUT: x,
    OFFER_WITHDRAWN: x, VISITOR_LEFT: x, AGENT_END: x, INACTIVITY_TIMEOUT: x, TRANSFER: x, CLOSE_QUEUE: x,
    FAIL: x, WRAP_UP_DONE: x, WRAP_UP_TIMEOUT: x, SKIP_WRAP_UP: x, REASSIGN: x,
    DIAL: x, CALL_CONNECTED: x, HAND_OVER: x,
  },
};

describeTransitionTable({
  machine: voiceInteractionMachine,
  table,
  snapshots: { prechat, queued, offered, active, 'wrap-up': wrapUp, ended },
  events,
});

const eventArbs: EventArbitraries<VoiceInteractionEvent> = {
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
  DIAL: fc.record({ type: fc.constant('DIAL'), at: atArb, agentId: fc.constantFrom('a1', 'a2') }),
  CALL_CONNECTED: fc.record({ type: fc.constant('CALL_CONNECTED'), at: atArb }),
  HAND_OVER: fc.record({ type: fc.constant('HAND_OVER'), at: atArb, agentId: fc.constantFrom('a1', 'a2') }),
  ...wrapUpEventArbs,
};

const sequenceOptions: SequenceOptions<VoiceInteractionEvent> = {
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
  // A dialled call begins with its agent; any other answer comes after a wait in line.
  if (ts.answeredAt !== undefined && !context.outbound)
    assert.ok(ts.queuedAt !== undefined && ts.answeredAt >= ts.queuedAt);
  if (ts.wrapUpEndedAt !== undefined) assert.ok(ts.endedAt !== undefined && ts.wrapUpEndedAt >= ts.endedAt);
  assert.equal(context.offerExpiresAt !== undefined, value === 'offered');
  if (value === 'offered' || value === 'active') assert.ok(context.agentId);
  const openLegs = context.offerHistory.filter((leg) => leg.endReason === undefined);
  assert.equal(openLegs.length, value === 'offered' || value === 'active' ? 1 : 0, `open legs in ${value}`);
  assert.equal(context.missCount, context.offerHistory.filter((leg) => leg.endReason === 'missed').length);
}

function checkStep({ before, after, event }: Step<ChatState, VoiceInteractionEvent, ChatContext>): void {
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
  machine: voiceInteractionMachine,
  start: startArb,
  events: eventArbs,
  sequence: sequenceOptions,
  checkStep,
  finals: [ended],
  runs: { random: 300, guided: 500, coverage: 100 },
});

describe('voice interaction machine: an outbound call an agent dials', () => {
  test('goes straight to its agent, and its talk time starts when the far end picks up', () => {
    const dialled = run(voiceInteractionMachine, chatSnapshot({ at: T0 }), {
      type: 'DIAL',
      at: T0 + 1,
      agentId: 'a1',
    });
    assert.equal(dialled.value, 'active');
    assert.equal(dialled.context.agentId, 'a1');
    // Never queued nor offered: nothing for speed of answer or abandonment to count.
    assert.equal(dialled.context.timestamps.queuedAt, undefined);
    assert.equal(dialled.context.timestamps.offeredAt, undefined);
    assert.equal(dialled.context.timestamps.answeredAt, undefined);
    const connected = run(voiceInteractionMachine, dialled, { type: 'CALL_CONNECTED', at: T0 + 5 });
    assert.equal(connected.context.timestamps.answeredAt, T0 + 5);
    // A second connection (media restored) keeps the first answer.
    const again = run(voiceInteractionMachine, connected, { type: 'CALL_CONNECTED', at: T0 + 9 });
    assert.equal(again.context.timestamps.answeredAt, T0 + 5);
    const ended = run(voiceInteractionMachine, again, { type: 'AGENT_END', at: T0 + 20 });
    assert.equal(ended.value, 'wrap-up');
    assert.equal(ended.context.endReason, 'completed');
  });
});

describe('voice interaction: warm transfer hands the call over', () => {
  test("the leaving agent's leg ends transferred; the receiver's is answered at once, on the same interaction", () => {
    const handed = run(voiceInteractionMachine, active, { type: 'HAND_OVER', at: T0 + 50, agentId: 'a2' });
    assert.equal(handed.value, 'active');
    assert.equal(handed.context.agentId, 'a2');
    const [first, second, ...rest] = handed.context.offerHistory;
    assert.deepEqual([first?.agentId, first?.endReason, first?.endedAt], ['a1', 'transferred', T0 + 50]);
    assert.deepEqual(
      [second?.agentId, second?.offeredAt, second?.answeredAt, second?.endReason, rest],
      ['a2', T0 + 50, T0 + 50, undefined, []],
    );
    assert.equal(
      handed.context.timestamps.answeredAt,
      active.context.timestamps.answeredAt,
      'one speed of answer',
    );
  });

  test('a hand-over to the agent who holds the call is refused', () => {
    assertIllegal(voiceInteractionMachine, active, { type: 'HAND_OVER', at: T0 + 50, agentId: 'a1' });
  });
});
