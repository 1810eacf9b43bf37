import type { ATTACHMENT_ERROR_MESSAGES } from './errors.attachment';
import { fillTemplate, HelplineError } from './errors.base';
import type { CLUSTER_ERROR_MESSAGES } from './errors.cluster';
import type { DIAL_ERROR_MESSAGES } from './errors.dial';
import type { MESSAGING_ERROR_MESSAGES } from './errors.messaging';
import type { VONAGE_ERROR_MESSAGES } from './errors.vonage';

// The class and the filling of templates are in `errors.base.ts`: what raising an error needs, without the catalog
// below; the checks of a caught error are in `errors.check.ts` (a widget's first open checks errors, and raises none
// from the catalog).
export { fillTemplate, HelplineError } from './errors.base';
export { isHelplineError, isRetryable } from './errors.check';

/**
 * The message template of every error code, shared by core, server and UI. `{placeholders}` are filled in by
 * {@link helplineError}. The usual cause and what to do about each code are in `ERROR_CATALOG` (its own
 * module, so that clients which only raise errors do not ship the guidance text).
 */
export const ERROR_MESSAGES = {
  'machine/illegal-event': 'Event {event} is not allowed in state {state} of the {machine} machine.',
  'protocol/invalid-frame': 'The frame is not valid: {detail}',
  'protocol/unsupported-version':
    'Protocol version {version} is not supported; this server speaks {supported}.',
  'protocol/unknown-command': 'Unknown command {op}.',
  'auth/required': 'Authentication is required before any other frame.',
  'auth/invalid-token': 'The token is invalid: {detail}',
  'auth/token-expired': 'The token has expired; get a fresh one.',
  'site/unknown': 'Site {site} is not configured on this server.',
  'site/origin-not-allowed': 'Origin {origin} may not connect to site {site}; add it to the site.',
  'auth/forbidden': 'You are not allowed to {operation}.',
  'not-found': '{entity} {id} was not found.',
  'conflict/state': 'Cannot {operation}: the {entity} is {state}.',
  'validation/field': '[{scope}] {field} {detail}',
  'limit/rate': 'Too many requests; try again in {seconds} s.',
  'limit/size': '{field} is too large: {size} > {max}.',
  'queue/closed': 'The queue {queue} is closed now.',
  'agent/capacity': 'Agent {agent} has no free {channel} capacity.',
  'agent/unavailable': 'Agent {agent} is not available.',
  'wrapup/disposition-required': 'A disposition is required to finish wrap-up in queue {queue}.',
  'connection/closed': 'The connection is closed.',
  'connection/timeout': 'No answer to {op} within {ms} ms.',
  'connection/wrong-path': 'No Helpline WebSocket at {url} (HTTP {status}); the endpoint is /v1/ws.',
  'connection/unreachable':
    'No WebSocket to {url} after {attempts} tries: the server is down, or refused the upgrade (check the path, /v1/ws).',
  'voice/permission-denied': 'Microphone permission was denied.',
  'voice/no-device': 'No microphone was found.',
  'voice/device-busy': 'The microphone is in use by another application.',
  internal: 'Something went wrong on our side ({detail}).',
  unavailable: 'The service is briefly unavailable ({detail}); nothing was changed, try again in a moment.',
  'agent/has-work': 'Finish your {count} open interaction(s) before going offline.',
  'voice/unreachable': 'The {party} is not online to take the call.',
  'voice/unsupported': 'This browser cannot place calls: {detail}.',
  'survey/closed': 'The survey of conversation {cid} closed {hours} h after it ended.',
  'survey/not-asked': 'Queue {queue} does not ask for {survey}.',
} as const satisfies Record<string, string>;

/**
 * A stable error code: one of the core's, one of the Vonage integration's (see `errors.vonage.ts`), one of cluster
 * mode's (see `errors.cluster.ts`), one about attachments (see `errors.attachment.ts`) or one of the messaging
 * channels' (see `errors.messaging.ts`).
 */
export type ErrorCode =
  | CoreErrorCode
  | keyof typeof VONAGE_ERROR_MESSAGES
  | keyof typeof CLUSTER_ERROR_MESSAGES
  | keyof typeof ATTACHMENT_ERROR_MESSAGES
  | keyof typeof MESSAGING_ERROR_MESSAGES
  | keyof typeof DIAL_ERROR_MESSAGES;

/** An error code whose message every client ships ({@link ERROR_MESSAGES}). */
export type CoreErrorCode = keyof typeof ERROR_MESSAGES;

/** The serializable shape of an error on the wire (`nack.error`). */
export interface ErrorPayload {
  /** Stable code from the catalog. */
  code: ErrorCode;
  /** Human-readable message, already filled in. */
  message: string;
  /** When set, the operation may be retried after this many milliseconds. */
  retryAfterMs?: number;
  /** Field path the error is about, when it is about one field. */
  field?: string;
}

/**
 * Creates a {@link HelplineError} with the catalog message for `code`, filling `{placeholders}` from `params`.
 *
 * @example
 * ```ts
 * throw helplineError('limit/size', { field: 'text', size: 5000, max: 4000 });
 * ```
 */
export function helplineError(
  code: CoreErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(ERROR_MESSAGES[code], params), options);
}

/** What a {@link HelplineError} may carry besides its code and message. */
export interface ErrorOptions {
  readonly retryAfterMs?: number;
  readonly field?: string;
  readonly cause?: unknown;
}
