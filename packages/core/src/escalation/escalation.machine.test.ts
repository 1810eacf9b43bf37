import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pendingDeadline } from '../machine';
import {
  assertIllegal,
  describeTransitionTable,
  run,
  type SampleEvents,
  type TransitionTable,
  ILLEGAL as x,
} from '../machine/machine.testing';
import { escalationMachine, escalationSnapshot } from './escalation.machine';
import type { EscalationEvent, EscalationState } from './escalation.types';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;

const waiting = escalationSnapshot({
  at: T0,
  target: { kind: 'interaction', id: 'chat-1' },
  queueId: 'support',
  agentId: 'alice',
  reason: 'Refund above my limit',
});
const offered = run(escalationMachine, waiting, {
  type: 'OFFER',
  at: T0 + 1,
  leaderId: 'tess',
  expiresAt: T0 + 30_000,
});
const accepted = run(escalationMachine, offered, { type: 'ACCEPT', at: T0 + 2, leaderId: 'tess' });
const takenOver = run(escalationMachine, accepted, { type: 'TAKE_OVER', at: T0 + 3 });
const handedBack = run(escalationMachine, accepted, { type: 'HAND_BACK', at: T0 + 3, note: 'Offer 20%' });
const cancelled = run(escalationMachine, waiting, { type: 'CANCEL', at: T0 + 3 });

const events: SampleEvents<EscalationEvent> = {
  // To a team leader not passed over yet.
  OFFER: { type: 'OFFER', at: LATER, leaderId: 'tom', expiresAt: LATER + 30_000 },
  BOARD: { type: 'BOARD', at: LATER },
  DECLINE: { type: 'DECLINE', at: LATER },
  OFFER_TIMEOUT: { type: 'OFFER_TIMEOUT', at: LATER },
  // The leader it is offered to (from `offered`), or anyone allowed from the board (from `waiting`).
  ACCEPT: { type: 'ACCEPT', at: LATER, leaderId: 'tess' },
  TAKE_OVER: { type: 'TAKE_OVER', at: LATER },
  HAND_BACK: { type: 'HAND_BACK', at: LATER, note: 'Offer a voucher' },
  CANCEL: { type: 'CANCEL', at: LATER },
};

const ended = {
  OFFER: x,
  BOARD: x,
  DECLINE: x,
  OFFER_TIMEOUT: x,
  ACCEPT: x,
  TAKE_OVER: x,
  HAND_BACK: x,
  CANCEL: x,
} as const;

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<EscalationState, EscalationEvent> = {
  waiting: {
    OFFER: 'offered', BOARD: 'waiting', DECLINE: x, OFFER_TIMEOUT: x, ACCEPT: 'accepted', TAKE_OVER: x, HAND_BACK: x,
    CANCEL: 'cancelled',
  },
  offered: {
    OFFER: x, BOARD: x, DECLINE: 'waiting', OFFER_TIMEOUT: 'waiting', ACCEPT: 'accepted', TAKE_OVER: x, HAND_BACK: x,
    CANCEL: 'cancelled',
  },
  accepted: {
    OFFER: x, BOARD: x, DECLINE: x, OFFER_TIMEOUT: x, ACCEPT: x, TAKE_OVER: 'taken-over', HAND_BACK: 'handed-back',
    CANCEL: 'cancelled',
  },
  'taken-over': ended,
  'handed-back': ended,
  cancelled: ended,
};

describeTransitionTable({
  machine: escalationMachine,
  table,
  snapshots: { waiting, offered, accepted, 'taken-over': takenOver, 'handed-back': handedBack, cancelled },
  events,
});

describe('escalation machine', () => {
  test('the offer runs out at its expiry and the team leader is passed over', () => {
    const due = pendingDeadline(escalationMachine, offered);
    assert.equal(due?.kind, 'escalation-offer');
    assert.equal(due?.at, T0 + 30_000);
    assertIllegal(escalationMachine, offered, { type: 'OFFER_TIMEOUT', at: T0 + 29_999 });
    const back = run(escalationMachine, offered, due?.event(T0 + 30_000) ?? events.CANCEL);
    assert.equal(back.value, 'waiting');
    assert.deepEqual(back.context.passedOver, ['tess']);
    assert.equal(back.context.leaderId, undefined);
    assert.equal(pendingDeadline(escalationMachine, back), undefined, 'nothing waits while on the board');
    assertIllegal(escalationMachine, back, {
      type: 'OFFER',
      at: LATER,
      leaderId: 'tess',
      expiresAt: LATER + 1,
    });
  });

  test('the board is recorded once', () => {
    const boarded = run(escalationMachine, waiting, { type: 'BOARD', at: LATER });
    assert.equal(boarded.context.boardedAt, LATER);
    assertIllegal(escalationMachine, boarded, { type: 'BOARD', at: LATER + 1 });
  });

  test('only the offered team leader accepts an offer; a hand-back needs a note', () => {
    assertIllegal(escalationMachine, offered, { type: 'ACCEPT', at: LATER, leaderId: 'tom' });
    assertIllegal(escalationMachine, accepted, { type: 'HAND_BACK', at: LATER, note: '   ' });
  });

  test('times are recorded: accepted, ended; the note is kept', () => {
    assert.equal(accepted.context.timestamps.acceptedAt, T0 + 2);
    assert.equal(handedBack.context.timestamps.endedAt, T0 + 3);
    assert.equal(handedBack.context.note, 'Offer 20%');
    assert.equal(accepted.context.offers, 1);
  });
});
