import type { ErrorCode, ErrorPayload } from './errors';

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

/** A message template with its `{placeholders}` filled in from `params` (unknown ones stay as they are). */
export function fillTemplate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(params, key) ? String(params[key]) : whole,
  );
}
