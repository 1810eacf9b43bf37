import type { VonageClient } from '@vonage/client-sdk';
import type { ReadableAtom } from 'nanostores';
import type { Clock } from '../clock/clock';
import type { WrapUpPolicy } from '../interaction/lifecycle';
import type { HelplineError } from '../protocol/errors';
import type { VoiceSnapshot } from '../voice/voice.machine';
import type { CallControls } from '../voice/voice.types';

/**
 * The part of the Vonage Client SDK the provider uses, typed from the SDK's own declarations. Tests pass a fake
 * that implements exactly this; production code gets a real `VonageClient` through a dynamic import.
 */
export type VonageClientPort = Pick<
  VonageClient,
  | 'createSession'
  | 'refreshSession'
  | 'deleteSession'
  | 'serverCall'
  | 'answer'
  | 'reject'
  | 'hangup'
  | 'mute'
  | 'unmute'
  | 'sendDTMF'
  | 'reconnectCall'
  | 'on'
  | 'off'
>;

/** Where the client SDK connects: a Vonage region, or explicit URLs (a self-hosted proxy, a test double). */
export interface VonageClientConfig {
  readonly region?: 'US' | 'EU' | 'AP' | undefined;
  readonly apiUrl?: string | undefined;
  readonly websocketUrl?: string | undefined;
}

/** What the provider needs from our own server: tokens, and the call controls Vonage has no client API for. */
export interface VonageServerControl {
  /** A fresh Vonage client JWT for the signed-in subject (the server mints it; see `POST /vonage/token`). */
  token(): Promise<string>;
  /**
   * Puts the call of interaction `id` (or of the hub's call `id`) on hold (`held: true`) or takes it off hold:
   * Vonage has no client hold, the server applies it.
   */
  hold(id: string, held: boolean): Promise<void>;
  /** Dials the customer of callback `cid` and rings this agent's app; the invite then arrives on this client. */
  dial(cid: string): Promise<void>;
}

/** Timers and time, injectable so tests run on fake clocks (core's one {@link Clock}). */
export type VonageClock = Clock;

/** A string store that survives a page reload (`sessionStorage` in browsers). */
export interface VonageCallStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Health of the Vonage session (signaling), orthogonal to every call's media health. */
export type VonageSessionStatus = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'failed';

/** Options of {@link createVonageVoice}. */
export interface VonageVoiceOptions {
  /** Which side this client is on: hang-ups are attributed from it (`endedBy`). */
  readonly side: 'visitor' | 'agent';
  readonly control: VonageServerControl;
  /** Region or URLs of the Vonage client. */
  readonly client?: VonageClientConfig | undefined;
  /** Creates the Vonage client; by default a dynamic `import('@vonage/client-sdk')` on the first call. */
  readonly loadClient?: (config: VonageClientConfig) => Promise<VonageClientPort>;
  readonly clock?: VonageClock | undefined;
  /** Where the live call's leg id is kept for re-attaching after a reload. Default `sessionStorage` when present. */
  readonly storage?: VonageCallStorage | undefined;
  /** Refresh the session this long before the token expires. Default 60 s. */
  readonly refreshMarginMs?: number | undefined;
  /** After-call work of this client's calls. Default: the queue default for agents, none for visitors. */
  readonly wrapUp?: Partial<WrapUpPolicy> | undefined;
}

/** Call quality Vonage reports when a call ends. */
export interface VonageCallQuality {
  /** Mean opinion score, 1 (bad) to 5 (excellent). */
  readonly mos?: number | undefined;
  /** Vonage's quality percentage, 0–100. */
  readonly qualityPercentage?: number | undefined;
}

/** One call on Vonage, as the UI drives it. */
export interface VonageCall extends CallControls {
  /** The interaction (conversation) id the call belongs to, when known. */
  readonly cid: string | undefined;
  /** Vonage's id of this client's leg (also what `reconnectCall` takes). */
  readonly callId: string;
  /** The call's voice machine snapshot: state, media, muted, hold, timestamps, end reason. */
  readonly $snapshot: ReadableAtom<VoiceSnapshot>;
  /** Why the call failed or an action was refused, when it did. */
  readonly $error: ReadableAtom<HelplineError | undefined>;
  /** Quality Vonage reported at hang-up. */
  readonly $quality: ReadableAtom<VonageCallQuality | undefined>;
  /** DTMF digits received from the other side, in order. */
  readonly $receivedDigits: ReadableAtom<string>;
  /** Vonage's raw end reason (`REMOTE_HANGUP`, `AnsweredElsewhere`…), for logs and precise UI texts. */
  readonly $vonageEndReason: ReadableAtom<string | undefined>;
  /** Asks the server to hold the call (Vonage has no client-side hold). */
  hold(): Promise<void>;
  /** Ends after-call work (agent side). */
  finishWrapUp(disposition?: string, notes?: string): void;
}

/** The Vonage voice provider: one live call at a time, on one Vonage session. */
export interface VonageVoice {
  readonly provider: 'vonage';
  /** The current (or last) call. */
  readonly $call: ReadableAtom<VonageCall | undefined>;
  readonly $session: ReadableAtom<VonageSessionStatus>;
  /** Why the session failed, when it did. */
  readonly $sessionError: ReadableAtom<HelplineError | undefined>;
  /** Opens the Vonage session now (agents do so when they go available, to receive invites). */
  connect(): Promise<void>;
  /** Visitor click-to-call: places a call for interaction `cid` (`serverCall` with the interaction as context). */
  call(cid: string): Promise<VonageCall>;
  /** Agent callback: the server dials the customer of callback `cid` and bridges this agent's app leg. */
  dial(cid: string): Promise<VonageCall>;
  /**
   * Agent side: the server is about to ring this agent's app for interaction `cid` (the agent accepted its offer).
   * The invite is answered at once and linked to `cid`; resolves with the connected call.
   */
  expect(cid: string): Promise<VonageCall>;
  /** After a reload: re-attaches the call that was live in this tab, if any. */
  reattach(): Promise<VonageCall | undefined>;
  /** Stops timers and listeners and closes the Vonage session. */
  dispose(): Promise<void>;
}
