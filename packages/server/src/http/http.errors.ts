import type { ServerResponse } from 'node:http';
import { type ErrorCode, type HelplineError, helplineError, isHelplineError } from '@helpline/core';
import { unavailableFor } from '../storage/sql.errors';

// Codes added to the catalog later fall back by their family (the part before the slash).
const STATUS: Partial<Record<ErrorCode, number>> = {
  'machine/illegal-event': 409,
  'protocol/invalid-frame': 400,
  'protocol/unsupported-version': 400,
  'protocol/unknown-command': 404,
  'auth/required': 401,
  'auth/invalid-token': 401,
  'auth/token-expired': 401,
  'site/unknown': 404,
  'site/origin-not-allowed': 403,
  'auth/forbidden': 403,
  'not-found': 404,
  'conflict/state': 409,
  'validation/field': 400,
  'limit/rate': 429,
  'limit/size': 413,
  'queue/closed': 409,
  'agent/capacity': 409,
  'agent/unavailable': 409,
  'wrapup/disposition-required': 400,
  'connection/closed': 503,
  'connection/timeout': 504,
  'voice/permission-denied': 400,
  'voice/no-device': 400,
  'voice/device-busy': 409,
  internal: 500,
  unavailable: 503,
  'attachment/type-not-allowed': 415,
  'attachment/type-mismatch': 415,
  'attachment/too-large': 413,
  'attachment/empty': 400,
  'attachment/rejected': 422,
  'attachment/incomplete': 409,
  'attachment/offset': 409,
  'attachment/disabled': 404,
};

/** The HTTP status of an error code. */
export function statusOf(code: string): number {
  const known = (STATUS as Record<string, number | undefined>)[code];
  if (known !== undefined) return known;
  const family = code.split('/')[0];
  return family === 'validation' || family === 'protocol' || family === 'voice'
    ? 400
    : family === 'internal'
      ? 500
      : 409;
}

/**
 * Any thrown value as a typed error: a database outage becomes `unavailable` with a `retryAfterMs`; other
 * unexpected failures become `internal` without details.
 */
export function toHelplineError(error: unknown): HelplineError {
  if (isHelplineError(error)) return error;
  return unavailableFor(error) ?? helplineError('internal', { detail: 'unexpected failure' });
}

/** Sends `{ error: { code, message, retryAfterMs?, field? } }` with the status of its code. */
export function sendError(response: ServerResponse, error: HelplineError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
  sendJson(response, statusOf(error.code), { error: error.toPayload() }, headers);
}

/** Sends a JSON body (the security headers are already set on `response`: server.ts). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}
