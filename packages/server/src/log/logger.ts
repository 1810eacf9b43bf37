import { redactCardNumbers } from '@helpline/core';

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of one log line: flat, JSON-serializable values. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Structured logger: one JSON object per line, one line per event. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Never logged, whatever a caller passes: secrets and what customers write.
const SECRET_KEYS = /token|secret|password|authorization|cookie|^text$|^message$|^comment$|^notes?$/i;

/**
 * Creates a JSON-lines logger writing to `write` (stdout by default). Values under secret-looking keys are
 * dropped and card numbers in any string are redacted, so a careless field cannot leak.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'info' });
 * log.info('listening', { port: 8787 }); // {"time":"…","level":"info","event":"listening","port":8787}
 * ```
 */
export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; now?: () => number } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (ORDER[level] < min) return;
    const line: Record<string, unknown> = { time: new Date(now()).toISOString(), level, event };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || key in line) continue;
      if (SECRET_KEYS.test(key)) {
        line[key] = '[redacted]';
        continue;
      }
      line[key] = typeof value === 'string' ? redactCardNumbers(value) : value;
    }
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
