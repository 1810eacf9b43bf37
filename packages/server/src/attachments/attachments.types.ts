import type { AttachmentClaims, AttachmentPolicy, AttachmentRef } from '@helpline/core';

// The server's attachment storage: records (who uploaded what to which conversation, what it turned out to be) in
// the server's SQL database, and bytes behind a port of their own — files under the data directory (the embedded
// default), bytea rows in PostgreSQL, or an S3-compatible bucket. docs/attachments.md says which to choose.

/** An attachment as the server keeps it. */
export interface AttachmentRecord {
  readonly id: string;
  /** The conversation it was uploaded to; `''` for a file a channel adapter kept before its conversation existed. */
  readonly cid: string;
  /** Who uploaded it (a visitor or agent id; a channel adapter's origin such as `whatsapp:<uuid>`). */
  readonly uploaderId: string;
  readonly site: string | undefined;
  /** Cleaned file name (`cleanFileName`). */
  readonly name: string;
  /** The type the uploader declared; never served, only compared with the content. */
  readonly declaredType: string;
  /** Declared total size; the upload is complete when `received` reaches it. */
  readonly size: number;
  /** Bytes stored so far: an interrupted upload continues from here. */
  readonly received: number;
  readonly status: 'uploading' | 'complete';
  /** Once complete: the type found in the content. */
  readonly type: string | undefined;
  readonly sha256: string | undefined;
  readonly width: number | undefined;
  readonly height: number | undefined;
  /** The message that sent it (bound for good), once sent. */
  readonly clientMsgId: string | undefined;
  readonly createdAt: number;
}

/**
 * Where the bytes of attachments live. A port with four implementations: files under a directory
 * (`createFileBytes`), rows in the database (`createSqlBytes`), memory (`createMemoryBytes`, tests and
 * `memory://` data directories) and an S3-compatible bucket (`openS3Bytes`: one object per piece, large pieces as
 * multipart uploads; docs/attachments.md).
 */
export interface AttachmentBytes {
  /**
   * Appends `chunk` to the bytes of `id`, which must hold exactly `offset` bytes now (the record says so); an
   * append is all or nothing, so a cut connection leaves the bytes at a chunk boundary the record matches.
   */
  append(id: string, offset: number, chunk: Uint8Array): Promise<void>;
  /** The bytes of `id` from `start` (inclusive) to `end` (exclusive), in pieces. */
  read(id: string, start: number, end: number): AsyncIterable<Uint8Array>;
  /** Forgets the bytes of `id` (no error when there are none). */
  remove(id: string): Promise<void>;
  /** Releases what the implementation holds (files, nothing for SQL). */
  close?(): Promise<void>;
  /**
   * How many bytes of an upload the store gathers before one `append` (default 256 KiB): an object store wants
   * fewer, larger pieces than a file or a table row.
   */
  readonly pieceBytes?: number | undefined;
}

/**
 * The server's virus-scanner hook: called once an upload is complete, before anyone can send or download it, with a
 * reader of its bytes. Resolve to accept; resolve `{ reject: reason }` ({@link AttachmentVerdict}) or throw to refuse it — the attachment is
 * deleted and the uploader gets `attachment/rejected` with the reason. A scanner that throws refuses the file:
 * nothing unscanned is kept.
 *
 * @example
 * ```ts
 * const scan: AttachmentScanner = async (file) => {
 *   const verdict = await clamd.scanStream(Readable.from(file.bytes()));
 *   return verdict.isInfected ? { reject: verdict.viruses.join(', ') } : undefined;
 * };
 * ```
 */
export type AttachmentScanner = (file: ScannedFile) => Promise<AttachmentVerdict | unknown>;

/** A scanner's refusal; the reason is shown to the uploader. */
export interface AttachmentVerdict {
  readonly reject: string;
}

/** What a scanner is given. */
export interface ScannedFile {
  readonly id: string;
  readonly name: string;
  /** The type found in the content. */
  readonly type: string;
  readonly size: number;
  readonly sha256: string;
  /** Reads the whole content, in pieces. */
  bytes(): AsyncIterable<Uint8Array>;
}

/** What a channel adapter (email, messaging) gives {@link AttachmentStore.put}. */
export interface AttachmentInput {
  readonly name: string;
  /** The type the source declared; the store sniffs the content anyway. */
  readonly type: string;
  /** The conversation it belongs to, when known; else `adopt` it later. */
  readonly cid?: string | undefined;
  /** Who sent it: the adapter's origin (`email:<message-id>`, `whatsapp:<uuid>`). */
  readonly origin: string;
  /** The allow-list to check; default: the server's default policy. */
  readonly policy?: AttachmentPolicy | undefined;
}

/** The attachment store: records and bytes, the allow-list checked on what arrived, and the scanner hook. */
export interface AttachmentStore {
  /** Starts an upload of a file declared as `input` (the declared size and type already checked). */
  create(input: {
    readonly cid: string;
    readonly uploaderId: string;
    readonly site: string | undefined;
    readonly name: string;
    readonly type: string;
    readonly size: number;
  }): Promise<AttachmentRecord>;
  get(id: string): Promise<AttachmentRecord | undefined>;
  /**
   * Stores the bytes of `body` from `offset` (which must be what is stored now, else `attachment/offset`), as they
   * arrive; resolves with the bytes stored in all. What arrived before a cut connection is kept.
   */
  write(id: string, offset: number, body: AsyncIterable<Uint8Array>): Promise<number>;
  /**
   * Checks a fully received upload — its content's type against the policy and its declared type, the scanner —
   * and makes it complete, or deletes it and throws the refusal (`attachment/type-not-allowed`,
   * `attachment/type-mismatch`, `attachment/rejected`).
   */
  complete(id: string, policy: AttachmentPolicy): Promise<AttachmentRef>;
  /** Reads the bytes of a record, whole or a range. */
  read(record: AttachmentRecord, start?: number, end?: number): AsyncIterable<Uint8Array>;
  /** Keeps a whole file from a channel adapter (an email's attachment, a WhatsApp photo), checked and scanned. */
  put(source: Uint8Array | AsyncIterable<Uint8Array>, input: AttachmentInput): Promise<AttachmentRef>;
  /** Binds a file an adapter kept to the conversation and message it arrived with. */
  adopt(id: string, to: { readonly cid: string; readonly clientMsgId: string }): Promise<void>;
  /** The hub's port: a message claims the attachments it names (see `AttachmentClaims`). */
  readonly claims: AttachmentClaims;
  /** Deletes uploads never sent that were created before `before`; returns how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
