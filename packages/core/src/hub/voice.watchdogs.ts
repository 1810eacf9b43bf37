import type { Channel } from '../interaction/interaction.types';
import type { VoiceEvent } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import type { HubClock } from './hub.types';
import type { HubTimers, TimerGroup } from './timers.hub';
import { isLive, isTalking } from './voice.calls';

/** What a call's watchdog waits for: ringing unanswered, media that never connects, broken media, absent parties. */
export type WatchdogKind = 'ring' | 'connect' | 'media' | 'absent';

/** How long each watchdog waits before it ends the call (see `VoiceHubOptions`). */
export interface WatchdogBudgets {
  readonly ringMs: number;
  readonly connectMs: number;
  readonly reattachMs: number;
  readonly absentMs: number;
}

/** What the call watchdogs need from the hub. */
export interface CallWatchdogsDeps {
  readonly clock: HubClock;
  /** Where the deadlines are kept: their steps run in the conversation's turn and are retried after an outage. */
  readonly timers: Pick<HubTimers, 'group'>;
  /**
   * Stores `event` as the call's next step, unless the call has ended or another call of its interaction has
   * replaced it meanwhile (runs in the conversation's turn).
   */
  readonly expire: (call: CallRecord, event: VoiceEvent, kind: WatchdogKind) => Promise<void>;
  readonly budgets: WatchdogBudgets;
}

/** The deadlines of calls, so that no call outlives its browsers: at most one of each kind per interaction. */
export interface CallWatchdogs {
  /**
   * Arms and cancels the deadlines the call's state implies: ringing, waiting for media, media broken; an ended
   * call has none. `channel` is its interaction's: a voice interaction rings in its queue, which governs it.
   */
  follow(call: CallRecord, channel: Channel | undefined): void;
  /** Neither party is connected (`true`): the call fails after the absence budget unless one comes back (`false`). */
  absent(call: CallRecord, gone: boolean): void;
  /** Cancels every deadline of the interaction's call. */
  stop(cid: string): void;
}

/**
 * Creates the watchdogs of calls.
 *
 * @example
 * ```ts
 * const watchdogs = createCallWatchdogs({ clock, timers, expire, budgets });
 * watchdogs.follow(call, 'chat'); // a ringing call in a chat is missed after `ringMs`
 * ```
 */
export function createCallWatchdogs(deps: CallWatchdogsDeps): CallWatchdogs {
  const { clock, budgets } = deps;
  const groups: Record<WatchdogKind, TimerGroup> = {
    ring: deps.timers.group(),
    connect: deps.timers.group(),
    media: deps.timers.group(),
    absent: deps.timers.group(),
  };
  const waits: Record<WatchdogKind, number> = {
    ring: budgets.ringMs,
    connect: budgets.connectMs,
    media: budgets.reattachMs,
    absent: budgets.absentMs,
  };

  /** Arms the deadline when `on` (keeping one that already runs), cancels it otherwise. */
  function toggle(call: CallRecord, kind: WatchdogKind, on: boolean, event: () => VoiceEvent): void {
    const group = groups[kind];
    if (!on) group.clear(call.cid);
    else if (!group.has(call.cid)) {
      group.stepAt(call.cid, clock.now() + waits[kind], `call timer (${kind})`, () =>
        deps.expire(call, event(), kind),
      );
    }
  }

  const fail = (): VoiceEvent => ({ type: 'FAIL', at: clock.now() });

  return {
    follow(call, channel) {
      const { value, context } = call.snapshot;
      const ringing = (value === 'dialing' || value === 'ringing') && channel !== 'voice';
      toggle(call, 'ring', ringing, () => ({ type: 'TIMEOUT', at: clock.now() }));
      toggle(call, 'connect', value === 'connecting', fail);
      toggle(call, 'media', isTalking(call) && context.media !== 'ok', fail);
      if (!isLive(call)) toggle(call, 'absent', false, fail);
    },
    absent(call, gone) {
      toggle(call, 'absent', gone, fail);
    },
    stop(cid) {
      for (const group of Object.values(groups)) group.clear(cid);
    },
  };
}
