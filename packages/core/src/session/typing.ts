import { type Clock, systemClock } from '../clock/clock';

/**
 * How long after the last keystroke a composer reports that its writer stopped typing. One value for the widget
 * and the console, so a visitor and an agent read the same pause the same way.
 */
export const TYPING_IDLE_MS = 3000;

/** Options of {@link createTypingReporter}. */
export interface TypingReporterOptions {
  /** Report "stopped" this long after the last keystroke. Default {@link TYPING_IDLE_MS}. */
  readonly idleMs?: number | undefined;
  /** Timers; tests pass `createTestClock()`. Default: the system clock. */
  readonly clock?: Clock | undefined;
}

/** What a composer tells a {@link createTypingReporter}: keystrokes, and that the writer is done. */
export interface TypingReporter {
  /** A keystroke: reports "typing" unless already reported, and starts the pause over. */
  keystroke(): void;
  /** The writer is done (sent the message, emptied or left the composer): reports "stopped" unless already. */
  stop(): void;
  /** Cancels the pending "stopped" without reporting it (the composer is going away). */
  dispose(): void;
}

/**
 * Turns a composer's keystrokes into the few typing reports the other side needs: "typing" on the first keystroke,
 * "stopped" after {@link TYPING_IDLE_MS} without one or on `stop()`, and nothing in between. `report` is usually a
 * session's `setTyping`; a report that fails is dropped, since typing is a hint.
 *
 * @example
 * ```ts
 * const typing = createTypingReporter((typing) => session.setTyping(typing));
 * input.addEventListener('input', () => (input.value ? typing.keystroke() : typing.stop()));
 * ```
 */
export function createTypingReporter(
  report: (typing: boolean) => Promise<unknown>,
  { idleMs = TYPING_IDLE_MS, clock = systemClock }: TypingReporterOptions = {},
): TypingReporter {
  let typing = false;
  let timer: unknown;
  const cancel = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const set = (next: boolean) => {
    if (typing === next) return;
    typing = next;
    // Typing is a hint; losing one is harmless.
    report(next).catch(() => undefined);
  };
  const stop = () => {
    cancel();
    set(false);
  };
  return {
    keystroke() {
      set(true);
      cancel();
      timer = clock.setTimeout(stop, idleMs);
    },
    stop,
    dispose: cancel,
  };
}
