import { type AudioGraph, createAudioGraph } from './audio.graph';
import type {
  CallRecorder,
  CallRecorderState,
  CallRecordingTarget,
  RecordingChunk,
  RecordingChunkStore,
  RecordingUpload,
} from './call.recorder.types';

export type {
  CallRecorder,
  CallRecorderState,
  CallRecordingTarget,
  RecordingChunk,
  RecordingChunkStore,
  RecordingUpload,
} from './call.recorder.types';

/**
 * Call recording in the agent's browser, for browser-to-browser calls (docs/voice.md#recording). Both sides are mixed
 * in the call's {@link AudioGraph} (the microphone and the far end into one `recorder` output), a `MediaRecorder`
 * encodes the mix as Opus in WebM and hands over a chunk every few seconds; each chunk is written to IndexedDB first,
 * then uploaded (`PUT /v1/recordings/calls/:callId/segments/:segment/chunks/:index`) and forgotten once the server
 * has it. A reload loses nothing already handed over: {@link sendPendingRecordings} sends what IndexedDB still holds,
 * and the server ignores chunks it already has. While paused, the recorder captures nothing at all: the pause is the
 * control for card payments.
 */

/** Options of {@link createCallRecorder}. */
export interface CallRecorderOptions extends CallRecordingTarget {
  /** The call's audio graph, when the console has one (supervision mixes in it too); default: a graph of its own. */
  readonly graph?: AudioGraph | undefined;
  /** How often the encoder hands over a chunk, ms. Default 5000. */
  readonly timesliceMs?: number | undefined;
  /** Default `audio/webm;codecs=opus` (whatever the browser supports of it). */
  readonly mimeType?: string | undefined;
  /** Opus bit rate. Default 32 kbit/s (about 240 KB a minute). */
  readonly bitsPerSecond?: number | undefined;
  /** A segment id; default a random one. */
  readonly segment?: string | undefined;
}

const DB_NAME = 'helpline-recordings';
const STORE = 'chunks';
const keyOf = (chunk: Pick<RecordingChunk, 'callId' | 'segment' | 'index'>) =>
  `${chunk.callId}/${chunk.segment}/${String(chunk.index).padStart(7, '0')}`;

/** Chunks kept in memory (tests, and browsers without IndexedDB: then a reload loses what was not sent). */
export function createMemoryChunkStore(): RecordingChunkStore {
  const chunks = new Map<string, RecordingChunk>();
  return {
    async put(chunk) {
      chunks.set(keyOf(chunk), chunk);
    },
    async delete(chunk) {
      chunks.delete(keyOf(chunk));
    },
    async all() {
      return [...chunks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, chunk]) => chunk);
    },
  };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Chunks kept in IndexedDB until the server has them, so an agent who reloads mid-call loses nothing that was
 * recorded. Falls back to memory where IndexedDB is missing.
 */
export function createIndexedDbChunkStore(name = DB_NAME): RecordingChunkStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return createMemoryChunkStore();
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const open = idb.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return opened;
  };
  const tx = async (mode: IDBTransactionMode) => (await db()).transaction(STORE, mode).objectStore(STORE);
  return {
    async put(chunk) {
      await request((await tx('readwrite')).put(chunk, keyOf(chunk)));
    },
    async delete(chunk) {
      await request((await tx('readwrite')).delete(keyOf(chunk)));
    },
    async all() {
      return request((await tx('readonly')).getAll() as IDBRequest<RecordingChunk[]>);
    },
  };
}

/**
 * The HTTP upload of chunks to a Helpline server.
 *
 * @example
 * ```ts
 * const upload = createRecordingUpload({ baseUrl: 'https://help.example.com', token: () => agentToken });
 * ```
 */
export function createRecordingUpload(options: {
  /** The server's base URL (its API is under `/v1/`). */
  readonly baseUrl: string;
  /** The agent's token, sent as `Authorization: Bearer`. */
  readonly token: () => string | Promise<string>;
  readonly fetch?: typeof fetch | undefined;
}): RecordingUpload {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  return async (chunk) => {
    const path = `/v1/recordings/calls/${encodeURIComponent(chunk.callId)}/segments/${encodeURIComponent(
      chunk.segment,
    )}/chunks/${chunk.index}?cid=${encodeURIComponent(chunk.cid)}`;
    const response = await doFetch(`${base}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await options.token()}`, 'content-type': chunk.type },
      body: chunk.data,
    });
    if (!response.ok)
      throw new Error(`[helpline] recording chunk ${chunk.index} refused: ${response.status}`);
  };
}

/**
 * Sends every chunk IndexedDB still holds (an earlier page's recording, cut by a reload or a lost network), oldest
 * first, forgetting each once the server has it. Resolves with how many were sent; stops at the first failure.
 *
 * @example
 * ```ts
 * await sendPendingRecordings(createIndexedDbChunkStore(), upload); // when the agent console starts
 * ```
 */
export async function sendPendingRecordings(
  store: RecordingChunkStore,
  upload: RecordingUpload,
): Promise<number> {
  let sent = 0;
  for (const chunk of await store.all()) {
    await upload(chunk);
    await store.delete(chunk);
    sent++;
  }
  return sent;
}

function randomSegment(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return `s${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Starts recording a call in the agent's browser: both sides mixed, encoded, stored, uploaded in chunks.
 *
 * @example
 * ```ts
 * const recorder = createCallRecorder({ cid, callId, microphone: tap.microphone, remote: tap.remote, upload });
 * recorder.pause(); // the customer reads out a card number
 * recorder.resume();
 * await recorder.stop();
 * ```
 */
export function createCallRecorder(options: CallRecorderOptions): CallRecorder {
  const ownsGraph = options.graph === undefined;
  const graph = options.graph ?? createAudioGraph();
  const store = options.store ?? createIndexedDbChunkStore();
  const segment = options.segment ?? randomSegment();
  const wanted = options.mimeType ?? 'audio/webm;codecs=opus';
  const type =
    typeof MediaRecorder.isTypeSupported === 'function' && !MediaRecorder.isTypeSupported(wanted)
      ? 'audio/webm'
      : wanted;
  graph.setSource('recording:mic', options.microphone, { local: true });
  if (options.remote) graph.setSource('recording:remote', options.remote);
  graph.route('recorder', ['recording:mic', 'recording:remote']);
  const recorder = new MediaRecorder(graph.output('recorder'), {
    mimeType: type,
    audioBitsPerSecond: options.bitsPerSecond ?? 32_000,
  });
  let state: CallRecorderState = 'recording';
  let index = 0;
  /** Chunks are stored, then sent, one after another. */
  let queue: Promise<void> = Promise.resolve();

  async function send(): Promise<void> {
    try {
      for (const chunk of await store.all()) {
        if (chunk.callId !== options.callId || chunk.segment !== segment) continue;
        await options.upload(chunk);
        await store.delete(chunk);
      }
    } catch (error) {
      // Kept in the store: the next chunk, `stop` or the next page tries again.
      options.onError?.(error);
    }
  }

  recorder.ondataavailable = (event: BlobEvent) => {
    if (event.data.size === 0) return;
    const chunk: RecordingChunk = {
      cid: options.cid,
      callId: options.callId,
      segment,
      index: index++,
      type,
      data: event.data,
    };
    queue = queue.then(() => store.put(chunk)).then(send, options.onError);
  };
  const stopped = new Promise<void>((resolve) => {
    recorder.onstop = () => resolve();
  });
  recorder.start(options.timesliceMs ?? 5_000);

  return {
    get state() {
      return state;
    },
    segment,
    pause() {
      if (state !== 'recording') return;
      state = 'paused';
      // Hand over what was recorded so far, then capture nothing until resumed.
      recorder.requestData();
      recorder.pause();
    },
    resume() {
      if (state !== 'paused') return;
      state = 'recording';
      recorder.resume();
    },
    setRemote(remote) {
      graph.setSource('recording:remote', remote);
    },
    async stop() {
      if (state === 'stopped') return queue;
      state = 'stopped';
      recorder.stop();
      await stopped;
      await queue;
      await send();
      graph.removeOutput('recorder');
      if (ownsGraph) graph.close();
      else {
        graph.removeSource('recording:mic');
        graph.removeSource('recording:remote');
      }
    },
  };
}
