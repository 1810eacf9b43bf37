import type { WireCall } from '../protocol/protocol.types';
import type { CallSide, VoiceSnapshot } from './voice.machine';
import { voiceMachine } from './voice.machine';

/** A call as the hub keeps it: the voice machine snapshot (from the contact center's side) and who placed it. */
export interface CallRecord {
  readonly callId: string;
  /** The interaction (conversation) the call belongs to. */
  readonly cid: string;
  readonly startedBy: CallSide;
  readonly snapshot: VoiceSnapshot;
}

/**
 * The wire form of a call, as `side` sees it. Only shared facts travel: mute is local to each side, and the call
 * never has a wrap-up of its own (after-call work belongs to the interaction). Who the agent consults is the agent's
 * to know: the customer's copy (`side: 'visitor'`) has no `consult` (they only hear the hold music).
 *
 * @example
 * ```ts
 * notify(customerId, { type: 'call', call: toWireCall(call, 'visitor') });
 * ```
 */
export function toWireCall(call: CallRecord, side: CallSide = 'agent'): WireCall {
  const { value, context } = call.snapshot;
  const { createdAt, ringingAt, pickedUpAt, answeredAt, endedAt } = context.timestamps;
  return {
    callId: call.callId,
    cid: call.cid,
    startedBy: call.startedBy,
    state: value,
    media: context.media,
    recording: context.recording,
    recordingPolicy: context.recordingPolicy,
    heldMs: context.heldMs,
    holdCount: context.holdCount,
    timestamps: {
      createdAt,
      ...(ringingAt === undefined ? {} : { ringingAt }),
      ...(pickedUpAt === undefined ? {} : { pickedUpAt }),
      ...(answeredAt === undefined ? {} : { answeredAt }),
      ...(endedAt === undefined ? {} : { endedAt }),
    },
    ...(context.heldBy ? { heldBy: context.heldBy } : {}),
    ...(context.holdStartedAt === undefined ? {} : { holdStartedAt: context.holdStartedAt }),
    ...(context.endReason ? { endReason: context.endReason } : {}),
    ...(context.endedBy ? { endedBy: context.endedBy } : {}),
    ...(context.consult && side === 'agent' ? { consult: context.consult } : {}),
  };
}

/**
 * One side's snapshot of a wire call: `direction` is seen from `side` (the side that placed the call dials out),
 * so `voiceFlags(...).canAnswer` is true exactly where the call rings. `muted` is this side's own fact.
 *
 * @example
 * ```ts
 * const snapshot = callSnapshotFor(notice.call, 'visitor', { muted: false });
 * voiceFlags(snapshot).canAnswer; // true when the agent is calling this visitor
 * ```
 */
export function callSnapshotFor(call: WireCall, side: CallSide, local: { muted: boolean }): VoiceSnapshot {
  const { heldBy, holdStartedAt, endReason, endedBy, consult } = call;
  return {
    value: call.state,
    context: {
      ...voiceMachine.context,
      // The interaction wraps up, not the call: an ended call goes straight to `ended`.
      acw: { kind: 'none' },
      direction: call.startedBy === side ? 'outbound' : 'inbound',
      media: call.media,
      muted: local.muted,
      recording: call.recording,
      recordingPolicy: call.recordingPolicy ?? 'never',
      heldMs: call.heldMs,
      holdCount: call.holdCount,
      timestamps: call.timestamps,
      ...(heldBy ? { heldBy } : {}),
      ...(holdStartedAt === undefined ? {} : { holdStartedAt }),
      ...(endReason ? { endReason } : {}),
      ...(endedBy ? { endedBy } : {}),
      ...(consult ? { consult } : {}),
    },
  };
}
