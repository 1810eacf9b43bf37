// Browser side of the recording end-to-end test (packages/server/src/recordings/recordings.e2e.test.ts): the pages
// talk to a real Helpline server whose address and token come in the page's query string.

import type { Transport } from '../../transport/transport.types';
import { createWebSocketTransport } from '../../transport/websocket.transport';

/** Power share of a tone in a 100 ms window, per tone, and the window's RMS level. */
export interface RecordedWindow {
  readonly rms: number;
  readonly shares: Readonly<Record<number, number>>;
}

/** What a recording test page exposes on `window.recTest`. */
export interface RecordingTestApi {
  ready: boolean;
  /** The conversation and call of the live call, once there is one. */
  call(): { cid: string; callId: string } | null;
  act(action: string): Promise<string | null>;
  /** Decodes a recording (base64) and measures `tones` per 100 ms window of its first channel. */
  decode(base64: string, tones: readonly number[]): Promise<{ seconds: number; windows: RecordedWindow[] }>;
}

declare global {
  interface Window {
    recTest?: RecordingTestApi;
  }
}

/** The page's query: `socket` (the server's WebSocket URL), `server` (its HTTP URL), `token`, `site`. */
export function pageParams(): { socket: string; server: string; token: string; site: string | undefined } {
  const query = new URLSearchParams(location.search);
  return {
    socket: query.get('socket') ?? '',
    server: query.get('server') ?? '',
    token: query.get('token') ?? '',
    site: query.get('site') ?? undefined,
  };
}

/** The transport of a page, to the server of its query. */
export function pageTransport(): Transport {
  const { socket, site } = pageParams();
  return createWebSocketTransport({ url: socket, site });
}

/** The share of the window's power at `frequency` (Goertzel; 1 for a pure sine at it, ~0.5 each for two). */
function goertzelShare(
  samples: Float32Array,
  start: number,
  length: number,
  frequency: number,
  rate: number,
): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = start; i < start + length; i++) {
    const x = samples[i] ?? 0;
    energy += x * x;
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * power) / (length * energy);
}

/** {@link RecordingTestApi.decode}. */
export async function decodeRecording(
  base64: string,
  tones: readonly number[],
): Promise<{ seconds: number; windows: RecordedWindow[] }> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const context = new OfflineAudioContext(1, 48_000, 48_000);
  const buffer = await context.decodeAudioData(bytes.buffer);
  const samples = buffer.getChannelData(0);
  const length = Math.round(buffer.sampleRate / 10);
  const windows: RecordedWindow[] = [];
  for (let start = 0; start + length <= samples.length; start += length) {
    let energy = 0;
    for (let i = start; i < start + length; i++) energy += (samples[i] ?? 0) ** 2;
    const shares: Record<number, number> = {};
    for (const tone of tones) shares[tone] = goertzelShare(samples, start, length, tone, buffer.sampleRate);
    windows.push({ rms: Math.sqrt(energy / length), shares });
  }
  return { seconds: buffer.duration, windows };
}
