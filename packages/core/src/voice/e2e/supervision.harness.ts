// Browser side of supervision.e2e.test.ts: every page says which test tones it hears, from the streams it plays.
import { type AgentSession, createAgentSession } from '../../session/agent.session';
import { createWebSocketTransport } from '../../transport/websocket.transport';
import type { CallSession } from '../call.session';
import { probeTones, type ToneProbe } from '../tones.testing';
import { createWebRtcProvider, type WebRtcProvider, type WebRtcProviderOptions } from '../webrtc.provider';

/** The tones of the test: each browser's fake microphone plays one. */
export const TONES = { visitor: 440, agent: 660, supervisor: 990 } as const;
const FREQUENCIES = Object.values(TONES);
/** A tone's share of the block's power above which it is heard. */
const HEARD = 0.08;

/** What a supervision test page exposes on `window.supTest`. */
export interface SupervisionTestApi {
  ready: boolean;
  /** The tones heard now, lowest first. */
  heard(): number[];
  /** Resolves with `Date.now()` once `frequency` is heard (`present`) or not, or `null` after `timeoutMs`. */
  when(frequency: number, present: boolean, timeoutMs: number): Promise<number | null>;
  /** The conversation of the live call (visitor and agent pages). */
  cid(): string | null;
  act(action: string, argument?: string): Promise<number | string | null>;
}

declare global {
  interface Window {
    supTest?: SupervisionTestApi;
  }
}

/** The tones a page listens for: `?tones=330,440` in its address, else those above. */
export function pageTones(): readonly number[] {
  const asked = new URLSearchParams(location.search).get('tones');
  return asked ? asked.split(',').map(Number) : FREQUENCIES;
}

/** Listens to the streams a page plays and tells which of `frequencies` (default the tones above) are in them. */
export function createListener(frequencies: readonly number[] = FREQUENCIES): {
  listen(stream: MediaStream, audible?: () => boolean): void;
  heard(): number[];
} {
  const context = new AudioContext();
  const probes = new Map<MediaStream, { probe: ToneProbe; audible: () => boolean }>();
  return {
    /** `audible`: whether the stream is heard now (a muted element plays nothing: a held call). */
    listen(stream, audible = () => true) {
      const known = probes.get(stream);
      if (known) known.audible = audible;
      else probes.set(stream, { probe: probeTones(context, stream, [...frequencies]), audible });
    },
    heard() {
      void context.resume();
      const heard = new Set<number>();
      for (const { probe, audible } of probes.values()) {
        if (!audible()) continue;
        const powers = probe.read();
        for (const frequency of frequencies) if ((powers[frequency] ?? 0) > HEARD) heard.add(frequency);
      }
      return [...heard].sort((a, b) => a - b);
    },
  };
}

/** `when` for a page, from its `heard`. */
export function waitTone(heard: () => number[]) {
  return async (frequency: number, present: boolean, timeoutMs: number): Promise<number | null> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (heard().includes(frequency) === present) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return null;
  };
}

/** Microphone constraints: no processing, so each tone arrives as sent. */
export const RAW_AUDIO = {
  echoCancellation: false,
  noiseSuppression: false,
  autoGainControl: false,
} as const;

/** A media element factory that also hands each played stream to `listener`. */
export function listeningAudio(listener: {
  listen(stream: MediaStream, audible?: () => boolean): void;
}): () => HTMLAudioElement {
  return () => {
    const audio = new Audio();
    const descriptor = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
    Object.defineProperty(audio, 'srcObject', {
      get: () => descriptor?.get?.call(audio),
      set: (value: MediaStream | null) => {
        descriptor?.set?.call(audio, value);
        if (value) listener.listen(value, () => !audio.muted);
      },
    });
    return audio;
  };
}

/**
 * An agent's session on a tone test page, over its own WebRTC provider whose elements `listener` hears (so the
 * session leaves supervisor and consult media to the page). `peer`: the provider's options, for second peer
 * connections that should be heard too.
 */
export function listenedAgent(
  site: string,
  token: string,
  listener: { listen(stream: MediaStream, audible?: () => boolean): void },
): { provider: WebRtcProvider; peer: WebRtcProviderOptions; agent: AgentSession } {
  const transport = createWebSocketTransport({ url: `ws://${location.host}/ws`, site });
  const peer = { audio: RAW_AUDIO, environment: { createAudio: listeningAudio(listener) } };
  const provider = createWebRtcProvider(peer);
  const agent = createAgentSession({ transport, token, voice: { provider: () => provider } });
  return { provider, peer, agent };
}

/** Makes `agent` available and resolves with its call session, once it read the queues (browser voice on them). */
export async function callSessionOf(agent: AgentSession): Promise<CallSession> {
  await agent.setPresence('available');
  return await new Promise<CallSession>((resolve) => {
    const stop = agent.$calls.subscribe((session) => {
      if (!session) return;
      resolve(session);
      queueMicrotask(() => stop());
    });
  });
}
