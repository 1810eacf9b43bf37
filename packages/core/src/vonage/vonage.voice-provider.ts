import { type HelplineError, helplineError } from '../protocol/errors';
import { vonageFailure } from '../protocol/errors.vonage';
import type {
  MediaHealth,
  VoiceCallLink,
  VoiceDevices,
  VoiceProvider,
  VoiceProviderEvent,
} from '../voice/voice.types';
import { createVonageVoice } from './vonage.provider';
import type { VonageCall, VonageVoice, VonageVoiceOptions } from './vonage.types';

/** The browser pieces the adapter touches, injectable for tests. */
export interface VonageProviderEnvironment {
  readonly mediaDevices?: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'> | undefined;
}

/** Options of {@link createVonageProvider}. */
export interface VonageProviderOptions extends VonageVoiceOptions {
  /** Default: the browser's `navigator.mediaDevices`. */
  readonly environment?: VonageProviderEnvironment | undefined;
  /** An existing Vonage voice to drive (tests); default one made from the other options. */
  readonly voice?: VonageVoice | undefined;
}

/** Maps a `getUserMedia` failure to the error catalog, as the WebRTC provider does. */
function microphoneError(error: unknown): HelplineError {
  const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return helplineError('voice/permission-denied', {}, { cause: error });
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return helplineError('voice/no-device', {}, { cause: error });
  if (name === 'NotReadableError' || name === 'AbortError')
    return helplineError('voice/device-busy', {}, { cause: error });
  return helplineError(
    'voice/unsupported',
    { detail: name || 'the microphone could not open' },
    { cause: error },
  );
}

/** The media health a call session reports to the hub, from a Vonage call's snapshot. */
function healthOf(call: VonageCall): MediaHealth | undefined {
  const { value, context } = call.$snapshot.get();
  if (context.media === 'failed' || context.endReason === 'failed') return 'failed';
  if (value !== 'active' && value !== 'held') return undefined;
  return context.media === 'reconnecting' ? 'reconnecting' : 'connected';
}

/**
 * The Vonage media engine behind core's call session: the same `VoiceProvider` as the WebRTC one, so the widget
 * and the console run unchanged on either (the site config's `voice.provider` picks). The hub keeps the call's
 * state; Vonage carries the audio: the visitor's side joins the call with `serverCall` (its interaction as
 * context), the agent's side answers the leg the server rings its app with, and hold is applied by the server.
 *
 * @example
 * ```ts
 * const { createVonageProvider, vonageHttpControl } = await import('@helpline/core/vonage');
 * const provider = createVonageProvider({ side: 'agent', control: vonageHttpControl({ baseUrl, token }) });
 * const calls = createCallSession({ connection: session.connection, provider });
 * ```
 */
export function createVonageProvider(options: VonageProviderOptions): VoiceProvider {
  const voice = options.voice ?? createVonageVoice(options);
  const environment: VonageProviderEnvironment =
    options.environment ?? (typeof navigator === 'undefined' ? {} : { mediaDevices: navigator.mediaDevices });
  const listeners = new Set<(event: VoiceProviderEvent) => void>();
  let call: VonageCall | undefined;
  let link: VoiceCallLink | undefined;
  let stopWatching: (() => void) | undefined;
  let lastHealth: MediaHealth | undefined;
  let wantMuted = false;
  let held = false;

  function emit(event: VoiceProviderEvent): void {
    for (const listener of [...listeners]) listener(event);
  }

  function fail(error: unknown, operation: string): void {
    emit({
      type: 'error',
      error:
        typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'HelplineError'
          ? (error as HelplineError)
          : vonageFailure('voice/vonage-call', { operation, detail: String(error) }),
    });
  }

  function watch(next: VonageCall): void {
    stopWatching?.();
    call = next;
    lastHealth = undefined;
    stopWatching = next.$snapshot.subscribe(() => {
      const health = healthOf(next);
      if (health && health !== lastHealth) {
        lastHealth = health;
        emit({ type: 'media', health });
      }
      const { muted } = next.$snapshot.get().context;
      if (health === 'connected' && muted !== wantMuted) {
        void (wantMuted ? next.mute() : next.unmute()).catch((error: unknown) => fail(error, 'mute'));
      }
    });
  }

  function release(): void {
    stopWatching?.();
    stopWatching = undefined;
    call = undefined;
    link = undefined;
    lastHealth = undefined;
    held = false;
  }

  /**
   * True when the server has rung this agent's app with a leg no interaction claimed yet: a call the agent dialled
   * (click-to-dial places the phone leg and the app leg together, before the far end answers). Joining the call the
   * agent placed then answers that leg; a `serverCall` would open a second, empty one.
   */
  function dialledLeg(): boolean {
    if (options.side !== 'agent') return false;
    const ringing = voice.$call.get();
    return ringing !== undefined && ringing.cid === undefined && ringing.$snapshot.get().value === 'ringing';
  }

  const unsupported = (what: string) =>
    Promise.reject(helplineError('voice/unsupported', { detail: `${what} is not available with Vonage` }));

  return {
    kind: 'vonage',
    async prepare() {
      const media = environment.mediaDevices;
      if (!media?.getUserMedia) throw helplineError('voice/unsupported', { detail: 'no microphone access' });
      // Ask for the microphone before anything exists on the server; Vonage opens its own stream later.
      try {
        const stream = await media.getUserMedia({ audio: true, video: false });
        for (const track of stream.getTracks()) track.stop();
      } catch (error) {
        throw microphoneError(error);
      }
      await voice.connect();
    },
    async start(callLink) {
      link = callLink;
      // A reload mid-call takes the same Vonage leg back; otherwise join the interaction's call.
      const again = callLink.resume ? await voice.reattach() : undefined;
      watch(
        again ?? (dialledLeg() ? await voice.expect(callLink.callId) : await voice.call(callLink.callId)),
      );
    },
    async answer(callLink) {
      link = callLink;
      const again = callLink.resume ? await voice.reattach() : undefined;
      watch(again ?? (await voice.expect(callLink.callId)));
    },
    receive() {
      // Vonage signals media itself; nothing travels through the hub.
    },
    hangup() {
      const current = call;
      release();
      if (!current) return;
      const { value } = current.$snapshot.get();
      if (value === 'wrap-up' || value === 'ended') return;
      void current.hangUp().catch(() => undefined);
    },
    mute(muted) {
      wantMuted = muted;
      const current = call;
      if (!current || healthOf(current) === undefined) return;
      if (current.$snapshot.get().context.muted === muted) return;
      void (muted ? current.mute() : current.unmute()).catch((error: unknown) => fail(error, 'mute'));
    },
    hold(next) {
      // The session repeats the hub's hold state on every change; only the agent's side asks the server.
      if (next === held || !link || options.side !== 'agent') {
        held = next;
        return;
      }
      held = next;
      const current = call;
      if (!current) return;
      void (next ? current.hold() : current.resume()).catch((error: unknown) => fail(error, 'hold'));
    },
    sendDtmf(digits) {
      const current = call;
      if (!current || healthOf(current) !== 'connected') return false;
      void current.sendDigits(digits).then(
        () => emit({ type: 'tone', tone: digits }),
        (error: unknown) => fail(error, 'send digits'),
      );
      return true;
    },
    async devices(): Promise<VoiceDevices> {
      const all = (await environment.mediaDevices?.enumerateDevices?.()) ?? [];
      const list = (kind: MediaDeviceKind) =>
        all
          .filter((device) => device.kind === kind)
          .map((device) => ({ id: device.deviceId, label: device.label }));
      return {
        inputs: list('audioinput'),
        outputs: list('audiooutput'),
        inputId: undefined,
        outputId: undefined,
        canSelectOutput: false,
      };
    },
    selectInput: () => unsupported('choosing a microphone'),
    selectOutput: () => unsupported('choosing a speaker'),
    async resumeAudio() {
      // The Vonage SDK plays the far end itself, after the click that placed or answered the call.
    },
    async stats() {
      return undefined;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      const current = call;
      release();
      listeners.clear();
      if (current && current.$snapshot.get().value !== 'ended') void current.hangUp().catch(() => undefined);
      void voice.dispose();
    },
  };
}
