import * as v from 'valibot';
import { CHANNELS, END_REASONS } from '../interaction/interaction.types';
import { LIMITS } from './protocol.limits';

// Building blocks shared by the command and server-frame schemas (those of commands alone are in
// `protocol.inputs.ts`). Every string has an upper bound so no frame can carry an unbounded field, and every number
// is one its field can mean: input the database cannot store is refused by the schema, naming the field, instead
// of failing in storage as an `internal` error.

/**
 * The latest time a protocol field may carry: 9999-12-31T23:59:59.999Z. Every epoch-ms field is a whole number
 * from 0 (1970) to this; any such value is a valid `Date` with a four-digit year, and adding years to it stays far
 * inside what `Date` (±8.64e15) and a PostgreSQL `bigint` can hold.
 */
export const MAX_EPOCH_MS = 253_402_300_799_999;

export const id = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.id),
  v.regex(/^[\w.:-]+$/, 'must be an opaque id'),
);
export const name = v.pipe(v.string(), v.maxLength(LIMITS.name));
/** A conversation position: storage keeps it as a `bigint` and compares it exactly, so a safe integer. */
export const seq = v.pipe(v.number(), v.safeInteger('must be a whole number below 2^53'), v.minValue(0));
/** A time in epoch milliseconds, from 1970 to the end of year 9999 ({@link MAX_EPOCH_MS}). */
export const epochMs = v.pipe(
  v.number(),
  v.safeInteger('must be whole milliseconds'),
  v.minValue(0),
  v.maxValue(MAX_EPOCH_MS, 'must be before the year 10000'),
);
export const channel = v.picklist(CHANNELS);
export const endReason = v.picklist(END_REASONS);
export const endedBy = v.picklist(['visitor', 'agent', 'system']);
export const role = v.picklist(['visitor', 'agent', 'supervisor', 'system']);
/** A satisfaction rating: 1 (very unhappy) to 5 (very happy). */
export const csatScore = v.picklist([1, 2, 3, 4, 5]);

// ─── voice ──────────────────────────────────────────────────────────────────────────────────────────

/** Size limits of call signaling. A Chrome audio offer is about 1.3 KB; TURN candidates make it longer. */
export const SIGNAL_LIMITS = {
  /** Longest SDP offer or answer, in characters. */
  sdp: 16_384,
  /** Longest ICE candidate line. */
  candidate: 1_024,
  /** Longest media id (`sdpMid`). */
  sdpMid: 32,
  /** Longest ICE username fragment (RFC 8445 allows up to 256 characters). */
  usernameFragment: 256,
  /** Most DTMF digits in one signal. */
  dtmf: 32,
} as const;

/** A party of a call. */
export const callSide = v.picklist(['visitor', 'agent']);
/** States of the voice machine (`voice/voice.machine.ts`; a test keeps them equal). */
export const voiceState = v.picklist([
  'dialing',
  'ringing',
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
  'wrap-up',
  'ended',
]);
/** Health of a call's audio path. */
export const voiceMedia = v.picklist(['ok', 'reconnecting', 'failed']);
/** An SDP offer or answer. */
export const sdp = v.pipe(v.string(), v.minLength(1), v.maxLength(SIGNAL_LIMITS.sdp));
/** One ICE candidate line; empty for end-of-candidates. */
export const iceCandidateLine = v.pipe(v.string(), v.maxLength(SIGNAL_LIMITS.candidate));
export const sdpMid = v.pipe(v.string(), v.maxLength(SIGNAL_LIMITS.sdpMid));
export const sdpMLineIndex = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63));
export const usernameFragment = v.pipe(v.string(), v.maxLength(SIGNAL_LIMITS.usernameFragment));
/** DTMF digits as `RTCDTMFSender.insertDTMF` takes them (`,` is a 2 s pause). */
export const dtmfDigits = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(SIGNAL_LIMITS.dtmf),
  v.regex(/^[0-9A-Da-d*#,]+$/, 'must be DTMF digits (0-9, A-D, *, #, comma)'),
);
