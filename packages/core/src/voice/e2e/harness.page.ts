// Browser side of the voice end-to-end test (voice.e2e.test.ts): what a test page exposes on `window.voiceTest`
// so that Playwright can drive a real call session and read its state. Test-only; never exported.
import type { Connection } from '../../connection/connection';
import { isHelplineError } from '../../protocol/errors';
import type { CallSession } from '../call.session';
import { readStats } from '../quality';
import type { CallQuality } from '../voice.types';

/** The call as the test reads it. */
export interface CallSummary {
  readonly cid: string;
  readonly callId: string | null;
  readonly state: string;
  readonly media: string;
  readonly localMedia: string | null;
  readonly heldBy: string | null;
  readonly endedBy: string | null;
  readonly endReason: string | null;
  readonly digits: string;
  readonly ringing: boolean;
  readonly audioBlocked: boolean;
  readonly muted: boolean;
  readonly canAnswer: boolean;
}

/** Audio counters of the live peer connection. */
export interface Bytes {
  readonly sent: number;
  readonly received: number;
  readonly packetsSent: number;
}

/** Actions the test runs in the page; each resolves with the error code it failed with, or null. */
export type CallAction = 'answer' | 'reject' | 'hangUp' | 'hold' | 'resume' | 'mute' | 'unmute';

/** What a test page exposes. */
export interface VoiceTestApi {
  /** Set once the page has restored what it had (after a reload) and is ready to act. */
  ready: boolean;
  view(): CallSummary | null;
  /** Code of the last error the call session reported. */
  error(): string | null;
  /** The connection machine's state. */
  connection(): string;
  bytes(): Promise<Bytes | null>;
  /** ICE username fragment of the selected candidate pair's local side: it changes with every ICE restart. */
  iceUfrag(): Promise<string | null>;
  /** DTMF tones the local RTCDTMFSender played. */
  tones(): readonly string[];
  /** ICE restarts this side started (or asked for). */
  restarts(): number;
  /** Quality warnings raised (`+loss`) and cleared (`-loss`), in order. */
  warnings(): readonly string[];
  /** The last few quality readings, oldest first: what a test prints when a warning it waits for never comes. */
  qualities(): readonly CallQuality[];
  /** Microphone swaps and whether audio was seen leaving afterwards. */
  swaps(): readonly { readonly deviceId: string; readonly flowing: boolean }[];
  /** Ids of the microphones. */
  inputs(): Promise<string[]>;
  act(action: CallAction): Promise<string | null>;
  sendDigits(digits: string): Promise<string | null>;
  selectInput(deviceId: string): Promise<string | null>;
  /** Simulates unplugging the microphone in use: its track ends. */
  unplug(): void;
  /** Checks the connection now (as the `online` event does): reconnects at once when it is down. */
  probe(): void;
}

declare global {
  interface Window {
    voiceTest?: VoiceTestApi;
  }
}

// The microphone streams the provider opened, so `unplug` can end the one in use.
const streams: MediaStream[] = [];
const mediaDevices = navigator.mediaDevices;
const getUserMedia = mediaDevices.getUserMedia.bind(mediaDevices);
mediaDevices.getUserMedia = async (constraints) => {
  const stream = await getUserMedia(constraints);
  streams.push(stream);
  return stream;
};

async function codeOf(task: () => Promise<unknown>): Promise<string | null> {
  try {
    await task();
    return null;
  } catch (error) {
    return isHelplineError(error) ? error.code : String(error);
  }
}

/** Shows the call and its error in the page, and exposes `window.voiceTest`. */
export function exposeCalls(calls: CallSession, connection: Connection): VoiceTestApi {
  let ready = false;
  const tones: string[] = [];
  const swaps: { deviceId: string; flowing: boolean }[] = [];
  let restarts = 0;
  const qualities: CallQuality[] = [];
  calls.provider.on((event) => {
    if (event.type === 'quality' && qualities.push(event.quality) > 10) qualities.shift();
    if (event.type === 'tone') tones.push(event.tone);
    if (event.type === 'ice-restart') restarts++;
  });
  const warnings: string[] = [];
  calls.on((event) => {
    if (event.type === 'input-swapped') swaps.push({ deviceId: event.deviceId, flowing: event.flowing });
    if (event.type === 'warning') warnings.push(`${event.raised ? '+' : '-'}${event.metric}`);
  });
  const state = document.getElementById('state');
  const error = document.getElementById('error');
  calls.$call.subscribe((view) => {
    if (state) state.textContent = view ? `${view.snapshot.value} ${view.snapshot.context.media}` : 'idle';
  });
  calls.$error.subscribe((value) => {
    if (error) error.textContent = value ? value.code : '';
  });
  document.getElementById('unblock')?.addEventListener('click', () => void calls.resumeAudio());

  // Every change is also logged: the test can follow a page without evaluating script in it, which Chromium would
  // count as a user gesture (and a gesture lifts the autoplay block the agent's ringtone must detect).
  calls.$call.listen(() => console.info(`voice-test ${JSON.stringify(api.view())}`));

  const api: VoiceTestApi = {
    get ready() {
      return ready;
    },
    set ready(value) {
      ready = value;
      if (value) console.info(`voice-test-ready ${JSON.stringify(api.view())}`);
    },
    view() {
      const view = calls.$call.get();
      if (!view) return null;
      const { value, context } = view.snapshot;
      return {
        cid: view.cid,
        callId: view.callId ?? null,
        state: value,
        media: context.media,
        localMedia: view.localMedia ?? null,
        heldBy: context.heldBy ?? null,
        endedBy: context.endedBy ?? null,
        endReason: context.endReason ?? null,
        digits: view.digitsReceived,
        ringing: view.ringing,
        audioBlocked: view.audioBlocked,
        muted: context.muted,
        canAnswer: view.flags.canAnswer,
      };
    },
    error: () => calls.$error.get()?.code ?? null,
    connection: () => connection.$state.get().value,
    async bytes() {
      const report = await calls.provider.stats();
      if (!report) return null;
      const reading = readStats(report, Date.now());
      return { sent: reading.bytesSent, received: reading.bytesReceived, packetsSent: reading.packetsSent };
    },
    async iceUfrag() {
      const report = await calls.provider.stats();
      const stat = (id: unknown) =>
        typeof id === 'string' ? (report?.get(id) as Record<string, unknown>) : undefined;
      const transport = [...(report?.values() ?? [])].find(
        (value) => (value as { type?: unknown }).type === 'transport',
      ) as Record<string, unknown> | undefined;
      const pair = stat(transport?.selectedCandidatePairId);
      const local = stat(pair?.localCandidateId);
      return typeof local?.usernameFragment === 'string' ? local.usernameFragment : null;
    },
    tones: () => tones,
    restarts: () => restarts,
    warnings: () => warnings,
    qualities: () => qualities,
    swaps: () => swaps,
    async inputs() {
      return (await calls.provider.devices()).inputs.map((input) => input.id);
    },
    act: (action) => codeOf(() => calls[action]()),
    sendDigits: (digits) => codeOf(() => calls.sendDigits(digits)),
    selectInput: (deviceId) => codeOf(() => calls.selectInput(deviceId)),
    unplug() {
      const track = streams.at(-1)?.getAudioTracks()[0];
      if (!track) return;
      // `stop()` alone fires nothing; a device that goes away ends its track, which the provider hears.
      track.stop();
      track.dispatchEvent(new Event('ended'));
    },
    probe: () => connection.probe(),
  };
  window.voiceTest = api;
  return api;
}
