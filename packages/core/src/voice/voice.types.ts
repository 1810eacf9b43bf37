import type { HelplineError } from '../protocol/errors';
import type { CallSignal } from '../protocol/protocol.types';

/** A signaling message a media provider exchanges with the far end (DTMF digits travel separately). */
export type MediaSignal = Exclude<CallSignal, { readonly kind: 'dtmf' }>;

/** How this side's audio path is doing: `connected` once media flows, then `reconnecting` or `failed`. */
export type MediaHealth = 'connected' | 'reconnecting' | 'failed';

/** One call's link to the far end, as the call session hands it to a {@link VoiceProvider}. */
export interface VoiceCallLink {
  readonly callId: string;
  /**
   * True on the side that makes offers. Fixed per call (the agent's side) so that both ends never offer at once;
   * the other side answers and asks for new offers with a `restart` signal.
   */
  readonly offerer: boolean;
  /** True when this side joins a call already under way (after a reload): the far end needs a fresh peer. */
  readonly resume: boolean;
  /** Sends a signaling message to the far end (relayed by the hub). */
  send(signal: MediaSignal): void;
}

/** A quality metric watched during a call. */
export type QualityMetric = 'rtt' | 'jitter' | 'loss' | 'mos';

/** Limits beyond which a quality warning is raised (`mos` is a floor, the others ceilings). */
export interface QualityThresholds {
  /** Round-trip time, ms. Default 400. */
  readonly rttMs: number;
  /** Inbound jitter, ms. Default 30. */
  readonly jitterMs: number;
  /** Packet loss, percent. Default 3. */
  readonly lossPercent: number;
  /** Estimated mean opinion score (1–4.5); warns below it. Default 3.5. */
  readonly mos: number;
}

/** The audio quality of a call, from `getStats`. Figures are `undefined` until measured. */
export interface CallQuality {
  /** When it was measured, epoch ms. */
  readonly at: number;
  readonly rttMs: number | undefined;
  readonly jitterMs: number | undefined;
  /** Inbound packet loss over the last interval, percent. */
  readonly lossPercent: number | undefined;
  /** Mean opinion score estimated with the ITU-T G.107 E-model (1 bad … 4.5 excellent). */
  readonly mos: number | undefined;
  /** Audio payload bytes sent and received since the call's media started. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Metrics currently past their threshold. */
  readonly warnings: readonly QualityMetric[];
}

/** A microphone or a speaker. */
export interface AudioDevice {
  readonly id: string;
  /** Empty until the page has microphone permission. */
  readonly label: string;
}

/** Audio devices and the selection. */
export interface VoiceDevices {
  readonly inputs: readonly AudioDevice[];
  readonly outputs: readonly AudioDevice[];
  /** The microphone in use, when known. */
  readonly inputId: string | undefined;
  /** The speaker in use; `undefined` is the system default. */
  readonly outputId: string | undefined;
  /** False where the browser cannot pick a speaker (no `setSinkId`). */
  readonly canSelectOutput: boolean;
}

/** What a provider reports. */
export type VoiceProviderEvent =
  | { readonly type: 'media'; readonly health: MediaHealth }
  | { readonly type: 'quality'; readonly quality: CallQuality }
  /** A metric crossed its threshold (`raised`) or came back (`raised: false`). */
  | {
      readonly type: 'warning';
      readonly metric: QualityMetric;
      readonly raised: boolean;
      readonly value: number;
    }
  | { readonly type: 'devices'; readonly devices: VoiceDevices }
  /**
   * The microphone changed (picked by the user, or the old one was unplugged). `flowing` says whether `getStats`
   * showed audio leaving after the swap.
   */
  | { readonly type: 'input-swapped'; readonly deviceId: string; readonly flowing: boolean }
  /** The far end's audio could not start without a user gesture (autoplay policy); `resumeAudio()` fixes it. */
  | { readonly type: 'audio-blocked'; readonly blocked: boolean }
  /** The media path is down and this side restarted ICE (or, if it does not offer, asked the far end to). */
  | { readonly type: 'ice-restart'; readonly attempt: number }
  /** A DTMF tone went out on the audio path. */
  | { readonly type: 'tone'; readonly tone: string }
  | { readonly type: 'error'; readonly error: HelplineError };

/**
 * What a person can do with a call, the same on every provider and screen: core's `CallSession`, the Vonage
 * `VonageCall` and React's `CallController` all have these. Each resolves once the step is taken, or rejects with
 * a `HelplineError` that says why not.
 */
export interface CallControls {
  /** Picks up the call that rings here. */
  answer(): Promise<void>;
  /** Declines the call that rings here. */
  reject(): Promise<void>;
  hangUp(): Promise<void>;
  hold(): Promise<void>;
  resume(): Promise<void>;
  mute(): Promise<void>;
  unmute(): Promise<void>;
  /** Sends DTMF digits (`0-9`, `*`, `#`). */
  sendDigits(digits: string): Promise<void>;
}

/**
 * The media engine behind a call: the WebRTC provider (browser to browser, signaled through the hub) or the
 * Vonage provider (in-app and PSTN). The call session drives it; apps never call it directly, except for
 * devices and diagnostics.
 *
 * Call state (ringing, answered, held, ended) is the hub's; a provider only moves audio, reports how the audio
 * path is doing, and applies what the hub decided (`hold`), so every provider shows the same states.
 */
export interface VoiceProvider {
  /** `webrtc`, `vonage`… */
  readonly kind: string;
  /**
   * Opens the microphone before anything is created on the server. Rejects with `voice/permission-denied`,
   * `voice/no-device`, `voice/device-busy` or `voice/unsupported`.
   */
  prepare(): Promise<void>;
  /** Starts the media of a call this side placed, once it is picked up (or again after a reload). */
  start(link: VoiceCallLink): Promise<void>;
  /** Starts the media of a call this side picked up. */
  answer(link: VoiceCallLink): Promise<void>;
  /** Feeds one signaling message from the far end. */
  receive(signal: MediaSignal): void;
  /** Ends the media of the current call and releases the microphone. The provider can take another call. */
  hangup(): void;
  /** Stops (or restarts) sending this side's audio. */
  mute(muted: boolean): void;
  /** Applies hold: no audio either way while held. */
  hold(held: boolean): void;
  /** Plays DTMF tones on the audio path; false when this call cannot carry them. */
  sendDtmf(digits: string): boolean;
  /** Lists microphones and speakers (labels need microphone permission). */
  devices(): Promise<VoiceDevices>;
  /** Switches the microphone, also mid-call (no renegotiation). */
  selectInput(deviceId: string): Promise<void>;
  /** Switches the speaker where supported. */
  selectOutput(deviceId: string): Promise<void>;
  /** Starts blocked audio; call it from a click handler. */
  resumeAudio(): Promise<void>;
  /** Raw statistics for diagnostics (`RTCStatsReport` for WebRTC); `undefined` without media. */
  stats(): Promise<ReadonlyMap<string, unknown> | undefined>;
  /** Listens to provider events; returns the unsubscribe function. */
  on(listener: (event: VoiceProviderEvent) => void): () => void;
  /** Ends everything and removes every listener. */
  dispose(): void;
}

/**
 * The voice part of the site config the server returns: which provider the widget and the console use. The same
 * app code runs on either; `webrtc` is the default when the field is missing.
 *
 * @example
 * ```ts
 * const voice = site.voice?.provider === 'vonage'
 *   ? (await import('@helpline/core/vonage')).createVonageVoice({ side: 'visitor', control, client: site.voice })
 *   : await loadWebRtcVoice();
 * ```
 */
export type SiteVoiceConfig =
  | { readonly provider: 'webrtc' }
  | {
      readonly provider: 'vonage';
      /** Vonage data center the client connects to. */
      readonly region?: 'US' | 'EU' | 'AP' | undefined;
    };
