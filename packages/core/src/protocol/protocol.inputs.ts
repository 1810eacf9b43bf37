import * as v from 'valibot';
import { LIMITS } from './protocol.limits';

// Building blocks of command arguments alone. Kept apart from the shared primitives so that pages which only parse
// server frames do not ship them. Every text a client sends must be storable (see `isStorableText`): what the
// database cannot keep is refused here, naming the field, instead of failing in storage as an `internal` error.

/**
 * True when `text` can be stored as PostgreSQL `text` and `jsonb`: no NUL character (U+0000) and no lone UTF-16
 * surrogate (neither is valid in UTF-8). Emoji and other astral characters, as surrogate pairs, are fine.
 *
 * @example
 * ```ts
 * isStorableText('Hi 👋'); // true
 * isStorableText('a\u0000b'); // false
 * isStorableText('\ud83d'); // false: half an emoji
 * ```
 */
export function isStorableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return false;
    if (unit < 0xd800 || unit > 0xdfff) continue;
    // A high surrogate must be followed by a low one (`charCodeAt` past the end is NaN); a low one never leads.
    const next = text.charCodeAt(i + 1);
    if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** Refuses text that storage cannot keep (see {@link isStorableText}). */
export const storable = v.check(isStorableText, 'must not contain NUL characters or lone surrogates');

/** A string of at most `max` characters that storage can keep (free text: a comment, a note). */
export function storableText(max: number) {
  return v.pipe(v.string(), v.maxLength(max), storable);
}

// The runtime's canonical zone list, read once; aliases it leaves out (`UTC`, `US/Eastern`) are tried one by one.
let zoneList: ReadonlySet<string> | undefined;
// Names found valid by construction: bounded by the zones the runtime knows.
const validZones = new Set<string>();

/**
 * True when `timeZone` is an IANA time zone (or alias) this runtime's `Intl` knows, so that formatting a time in
 * it cannot throw.
 *
 * @example
 * ```ts
 * isKnownTimeZone('Europe/Amsterdam'); // true
 * isKnownTimeZone('Mars/Olympus_Mons'); // false
 * ```
 */
export function isKnownTimeZone(timeZone: string): boolean {
  zoneList ??= new Set(
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [],
  );
  if (zoneList.has(timeZone) || validZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    // Unknown names are not cached: a client could send endless distinct ones.
    return false;
  }
  validZones.add(timeZone);
  return true;
}

/** An IANA time zone name the runtime knows (`Europe/Amsterdam`): anything else would fail later, in `Intl`. */
export const timeZone = v.pipe(
  v.string(),
  v.maxLength(64),
  v.check(isKnownTimeZone, 'is not a known IANA time zone'),
);
/** A JWT or an opaque token. */
export const token = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.token), storable);
/** A chat message: not blank. */
export const messageText = v.pipe(
  v.string(),
  v.check((s) => s.trim().length > 0, 'must not be empty'),
  v.maxLength(LIMITS.text),
  storable,
);
/** A BCP 47 language tag (`nl-NL`). */
export const languageTag = v.pipe(
  v.string(),
  v.maxLength(35),
  v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/),
);
/** Pre-chat form answers by field name. */
export const prechat = v.pipe(
  v.record(v.pipe(v.string(), v.maxLength(40), v.regex(/^[\w-]+$/)), storableText(LIMITS.prechatValue)),
  v.check(
    (r) => Object.keys(r).length <= LIMITS.prechatFields,
    `must have at most ${LIMITS.prechatFields} fields`,
  ),
);
/** E.164: a plus, a non-zero country digit, 7–15 digits in all. */
export const e164 = v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, 'is not a valid E.164 number'));

/** Longest email address SMTP carries (RFC 5321: a 254-octet path, a local part of at most 64). */
const EMAIL_MAX = 254;
const EMAIL_LOCAL_MAX = 64;
// Letters, digits and the RFC 5322 atom specials in the local part (dots only between them), a domain of DNS labels
// with at least one dot. Deliberately narrower than RFC 5322 (no quoted local parts, no IP literals): the address goes
// into mail headers, and nothing in it may break a header (no spaces, quotes, angle brackets or line breaks).
const EMAIL_PATTERN =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * True when `address` is an email address Helpline sends mail to: `name@example.com`, at most 254 characters with a
 * local part of at most 64, ASCII only, a domain with a dot. The widget checks with it before sending and the server
 * checks again (`conversation.email`).
 *
 * @example
 * ```ts
 * isEmailAddress('ann@example.com'); // true
 * isEmailAddress('ann@localhost'); // false: no dot in the domain
 * isEmailAddress('ann@example.com\r\nBcc: eve@example.com'); // false
 * ```
 */
export function isEmailAddress(address: string): boolean {
  if (address.length > EMAIL_MAX) return false;
  const at = address.lastIndexOf('@');
  return at > 0 && at <= EMAIL_LOCAL_MAX && EMAIL_PATTERN.test(address);
}

/** An email address (see {@link isEmailAddress}); surrounding spaces are the client's to trim. */
export const emailAddress = v.pipe(
  v.string(),
  v.maxLength(EMAIL_MAX),
  v.check(isEmailAddress, 'is not a valid email address'),
);
