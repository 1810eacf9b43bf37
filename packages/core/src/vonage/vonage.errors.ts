import { type HelplineError, isHelplineError } from '../protocol/errors';
import { vonageFailure } from '../protocol/errors.vonage';

/** What a Vonage rejection carries (`VonageError`: `type` and `code`), read without trusting its shape. */
interface VonageErrorLike {
  readonly type?: unknown | undefined;
  readonly code?: unknown | undefined;
  readonly message?: unknown | undefined;
}

// Session error codes (`SessionErrorCodes`; at run time they arrive as `session:error:expired-token` etc.) that
// mean the token itself is the problem: fetching a new one may fix it.
const TOKEN_CODES = new Set([
  'empty_token',
  'invalid_token',
  'expired_token',
  'invalid_user',
  'authorization_error',
]);

/** A network failure is worth retrying soon; the UI shows `retryAfterMs`. */
const NETWORK_RETRY_MS = 3_000;

/** `session:error:expired-token` and `EXPIRED_TOKEN` both become `expired_token`. */
export function normalizeVonageCode(code: unknown): string | undefined {
  if (typeof code !== 'string' || code.length === 0) return undefined;
  const last = code.split(':').pop() ?? code;
  return last.toLowerCase().replace(/-/g, '_');
}

/**
 * Turns anything the Vonage SDK rejects with into a typed {@link HelplineError}: token problems →
 * `voice/vonage-token`, other session failures → `voice/vonage-session`, network → `voice/vonage-network` (with a
 * retry hint), everything else → `voice/vonage-call` naming the operation. The original error is the `cause`.
 *
 * @example
 * ```ts
 * try { await client.answer(callId); } catch (error) { throw vonageError(error, 'answer'); }
 * ```
 */
export function vonageError(error: unknown, operation: string): HelplineError {
  if (isHelplineError(error)) return error;
  const { type, code, message } = (error ?? {}) as VonageErrorLike;
  const normalized = normalizeVonageCode(code);
  const detail =
    (typeof code === 'string' && code) || (typeof message === 'string' && message) || 'unknown error';
  if (normalized && TOKEN_CODES.has(normalized)) {
    return vonageFailure('voice/vonage-token', { detail: normalized }, { cause: error });
  }
  if (type === 'NETWORK_ERROR') {
    return vonageFailure(
      'voice/vonage-network',
      { detail },
      { cause: error, retryAfterMs: NETWORK_RETRY_MS },
    );
  }
  if (type === 'SESSION_ERROR' || (typeof code === 'string' && code.startsWith('session:'))) {
    return vonageFailure('voice/vonage-session', { detail: normalized ?? detail }, { cause: error });
  }
  return vonageFailure('voice/vonage-call', { operation, detail }, { cause: error });
}

/**
 * The typed error for a `sessionError` event: `EXPIRED_TOKEN` → `voice/vonage-token`, `TRANSPORT_CLOSED` and
 * `PING_TIMEOUT` → `voice/vonage-network` (the socket to Vonage is gone).
 */
export function sessionErrorOf(reason: string): HelplineError {
  const normalized = normalizeVonageCode(reason) ?? 'unknown';
  if (normalized === 'expired_token') return vonageFailure('voice/vonage-token', { detail: normalized });
  if (normalized === 'transport_closed' || normalized === 'ping_timeout') {
    return vonageFailure('voice/vonage-network', { detail: normalized }, { retryAfterMs: NETWORK_RETRY_MS });
  }
  return vonageFailure('voice/vonage-session', { detail: normalized });
}
