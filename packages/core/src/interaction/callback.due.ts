import type { Interaction } from './interaction.types';

/** Where a callback stands against the clock. */
export type CallbackDue = 'upcoming' | 'due' | 'overdue';

/** How long after it came due a callback counts as overdue, unless a worklist says otherwise: 10 minutes. */
export const CALLBACK_OVERDUE_AFTER_MS = 10 * 60_000;

/**
 * Where a callback due at `dueAt` stands at `now`: `upcoming` before `dueAt`, `due` from then, `overdue` once
 * `overdueAfterMs` more have passed. The three follow the order of `dueAt`, so a worklist sorted by `dueAt` lists
 * the overdue first, then the due, then the upcoming.
 *
 * @example
 * ```ts
 * const now = Date.now();
 * callbackDue(now - 60_000, now); // 'due'
 * callbackDue(now - 15 * 60_000, now); // 'overdue'
 * ```
 */
export function callbackDue(
  dueAt: number,
  now: number,
  overdueAfterMs: number = CALLBACK_OVERDUE_AFTER_MS,
): CallbackDue {
  if (now < dueAt) return 'upcoming';
  return now - dueAt >= overdueAfterMs ? 'overdue' : 'due';
}

/**
 * When a callback interaction came due, epoch ms: when it last joined the queue to be dialled (its slot started, or
 * a retry came due), else its slot's start, else when it was queued or created.
 */
export function callbackDueAt({
  callback,
  timestamps,
}: Pick<Interaction, 'callback' | 'timestamps'>): number {
  return callback?.dueSince ?? callback?.slot?.start ?? timestamps.queuedAt ?? timestamps.createdAt;
}
