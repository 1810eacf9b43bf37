/**
 * The one error catalog of Helpline, shared by core, server and UI: every failure has a stable `code`,
 * a message template, its usual cause and what to do about it.
 */
export const ERROR_CATALOG = {
  'machine/illegal-event': {
    message: 'Event {event} is not allowed in state {state} of the {machine} machine.',
    cause:
      'An action was attempted that the current state does not permit (for example, ending a chat twice).',
    action: 'Check `can(event)` or the derived flags before calling the action.',
  },
  'protocol/invalid-frame': {
    message: 'The frame is not valid: {detail}',
    cause:
      'A message did not match its schema: a wrong type, a missing field, an oversized string or a forbidden key.',
    action: 'Send frames built with the typed helpers of @helpline/core/protocol.',
  },
  'protocol/unsupported-version': {
    message: 'Protocol version {version} is not supported; this server speaks {supported}.',
    cause: 'Client and server were built from different major versions.',
    action: 'Upgrade the client package to match the server.',
  },
  'protocol/unknown-command': {
    message: 'Unknown command {op}.',
    cause: 'The command name is not part of this protocol version.',
    action: 'Upgrade the client or check the command name.',
  },
  'auth/required': {
    message: 'Authentication is required before any other frame.',
    cause: 'The first frame on a connection was not `hello`, or it carried no token.',
    action: 'Send `hello` with a token first.',
  },
  'auth/invalid-token': {
    message: 'The token is invalid: {detail}',
    cause: 'The token is forged, expired, uses a forbidden algorithm or belongs to someone else.',
    action: 'Obtain a fresh token from your identity provider and reconnect.',
  },
  'auth/forbidden': {
    message: 'You are not allowed to {operation}.',
    cause: 'The resource belongs to another subject, or the role lacks the permission.',
    action: 'Use an id you own, or a token with the needed role.',
  },
  'not-found': {
    message: '{entity} {id} was not found.',
    cause: 'The id is unknown, or it is not visible to you.',
    action: 'Check the id.',
  },
  'conflict/state': {
    message: 'Cannot {operation}: the {entity} is {state}.',
    cause: 'The operation does not fit the current state (for example, a message to an ended chat).',
    action: 'Refresh the state and try again if it still applies.',
  },
  'validation/field': {
    message: '[{scope}] {field} {detail}',
    cause: 'A field failed its rule.',
    action: 'Correct the field and submit again.',
  },
  'limit/rate': {
    message: 'Too many requests; try again in {seconds} s.',
    cause: 'A rate limit for this address, site or subject was reached.',
    action: 'Wait `retryAfterMs` before retrying.',
  },
  'limit/size': {
    message: '{field} is too large: {size} > {max}.',
    cause: 'A field or frame exceeded its size limit.',
    action: 'Shorten the input.',
  },
  'queue/closed': {
    message: 'The queue {queue} is closed now.',
    cause: 'The queue is outside its business hours or on a closure day.',
    action: 'Offer a callback slot or an offline message instead.',
  },
  'agent/capacity': {
    message: 'Agent {agent} has no free {channel} capacity.',
    cause: 'The agent already handles as many interactions of that channel as allowed.',
    action: 'Finish an interaction first, or route to another agent.',
  },
  'agent/unavailable': {
    message: 'Agent {agent} is not available.',
    cause: 'The agent is offline or away.',
    action: 'Pick an available agent or a queue.',
  },
  'wrapup/disposition-required': {
    message: 'A disposition is required to finish wrap-up in queue {queue}.',
    cause: 'The queue requires a disposition for every interaction.',
    action: 'Choose a disposition.',
  },
  'connection/closed': {
    message: 'The connection is closed.',
    cause: 'The session was closed deliberately, or the server refused it for good.',
    action: 'Create a new session.',
  },
  'connection/timeout': {
    message: 'No answer to {op} within {ms} ms.',
    cause: 'The server did not acknowledge the command in time.',
    action: 'The command is retried automatically when it is idempotent; otherwise try again.',
  },
  'voice/permission-denied': {
    message: 'Microphone permission was denied.',
    cause: 'The visitor or the browser refused access to the microphone.',
    action: 'Allow microphone access in the browser settings, then call again.',
  },
  'voice/no-device': {
    message: 'No microphone was found.',
    cause: 'The device has no audio input, or it was unplugged.',
    action: 'Connect a microphone and try again.',
  },
  'voice/device-busy': {
    message: 'The microphone is in use by another application.',
    cause: 'Another program holds the audio device exclusively.',
    action: 'Close the other program and try again.',
  },
  internal: {
    message: 'Something went wrong on our side ({detail}).',
    cause: 'An unexpected failure.',
    action: 'Try again; if it persists, report it with the time it happened.',
  },
  'agent/has-work': {
    message: 'Finish your {count} open interaction(s) before going offline.',
    cause: 'Going offline while holding interactions would leave their customers without an agent.',
    action: 'End or transfer them first, or go away instead: you keep them and get no new offers.',
  },
} as const satisfies Record<string, { message: string; cause: string; action: string }>;

/** A code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

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
 * The typed error every Helpline API throws or rejects with.
 *
 * @example
 * ```ts
 * try { await session.sendMessage(''); }
 * catch (e) { if (e instanceof HelplineError && e.code === 'validation/field') showError(e.message); }
 * ```
 */
export class HelplineError extends Error {
  /** Stable code from the catalog. */
  readonly code: ErrorCode;
  /** When set, retry no sooner than this many milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Field path the error is about, when it is about one field. */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfterMs?: number; field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HelplineError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.field = options.field;
  }

  /** The wire form of this error. */
  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) payload.retryAfterMs = this.retryAfterMs;
    if (this.field !== undefined) payload.field = this.field;
    return payload;
  }

  /** Rebuilds an error received on the wire. */
  static fromPayload(payload: ErrorPayload): HelplineError {
    return new HelplineError(payload.code, payload.message, {
      ...(payload.retryAfterMs === undefined ? {} : { retryAfterMs: payload.retryAfterMs }),
      ...(payload.field === undefined ? {} : { field: payload.field }),
    });
  }
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
  code: ErrorCode,
  params: Record<string, string | number> = {},
  options: { retryAfterMs?: number; field?: string; cause?: unknown } = {},
): HelplineError {
  const template: string = ERROR_CATALOG[code].message;
  const message = template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(params, key) ? String(params[key]) : whole,
  );
  return new HelplineError(code, message, options);
}

/** True when `value` is a {@link HelplineError}, also across bundle copies. */
export function isHelplineError(value: unknown): value is HelplineError {
  return (
    value instanceof HelplineError ||
    (value instanceof Error && value.name === 'HelplineError' && 'code' in value)
  );
}
