'use client';
import { useHelpline } from '../context/HelplineContext';
import { type ReadableStore, useStore } from './useStore';

/**
 * A clock store: epoch ms, updated every `intervalMs` while someone listens. Pass your own store (an atom you
 * set by hand) to `<HelplineProvider clock>` to control time in tests and stories.
 */
export function tickingClock(intervalMs = 1000): ReadableStore<number> {
  let now = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const listeners = new Set<(value: number) => void>();
  return {
    get: () => now,
    listen(listener) {
      if (!listeners.size) {
        now = Date.now();
        timer = setInterval(() => {
          now = Date.now();
          for (const each of listeners) each(now);
        }, intervalMs);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (!listeners.size) clearInterval(timer);
      };
    },
  };
}

const systemClock = tickingClock();

/**
 * The current time (epoch ms) from the provider's clock, re-rendering every tick: for countdowns and timers.
 *
 * @example
 * ```tsx
 * const now = useNow();
 * const secondsLeft = Math.ceil((offer.expiresAt - now) / 1000);
 * ```
 */
export function useNow(): number {
  return useStore(useHelpline().clock ?? systemClock);
}
