import * as v from 'valibot';
import { LIMITS } from './protocol.limits';

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
