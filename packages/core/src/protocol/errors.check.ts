import type { ErrorCode } from './errors';
import { HelplineError } from './errors.base';

// Telling a caught error apart, in a module of its own: code that checks errors needs neither the catalog of messages
// (`errors.ts`) nor, where it runs later than the code that raises them, to load with it (`errors.base.ts`).

/** True when `value` is a {@link HelplineError}, also across bundle copies. */
export function isHelplineError(value: unknown): value is HelplineError {
  return (
    value instanceof HelplineError ||
    (value instanceof Error && value.name === 'HelplineError' && 'code' in value)
  );
}

// "Not now" rather than "never": the same request may succeed later, unchanged.
const TRANSIENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'limit/rate',
  'unavailable',
  'connection/timeout',
  'connection/unreachable',
]);

/**
 * True when `error` is a refusal worth retrying unchanged: a passing condition (`limit/rate`, `unavailable`,
 * `connection/timeout`) or any error that says when to retry (`retryAfterMs`). Every other refusal is final
 * (`validation/field`, `auth/forbidden`, `not-found`, `conflict/state`, …): retrying cannot change the answer.
 * Only idempotent requests should be retried (a message send is: the server dedupes its `clientMsgId`); wait at
 * least `retryAfterMs` when it is given.
 *
 * @example
 * ```ts
 * catch (e) { if (isRetryable(e)) setTimeout(again, e.retryAfterMs ?? 1000); else showError(e); }
 * ```
 */
export function isRetryable(error: unknown): error is HelplineError {
  return isHelplineError(error) && (TRANSIENT_CODES.has(error.code) || error.retryAfterMs !== undefined);
}
