// Test doubles for voice: a media engine and a ringer that record what a call session asks of them.
import type { Ringer } from '../voice/ring';
import type { MediaSignal, VoiceCallLink, VoiceProvider, VoiceProviderEvent } from '../voice/voice.types';

/**
 * A voice provider (media engine) that records what a call session asks of it (`log`, `received`) and lets a test
 * play the media's part (`emit`): no microphone, no WebRTC.
 *
 * @example
 * ```ts
 * const media = fakeVoiceProvider();
 * const agent = createAgentSession({ transport, token, voice: { provider: () => media.provider, ringer: false } });
 * media.emit({ type: 'media', health: 'connected' });
 * ```
 */
export function fakeVoiceProvider(options: { prepare?: () => Promise<void> } = {}) {
  const listeners = new Set<(event: VoiceProviderEvent) => void>();
  const log: string[] = [];
  const received: MediaSignal[] = [];
  let link: VoiceCallLink | undefined;
  const provider: VoiceProvider = {
    kind: 'fake',
    prepare: options.prepare ?? (async () => void log.push('prepare')),
    async start(next) {
      link = next;
      log.push(`start offerer=${next.offerer} resume=${next.resume}`);
    },
    async answer(next) {
      link = next;
      log.push(`answer offerer=${next.offerer} resume=${next.resume}`);
    },
    receive: (signal) => void received.push(signal),
    hangup: () => void log.push('hangup'),
    mute: (muted) => void log.push(`mute ${muted}`),
    hold: (held) => void log.push(`hold ${held}`),
    sendDtmf: (digits) => Boolean(log.push(`dtmf ${digits}`)),
    devices: async () => ({
      inputs: [],
      outputs: [],
      inputId: undefined,
      outputId: undefined,
      canSelectOutput: false,
    }),
    selectInput: async () => undefined,
    selectOutput: async () => undefined,
    resumeAudio: async () => undefined,
    stats: async () => undefined,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => void log.push('dispose'),
  };
  return {
    provider,
    log,
    received,
    link: () => link,
    emit: (event: VoiceProviderEvent) => {
      for (const listener of listeners) listener(event);
    },
  };
}

/** A ringer that logs `start`, `stop` and `unblock`; with `audible` false the browser blocks its sound. */
export function fakeRinger(audible = true) {
  const log: string[] = [];
  const ringer: Ringer = {
    start: async () => Boolean(log.push('start')) && audible,
    stop: () => void log.push('stop'),
    unblock: async () => Boolean(log.push('unblock')),
  };
  return { ringer, log };
}
