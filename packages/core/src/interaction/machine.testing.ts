// Test-only helpers shared by the machine tests of core (chat, callback, voice, presence, connection).
// Not exported from any index: nothing in a build imports this file.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type MachineDefinition, type MachineEvent, type Snapshot, transition } from '../machine';

/** Expectation for an event the state must refuse. States are lowercase, so this can never name one. */
export const ILLEGAL = 'ILLEGAL';

/** For every state, for every event type: the expected next state or {@link ILLEGAL}. */
export type TransitionTable<TState extends string, TEvent extends MachineEvent> = {
  readonly [S in TState]: { readonly [K in TEvent['type']]: TState | typeof ILLEGAL };
};

/** One sample event of every type (the compiler checks that every type of the union is present). */
export type SampleEvents<TEvent extends MachineEvent> = {
  readonly [K in TEvent['type']]: Extract<TEvent, { readonly type: K }>;
};

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Every event type that some state of `machine` reacts to. */
function eventTypesIn<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
): Set<string> {
  const types = new Set<string>();
  for (const config of Object.values<{ on?: object }>(machine.states)) {
    for (const type of Object.keys(config.on ?? {})) types.add(type);
  }
  return types;
}

/** Every guard and action name referenced by a transition of `machine`. */
function referencedNames<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
): { guards: Set<string>; actions: Set<string> } {
  const guards = new Set<string>();
  const actions = new Set<string>();
  for (const config of Object.values<{ on?: Record<string, unknown> }>(machine.states)) {
    for (const entry of Object.values(config.on ?? {})) {
      const candidates = (Array.isArray(entry) ? entry : [entry]) as { guard?: string; actions?: string[] }[];
      for (const candidate of candidates) {
        if (candidate.guard !== undefined) guards.add(candidate.guard);
        for (const action of candidate.actions ?? []) actions.add(action);
      }
    }
  }
  return { guards, actions };
}

/**
 * Declares the table tests of a machine: one test that the table covers every state × every event (and that
 * every referenced guard and action exists), then one test per pair that applies the sample event to the
 * state's sample snapshot and checks the expected next state, or the typed error with the snapshot unchanged.
 */
export function describeTransitionTable<
  TState extends string,
  TEvent extends MachineEvent,
  TContext,
>(options: {
  readonly machine: MachineDefinition<TState, TEvent, TContext>;
  readonly table: TransitionTable<TState, TEvent>;
  /** A representative snapshot in each state. */
  readonly snapshots: { readonly [S in TState]: Snapshot<TState, TContext> };
  readonly events: SampleEvents<TEvent>;
}): void {
  const { machine, table, snapshots, events } = options;
  const stateNames = sorted(Object.keys(machine.states));
  const eventNames = sorted(Object.keys(events));

  describe(`${machine.id} machine: state × event table`, () => {
    test('the table covers every state and every event, and names only known guards and actions', () => {
      assert.deepEqual(sorted(Object.keys(table)), stateNames, 'table rows = machine states');
      assert.deepEqual(sorted(Object.keys(snapshots)), stateNames, 'a sample snapshot for every state');
      for (const state of stateNames) {
        const row = table[state as TState];
        assert.deepEqual(sorted(Object.keys(row)), eventNames, `row ${state} has a cell for every event`);
        assert.equal(snapshots[state as TState].value, state, `sample snapshot for ${state} is in ${state}`);
      }
      for (const type of eventTypesIn(machine)) {
        assert.ok(eventNames.includes(type), `event ${type} used by the machine has a sample and a column`);
      }
      const { guards, actions } = referencedNames(machine);
      for (const guard of guards)
        assert.ok(machine.guards && Object.hasOwn(machine.guards, guard), `guard ${guard}`);
      for (const action of actions) {
        assert.ok(machine.actions && Object.hasOwn(machine.actions, action), `action ${action}`);
      }
    });

    for (const state of stateNames as TState[]) {
      for (const type of eventNames as TEvent['type'][]) {
        const expected = table[state][type];
        test(`${state} × ${type} → ${expected}`, () => {
          const before = snapshots[state];
          const copy = structuredClone(before);
          const result = transition(machine, before, events[type]);
          assert.deepEqual(before, copy, 'the input snapshot is never mutated');
          if (expected === ILLEGAL) {
            assert.equal(result.ok, false);
            if (result.ok) return;
            assert.equal(result.error.code, 'machine/illegal-event');
            assert.equal(result.snapshot, before, 'an illegal event returns the very same snapshot');
          } else {
            assert.equal(result.ok, true, result.ok ? '' : result.error.message);
            assert.equal(result.snapshot.value, expected);
          }
        });
      }
    }
  });
}

/** One step of {@link walk}: the event, the snapshots before and after, and whether it was accepted. */
export interface Step<TState extends string, TEvent extends MachineEvent, TContext> {
  readonly event: TEvent;
  readonly before: Snapshot<TState, TContext>;
  readonly after: Snapshot<TState, TContext>;
  readonly ok: boolean;
}

/**
 * Applies `events` in order from `start`, checking the runtime contract at every step (an illegal event yields
 * `machine/illegal-event` and the same snapshot; a final state accepts nothing), and calls `check` per step.
 */
export function walk<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  start: Snapshot<TState, TContext>,
  events: readonly TEvent[],
  check: (step: Step<TState, TEvent, TContext>) => void,
): Snapshot<TState, TContext> {
  const states = Object.keys(machine.states);
  let snapshot = start;
  for (const event of events) {
    const result = transition(machine, snapshot, event);
    if (machine.states[snapshot.value].final)
      assert.equal(result.ok, false, `final ${snapshot.value} took ${event.type}`);
    if (!result.ok) {
      assert.equal(result.error.code, 'machine/illegal-event');
      assert.equal(result.snapshot, snapshot);
    }
    assert.ok(states.includes(result.snapshot.value), `undeclared state ${result.snapshot.value}`);
    check({ event, before: snapshot, after: result.snapshot, ok: result.ok });
    snapshot = result.snapshot;
  }
  return snapshot;
}

/** Applies events that must all be accepted; fails the test on the first refusal. */
export function run<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  start: Snapshot<TState, TContext>,
  ...events: TEvent[]
): Snapshot<TState, TContext> {
  let snapshot = start;
  for (const event of events) {
    const result = transition(machine, snapshot, event);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    snapshot = result.snapshot;
  }
  return snapshot;
}

/** Asserts that `event` is refused in `snapshot` with the typed error, leaving it unchanged. */
export function assertIllegal<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  snapshot: Snapshot<TState, TContext>,
  event: TEvent,
): void {
  const result = transition(machine, snapshot, event);
  assert.equal(result.ok, false, `${event.type} should be refused in ${snapshot.value}`);
  if (result.ok) return;
  assert.equal(result.error.code, 'machine/illegal-event');
  assert.equal(result.snapshot, snapshot);
}

/**
 * Random event sequences on a clock that mostly moves forward (by -5 s … +40 s per event, so sometimes
 * backwards) and now and then stamps an event with a broken time (NaN, -Infinity, 0). Events are generated
 * with relative times; `retime` turns the other time fields of an event (an offer's `expiresAt`…) into
 * absolute ones from the clock.
 */
export function timedSequence<TEvent extends MachineEvent & { readonly at: number }>(
  eventArb: fc.Arbitrary<TEvent>,
  options: {
    readonly start: number;
    readonly maxLength?: number;
    readonly retime?: (event: TEvent, clock: number) => TEvent;
  },
): fc.Arbitrary<TEvent[]> {
  const glitchArb = fc.oneof(
    { weight: 30, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, 0) },
  );
  const stepArb = fc.tuple(eventArb, fc.integer({ min: -5_000, max: 40_000 }), glitchArb);
  return fc.array(stepArb, { maxLength: options.maxLength ?? 60, size: 'max' }).map((steps) => {
    let clock = options.start;
    return steps.map(([event, delta, glitch]) => {
      clock += delta;
      const timed = options.retime ? options.retime(event, clock) : event;
      return { ...timed, at: glitch ?? clock };
    });
  });
}
