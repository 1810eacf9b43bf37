import type * as v from 'valibot';
import type { HelplineError } from './errors';
import { clientError } from './errors.client';
import type { CommandOp } from './protocol.commands';
import { type FrameGuard, runGuard } from './protocol.guards';
import { serverFrameGuard } from './protocol.guards.staff.generated';
import { LIMITS } from './protocol.limits';
import type { commandResultSchemas } from './protocol.results.staff';
import type { ClientFrame, CommandResult, ServerFrame } from './protocol.types';

/** Outcome of parsing: the typed value, or a typed error. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: HelplineError };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Finds the path of a prototype-polluting key anywhere in a parsed JSON value. */
function findForbiddenKey(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 32) return `${path} (nested too deeply)`;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): {
  detail: string;
  field: string | undefined;
} {
  const issue = issues[0];
  if (!issue) return { detail: 'invalid', field: undefined };
  const field = issue.path?.map((p) => String(p.key)).join('.');
  return { detail: field ? `${field}: ${issue.message}` : issue.message, field };
}

/**
 * Checks `value` with a valibot schema (through its own Standard Schema entry point, the same run as `v.safeParse`
 * with valibot's global configuration, so that a client's bundle does not ship valibot's parse functions) or with a
 * guard generated from one (`protocol.guards.ts`), after refusing prototype-polluting keys anywhere in it.
 */
function checkValue<T>(check: v.GenericSchema<unknown, T> | FrameGuard<T>, value: unknown): ParseResult<T> {
  const forbidden = findForbiddenKey(value, '$', 0);
  let detail = `forbidden key at ${forbidden}`;
  let field: string | undefined;
  if (forbidden === undefined && typeof check === 'function') {
    const result = runGuard(check, value);
    if (result.ok) return result;
    detail = `${result.field || 'frame'}: unexpected ${result.found}`;
    field = result.field || undefined;
  } else if (forbidden === undefined) {
    const result = (check as v.GenericSchema<unknown, T>)['~standard'].validate(value) as {
      readonly value: T;
      readonly issues?: readonly v.BaseIssue<unknown>[];
    };
    if (!result.issues) return { ok: true, value: result.value };
    ({ detail, field } = describeIssues(result.issues));
  }
  return {
    ok: false,
    error: clientError('protocol/invalid-frame', { detail }, field === undefined ? {} : { field }),
  };
}

export function validateValue<T>(schema: v.GenericSchema<unknown, T>, value: unknown): ParseResult<T> {
  return checkValue(schema, value);
}

export function parseJsonFrame(raw: string): ParseResult<unknown> {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: count exact bytes only near the limit.
  const tooLarge =
    raw.length > LIMITS.frameBytes ||
    (raw.length * 3 > LIMITS.frameBytes && new TextEncoder().encode(raw).length > LIMITS.frameBytes);
  if (tooLarge) {
    return {
      ok: false,
      error: clientError('limit/size', { field: 'frame', size: raw.length, max: LIMITS.frameBytes }),
    };
  }
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false, error: clientError('protocol/invalid-frame', { detail: 'not JSON' }) };
  }
}

/** Parses and validates a frame received by a client (unknown extra fields are tolerated, and dropped). */
export function parseServerFrame(raw: string | unknown): ParseResult<ServerFrame> {
  return parseFrameWith(serverFrameGuard, raw);
}

/**
 * {@link parseServerFrame} with the frames one audience receives (`visitorFrameGuard` for a visitor, whose bundle
 * then leaves out the staff notices' guards); a frame outside them is refused as `protocol/invalid-frame`.
 */
export function parseFrameWith(frames: FrameGuard, raw: string | unknown): ParseResult<ServerFrame> {
  if (typeof raw === 'string') {
    const json = parseJsonFrame(raw);
    return json.ok ? checkValue(frames as FrameGuard<ServerFrame>, json.value) : json;
  }
  return checkValue(frames as FrameGuard<ServerFrame>, raw);
}

/**
 * What `ack` results are validated with, by command: every command's schema (`commandResultSchemas`), or a
 * client's subset — as schemas, or as the guards generated from them (`visitorResultGuards`, far smaller to ship).
 */
export type ResultSchemas = {
  readonly [Op in CommandOp]?: (typeof commandResultSchemas)[Op] | FrameGuard;
};

/** Validates an `ack.result` for command `op` with its schema in `schemas`; one without is refused. */
export function parseCommandResult<Op extends CommandOp>(
  op: Op,
  result: unknown,
  schemas: ResultSchemas,
): ParseResult<CommandResult<Op>> {
  // A guard is generated from the command's schema (`protocol.guards.test.ts` proves they output the same), so it
  // outputs the schema's type; its own type cannot say so.
  const schema = schemas[op] as
    | v.GenericSchema<unknown, CommandResult<Op>>
    | FrameGuard<CommandResult<Op>>
    | undefined;
  if (!schema) {
    return {
      ok: false,
      error: clientError('protocol/invalid-frame', { detail: `no result schema for ${op} on this client` }),
    };
  }
  return checkValue(schema, result);
}

/** Serializes a frame for the wire. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}
