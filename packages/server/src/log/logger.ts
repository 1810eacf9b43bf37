import { isHelplineError, redactCardNumbers } from '@helpline/core';
import { isDatabaseError } from '../storage/sql.errors';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One value of a log field. */
export type LogValue = string | number | boolean | null | undefined;

/** Fields of one log line: flat, JSON-serializable values. */
export type LogFields = Readonly<Record<string, LogValue>>;

/**
 * Structured logger: one JSON object per line, one line per event. `error` (anything thrown) is written as safe
 * fields — `error` (a description without data), `errorCode`, `retryable`, `stack` (frames only), `cause` and
 * `causeCode` (the same for `error.cause`) — never as the thrown value itself.
 */
export interface Logger {
  debug(event: string, fields?: LogFields, error?: unknown): void;
  info(event: string, fields?: LogFields, error?: unknown): void;
  warn(event: string, fields?: LogFields, error?: unknown): void;
  error(event: string, fields?: LogFields, error?: unknown): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Never logged, whatever a caller passes: secrets, and what customers and agents write.
const SECRET_KEYS =
  /token|secret|passw|authorization|cookie|api-?key|private-?key|^(text|message|body|content|comment|notes?|transcript|params|values|prechat|fields)$/i;
// Keys whose values are error texts, which may quote the input that failed.
const ERROR_KEYS = /^(error|reason|cause)$/i;
/** Longest string value written; message texts are longer than anything a log line needs. */
const MAX_VALUE = 500;
const STACK_FRAMES = 8;

/** Values that are never written, wherever they appear in a string. */
const SECRET_VALUES: readonly [RegExp, string][] = [
  // JWTs (staff and identity tokens, Vonage tokens).
  [/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '[jwt]'],
  // Visitor tokens (hlv_…) and resume tokens (r_… with 128 random bits).
  [/\b(hlv|r)_[0-9a-f]{32}\b/g, '$1_[redacted]'],
  [/\b(Bearer|Basic)\s+[^\s,;"']+/gi, '$1 [redacted]'],
  // Passwords in URLs (postgres://user:password@host).
  [/\b([a-z][\w+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, '$1:[redacted]@'],
  // A database's quotation of the row or key that failed.
  // (To the end of the text: the quoted data may hold parentheses and newlines of its own.)
  [/Failing row contains \([\s\S]*/g, 'Failing row contains (…)'],
  [/\bKey \(([\w, "]*)\)=\([\s\S]*/g, 'Key ($1)=(…)'],
];

/** A string as it may be logged: card numbers, tokens and quoted rows redacted, bounded in length. */
function redactString(value: string): string {
  let out = redactCardNumbers(value);
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out.length > MAX_VALUE ? `${out.slice(0, MAX_VALUE)}…` : out;
}

/**
 * An error text with every quotation replaced: engines and drivers quote the input that failed
 * (`"…" is not valid JSON`, `invalid input syntax for type integer: "…"`), and that input may be a message.
 */
function unquote(text: string): string {
  return text.replace(/"[^"]*"|'[^']*'|`[^`]*`|«[^»]*»/g, '"…"');
}

function stackFrames(error: Error): string | undefined {
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, STACK_FRAMES)
    .map((line) => line.trim().slice(3));
  return frames.length > 0 ? frames.join(' < ') : undefined;
}

/** The fields that describe a thrown value, and what caused it, without repeating anything they carry. */
function describeError(error: unknown): Record<string, LogValue> {
  const described = describeOne(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause === undefined) return described;
  const { error: causeText, errorCode: causeCode } = describeOne(cause);
  return { ...described, cause: causeText, causeCode };
}

function describeOne(error: unknown): Record<string, LogValue> {
  if (isDatabaseError(error)) {
    // Built from SQLSTATE and identifiers only (storage/sql.errors.ts).
    return {
      error: error.message,
      errorCode: error.code,
      retryable: error.retryable,
      stack: stackFrames(error),
    };
  }
  if (isHelplineError(error)) {
    return {
      error: unquote(error.message),
      errorCode: error.code,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: `${error.name}: ${unquote(error.message)}`,
      ...(typeof code === 'string' && /^[\w-]{2,40}$/.test(code) ? { errorCode: code } : {}),
      stack: stackFrames(error),
    };
  }
  // A thrown string or object: it could be anything, so only its kind is told.
  return { error: `thrown ${error === null ? 'null' : typeof error}` };
}

/**
 * Creates a JSON-lines logger writing to `write` (stdout by default). Values under secret-looking keys
 * (tokens, secrets, `text`, `message`, `comment`, `notes`, `body` …) are dropped; in every string, card numbers,
 * JWTs, visitor and resume tokens, bearer credentials, URL passwords and a database's quoted rows are
 * redacted; strings are cut at 500 characters. Errors go in the third argument and are described safely.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'info' });
 * log.info('listening', { port: 8787 }); // {"time":"…","level":"info","event":"listening","port":8787}
 * log.error('http.failed', { path: '/v1/callbacks' }, error); // …,"error":"…","errorCode":"08006","retryable":true
 * ```
 */
export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; now?: () => number } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, event: string, fields: LogFields = {}, error?: unknown) => {
    if (ORDER[level] < min) return;
    const line: Record<string, unknown> = { time: new Date(now()).toISOString(), level, event };
    const described = error === undefined ? {} : describeError(error);
    for (const [key, value] of [...Object.entries(described), ...Object.entries(fields)]) {
      if (value === undefined || key in line) continue;
      if (SECRET_KEYS.test(key)) {
        line[key] = '[redacted]';
        continue;
      }
      if (typeof value !== 'string') {
        line[key] = value;
        continue;
      }
      line[key] = redactString(ERROR_KEYS.test(key) && !(key in described) ? unquote(value) : value);
    }
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (event, fields, error) => emit('debug', event, fields, error),
    info: (event, fields, error) => emit('info', event, fields, error),
    warn: (event, fields, error) => emit('warn', event, fields, error),
    error: (event, fields, error) => emit('error', event, fields, error),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
