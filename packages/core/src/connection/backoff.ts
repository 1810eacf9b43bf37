/** Exponential back-off with full jitter. */
export interface BackoffPolicy {
  /** Upper bound of the first delay, ms. */
  readonly initialMs: number;
  /** Upper bound of any delay, ms. */
  readonly maxMs: number;
}

/** 0.5 s doubling up to a 30 s cap. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0-based): uniformly random in [0, min(max, initial·2^attempt)).
 * Full jitter spreads a crowd of clients that lost the same server, so they do not return all at once.
 *
 * @example
 * ```ts
 * backoffDelay(3, DEFAULT_BACKOFF, Math.random); // somewhere in [0, 4000)
 * ```
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * ceiling);
}
