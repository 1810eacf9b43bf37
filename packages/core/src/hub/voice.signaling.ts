import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { CallSignal, Notice } from '../protocol/protocol.types';
import type { CallSide } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import type { HubClock } from './hub.types';
import { otherSide, subjectOf, type VoiceConnection } from './voice.calls';

/** The notice that carries one party's signal to the other. */
export type CallSignalNotice = Extract<Notice, { type: 'call.signal' }>;

/** What call signaling needs from the hub. */
export interface CallSignalingDeps {
  readonly clock: HubClock;
  /** Call commands (mostly signaling) one connection may send in a burst. */
  readonly burst: number;
  /** Call commands one connection may send per second, sustained. */
  readonly perSecond: number;
  /**
   * Delivers a signal to a party: to `connectionId` while that connection is open (the tab that took part in the
   * call), else to every connection of theirs. In a cluster the party may be connected to another instance.
   */
  readonly sendSignal: (subjectId: string, notice: CallSignalNotice, connectionId?: string) => void;
}

/** The hub's side of WebRTC signaling: the budget of call commands, and the relay between the two parties. */
export interface CallSignaling {
  /** Spends one call command of the connection's budget; throws `limit/rate` (with `retryAfterMs`) when none is left. */
  spend(conn: VoiceConnection): void;
  /** Signals for `side` go to this connection from now on (other tabs of the same subject stay quiet). */
  bind(call: CallRecord, side: CallSide, connectionId: string): void;
  /** Relays a signal from one party to the other, tagged with the sender's side (never echoed back). */
  relay(call: CallRecord, interaction: Interaction, from: CallSide, signal: CallSignal): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Creates call signaling: media is peer-to-peer, the hub relays signaling between the two parties only.
 *
 * @example
 * ```ts
 * const signaling = createCallSignaling({ clock, burst: 60, perSecond: 20, sendSignal });
 * signaling.spend(conn);
 * signaling.relay(call, interaction, 'agent', { kind: 'offer', peer: 'p1', sdp });
 * ```
 */
export function createCallSignaling(deps: CallSignalingDeps): CallSignaling {
  const { clock, burst, perSecond } = deps;
  const buckets = new WeakMap<VoiceConnection, Bucket>();
  const bound = new WeakMap<CallRecord, Map<CallSide, string>>();

  return {
    // A token bucket per connection: signaling is chatty by nature, but bounded.
    spend(conn) {
      const now = clock.now();
      const bucket = buckets.get(conn) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(conn, bucket);
      if (bucket.tokens < 1) {
        const retryAfterMs = Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
        throw helplineError('limit/rate', { seconds: Math.ceil(retryAfterMs / 1000) }, { retryAfterMs });
      }
      bucket.tokens -= 1;
    },
    bind(call, side, connectionId) {
      const sides = bound.get(call) ?? new Map<CallSide, string>();
      sides.set(side, connectionId);
      bound.set(call, sides);
    },
    relay(call, interaction, from, signal) {
      const to = otherSide(from);
      const subjectId = subjectOf(interaction, to);
      if (!subjectId) return;
      const notice: CallSignalNotice = {
        type: 'call.signal',
        cid: call.cid,
        callId: call.callId,
        from,
        signal,
      };
      deps.sendSignal(subjectId, notice, bound.get(call)?.get(to));
    },
  };
}
