import type { HelplineError, VisitorSession, VoiceMedia, VoiceState } from '@helpline/core';
import type { ReadableAtom } from 'nanostores';

/**
 * What the call UI shows. `idle` before a call; then the voice machine's states
 * (`dialing | ringing → connecting → active ⇄ held → ended`) — its `wrap-up` is the agent's and shows as `ended` —
 * plus `failed` when it never connected.
 */
export type CallState = 'idle' | Exclude<VoiceState, 'wrap-up'> | 'failed';

/** A call as the widget renders it: the state and its orthogonal facts. */
export interface CallSnapshot {
  readonly state: CallState;
  readonly muted: boolean;
  /** Health of the audio path while connected. */
  readonly media: VoiceMedia;
  /**
   * Whether the call is recorded: `on`, `paused` (the agent paused it, e.g. for a card number), absent when not
   * recorded. The call view tells the visitor.
   */
  readonly recording?: 'on' | 'paused' | undefined;
  /** Epoch ms when media first flowed; for the call timer. */
  readonly connectedAt?: number | undefined;
  /** Why the call failed (`voice/permission-denied`, `voice/no-device`…). */
  readonly error?: HelplineError | undefined;
}

/** One call placed by the visitor. */
export interface WidgetCall {
  readonly $call: ReadableAtom<CallSnapshot>;
  setMuted(muted: boolean): void;
  hangUp(): void;
}

/** What the visitor asks for when calling. */
export interface CallRequest {
  readonly session: VisitorSession;
  readonly topic?: string | undefined;
  readonly queueId?: string | undefined;
  readonly language: string;
}

/** What the widget asks for when taking over a call after a reload. */
export interface AttachRequest {
  readonly session: VisitorSession;
  /** The voice interaction whose call to take over. */
  readonly cid: string;
}

/**
 * The voice engine as the widget sees it. The real engines (WebRTC, Vonage) arrive in the voice issue and
 * adapt core's `VoiceProvider` to this; tests use `createFakeVoice`.
 */
export interface WidgetVoice {
  /** Places a call; rejects with a `voice/*` {@link HelplineError} when it cannot start. */
  call(request: CallRequest): Promise<WidgetCall>;
  /**
   * Takes over the live call of a voice interaction after the page was reloaded (core's `call.attach`): resolves
   * the call, `undefined` when it has no live call any more, or `'elsewhere'` when another tab of this browser runs
   * it. Rejects like `call` when the microphone cannot be opened again. Engines without it cannot re-attach: the
   * widget then ends the call and says why.
   */
  attach?(request: AttachRequest): Promise<WidgetCall | 'elsewhere' | undefined>;
}

/** Loads the voice engine on demand (a dynamic import), so pages without a call pay nothing for it. */
export type VoiceLoader = () => Promise<WidgetVoice>;
