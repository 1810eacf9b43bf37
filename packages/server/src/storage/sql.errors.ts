import { type HelplineError, helplineError } from '@helpline/core';

// One error type for every failed statement, on PGlite and PostgreSQL. Driver errors quote the statement's data
// (`detail: Failing row contains (…)`, `where: JSON data, line 1: …`, "invalid input syntax for type integer:
// \"…\"", and PGlite attaches the parameters themselves), so they never leave the SQL client: what does is built
// from the SQLSTATE, schema identifiers and our own statement text only, and is safe to log, print or serialize.

/** SQLSTATE condition names, for readable messages (PostgreSQL appendix A). Unlisted codes show the code alone. */
const CONDITIONS: Readonly<Record<string, string>> = {
  // Raised by helpline_fence (migration 11): another instance won the lease since this write's epoch.
  HL409: 'lease_fence_refused',
  '08000': 'connection_exception',
  '08001': 'sqlclient_unable_to_establish_sqlconnection',
  '08003': 'connection_does_not_exist',
  '08004': 'sqlserver_rejected_establishment_of_sqlconnection',
  '08006': 'connection_failure',
  '08P01': 'protocol_violation',
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22012': 'division_by_zero',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '22P02': 'invalid_text_representation',
  '22P05': 'untranslatable_character',
  '22032': 'invalid_json_text',
  '23000': 'integrity_constraint_violation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  '25P01': 'no_active_sql_transaction',
  '25P02': 'in_failed_sql_transaction',
  '28000': 'invalid_authorization_specification',
  '28P01': 'invalid_password',
  '3D000': 'invalid_catalog_name',
  '3F000': 'invalid_schema_name',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '42P07': 'duplicate_table',
  '53000': 'insufficient_resources',
  '53100': 'disk_full',
  '53200': 'out_of_memory',
  '53300': 'too_many_connections',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  XX000: 'internal_error',
};

/**
 * The database cannot serve anyone right now, whatever the statement: the connection is refused, lost or timed
 * out, the server is shutting down or restarting, or it has no connection slot left.
 */
function isOutageCode(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '57014', '53300'].includes(code);
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
/** Node's codes for a socket that could not be opened or was lost. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);
const BRAND = Symbol.for('helpline.DatabaseError');

/** What a {@link DatabaseError} is built from; every field is checked again before it is used. */
export interface DatabaseErrorInit {
  /** SQLSTATE. */
  readonly code: string;
  /** The statement's verb and tables, e.g. `INSERT events` (never its values). */
  readonly operation: string;
  readonly table?: string | undefined;
  readonly constraint?: string | undefined;
  readonly column?: string | undefined;
  /** Where a connection failed: a Node error code and `host:port`, never anything a user sent. */
  readonly peer?: string | undefined;
}

/**
 * A failed database statement or connection, without the statement's data: its `message`, `toJSON()` and
 * `util.inspect` output name the operation, the SQLSTATE and schema identifiers (table, constraint, column) and
 * nothing a customer wrote. The driver's error is not kept. Failures on the client side are given the SQLSTATE
 * of their class: `08001` could not connect, `08006` connection lost, `08003` database closed, `57014` timed
 * out, `XX000` anything else.
 *
 * @example
 * ```ts
 * try {
 *   await client.query('INSERT INTO events …', params);
 * } catch (error) {
 *   if (isDatabaseError(error) && error.code === '23505') {
 *     // a duplicate: error.constraint names which one
 *   }
 * }
 * ```
 */
export class DatabaseError extends Error {
  static {
    // On the prototype, not the instance: the stack's first line is written while `super()` runs.
    DatabaseError.prototype.name = 'DatabaseError';
  }
  /** SQLSTATE, e.g. `23505` (unique_violation), `08006` (connection_failure). */
  readonly code: string;
  /**
   * True when the database could not serve the statement right now (connection refused, lost or timed out,
   * shutdown, too many connections, statement timeout): the same request may succeed later. See
   * {@link isDatabaseOutage}.
   */
  readonly retryable: boolean;
  /** The statement's verb and tables, e.g. `INSERT events`. */
  readonly operation: string;
  readonly table?: string | undefined;
  readonly constraint?: string | undefined;
  readonly column?: string | undefined;

  constructor(init: DatabaseErrorInit) {
    const code = SQLSTATE.test(init.code) ? init.code : 'XX000';
    const identifier = (value: string | undefined) =>
      value !== undefined && IDENTIFIER.test(value) ? value : undefined;
    const table = identifier(init.table);
    const constraint = identifier(init.constraint);
    const column = identifier(init.column);
    const peer =
      init.peer !== undefined && /^[A-Z_]{3,40}( [\w.:[\]-]{1,80})?$/.test(init.peer) ? init.peer : '';
    const condition = CONDITIONS[code];
    const where = [
      table && `table ${table}`,
      constraint && `constraint ${constraint}`,
      column && `column ${column}`,
      peer,
    ].filter(Boolean);
    super(
      `${init.operation} failed: ${condition ? `${condition} (${code})` : code}${where.length ? `, ${where.join(', ')}` : ''}`,
    );
    this.code = code;
    this.retryable = isOutageCode(code);
    this.operation = init.operation;
    if (table) this.table = table;
    if (constraint) this.constraint = constraint;
    if (column) this.column = column;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The same safe fields as the message, for structured logs. */
  toJSON(): Record<string, string | boolean> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      retryable: this.retryable,
      operation: this.operation,
      ...(this.table ? { table: this.table } : {}),
      ...(this.constraint ? { constraint: this.constraint } : {}),
      ...(this.column ? { column: this.column } : {}),
    };
  }
}

/** Whether `error` is a {@link DatabaseError} (also one made by another copy of this module). */
export function isDatabaseError(error: unknown): error is DatabaseError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Whether `error` means the database cannot be used right now (a {@link DatabaseError} with `retryable`):
 * callers answer `unavailable` with a `retryAfterMs` instead of `internal`. The statement did not take effect,
 * except possibly a `COMMIT` whose connection was lost; commands are idempotent by their client ids for that.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (isDatabaseOutage(error)) throw helplineError('unavailable', { detail: 'database' }, { retryAfterMs: 5000 });
 *   throw error;
 * }
 * ```
 */
export function isDatabaseOutage(error: unknown): error is DatabaseError {
  return isDatabaseError(error) && error.retryable;
}

const KEYWORDS = new Set(['IF', 'NOT', 'EXISTS', 'ONLY', 'LATERAL', 'CONCURRENTLY']);

/**
 * The statement's verb and up to three tables it names (after INTO, FROM, UPDATE, JOIN, TABLE), e.g.
 * `INSERT conversation_heads, events`. Only SQL keywords and identifiers are kept, never literals.
 */
export function describeStatement(text: string): string {
  const words = text
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .split(/[\s(),;]+/)
    .filter(Boolean);
  let verb = (words[0] ?? '').toUpperCase();
  if (verb === 'WITH') {
    const main = words.find((word) => /^(INSERT|UPDATE|DELETE|SELECT)$/i.test(word));
    verb = main ? main.toUpperCase() : verb;
  }
  if (!/^[A-Z]{2,12}$/.test(verb)) verb = 'statement';
  const tables: string[] = [];
  for (let i = 0; i < words.length - 1 && tables.length < 3; i++) {
    if (!/^(INTO|FROM|UPDATE|JOIN|TABLE|INDEX|SCHEMA)$/i.test(words[i] ?? '')) continue;
    let j = i + 1;
    while (KEYWORDS.has((words[j] ?? '').toUpperCase())) j++;
    const name = words[j] ?? '';
    if (
      /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/.test(name) &&
      !tables.includes(name)
    ) {
      tables.push(name);
    }
  }
  return tables.length ? `${verb} ${tables.join(', ')}` : verb;
}

function field(error: object, key: string): string | undefined {
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The SQLSTATE of a failure that carries none: what went wrong with the connection, told by the driver. */
function clientSideCode(error: object, nodeCode: string | undefined): string {
  if (nodeCode && CONNECT_CODES.has(nodeCode)) return '08001';
  if (nodeCode && LOST_CODES.has(nodeCode)) return '08006';
  // node-postgres and PGlite's own messages (never a statement's data: they come before or instead of one).
  const message = field(error, 'message') ?? '';
  if (/timeout exceeded when trying to connect|connection timeout/i.test(message)) return '08001';
  if (/query read timeout/i.test(message)) return '57014';
  if (/connection terminated|not queryable|connection error|connection ended/i.test(message)) return '08006';
  if (/pool after calling end|client was closed|is closed|not open/i.test(message)) return '08003';
  return 'XX000';
}

/**
 * Wraps whatever a driver threw for `statement` into a {@link DatabaseError}, keeping only the SQLSTATE,
 * schema identifiers and, for connection failures, the Node error code and address. A `DatabaseError` is
 * returned unchanged.
 */
export function toDatabaseError(error: unknown, statement: string): DatabaseError {
  if (isDatabaseError(error)) return error;
  const operation = describeStatement(statement);
  if (typeof error !== 'object' || error === null) return new DatabaseError({ code: 'XX000', operation });
  // `connect()` to several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError of them.
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  const inner = typeof first === 'object' && first !== null ? first : error;
  const raw = field(error, 'code') ?? field(inner, 'code');
  const sqlState = raw !== undefined && SQLSTATE.test(raw) ? raw : undefined;
  const nodeCode =
    raw !== undefined && sqlState === undefined && /^[A-Z_]{3,40}$/.test(raw) ? raw : undefined;
  const address = field(inner, 'address');
  const port = (inner as { port?: unknown }).port;
  const peer = nodeCode
    ? `${nodeCode}${address ? ` ${address}${typeof port === 'number' ? `:${port}` : ''}` : ''}`
    : undefined;
  return new DatabaseError({
    code: sqlState ?? clientSideCode(error, nodeCode),
    operation,
    table: field(error, 'table'),
    constraint: field(error, 'constraint'),
    column: field(error, 'column'),
    peer,
  });
}

/** How soon a client should retry what the database could not take. */
export const OUTAGE_RETRY_MS = 1_000;

/**
 * A database outage as the typed, retryable `unavailable` clients act on (nothing changed; retry after
 * `retryAfterMs`); `undefined` for any other failure.
 */
export function unavailableFor(error: unknown): HelplineError | undefined {
  if (!isDatabaseOutage(error)) return undefined;
  return helplineError(
    'unavailable',
    { detail: 'the database cannot be reached' },
    { retryAfterMs: OUTAGE_RETRY_MS, cause: error },
  );
}
