import * as v from 'valibot';
import { storable } from './protocol.inputs';
import {
  dtmfDigits,
  iceCandidateLine,
  id,
  sdp,
  sdpMid,
  sdpMLineIndex,
  usernameFragment,
} from './protocol.primitives';

/**
 * A WebRTC signaling message for the other party of a call, with one list of kinds and fields for both directions:
 * `'send'` is what a client may send (the `call.signal` command: no unknown fields, text that storage can keep),
 * `'receive'` what it accepts from the server (the `call.signal` notice: unknown fields dropped, as in every frame a
 * client receives). `peer` names the sender's peer connection, so a reloaded page (a new peer) is told apart from an
 * ICE restart of the same one.
 */
export function callSignalSchema(direction: 'send' | 'receive') {
  const strict = direction === 'send';
  const object = <const E extends v.ObjectEntries>(entries: E) =>
    strict ? v.strictObject(entries) : v.object(entries);
  const text = <const S extends v.GenericSchema<string, string>>(schema: S) =>
    strict ? v.pipe(schema, storable) : schema;
  return v.variant('kind', [
    object({ kind: v.literal('offer'), peer: id, sdp: text(sdp) }),
    object({ kind: v.literal('answer'), peer: id, sdp: text(sdp) }),
    object({
      kind: v.literal('candidate'),
      peer: id,
      candidate: object({
        candidate: text(iceCandidateLine),
        sdpMid: v.optional(text(sdpMid)),
        sdpMLineIndex: v.optional(sdpMLineIndex),
        usernameFragment: v.optional(text(usernameFragment)),
      }),
    }),
    /** Asks the offering side for a new offer (ICE restart, or a fresh peer after a reload). */
    object({ kind: v.literal('restart'), peer: id }),
    /** Digits sent as RTP tones, repeated here so the far end can show them. */
    object({ kind: v.literal('dtmf'), digits: dtmfDigits }),
  ]);
}
