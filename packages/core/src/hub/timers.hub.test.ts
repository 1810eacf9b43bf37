import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError } from '../protocol/errors';
import { createTestClock, flush, type TestClock } from '../testing';
import type { HubClock } from './hub.types';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';

function setup(clock: HubClock & Partial<TestClock> = createTestClock()) {
  const failures: { what: string; error: unknown }[] = [];
  let closed = false;
  const turns = createTurns();
  const timers = createHubTimers({
    clock,
    serialized: turns.serialized,
    reportFailure: (what, error) => failures.push({ what, error }),
    isClosed: () => closed,
  });
  return { timers, turns, failures, close: () => (closed = true) };
}

describe('hub timers: armAt', () => {
  it('fires at the deadline, not before, and a new deadline for the key replaces the old one', async () => {
    const clock = createTestClock();
    const { timers } = setup(clock);
    const group = timers.group();
    const fired: string[] = [];
    group.armAt('c1', clock.now() + 1_000, () => fired.push('first'));
    group.armAt('c1', clock.now() + 2_000, () => fired.push('second'));
    await clock.advance(1_999);
    assert.deepEqual(fired, []);
    assert.equal(group.has('c1'), true);
    await clock.advance(1);
    assert.deepEqual(fired, ['second']);
    assert.equal(group.has('c1'), false);
  });

  it('reaches a deadline further away than a timer can wait in steps, with one timer at a time', async () => {
    const clock = createTestClock();
    const { timers } = setup(clock);
    const group = timers.group();
    const thirtyDays = 30 * 86_400_000;
    let fired = 0;
    group.armAt('c1', clock.now() + thirtyDays, () => fired++);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(thirtyDays - 1);
    assert.equal(fired, 0);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(1);
    assert.equal(fired, 1);
  });

  it('waits for the rest when the clock fires a little early', async () => {
    const inner = createTestClock();
    // A platform timer that fires a millisecond early (a wait of one millisecond is kept).
    const early: HubClock = {
      ...inner,
      setTimeout: (callback, ms) => inner.setTimeout(callback, ms > 1 ? ms - 1 : ms),
    };
    const { timers } = setup(early);
    const group = timers.group();
    const firedAt: number[] = [];
    const at = inner.now() + 500;
    group.armAt('c1', at, () => firedAt.push(inner.now()));
    await inner.advance(1_000);
    assert.deepEqual(firedAt, [at]);
  });

  it('clear cancels one key; close stops every group', async () => {
    const clock = createTestClock();
    const { timers } = setup(clock);
    const offers = timers.group();
    const dues = timers.group();
    const fired: string[] = [];
    offers.armAt('a', clock.now() + 10, () => fired.push('a'));
    offers.armAt('b', clock.now() + 10, () => fired.push('b'));
    dues.armAt('a', clock.now() + 10, () => fired.push('due a'));
    offers.clear('a');
    await clock.advance(10);
    assert.deepEqual(fired.sort(), ['b', 'due a']);
    offers.armAt('c', clock.now() + 10, () => fired.push('c'));
    dues.armAt('d', clock.now() + 10, () => fired.push('d'));
    timers.close();
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(10);
    assert.deepEqual(fired.sort(), ['b', 'due a']);
  });
});

describe('hub timers: stepAt', () => {
  it("runs the step in the conversation's turn", async () => {
    const clock = createTestClock();
    const { timers, turns } = setup(clock);
    const group = timers.group();
    const order: string[] = [];
    let release: () => void = () => {};
    void turns.serialized('c1', async () => {
      order.push('command starts');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('command ends');
    });
    group.stepAt('c1', clock.now() + 10, 'test step', async () => {
      order.push('step');
    });
    await clock.advance(10);
    assert.deepEqual(order, ['command starts']);
    release();
    await flush();
    assert.deepEqual(order, ['command starts', 'command ends', 'step']);
  });

  it('tries a step again when storage is away, after the delay it asked for', async () => {
    const clock = createTestClock();
    const { timers, failures } = setup(clock);
    const group = timers.group();
    let attempts = 0;
    group.stepAt('c1', clock.now() + 10, 'test step', async () => {
      attempts++;
      if (attempts === 1) throw helplineError('unavailable', {}, { retryAfterMs: 5_000 });
    });
    await clock.advance(10);
    assert.equal(attempts, 1);
    assert.equal(group.has('c1'), true);
    await clock.advance(4_999);
    assert.equal(attempts, 1);
    await clock.advance(1);
    assert.equal(attempts, 2);
    assert.deepEqual(failures, []);
  });

  it('reports a failure that is not an outage, and does not retry it', async () => {
    const clock = createTestClock();
    const { timers, failures } = setup(clock);
    const group = timers.group();
    const broken = new Error('broken');
    group.stepAt('c1', clock.now() + 10, 'test step', async () => {
      throw broken;
    });
    await clock.advance(10);
    assert.deepEqual(failures, [{ what: 'test step', error: broken }]);
    assert.equal(group.has('c1'), false);
  });

  it('does not try again once the hub is closed', async () => {
    const clock = createTestClock();
    const { timers, failures, close } = setup(clock);
    const group = timers.group();
    let attempts = 0;
    group.stepAt('c1', clock.now() + 10, 'test step', async () => {
      attempts++;
      close();
      throw helplineError('unavailable');
    });
    await clock.advance(10_000);
    assert.equal(attempts, 1);
    assert.equal(group.has('c1'), false);
    assert.deepEqual(failures, []);
  });

  it('keeps a deadline re-armed meanwhile instead of retrying the old one', async () => {
    const clock = createTestClock();
    const { timers } = setup(clock);
    const group = timers.group();
    const ran: string[] = [];
    group.stepAt('c1', clock.now() + 10, 'old', async () => {
      ran.push('old');
      group.stepAt('c1', clock.now() + 60_000, 'new', async () => {
        ran.push('new');
      });
      throw helplineError('unavailable', {}, { retryAfterMs: 100 });
    });
    await clock.advance(1_000);
    assert.deepEqual(ran, ['old']);
    await clock.advance(60_000);
    assert.deepEqual(ran, ['old', 'new']);
  });
});

describe('hub turns', () => {
  it("runs a conversation's tasks one after another, past a failure; other conversations do not wait", async () => {
    const turns = createTurns();
    const order: string[] = [];
    let release: () => void = () => {};
    const first = turns.serialized('c1', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('c1 first');
      throw new Error('first failed');
    });
    const second = turns.serialized('c1', async () => {
      order.push('c1 second');
      return 2;
    });
    await turns.serialized('c2', async () => {
      order.push('c2');
    });
    assert.equal(turns.busy('c1'), true);
    release();
    await assert.rejects(first, /first failed/);
    assert.equal(await second, 2);
    assert.deepEqual(order, ['c2', 'c1 first', 'c1 second']);
    await flush();
    assert.equal(turns.busy('c1'), false);
  });
});
