// Test-only helpers shared by the machine tests of core (chat, callback, voice, presence, connection).
// Not exported from any index: nothing in a build imports this file.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { can, transition } from './machine';
import type { MachineDefinition, MachineEvent, Snapshot } from './machine.types';

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

/** One arbitrary per event type (the compiler checks that every type of the union is present). */
export type EventArbitraries<TEvent extends MachineEvent> = {
  readonly [K in TEvent['type']]: fc.Arbitrary<Extract<TEvent, { readonly type: K }>>;
};

/**
 * Options of the sequence generators: how long, and for events stamped with `at`, where the clock starts and
 * how to retime their other time fields.
 */
export interface SequenceOptions<TEvent extends MachineEvent> {
  readonly maxLength?: number;
  /** Put events on a clock starting here (events must then have an `at` field). Omit for untimed events. */
  readonly start?: number;
  /** Turns relative time fields of an event (an offer's `expiresAt`…) into absolute ones from the clock. */
  readonly retime?: (event: TEvent, clock: number) => TEvent;
}

// Per step: the clock moves by -5 s … +40 s (so sometimes backwards), and now and then an event is stamped
// with a broken time (NaN, -Infinity, 0).
function onClock<TEvent extends MachineEvent, T>(
  itemArb: fc.Arbitrary<T>,
  options: SequenceOptions<TEvent>,
  stamp: (item: T, time: (event: TEvent) => TEvent) => T,
): fc.Arbitrary<T[]> {
  const glitchArb = fc.oneof(
    { weight: 30, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY, 0) },
  );
  const stepArb = fc.tuple(itemArb, fc.integer({ min: -5_000, max: 40_000 }), glitchArb);
  return fc.array(stepArb, { maxLength: options.maxLength ?? 60, size: 'max' }).map((steps) => {
    const start = options.start;
    if (start === undefined) return steps.map(([item]) => item);
    let clock = start;
    return steps.map(([item, delta, glitch]) => {
      clock += delta;
      const now = clock;
      return stamp(item, (event) => ({
        ...(options.retime ? options.retime(event, now) : event),
        at: glitch ?? now,
      }));
    });
  });
}

/** Random event sequences of any types, in any order, with arbitrary payloads (on a clock when timed). */
export function randomSequence<TEvent extends MachineEvent>(
  arbitraries: EventArbitraries<TEvent>,
  options: SequenceOptions<TEvent>,
): fc.Arbitrary<TEvent[]> {
  const eventArb = fc.oneof(...Object.values<fc.Arbitrary<TEvent>>(arbitraries));
  return onClock(eventArb, options, (event, time) => time(event));
}

/** One step of a guided walk: a menu with one random event of every type, and how to pick from it. */
export interface GuidedStep<TEvent> {
  readonly menu: readonly TEvent[];
  readonly pick: number;
  /**
   * `continue`: among accepted events that do not lead to a final state; `accepted`: among accepted events;
   * `any`: among all. An empty pool falls back to all.
   */
  readonly mode: 'continue' | 'accepted' | 'any';
}

/**
 * Guided walks: at each step the walk mostly picks an event the machine accepts now and that does not end it,
 * so it goes deep into the lifecycle (a uniform random sequence rarely gets past the first few states, and
 * the many ways to end would cut most walks short), sometimes any accepted event, and sometimes any event at
 * all, so refusals stay covered. Resolve the steps into events with {@link chooseEvents}.
 */
export function guidedSequence<TEvent extends MachineEvent>(
  arbitraries: EventArbitraries<TEvent>,
  options: SequenceOptions<TEvent>,
): fc.Arbitrary<GuidedStep<TEvent>[]> {
  const menuArb = fc.record(arbitraries as { [K in TEvent['type']]: fc.Arbitrary<TEvent> });
  const stepArb = fc.record({
    menu: menuArb.map((menu) => Object.values<TEvent>(menu)),
    pick: fc.nat(),
    mode: fc.oneof(
      { weight: 40, arbitrary: fc.constant('continue' as const) },
      { weight: 1, arbitrary: fc.constant('accepted' as const) },
      { weight: 3, arbitrary: fc.constant('any' as const) },
    ),
  });
  return onClock(stepArb, options, (step, time) => ({ ...step, menu: step.menu.map(time) }));
}

/** Resolves guided steps into the events they pick, from `start`. */
export function chooseEvents<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  start: Snapshot<TState, TContext>,
  steps: readonly GuidedStep<TEvent>[],
): TEvent[] {
  const chosen: TEvent[] = [];
  let snapshot = start;
  for (const step of steps) {
    const accepted = step.menu.filter((event) => transition(machine, snapshot, event).ok);
    const continuing = accepted.filter(
      (event) => !machine.states[transition(machine, snapshot, event).snapshot.value].final,
    );
    // When nothing continues, `continue` picks from the whole menu: the refused event changes nothing and the
    // clock moves on (an offer's guard may pass on the next step), instead of ending the walk.
    let pool = step.menu;
    if (step.mode === 'continue' && continuing.length > 0) pool = continuing;
    else if (step.mode === 'accepted' && accepted.length > 0) pool = accepted;
    const event = pool[step.pick % pool.length];
    if (event === undefined) continue;
    chosen.push(event);
    snapshot = transition(machine, snapshot, event).snapshot;
  }
  return chosen;
}

/**
 * Declares the property tests every machine shares: random and guided event sequences from `start` keep the
 * invariants `checkStep` asserts (and `can` agrees with `transition` at every step), every final state refuses
 * every event, and guided walks reach every state (so the generators are not vacuous).
 */
export function describeMachineProperties<
  TState extends string,
  TEvent extends MachineEvent,
  TContext,
>(options: {
  readonly machine: MachineDefinition<TState, TEvent, TContext>;
  readonly start: fc.Arbitrary<Snapshot<TState, TContext>>;
  readonly events: EventArbitraries<TEvent>;
  readonly sequence: SequenceOptions<TEvent>;
  readonly checkStep: (step: Step<TState, TEvent, TContext>) => void;
  /** A snapshot in each final state (none for a machine without one). */
  readonly finals: readonly Snapshot<TState, TContext>[];
  readonly runs: { readonly random: number; readonly guided: number; readonly coverage: number };
}): void {
  const { machine, start: startArb, events, sequence, runs, finals } = options;
  const checkStep = (step: Step<TState, TEvent, TContext>): void => {
    assert.equal(can(machine, step.before, step.event), step.ok, `can() disagrees on ${step.event.type}`);
    options.checkStep(step);
  };

  describe(`${machine.id} machine: properties`, () => {
    test('random event sequences keep every invariant', () => {
      fc.assert(
        fc.property(startArb, randomSequence(events, sequence), (start, sampled) => {
          walk(machine, start, sampled, checkStep);
        }),
        { numRuns: runs.random },
      );
    });

    test('guided walks deep into the lifecycle keep every invariant', () => {
      fc.assert(
        fc.property(startArb, guidedSequence(events, sequence), (start, steps) => {
          walk(machine, start, chooseEvents(machine, start, steps), checkStep);
        }),
        { numRuns: runs.guided },
      );
    });

    if (finals.length > 0) {
      test('final states accept no event', () => {
        const anyEvent = fc.oneof(...Object.values<fc.Arbitrary<TEvent>>(events));
        fc.assert(
          fc.property(fc.constantFrom(...finals), anyEvent, (end, event) => {
            const result = transition(machine, end, event);
            assert.equal(result.ok, false);
            assert.equal(result.snapshot, end);
          }),
        );
      });
    }

    test('guided walks reach every state (the generators are not vacuous)', () => {
      const seen = new Set<TState>();
      fc.assert(
        fc.property(startArb, guidedSequence(events, sequence), (start, steps) => {
          walk(machine, start, chooseEvents(machine, start, steps), ({ after }) => seen.add(after.value));
        }),
        { numRuns: runs.coverage, seed: 42 },
      );
      assert.deepEqual([...seen].sort(), Object.keys(machine.states).sort());
    });
  });
}
