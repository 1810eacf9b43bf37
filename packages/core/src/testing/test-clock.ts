import type { Clock } from '../clock/clock';

/** A manual clock for tests: time moves only when `advance` is called, and due timers run in time order. */
export interface TestClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due on the way (awaiting in-between work). */
  advance(ms: number): Promise<void>;
  /** Number of timers waiting. */
  readonly pendingTimers: number;
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Lets queued microtasks and I/O callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Creates a manual clock starting at `start` (epoch ms).
 *
 * @example
 * ```ts
 * const clock = createTestClock(Date.UTC(2026, 0, 5, 9));
 * const hub = createHub({ queues, agents, authenticate: devAuthenticate, clock });
 * await clock.advance(30_000); // offer timeouts fire
 * ```
 */
export function createTestClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): TestClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { id, at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await flush();
        const due = [...timers.values()]
          .filter((t) => t.at <= target)
          .sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!due) break;
        timers.delete(due.id);
        now = Math.max(now, due.at);
        due.callback();
      }
      now = target;
      await flush();
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}

/**
 * Resolves once `predicate` holds, checking after each macrotask; rejects after `maxTurns` turns with `message`.
 * Use it to await an outcome instead of sleeping for a fixed time.
 */
export async function waitFor(
  predicate: () => boolean,
  message = 'condition',
  maxTurns = 2000,
): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (predicate()) return;
    await flush();
  }
  throw new Error(`waitFor: ${message} did not happen`);
}
