import { isRetryable, type ReportFailure, retryDelayOf } from './failures';
import type { HubClock } from './hub.types';

/** The longest a timer can wait (2^31 - 1 ms); later deadlines are reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** What the hub's timers need from the hub. */
export interface HubTimersDeps {
  readonly clock: HubClock;
  /** Runs `task` after every earlier task of the conversation (see `createTurns`). */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  readonly reportFailure: ReportFailure;
  /** True once the hub is closed: a step that fails then is not tried again. */
  readonly isClosed: () => boolean;
}

/** One kind of deadline (offers, callback slots, wrap-ups, …): at most one timer per key. */
export interface TimerGroup {
  /**
   * Calls `fire` at `at` (epoch ms) under `key`, replacing the timer that key had. Timers may fire a little early
   * (a millisecond here and there): then it waits for the rest instead of finding nothing due.
   */
  armAt(key: string, at: number, fire: () => void): void;
  /**
   * Runs `step` in the conversation's turn at `at` (epoch ms), replacing the timer `cid` had. A step that storage
   * could not take is tried again shortly: a deadline is never dropped by an outage.
   */
  stepAt(cid: string, at: number, what: string, step: () => Promise<void>): void;
  /** Cancels the timer of `key`, if any. */
  clear(key: string): void;
  /** True while `key` has a timer armed. */
  has(key: string): boolean;
}

/** Every deadline the hub waits for, in groups; one `close` stops them all. */
export interface HubTimers {
  /** A new, empty group of timers. */
  group(): TimerGroup;
  /** Stops every timer of every group. */
  close(): void;
}

/**
 * Creates the hub's timers over an injected clock.
 *
 * @example
 * ```ts
 * const timers = createHubTimers({ clock, serialized, reportFailure, isClosed: () => closed });
 * const offerTimers = timers.group();
 * offerTimers.armAt(cid, offer.expiresAt, () => void routing.tick());
 * ```
 */
export function createHubTimers(deps: HubTimersDeps): HubTimers {
  const { clock } = deps;
  const groups: Map<string, unknown>[] = [];

  function group(): TimerGroup {
    const timers = new Map<string, unknown>();
    groups.push(timers);

    function clear(key: string): void {
      const timer = timers.get(key);
      if (timer !== undefined) clock.clearTimeout(timer);
      timers.delete(key);
    }

    function armAt(key: string, at: number, fire: () => void): void {
      clear(key);
      // A closed hub keeps no timer: a connection that lets go after the close (a bridge, a socket) would arm one.
      if (deps.isClosed()) return;
      // Timers cannot wait longer than 2^31 - 1 ms (about 24.8 days); a later deadline is reached in such steps.
      const wait = () => Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
      const tick = () => {
        if (at - clock.now() > 0) {
          timers.set(key, clock.setTimeout(tick, wait()));
          return;
        }
        timers.delete(key);
        fire();
      };
      timers.set(key, clock.setTimeout(tick, wait()));
    }

    function stepAt(cid: string, at: number, what: string, step: () => Promise<void>): void {
      armAt(cid, at, () => {
        deps.serialized(cid, step).catch((error: unknown) => {
          if (deps.isClosed()) return;
          if (!isRetryable(error)) {
            deps.reportFailure(what, error);
            return;
          }
          // Unless something re-armed it meanwhile, try again once storage may be back.
          if (!timers.has(cid)) stepAt(cid, clock.now() + retryDelayOf(error), what, step);
        });
      });
    }

    return { armAt, stepAt, clear, has: (key) => timers.has(key) };
  }

  function close(): void {
    for (const timers of groups) {
      for (const timer of timers.values()) clock.clearTimeout(timer);
      timers.clear();
    }
  }

  return { group, close };
}
