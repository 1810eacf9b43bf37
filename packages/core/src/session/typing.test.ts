import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestClock } from '../testing/test-clock';
import { createTypingReporter, TYPING_IDLE_MS } from './typing';

function reporter(idleMs?: number) {
  const clock = createTestClock();
  const reports: boolean[] = [];
  const typing = createTypingReporter(async (value) => void reports.push(value), { clock, idleMs });
  return { clock, reports, typing };
}

describe('createTypingReporter', () => {
  it('reports typing once for a run of keystrokes, and stopped after the pause since the last one', async () => {
    const { clock, reports, typing } = reporter();
    typing.keystroke();
    await clock.advance(TYPING_IDLE_MS - 1);
    typing.keystroke();
    await clock.advance(TYPING_IDLE_MS - 1);
    assert.deepEqual(reports, [true]);
    await clock.advance(1);
    assert.deepEqual(reports, [true, false]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('reports stopped at once on stop(), and only once', async () => {
    const { clock, reports, typing } = reporter();
    typing.stop();
    typing.keystroke();
    typing.stop();
    typing.stop();
    await clock.advance(TYPING_IDLE_MS);
    assert.deepEqual(reports, [true, false]);
  });

  it('takes its own pause', async () => {
    const { clock, reports, typing } = reporter(500);
    typing.keystroke();
    await clock.advance(500);
    assert.deepEqual(reports, [true, false]);
  });

  it('reports nothing more once disposed', async () => {
    const { clock, reports, typing } = reporter();
    typing.keystroke();
    typing.dispose();
    await clock.advance(TYPING_IDLE_MS * 2);
    assert.deepEqual(reports, [true]);
  });

  it('drops a report that fails, and goes on reporting', async () => {
    const clock = createTestClock();
    const reports: boolean[] = [];
    const typing = createTypingReporter(
      async (value) => {
        reports.push(value);
        if (value) throw new Error('offline');
      },
      { clock },
    );
    typing.keystroke();
    await clock.advance(TYPING_IDLE_MS);
    assert.deepEqual(reports, [true, false]);
  });
});
