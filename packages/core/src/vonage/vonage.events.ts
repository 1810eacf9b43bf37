import type { CallSide, VoiceEvent } from '../voice/voice.machine';

/** The other party of a call, seen from `side`. */
export function remoteOf(side: CallSide): CallSide {
  return side === 'visitor' ? 'agent' : 'visitor';
}

/**
 * Machine events for Vonage's `callHangup` reason, most precise first: the caller applies the first one the
 * call's state accepts (a `REMOTE_REJECT` after the call connected can only be a hang-up).
 *
 * - `REMOTE_HANGUP` → `HANG_UP` by the other party (abandoned before pick-up, completed after)
 * - `REMOTE_REJECT` → `REJECT` by the other party
 * - `REMOTE_NO_ANSWER_TIMEOUT` → `TIMEOUT` (missed)
 * - `LOCAL_HANGUP` → `HANG_UP` by this side
 * - `MEDIA_TIMEOUT` and anything unknown → `MEDIA_FAILED`, then `FAIL` (failed, by the system)
 */
export function hangupEvents(reason: string, side: CallSide, at: number): VoiceEvent[][] {
  const remote = remoteOf(side);
  switch (reason) {
    case 'REMOTE_HANGUP':
      return [[{ type: 'HANG_UP', at, by: remote }]];
    case 'REMOTE_REJECT':
      return [[{ type: 'REJECT', at, by: remote }], [{ type: 'HANG_UP', at, by: remote }]];
    case 'REMOTE_NO_ANSWER_TIMEOUT':
      return [[{ type: 'TIMEOUT', at }], [{ type: 'HANG_UP', at, by: 'system' }]];
    case 'LOCAL_HANGUP':
      return [[{ type: 'HANG_UP', at, by: side }]];
    default:
      return [
        [
          { type: 'MEDIA_FAILED', at },
          { type: 'FAIL', at },
        ],
        [{ type: 'FAIL', at }],
      ];
  }
}

/**
 * Machine events for Vonage's `callInviteCancel` reason (the invite stopped ringing here):
 * - `RemoteCancel` → `HANG_UP` by the caller (abandoned)
 * - `RemoteTimeout` → `TIMEOUT` (missed)
 * - `RejectedElsewhere` → `REJECT` by this side (declined on another device of the same user)
 * - `AnsweredElsewhere` → `HANG_UP` by the system (another device took it; `$vonageEndReason` tells the UI)
 */
export function inviteCancelEvents(reason: string, side: CallSide, at: number): VoiceEvent[][] {
  switch (reason) {
    case 'RemoteCancel':
      return [[{ type: 'HANG_UP', at, by: remoteOf(side) }]];
    case 'RemoteTimeout':
      return [[{ type: 'TIMEOUT', at }]];
    case 'RejectedElsewhere':
      return [[{ type: 'REJECT', at, by: side }]];
    default:
      return [[{ type: 'HANG_UP', at, by: 'system' }]];
  }
}

/**
 * Machine events for a `legStatusUpdate` of the OTHER party's leg on an outbound call (ours is already up):
 * ringing → `RING`, answered → `ANSWER` + `CONNECTED` (our media already flows through Vonage). Completion is
 * reported by `callHangup`, so `COMPLETED` maps to nothing here.
 */
export function remoteLegEvents(status: string, at: number): VoiceEvent[] {
  if (status === 'RINGING') return [{ type: 'RING', at }];
  if (status === 'ANSWERED')
    return [
      { type: 'ANSWER', at },
      { type: 'CONNECTED', at },
    ];
  return [];
}
