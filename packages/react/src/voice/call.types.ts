import type { CallControls, VoiceSnapshot } from '@helpline/core';
import type { ReadableStore } from '../hooks/useStore';

// The softphone is a UI shell over this controller: a store with the call's voice-machine snapshot, and the
// actions a softphone needs. Core's call session (`createCallSession` from `@helpline/core/voice`) is one.

/** The agent's current call as the softphone shows it. */
export interface CallView {
  /** The interaction (conversation) the call belongs to, when known. */
  readonly cid?: string | undefined;
  /** The call's id, once there is a call (core's call session has it): recording commands name it. */
  readonly callId?: string | undefined;
  /** Who is on the other end; shown as text. */
  readonly remoteName?: string | undefined;
  /** The call's voice machine snapshot (state, media, muted, hold, timestamps). */
  readonly snapshot: VoiceSnapshot;
  /** DTMF digits the other party sent during this call, oldest first (core's call session has them). */
  readonly digitsReceived?: string | undefined;
  /** The browser keeps the ringtone or the other party's voice silent until a click: offer `resumeAudio()`. */
  readonly audioBlocked?: boolean | undefined;
}

/**
 * The voice side of an agent session: the current call and what can be done with it. Pass one to
 * `<HelplineProvider voice={…}>`; without one, `useCall()` reports the `idle` state.
 */
export interface CallController extends CallControls {
  readonly $call: ReadableStore<CallView | undefined>;
  /** Starts the call of a running interaction, such as a web callback (core's call session has it). */
  start?(cid: string): Promise<void>;
  /** Places an outbound call to a number (a PSTN provider). */
  dial?(phone: string, cid?: string): Promise<void>;
  /** Starts sound the browser blocked (`audioBlocked`); call it from a click. */
  resumeAudio?(): Promise<void>;
}
