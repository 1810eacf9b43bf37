import type { ReadableAtom } from 'nanostores';
import type { ConnectionSnapshot } from '../connection/connection.machine';
import { helplineError } from '../protocol/errors';
import type { CallRecorder, CallRecordingTarget, RecordingChunkStore } from '../voice/call.recorder.types';
import type { CallView } from '../voice/call.session';

// The agent session records its browser calls (docs/voice.md#recording). The call's `recording` field is the only
// input: whoever moved it (this tab's controls, another tab of the agent, the server's `always` policy), the recorder
// in the tab that carries the call's audio follows it. Nothing is captured before the field says `on`.

/** The audio of the live call in this tab, as the recorder mixes it (a {@link import('../voice/webrtc.provider').CallTap}). */
export interface RecordingTap {
  readonly microphone: MediaStream;
  readonly remote: MediaStream | undefined;
  /** Calls `listener` with the far end's audio now (if any) and whenever it changes; returns the unsubscribe. */
  onRemote(listener: (remote: MediaStream) => void): () => void;
}

/** What {@link createAgentRecording} starts a recorder with. */
export interface RecorderStart {
  readonly cid: string;
  readonly callId: string;
  readonly microphone: MediaStream;
  readonly remote: MediaStream | undefined;
}

/** What the agent session lends its recording driver. */
export interface AgentRecordingDeps {
  /** The session's call session (its `$call`: the call as this tab sees it), once voice is loaded. */
  readonly $calls: ReadableAtom<{ readonly $call: ReadableAtom<CallView | undefined> } | undefined>;
  /** The connection's state: every (re)connect sends what an earlier page left unsent. */
  readonly $connection: ReadableAtom<ConnectionSnapshot>;
  /** The live call's audio in this tab; `undefined` where this tab does not carry it (another tab, Vonage). */
  readonly tap: () => RecordingTap | undefined;
  /** Starts recording (`createCallRecorder` with the session's upload and chunk store). */
  readonly start: (options: RecorderStart) => CallRecorder;
  /** Sends the chunks an earlier page left stored (`sendPendingRecordings`). */
  readonly sendPending: () => Promise<number>;
  /** A recorder or an upload failed (the chunks stay stored and are sent on the next connect). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** The recording driver of an agent session. */
export interface AgentRecording {
  /** The running recorder, if any (for tests and diagnostics). */
  readonly current: () => CallRecorder | undefined;
  /** Stops and flushes a running recorder, and stops following the call. */
  dispose(): Promise<void>;
}

/**
 * Drives a {@link CallRecorder} from the call's `recording` field: started when it becomes `on` (from the connect
 * with an `always` policy; from the agent's start with `on-demand`), paused and resumed exactly as it moves, stopped
 * and flushed when the call ends; and pending chunks of an earlier page sent on every connect.
 *
 * @example
 * ```ts
 * const recording = createAgentRecording({ $calls, $connection, tap: () => provider.tap(), start, sendPending });
 * ```
 */
export function createAgentRecording(deps: AgentRecordingDeps): AgentRecording {
  let recorder: CallRecorder | undefined;
  let callId: string | undefined;
  let unRemote: (() => void) | undefined;
  const stops = new Set<Promise<void>>();

  function stop(): void {
    const running = recorder;
    unRemote?.();
    unRemote = undefined;
    recorder = undefined;
    callId = undefined;
    if (!running) return;
    const stopping = running.stop().catch((error: unknown) => deps.onError?.(error));
    stops.add(stopping);
    void stopping.finally(() => stops.delete(stopping));
  }

  function follow(view: CallView | undefined): void {
    // Picked up and not ended (`connecting` to `conferenced`): the only time a recording may run.
    const talking = view?.callId !== undefined && view.flags.isOnCall;
    const wanted = talking ? view.snapshot.context.recording : 'off';
    if (recorder && (!talking || view?.callId !== callId || wanted === 'off')) stop();
    if (!view?.callId || !talking) return;
    if (!recorder) {
      if (wanted !== 'on') return; // Nothing before the start, and nothing of a paused call taken back.
      const tap = deps.tap();
      if (!tap) return; // This tab does not carry the call's audio (yet): the next change tries again.
      try {
        recorder = deps.start({
          cid: view.cid,
          callId: view.callId,
          microphone: tap.microphone,
          remote: tap.remote,
        });
      } catch (error) {
        deps.onError?.(error);
        return;
      }
      callId = view.callId;
      const started = recorder;
      unRemote = tap.onRemote((remote) => started.setRemote(remote));
      return;
    }
    if (wanted === 'paused') recorder.pause();
    else if (wanted === 'on') recorder.resume();
  }

  let unCall: (() => void) | undefined;
  const unCalls = deps.$calls.subscribe((calls) => {
    unCall?.();
    unCall = calls?.$call.subscribe(follow);
    if (!calls) follow(undefined);
  });
  let wasConnected = false;
  const unConnection = deps.$connection.subscribe(({ value }) => {
    const connected = value === 'connected' || value === 'caught-up';
    if (connected && !wasConnected) deps.sendPending().catch((error: unknown) => deps.onError?.(error));
    wasConnected = connected;
  });

  return {
    current: () => recorder,
    async dispose() {
      unCalls();
      unCall?.();
      unConnection();
      stop();
      await Promise.all([...stops]);
    },
  };
}

/** Options of the agent session's call recording (`createAgentSession({ recording })`). */
export interface AgentRecordingOptions {
  /**
   * The Helpline server's base URL, where chunks go (`PUT /v1/recordings/calls/…`) and recordings are fetched from.
   * Default: `voice.server`, else `attachments.baseUrl`; with none, this page records nothing.
   */
  readonly server?: string | undefined;
  /** Where chunks wait until the server has them. Default: IndexedDB (`helpline-recordings`). */
  readonly store?: RecordingChunkStore | undefined;
  /** Makes the recorder. Default `createCallRecorder` (a test passes a fake). */
  readonly recorder?: ((options: CallRecordingTarget) => CallRecorder) | undefined;
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** A recorder or an upload failed; the chunks stay stored and are sent on the next connect. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** `recording` of `createAgentSession`: `false` for a console that never records in the browser. */
export type AgentRecordingOption = false | AgentRecordingOptions;

/** What the session gives {@link createSessionRecording}. */
export interface SessionRecordingDeps {
  /** The server's URL when the options name none (`voice.server`, `attachments.baseUrl`). */
  readonly server: string | undefined;
  readonly token: () => Promise<string>;
  readonly $calls: AgentRecordingDeps['$calls'];
  readonly $connection: ReadableAtom<ConnectionSnapshot>;
  readonly tap: () => RecordingTap | undefined;
}

/** The recording side of an agent session. */
export interface SessionRecording {
  /** Fetches a recording (`url` as `recording.list` gives it) with the agent's token. */
  fetchRecording(url: string): Promise<Blob>;
  dispose(): void;
}

/**
 * The agent session's recording: on the first connect it loads the recorder module, sends what an earlier page left
 * unsent, and from then on records this page's browser calls as {@link createAgentRecording} describes.
 */
export function createSessionRecording(
  option: AgentRecordingOption | undefined,
  deps: SessionRecordingDeps,
): SessionRecording {
  const options = option === false ? undefined : (option ?? {});
  const base = (options?.server ?? deps.server)?.replace(/\/+$/, '');
  const doFetch = (...args: Parameters<typeof fetch>) => (options?.fetch ?? globalThis.fetch)(...args);
  let driver: AgentRecording | undefined;
  let loading: Promise<void> | undefined;
  let disposed = false;

  const unConnection =
    options && base !== undefined
      ? deps.$connection.subscribe(({ value }) => {
          if (loading || (value !== 'connected' && value !== 'caught-up')) return;
          loading = import('../voice/call.recorder').then(
            (recorder) => {
              if (disposed) return;
              const store = options.store ?? recorder.createIndexedDbChunkStore();
              const upload = recorder.createRecordingUpload({
                baseUrl: base,
                token: deps.token,
                fetch: doFetch,
              });
              const onError = options.onError;
              driver = createAgentRecording({
                $calls: deps.$calls,
                $connection: deps.$connection,
                tap: deps.tap,
                start: (start) =>
                  (options.recorder ?? recorder.createCallRecorder)({ ...start, upload, store, onError }),
                sendPending: () => recorder.sendPendingRecordings(store, upload),
                onError,
              });
            },
            (error: unknown) => options.onError?.(error),
          );
        })
      : undefined;

  return {
    fetchRecording: recordingFetch({ server: base, token: deps.token, fetch: doFetch }),
    dispose() {
      disposed = true;
      unConnection?.();
      void driver?.dispose();
    },
  };
}

/**
 * A staff session's fetch of a recording's bytes (`url` as `recording.list` gives it, `/v1/recordings/:id`), with its
 * token in the `Authorization` header, never in the URL. Refused playback rejects with `auth/forbidden`.
 */
export function recordingFetch(options: {
  /** The server's base URL; without one every fetch rejects. */
  readonly server: string | undefined;
  readonly token: () => Promise<string>;
  readonly fetch?: typeof fetch | undefined;
}): (url: string) => Promise<Blob> {
  const base = options.server?.replace(/\/+$/, '');
  return async (url) => {
    if (base === undefined)
      throw helplineError('voice/unsupported', { detail: 'no server URL to fetch the recording from' });
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const response = await doFetch(`${base}${url}`, {
      headers: { authorization: `Bearer ${await options.token()}` },
    });
    if (response.status === 401 || response.status === 403)
      throw helplineError('auth/forbidden', { operation: 'play this recording' });
    if (!response.ok) throw new Error(`[helpline] recording ${url}: ${response.status}`);
    return response.blob();
  };
}
