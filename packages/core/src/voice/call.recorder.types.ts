// The recorder's types that need no DOM audio graph: the agent session names them in its own options and results, and
// its types must compile for Node (no DOM library), as the rest of `@helpline/core` does.

/** One encoded piece of a recording segment, as stored and uploaded. */
export interface RecordingChunk {
  readonly cid: string;
  readonly callId: string;
  /** The recorder run this chunk belongs to (a new one after a reload). */
  readonly segment: string;
  /** 0, 1, 2… within the segment. */
  readonly index: number;
  readonly type: string;
  readonly data: Blob;
}

/** Where chunks wait until the server has them (IndexedDB in browsers; memory elsewhere). */
export interface RecordingChunkStore {
  put(chunk: RecordingChunk): Promise<void>;
  delete(chunk: Pick<RecordingChunk, 'callId' | 'segment' | 'index'>): Promise<void>;
  /** Every chunk not yet sent, in (call, segment, index) order. */
  all(): Promise<RecordingChunk[]>;
}

/** Sends one chunk to the server; rejects when it did not arrive (it is tried again later). */
export type RecordingUpload = (chunk: RecordingChunk) => Promise<void>;

/** Where a recording is in its life: `recording ⇄ paused → stopped`. */
export type CallRecorderState = 'recording' | 'paused' | 'stopped';

/**
 * What a recorder needs of the call and the server: the part of `createCallRecorder`'s options an agent session fills
 * (no DOM audio graph in it, so the session's types stay usable without the DOM library).
 */
export interface CallRecordingTarget {
  readonly cid: string;
  readonly callId: string;
  /** This side's microphone (what the agent says). */
  readonly microphone: MediaStream;
  /** The far end's audio (what the customer says), when it arrived; `setRemote` later. */
  readonly remote?: MediaStream | undefined;
  readonly upload: RecordingUpload;
  /** Default: IndexedDB (`helpline-recordings`), or memory where there is none. */
  readonly store?: RecordingChunkStore | undefined;
  /** Called when an upload fails (the chunk stays stored and is retried with the next one). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** A running recording of a call. Made by `createCallRecorder`. */
export interface CallRecorder {
  readonly state: CallRecorderState;
  readonly segment: string;
  /** Stops capturing; nothing said from now until {@link CallRecorder.resume} is recorded. */
  pause(): void;
  resume(): void;
  /** The far end's audio changed (a new peer after a reload). */
  setRemote(remote: MediaStream): void;
  /** Ends the segment and waits until every chunk is stored and sent (or stored, when the server is unreachable). */
  stop(): Promise<void>;
}
