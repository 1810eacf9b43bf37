import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pendingDeadline, transition } from '../machine';
import {
  assertIllegal,
  describeMachineProperties,
  describeTransitionTable,
  type EventArbitraries,
  run,
  type SampleEvents,
  type Step,
  type TransitionTable,
  ILLEGAL as x,
} from '../machine/machine.testing';
import { caseMachine, caseSnapshot, firstResponseDueAt, resolutionDueAt } from './case.machine';
import { CASE_PRIORITIES, type CaseContext, type CaseEvent, type CaseState } from './case.types';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;
const HOUR = 3_600_000;
const SLA = { firstResponseSeconds: 3600, resolutionSeconds: 8 * 3600 };

const open = caseSnapshot({ at: T0, subject: 'Refund', queueId: 'billing', interactionId: 'i1', sla: SLA });
const pending = run(caseMachine, open, { type: 'AGENT_REPLY', at: T0 + 1 }, { type: 'PEND', at: T0 + 2 });
const solved = run(caseMachine, open, { type: 'SOLVE', at: T0 + 3 });
const closed = run(caseMachine, solved, { type: 'CLOSE', at: T0 + 4 });

const events: SampleEvents<CaseEvent> = {
  OPEN: { type: 'OPEN', at: LATER },
  PEND: { type: 'PEND', at: LATER },
  SOLVE: { type: 'SOLVE', at: LATER },
  CLOSE: { type: 'CLOSE', at: LATER },
  REOPEN: { type: 'REOPEN', at: LATER },
  CONTACT: { type: 'CONTACT', at: LATER, interactionId: 'i2' },
  LINK: { type: 'LINK', at: LATER, interactionId: 'i3' },
  AGENT_REPLY: { type: 'AGENT_REPLY', at: LATER },
  UPDATE: { type: 'UPDATE', at: LATER, priority: 'high', tags: ['refund'] },
  // Before any target is due: refused (the timer's own event is tested below).
  SLA_DUE: { type: 'SLA_DUE', at: LATER },
};

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<CaseState, CaseEvent> = {
  open: {
    OPEN: x, PEND: 'pending', SOLVE: 'solved', CLOSE: x, REOPEN: x, CONTACT: 'open', LINK: 'open',
    AGENT_REPLY: 'open', UPDATE: 'open', SLA_DUE: x,
  },
  pending: {
    OPEN: 'open', PEND: x, SOLVE: 'solved', CLOSE: x, REOPEN: x, CONTACT: 'open', LINK: 'pending',
    AGENT_REPLY: 'pending', UPDATE: 'pending', SLA_DUE: x,
  },
  solved: {
    OPEN: x, PEND: x, SOLVE: x, CLOSE: 'closed', REOPEN: 'open', CONTACT: 'open', LINK: 'open',
    AGENT_REPLY: x, UPDATE: 'solved', SLA_DUE: x,
  },
  closed: {
    OPEN: x, PEND: x, SOLVE: x, CLOSE: x, REOPEN: x, CONTACT: x, LINK: x, AGENT_REPLY: x, UPDATE: x, SLA_DUE: x,
  },
};

describeTransitionTable({
  machine: caseMachine,
  table,
  snapshots: { open, pending, solved, closed },
  events,
});

const idArb = fc.constantFrom('i1', 'i2', 'i3', '');
const atArb = fc.integer({ min: T0, max: T0 + 10 * HOUR });
const arbitraries: EventArbitraries<CaseEvent> = {
  OPEN: atArb.map((at) => ({ type: 'OPEN', at })),
  PEND: atArb.map((at) => ({ type: 'PEND', at })),
  SOLVE: atArb.map((at) => ({ type: 'SOLVE', at })),
  CLOSE: atArb.map((at) => ({ type: 'CLOSE', at })),
  REOPEN: atArb.map((at) => ({ type: 'REOPEN', at })),
  CONTACT: fc.record({ type: fc.constant('CONTACT'), at: atArb, interactionId: idArb }),
  LINK: fc.record({ type: fc.constant('LINK'), at: atArb, interactionId: idArb }),
  AGENT_REPLY: atArb.map((at) => ({ type: 'AGENT_REPLY', at })),
  UPDATE: fc.record({
    type: fc.constant('UPDATE'),
    at: atArb,
    priority: fc.option(fc.constantFrom(...CASE_PRIORITIES), { nil: undefined }),
    tags: fc.option(fc.array(fc.constantFrom('a', 'b', ' ')), { nil: undefined }),
  }),
  SLA_DUE: atArb.map((at) => ({ type: 'SLA_DUE', at })),
};

function checkStep({ before, after, ok }: Step<CaseState, CaseEvent, CaseContext>): void {
  const b = before.context;
  const a = after.context;
  assert.ok(a.timestamps.updatedAt >= b.timestamps.updatedAt, 'time never runs backwards');
  assert.ok(a.contacts >= b.contacts && a.reopenCount >= b.reopenCount, 'counters only grow');
  assert.equal(new Set(a.interactionIds).size, a.interactionIds.length, 'an interaction is linked once');
  for (const id of b.interactionIds) assert.ok(a.interactionIds.includes(id), 'a link is never lost');
  assert.ok(a.contacts >= a.interactionIds.length, 'every linked interaction is a contact');
  assert.ok(
    a.tags.every((tag) => tag.trim() !== ''),
    'no blank tag',
  );
  if (ok && after.value === 'solved') assert.ok(a.timestamps.solvedAt !== undefined);
  if (after.value === 'open' && before.value === 'solved') assert.equal(a.reopenCount, b.reopenCount + 1);
}

describeMachineProperties({
  machine: caseMachine,
  start: fc.constant(open),
  events: arbitraries,
  sequence: { start: T0, maxLength: 40 },
  checkStep,
  finals: [closed],
  runs: { random: 200, guided: 200, coverage: 100 },
});

describe('case machine: SLA timer', () => {
  test('open waits for the first response, then for the resolution, recording each breach', () => {
    const first = pendingDeadline(caseMachine, open);
    assert.ok(first);
    assert.equal(first.kind, 'case-sla');
    assert.equal(first.at, firstResponseDueAt(open.context) + 1);
    const late = run(caseMachine, open, first.event(first.at));
    assert.equal(late.value, 'open', 'a breach changes no state');
    assert.equal(late.context.firstResponseBreached, true);
    assert.equal(late.context.resolutionBreached, false);
    const next = pendingDeadline(caseMachine, late);
    assert.equal(next?.at, resolutionDueAt(open.context) + 1);
    const over = run(caseMachine, late, { type: 'SLA_DUE', at: next?.at ?? 0 });
    assert.equal(over.context.resolutionBreached, true);
    assert.equal(pendingDeadline(caseMachine, over), undefined, 'nothing left to wait for');
  });

  test('due exactly at a moment is still in time; an answered case waits only for the resolution', () => {
    assertIllegal(caseMachine, open, { type: 'SLA_DUE', at: firstResponseDueAt(open.context) });
    assert.equal(pendingDeadline(caseMachine, pending)?.at, resolutionDueAt(pending.context) + 1);
  });

  test('the timer runs while pending and stops when solved', () => {
    assert.ok(pendingDeadline(caseMachine, pending));
    assert.equal(pendingDeadline(caseMachine, solved), undefined);
    assert.equal(pendingDeadline(caseMachine, closed), undefined);
  });
});

describe('case machine: contacts and reopening', () => {
  test('the customer answering a solved case reopens it as a second contact with a new episode', () => {
    const back = run(caseMachine, solved, { type: 'CONTACT', at: T0 + 10 * HOUR, interactionId: 'i1' });
    assert.equal(back.value, 'open');
    assert.equal(back.context.contacts, 2);
    assert.equal(back.context.reopenCount, 1);
    assert.equal(back.context.openedAt, T0 + 10 * HOUR, 'the SLA runs from the reopening');
    assert.equal(back.context.timestamps.solvedAt, undefined);
    assert.deepEqual(back.context.interactionIds, ['i1']);
  });

  test('a new interaction reopens a solved case once and is linked', () => {
    const back = run(caseMachine, solved, { type: 'CONTACT', at: LATER, interactionId: 'i9' });
    assert.deepEqual(back.context.interactionIds, ['i1', 'i9']);
    assert.equal(back.context.contacts, 2);
  });

  test('closed is final: a later contact needs a new case', () => {
    assertIllegal(caseMachine, closed, { type: 'CONTACT', at: LATER, interactionId: 'i1' });
    assertIllegal(caseMachine, closed, { type: 'REOPEN', at: LATER });
  });

  test('linking an interaction twice is refused; an update keeps what it does not name', () => {
    assertIllegal(caseMachine, open, { type: 'LINK', at: LATER, interactionId: 'i1' });
    const updated = run(caseMachine, open, {
      type: 'UPDATE',
      at: LATER,
      assigneeId: 'ann',
      tags: ['x', 'x '],
    });
    assert.equal(updated.context.subject, 'Refund');
    assert.equal(updated.context.assigneeId, 'ann');
    assert.deepEqual(updated.context.tags, ['x']);
    const unassigned = transition(caseMachine, updated, { type: 'UPDATE', at: LATER, assigneeId: null });
    assert.ok(unassigned.ok);
    assert.equal(unassigned.snapshot.context.assigneeId, undefined);
    assertIllegal(caseMachine, open, { type: 'UPDATE', at: LATER, subject: '  ' });
  });
});
