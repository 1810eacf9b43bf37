import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { transition } from '../machine';
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
import { DEFAULT_CAPACITY, EMPTY_LOAD, type PresenceStatus } from './agent.types';
import {
  canReceiveOffer,
  type PresenceContext,
  type PresenceEvent,
  type PresenceSnapshot,
  type PresenceState,
  presenceFlags,
  presenceMachine,
  presenceSnapshot,
} from './presence.machine';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;

const offline = presenceSnapshot({ at: T0 });
const available = run(presenceMachine, offline, { type: 'GO_AVAILABLE', at: T0 + 1 });
const away = run(presenceMachine, available, { type: 'GO_AWAY', at: T0 + 2, reason: 'lunch' });

const events: SampleEvents<PresenceEvent> = {
  GO_AVAILABLE: { type: 'GO_AVAILABLE', at: LATER },
  GO_AWAY: { type: 'GO_AWAY', at: LATER, reason: 'break' },
  GO_OFFLINE: { type: 'GO_OFFLINE', at: LATER },
  FORCE: { type: 'FORCE', at: LATER, to: 'away', reason: 'supervisor', by: 'sup-1' },
};

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<PresenceState, PresenceEvent> = {
  offline:   { GO_AVAILABLE: 'available', GO_AWAY: 'away', GO_OFFLINE: x,         FORCE: 'away' },
  available: { GO_AVAILABLE: x,           GO_AWAY: 'away', GO_OFFLINE: 'offline', FORCE: 'away' },
  away:      { GO_AVAILABLE: 'available', GO_AWAY: 'away', GO_OFFLINE: 'offline', FORCE: 'away' },
};

describeTransitionTable({ machine: presenceMachine, table, snapshots: { offline, available, away }, events });

describe('presence machine: FORCE, per target', () => {
  // Where a forced change lands from each state, for each `to` (and forcing `away` without a reason).
  // biome-ignore format: the table reads best as a grid
  const forced: Record<PresenceState, Record<PresenceStatus | 'away-without-reason', PresenceState | typeof x>> = {
    offline:   { available: 'available', away: 'away', offline: 'offline', 'away-without-reason': x },
    available: { available: 'available', away: 'away', offline: 'offline', 'away-without-reason': x },
    away:      { available: 'available', away: 'away', offline: 'offline', 'away-without-reason': x },
  };
  const starts: Record<PresenceState, PresenceSnapshot> = { offline, available, away };
  for (const [state, row] of Object.entries(forced) as [PresenceState, (typeof forced)[PresenceState]][]) {
    for (const [to, expected] of Object.entries(row) as [keyof typeof row, PresenceState | typeof x][]) {
      test(`${state} × FORCE ${to} → ${expected}`, () => {
        const event: PresenceEvent =
          to === 'away-without-reason'
            ? { type: 'FORCE', at: LATER, to: 'away', by: 'sup-1' }
            : { type: 'FORCE', at: LATER, to, by: 'sup-1', reason: 'meeting' };
        if (expected === x) return assertIllegal(presenceMachine, starts[state], event);
        const next = run(presenceMachine, starts[state], event);
        assert.equal(next.value, expected);
        assert.equal(next.context.forcedBy, 'sup-1');
      });
    }
  }
});

describe('presence machine: away reasons and since', () => {
  test('going away needs a reason that is not blank', () => {
    for (const start of [offline, available, away]) {
      assertIllegal(presenceMachine, start, { type: 'GO_AWAY', at: LATER, reason: '' });
      assertIllegal(presenceMachine, start, { type: 'GO_AWAY', at: LATER, reason: '   ' });
    }
  });

  test('the reason is kept while away and dropped on leaving', () => {
    assert.equal(away.context.reasonCode, 'lunch');
    assert.equal(
      run(presenceMachine, away, { type: 'GO_AVAILABLE', at: LATER }).context.reasonCode,
      undefined,
    );
    assert.equal(run(presenceMachine, away, { type: 'GO_OFFLINE', at: LATER }).context.reasonCode, undefined);
  });

  test('since moves on a change of presence or reason, not when re-picking the same', () => {
    assert.equal(available.context.since, T0 + 1);
    assert.equal(away.context.since, T0 + 2);
    const same = transition(presenceMachine, away, { type: 'GO_AWAY', at: LATER, reason: 'lunch' });
    assert.ok(same.ok);
    assert.equal(same.snapshot, away, 'the same reason again changes nothing');
    const other = run(presenceMachine, away, { type: 'GO_AWAY', at: LATER, reason: 'meeting' });
    assert.deepEqual(other.context, { reasonCode: 'meeting', since: LATER, forcedBy: undefined });
  });

  test('a FORCE that does not say by whom is recorded as by a supervisor', () => {
    const next = run(presenceMachine, available, { type: 'FORCE', at: LATER, to: 'offline' });
    assert.equal(next.context.forcedBy, 'supervisor');
  });

  test('a forced confirmation of the current presence keeps since', () => {
    const confirmed = run(presenceMachine, available, {
      type: 'FORCE',
      at: LATER,
      to: 'available',
      by: 'sup-1',
    });
    assert.deepEqual(confirmed.context, { since: T0 + 1, forcedBy: 'sup-1' });
  });

  test('the system can set an agent away after missed offers; the agent taking over clears forcedBy', () => {
    const forced = run(presenceMachine, available, {
      type: 'FORCE',
      at: LATER,
      to: 'away',
      reason: 'missed-offers',
      by: 'system',
    });
    assert.deepEqual(forced.context, { reasonCode: 'missed-offers', since: LATER, forcedBy: 'system' });
    assert.equal(presenceFlags(forced).isForced, true);
    const own = run(presenceMachine, forced, { type: 'GO_AWAY', at: LATER + 1, reason: 'missed-offers' });
    assert.deepEqual(own.context, { reasonCode: 'missed-offers', since: LATER, forcedBy: undefined });
  });

  test('since never runs backwards', () => {
    const next = run(presenceMachine, available, { type: 'GO_OFFLINE', at: T0 - 10_000 });
    assert.equal(next.context.since, T0 + 1);
  });
});

describe('presence machine: busy is derived, never a state', () => {
  const load = { ...EMPTY_LOAD, chat: 2 };
  test('display shows busy only for an available agent holding work', () => {
    assert.equal(presenceFlags(available).display, 'available');
    assert.equal(presenceFlags(available, load).display, 'busy');
    assert.equal(presenceFlags(away, load).display, 'away');
    assert.equal(presenceFlags(away, load).isBusy, true);
    assert.equal(presenceFlags(offline).display, 'offline');
  });

  test('offers go only to available agents with free capacity on the channel', () => {
    assert.equal(canReceiveOffer(available, DEFAULT_CAPACITY, load, 'chat'), true);
    assert.equal(canReceiveOffer(available, DEFAULT_CAPACITY, { ...EMPTY_LOAD, chat: 3 }, 'chat'), false);
    assert.equal(canReceiveOffer(available, DEFAULT_CAPACITY, { ...EMPTY_LOAD, voice: 1 }, 'chat'), false);
    assert.equal(canReceiveOffer(away, DEFAULT_CAPACITY, EMPTY_LOAD, 'chat'), false);
    assert.equal(canReceiveOffer(offline, DEFAULT_CAPACITY, EMPTY_LOAD, 'voice'), false);
  });
});

// --- Properties --------------------------------------------------------------------------------------------

// Times are relative here: the sequence generators put every event on a clock (see machine/machine.testing.ts).
const atArb = fc.constant(0);
const reasonArb = fc.constantFrom('break', 'lunch', 'missed-offers', '', ' ', 'custom:coaching');
const presenceEventArbs: EventArbitraries<PresenceEvent> = {
  GO_AVAILABLE: fc.record({ type: fc.constant('GO_AVAILABLE'), at: atArb }),
  GO_AWAY: fc.record({ type: fc.constant('GO_AWAY'), at: atArb, reason: reasonArb }),
  GO_OFFLINE: fc.record({ type: fc.constant('GO_OFFLINE'), at: atArb }),
  FORCE: fc.record(
    {
      type: fc.constant('FORCE'),
      at: atArb,
      to: fc.constantFrom('offline', 'available', 'away') as fc.Arbitrary<PresenceStatus>,
      by: fc.constantFrom('sup-1', 'system'),
      reason: reasonArb,
    },
    { requiredKeys: ['type', 'at', 'to'] },
  ),
};
const sequenceOptions: SequenceOptions<PresenceEvent> = { start: T0 };

function checkStep({ before, after, ok, event }: Step<PresenceState, PresenceEvent, PresenceContext>): void {
  const { value, context } = after;
  assert.equal(context.reasonCode !== undefined, value === 'away', 'a reason exactly while away');
  if (context.reasonCode !== undefined)
    assert.notEqual(context.reasonCode.trim(), '', 'never a blank reason');
  assert.ok(context.since >= before.context.since, 'since never runs backwards');
  const changed = value !== before.value || context.reasonCode !== before.context.reasonCode;
  if (!changed) assert.equal(context.since, before.context.since, 'since moves only on a change');
  if (ok && event.type === 'FORCE') assert.equal(context.forcedBy, event.by ?? 'supervisor');
  if (ok && event.type !== 'FORCE') assert.equal(context.forcedBy, undefined, 'the agent’s own change');
  if (ok && event.type === 'GO_AVAILABLE') assert.equal(value, 'available');
  if (ok && event.type === 'GO_OFFLINE') assert.equal(value, 'offline');
  if (ok && event.type === 'FORCE') assert.equal(value, event.to);
}

const startArb = fc.integer({ min: T0 - 1_000, max: T0 }).map((at) => presenceSnapshot({ at }));

describeMachineProperties({
  machine: presenceMachine,
  start: startArb,
  events: presenceEventArbs,
  sequence: sequenceOptions,
  checkStep,
  finals: [],
  runs: { random: 300, guided: 300, coverage: 100 },
});

describe('presence machine: no final state', () => {
  test('presence has no final state: every state can reach every other', () => {
    for (const from of [offline, available, away]) {
      const reachable = new Set<PresenceState>();
      for (const event of [
        events.GO_AVAILABLE,
        events.GO_AWAY,
        events.GO_OFFLINE,
        { type: 'FORCE', at: LATER, to: 'available', by: 'sup-1' } as const,
      ]) {
        const result = transition(presenceMachine, from, event);
        if (result.ok) reachable.add(result.snapshot.value);
      }
      reachable.add(from.value);
      assert.deepEqual([...reachable].sort(), ['available', 'away', 'offline'], `from ${from.value}`);
    }
  });
});
