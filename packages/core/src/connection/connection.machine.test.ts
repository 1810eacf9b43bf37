import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createMachineStore, initialSnapshot } from '../machine';
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
import {
  type ConnectionContext,
  type ConnectionEvent,
  type ConnectionState,
  connectionFlags,
  connectionMachine,
} from './connection.machine';

const idle = initialSnapshot(connectionMachine);
const connecting = run(connectionMachine, idle, { type: 'CONNECT' });
const connected = run(connectionMachine, connecting, { type: 'OPENED' });
const caughtUp = run(connectionMachine, connected, { type: 'CAUGHT_UP' });
const reconnecting = run(connectionMachine, caughtUp, {
  type: 'LINK_LOST',
  reason: 'network',
  retryAfterMs: 2_000,
});
const suspended = run(connectionMachine, reconnecting, { type: 'GIVE_UP' });
const closed = run(connectionMachine, idle, { type: 'CLOSE' });

const events: SampleEvents<ConnectionEvent> = {
  CONNECT: { type: 'CONNECT' },
  OPENED: { type: 'OPENED' },
  CAUGHT_UP: { type: 'CAUGHT_UP' },
  LINK_LOST: { type: 'LINK_LOST', reason: 'socket closed (1006)' },
  RETRY: { type: 'RETRY' },
  GIVE_UP: { type: 'GIVE_UP' },
  CLOSE: { type: 'CLOSE' },
  REFUSED: { type: 'REFUSED', reason: 'limit/rate', retryAfterMs: 5_000 },
};

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<ConnectionState, ConnectionEvent> = {
  idle:         { CONNECT: 'connecting', OPENED: x, CAUGHT_UP: x, LINK_LOST: x, RETRY: x, GIVE_UP: x, CLOSE: 'closed', REFUSED: x },
  connecting:   { CONNECT: x, OPENED: 'connected', CAUGHT_UP: x, LINK_LOST: 'reconnecting', RETRY: x, GIVE_UP: 'suspended', CLOSE: 'closed', REFUSED: 'reconnecting' },
  connected:    { CONNECT: x, OPENED: x, CAUGHT_UP: 'caught-up', LINK_LOST: 'reconnecting', RETRY: x, GIVE_UP: x, CLOSE: 'closed', REFUSED: 'reconnecting' },
  'caught-up':  { CONNECT: x, OPENED: x, CAUGHT_UP: x, LINK_LOST: 'reconnecting', RETRY: x, GIVE_UP: x, CLOSE: 'closed', REFUSED: 'reconnecting' },
  reconnecting: { CONNECT: x, OPENED: x, CAUGHT_UP: x, LINK_LOST: 'reconnecting', RETRY: 'connecting', GIVE_UP: 'suspended', CLOSE: 'closed', REFUSED: 'reconnecting' },
  suspended:    { CONNECT: x, OPENED: x, CAUGHT_UP: x, LINK_LOST: x, RETRY: 'connecting', GIVE_UP: x, CLOSE: 'closed', REFUSED: x },
  closed:       { CONNECT: x, OPENED: x, CAUGHT_UP: x, LINK_LOST: x, RETRY: x, GIVE_UP: x, CLOSE: x, REFUSED: x },
};

describeTransitionTable({
  machine: connectionMachine,
  table,
  snapshots: { idle, connecting, connected, 'caught-up': caughtUp, reconnecting, suspended, closed },
  events,
});

describe('connection machine: closing', () => {
  for (const start of [idle, connecting, connected, caughtUp, reconnecting, suspended]) {
    test(`a deliberate close from ${start.value} is final and marked as the client's`, () => {
      const next = run(connectionMachine, start, { type: 'CLOSE' });
      assert.equal(next.value, 'closed');
      assert.equal(next.context.closedBy, 'client');
      assert.equal(next.context.retryAfterMs, undefined);
      for (const event of Object.values(events)) assertIllegal(connectionMachine, next, event);
    });
  }

  for (const start of [connecting, connected, caughtUp, reconnecting]) {
    test(`a fatal refusal in ${start.value} closes for good, marked as the server's`, () => {
      const next = run(connectionMachine, start, {
        type: 'REFUSED',
        fatal: true,
        reason: 'auth/invalid-token',
      });
      assert.equal(next.value, 'closed');
      assert.equal(next.context.closedBy, 'server');
      assert.equal(next.context.lastError, 'auth/invalid-token');
    });
  }

  test('a refusal that is not fatal goes back to reconnecting with the hint', () => {
    const next = run(connectionMachine, connected, { type: 'REFUSED', fatal: false, retryAfterMs: 7_000 });
    assert.equal(next.value, 'reconnecting');
    assert.equal(next.context.retryAfterMs, 7_000);
    assert.equal(next.context.closedBy, undefined);
  });
});

describe('connection machine: attempts and retry hints', () => {
  test('attempt counts retries since last caught up, and resets when healthy again', () => {
    const store = createMachineStore(connectionMachine);
    const attempt = () => store.$snapshot.get().context.attempt;
    store.send({ type: 'CONNECT' });
    assert.equal(attempt(), 0);
    store.send({ type: 'LINK_LOST' });
    assert.equal(attempt(), 0, 'the first loss backs off from attempt 0');
    store.send({ type: 'RETRY' });
    store.send({ type: 'LINK_LOST' });
    store.send({ type: 'RETRY' });
    assert.equal(attempt(), 2);
    store.send({ type: 'OPENED' });
    assert.equal(
      attempt(),
      2,
      'open is not yet healthy: a link that flaps before catching up keeps backing off',
    );
    store.send({ type: 'LINK_LOST', reason: 'flap' });
    store.send({ type: 'RETRY' });
    store.send({ type: 'OPENED' });
    store.send({ type: 'CAUGHT_UP' });
    assert.deepEqual(store.$snapshot.get(), { value: 'caught-up', context: { attempt: 0 } });
  });

  test('a second report of the same outage keeps the hint and reason of the first', () => {
    const bye = run(connectionMachine, caughtUp, {
      type: 'LINK_LOST',
      reason: 'limit/rate',
      retryAfterMs: 9_000,
    });
    const closeAfterBye = run(connectionMachine, bye, { type: 'LINK_LOST' });
    assert.equal(closeAfterBye.context.retryAfterMs, 9_000);
    assert.equal(closeAfterBye.context.lastError, 'limit/rate');
    const longer = run(connectionMachine, bye, { type: 'REFUSED', retryAfterMs: 12_000 });
    assert.equal(longer.context.retryAfterMs, 12_000, 'the longer hint wins');
  });

  test('the hint is for the next attempt only, and nonsense hints are ignored', () => {
    assert.equal(run(connectionMachine, reconnecting, { type: 'RETRY' }).context.retryAfterMs, undefined);
    for (const retryAfterMs of [-5, 0, Number.NaN, Number.POSITIVE_INFINITY]) {
      const next = run(connectionMachine, caughtUp, { type: 'LINK_LOST', retryAfterMs });
      assert.equal(next.context.retryAfterMs, undefined, String(retryAfterMs));
    }
  });

  test('a suspended connection retries only when asked, then counts the attempt', () => {
    const next = run(connectionMachine, suspended, { type: 'RETRY' });
    assert.equal(next.value, 'connecting');
    assert.equal(next.context.attempt, 1);
  });
});

describe('connection machine: flags', () => {
  test('flags per state', () => {
    const pick = (s: typeof idle) => {
      const f = connectionFlags(s);
      return [f.isOnline, f.isCaughtUp, f.isReconnecting, f.showOffline, f.canRetry, f.isClosed];
    };
    assert.deepEqual(pick(idle), [false, false, false, false, false, false]);
    assert.deepEqual(pick(connecting), [false, false, false, false, false, false]);
    assert.deepEqual(pick(connected), [true, false, false, false, false, false]);
    assert.deepEqual(pick(caughtUp), [true, true, false, false, false, false]);
    assert.deepEqual(pick(reconnecting), [false, false, true, true, true, false]);
    assert.deepEqual(pick(run(connectionMachine, reconnecting, { type: 'RETRY' })), [
      false,
      false,
      true,
      true,
      false,
      false,
    ]);
    assert.deepEqual(pick(suspended), [false, false, false, true, true, false]);
    assert.deepEqual(pick(closed), [false, false, false, false, false, true]);
  });
});

// --- Properties --------------------------------------------------------------------------------------------

const hintArb = fc.option(
  fc.oneof(fc.integer({ min: -1_000, max: 60_000 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
  { nil: undefined },
);
const reasonArb = fc.option(fc.constantFrom('network', 'limit/rate', ''), { nil: undefined });

const connectionEventArbs: EventArbitraries<ConnectionEvent> = {
  CONNECT: fc.constant({ type: 'CONNECT' }),
  OPENED: fc.constant({ type: 'OPENED' }),
  CAUGHT_UP: fc.constant({ type: 'CAUGHT_UP' }),
  LINK_LOST: fc.record(
    { type: fc.constant('LINK_LOST'), reason: reasonArb, retryAfterMs: hintArb },
    { requiredKeys: ['type'] },
  ),
  RETRY: fc.constant({ type: 'RETRY' }),
  GIVE_UP: fc.constant({ type: 'GIVE_UP' }),
  CLOSE: fc.constant({ type: 'CLOSE' }),
  REFUSED: fc.record(
    {
      type: fc.constant('REFUSED'),
      reason: reasonArb,
      retryAfterMs: hintArb,
      fatal: fc.oneof(
        { weight: 5, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    },
    { requiredKeys: ['type'] },
  ),
};

function checkStep({
  before,
  after,
  ok,
  event,
}: Step<ConnectionState, ConnectionEvent, ConnectionContext>): void {
  const { value, context } = after;
  assert.ok(Number.isInteger(context.attempt) && context.attempt >= 0);
  assert.equal(context.closedBy !== undefined, value === 'closed', 'closedBy set exactly when closed');
  if (value === 'caught-up') assert.equal(context.attempt, 0, 'healthy means attempt 0');
  if (context.retryAfterMs !== undefined) {
    assert.ok(
      Number.isFinite(context.retryAfterMs) && context.retryAfterMs > 0,
      'a hint is a positive duration',
    );
    assert.ok(value === 'reconnecting' || value === 'suspended', `a hint only while waiting (${value})`);
  }
  // Nothing reconnects after a close.
  if (before.value === 'closed') assert.equal(after, before);
  // Attempts only grow, except a fresh start or a healthy connection.
  if (event.type !== 'CONNECT' && event.type !== 'CAUGHT_UP')
    assert.ok(context.attempt >= before.context.attempt);
  if (ok && event.type === 'RETRY') assert.equal(context.attempt, before.context.attempt + 1);
}

describeMachineProperties({
  machine: connectionMachine,
  start: fc.constant(idle),
  events: connectionEventArbs,
  sequence: {},
  checkStep,
  finals: [closed],
  runs: { random: 300, guided: 300, coverage: 50 },
});
