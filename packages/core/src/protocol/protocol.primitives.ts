import * as v from 'valibot';
import { LIMITS, PROTOCOL_VERSION } from './protocol.limits';

/** Building blocks shared by the command and server-frame schemas. */
// Primitive building blocks. Every string has an upper bound so no frame can carry an unbounded field.
export const id = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.id),
  v.regex(/^[\w.:-]+$/, 'must be an opaque id'),
);
export const name = v.pipe(v.string(), v.maxLength(LIMITS.name));
export const token = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.token));
export const messageText = v.pipe(
  v.string(),
  v.check((s) => s.trim().length > 0, 'must not be empty'),
  v.maxLength(LIMITS.text),
);
export const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
export const epochMs = v.pipe(v.number(), v.integer(), v.minValue(0));
export const channel = v.picklist(['chat', 'voice', 'callback', 'offline-message']);
export const endReason = v.picklist([
  'completed',
  'abandoned',
  'missed',
  'rejected',
  'transferred',
  'failed',
  'timeout',
]);
export const endedBy = v.picklist(['visitor', 'agent', 'system']);
export const role = v.picklist(['visitor', 'agent', 'supervisor', 'system']);
export const languageTag = v.pipe(
  v.string(),
  v.maxLength(35),
  v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/),
);
export const prechat = v.pipe(
  v.record(
    v.pipe(v.string(), v.maxLength(40), v.regex(/^[\w-]+$/)),
    v.pipe(v.string(), v.maxLength(LIMITS.prechatValue)),
  ),
  v.check(
    (r) => Object.keys(r).length <= LIMITS.prechatFields,
    `must have at most ${LIMITS.prechatFields} fields`,
  ),
);
/** E.164: a plus, a non-zero country digit, 7–15 digits in all. */
export const e164 = v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, 'is not a valid E.164 number'));
