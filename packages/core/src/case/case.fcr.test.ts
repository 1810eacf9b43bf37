import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { transition } from '../machine';
import { firstContactResolution } from './case.fcr';
import { caseMachine, caseSnapshot } from './case.machine';
import type { CaseEvent, CaseSnapshot } from './case.types';

const T0 = 1_700_000_000_000;

/** What happened to one case, as a contact center would log it, before any machine sees it. */
type HistoryStep =
  | { readonly kind: 'solve' | 'close' | 'pend' | 'resume' | 'staff-reopen' | 'reply' }
  | { readonly kind: 'customer' | 'link'; readonly interaction: number };

const stepArb: fc.Arbitrary<HistoryStep> = fc.oneof(
  fc.record({ kind: fc.constantFrom('solve', 'close', 'pend', 'resume', 'staff-reopen', 'reply' as const) }),
  fc.record({
    kind: fc.constantFrom('customer', 'link' as const),
    interaction: fc.integer({ min: 0, max: 3 }),
  }),
);
const historyArb = fc.array(fc.array(stepArb, { maxLength: 12 }), { maxLength: 30 });

function eventOf(step: HistoryStep, at: number): CaseEvent {
  switch (step.kind) {
    case 'solve':
      return { type: 'SOLVE', at };
    case 'close':
      return { type: 'CLOSE', at };
    case 'pend':
      return { type: 'PEND', at };
    case 'resume':
      return { type: 'OPEN', at };
    case 'staff-reopen':
      return { type: 'REOPEN', at };
    case 'reply':
      return { type: 'AGENT_REPLY', at };
    case 'customer':
      return { type: 'CONTACT', at, interactionId: `i${step.interaction}` };
    case 'link':
      return { type: 'LINK', at, interactionId: `i${step.interaction}` };
  }
}

/** Replays a history through the machine; refused steps change nothing (as the hub would refuse them). */
function replay(history: readonly HistoryStep[]): CaseSnapshot {
  let snapshot = caseSnapshot({ at: T0, subject: 's', queueId: 'q', interactionId: 'i0' });
  history.forEach((step, index) => {
    snapshot = transition(caseMachine, snapshot, eventOf(step, T0 + index + 1)).snapshot;
  });
  return snapshot;
}

/**
 * The same figure computed the plain way, without the machine: walk the log with a status and the set of
 * interactions seen, and count a case as solved at first contact when it ends solved or closed and, along the
 * way, never met a second interaction, a customer coming back to a solved case, or a reopening by staff.
 */
function independentFcr(histories: readonly (readonly HistoryStep[])[]): {
  solved: number;
  firstContact: number;
} {
  let solved = 0;
  let firstContact = 0;
  for (const history of histories) {
    let status = 'open';
    const seen = new Set(['i0']);
    let secondContact = false;
    for (const step of history) {
      if (status === 'closed') break;
      if (step.kind === 'customer' || step.kind === 'link') {
        const id = `i${step.interaction}`;
        const isNew = !seen.has(id);
        if (step.kind === 'link' && !isNew) continue;
        seen.add(id);
        if (isNew || status === 'solved') secondContact = true;
        if (status === 'solved' || (status === 'pending' && step.kind === 'customer')) status = 'open';
        continue;
      }
      if (step.kind === 'solve' && (status === 'open' || status === 'pending')) status = 'solved';
      else if (step.kind === 'close' && status === 'solved') status = 'closed';
      else if (step.kind === 'pend' && status === 'open') status = 'pending';
      else if (step.kind === 'resume' && status === 'pending') status = 'open';
      else if (step.kind === 'staff-reopen' && status === 'solved') {
        status = 'open';
        secondContact = true;
      }
    }
    if (status === 'solved' || status === 'closed') {
      solved += 1;
      if (!secondContact) firstContact += 1;
    }
  }
  return { solved, firstContact };
}

describe('first-contact resolution from cases', () => {
  test('equals an independent computation over generated histories', () => {
    fc.assert(
      fc.property(historyArb, (histories) => {
        const expected = independentFcr(histories);
        const actual = firstContactResolution(histories.map(replay));
        assert.equal(actual.solved, expected.solved);
        assert.equal(actual.firstContact, expected.firstContact);
        assert.equal(actual.rate, expected.solved > 0 ? expected.firstContact / expected.solved : undefined);
      }),
      { numRuns: 300 },
    );
  });

  test('solved on the first chat counts; solved after the customer came back does not', () => {
    const once = replay([{ kind: 'reply' }, { kind: 'solve' }]);
    const twice = replay([{ kind: 'solve' }, { kind: 'customer', interaction: 0 }, { kind: 'solve' }]);
    const unsolved = replay([{ kind: 'pend' }]);
    assert.deepEqual(firstContactResolution([once, twice, unsolved]), {
      solved: 2,
      firstContact: 1,
      rate: 0.5,
    });
    assert.deepEqual(firstContactResolution([]), { solved: 0, firstContact: 0, rate: undefined });
  });
});
