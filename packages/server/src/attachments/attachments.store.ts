import { createHash } from 'node:crypto';
import {
  type AttachmentPolicy,
  type AttachmentRef,
  attachmentError,
  attachmentRefusal,
  cleanFileName,
  DEFAULT_ATTACHMENT_POLICY,
  formatBytes,
  helplineError,
  imageSize,
  randomId,
  resolveType,
  SNIFF_BYTES,
  sniffType,
  typesAgree,
} from '@helpline/core';
import type { SqlQueryable } from '../storage/sql.client';
import type {
  AttachmentBytes,
  AttachmentRecord,
  AttachmentScanner,
  AttachmentStore,
  AttachmentVerdict,
} from './attachments.types';

/** Options of {@link createAttachmentStore}. */
export interface AttachmentStoreOptions {
  /** The server's database (records, migration 8). */
  readonly db: SqlQueryable;
  /** Where the bytes live. */
  readonly bytes: AttachmentBytes;
  /** The virus-scanner hook; absent: files are not scanned. */
  readonly scan?: AttachmentScanner | undefined;
  readonly now?: (() => number) | undefined;
}

/** Bytes gathered from a request before they are appended: one row or write per piece. */
const PIECE_BYTES = 256 * 1024;

interface Row {
  id: string;
  cid: string;
  uploader_id: string;
  site: string | null;
  name: string;
  declared_type: string;
  size: number | string;
  received: number | string;
  status: 'uploading' | 'complete';
  type: string | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  client_msg_id: string | null;
  created_at: number | string;
}

const COLUMNS =
  'id, cid, uploader_id, site, name, declared_type, size, received, status, type, sha256, width, height, client_msg_id, created_at';

function toRecord(row: Row): AttachmentRecord {
  return {
    id: row.id,
    cid: row.cid,
    uploaderId: row.uploader_id,
    site: row.site ?? undefined,
    name: row.name,
    declaredType: row.declared_type,
    size: Number(row.size),
    received: Number(row.received),
    status: row.status,
    type: row.type ?? undefined,
    sha256: row.sha256 ?? undefined,
    width: row.width ?? undefined,
    height: row.height ?? undefined,
    clientMsgId: row.client_msg_id ?? undefined,
    createdAt: Number(row.created_at),
  };
}

/** The wire form of a complete record. */
export function refOf(record: AttachmentRecord): AttachmentRef {
  return {
    id: record.id,
    name: record.name,
    type: record.type ?? 'application/octet-stream',
    size: record.size,
    ...(record.sha256 ? { sha256: record.sha256 } : {}),
    ...(record.width && record.height ? { width: record.width, height: record.height } : {}),
  };
}

const notFound = (id: string) => helplineError('not-found', { entity: 'Attachment', id });

/**
 * Creates the attachment store on the server's database and a bytes port. Every check that counts happens here, on
 * what arrived: the allow-list by the type the content shows, the size stored, the declared type against the
 * content, then the scanner.
 *
 * @example
 * ```ts
 * const store = createAttachmentStore({ db: storage.sql, bytes: createFileBytes(`${dataDir}/attachments`), scan });
 * ```
 */
export function createAttachmentStore(options: AttachmentStoreOptions): AttachmentStore {
  const { db, bytes } = options;
  const now = options.now ?? Date.now;
  const pieceBytes = bytes.pieceBytes ?? PIECE_BYTES;
  /** One write per attachment at a time in this process (a retried PUT racing its predecessor waits). */
  const writing = new Map<string, Promise<unknown>>();

  async function get(id: string): Promise<AttachmentRecord | undefined> {
    const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM attachments WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async function remove(id: string): Promise<void> {
    await bytes.remove(id);
    await db.query('DELETE FROM attachments WHERE id = $1', [id]);
  }

  async function insert(input: {
    cid: string;
    uploaderId: string;
    site: string | undefined;
    name: string;
    type: string;
    size: number;
  }): Promise<AttachmentRecord> {
    const id = randomId('att');
    const rows = await db.query<Row>(
      `INSERT INTO attachments (id, cid, uploader_id, site, name, declared_type, size, received, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 'uploading', $8) RETURNING ${COLUMNS}`,
      [
        id,
        input.cid,
        input.uploaderId,
        input.site ?? null,
        cleanFileName(input.name),
        input.type,
        input.size,
        now(),
      ],
    );
    return toRecord(rows[0] as Row);
  }

  /** Appends `piece` at `offset` and moves the record's count, unless another write moved it first. */
  async function appendPiece(id: string, offset: number, piece: Uint8Array): Promise<void> {
    await bytes.append(id, offset, piece);
    const moved = await db.query<{ id: string }>(
      'UPDATE attachments SET received = $2 WHERE id = $1 AND received = $3 RETURNING id',
      [id, offset + piece.length, offset],
    );
    if (moved.length === 0) throw attachmentError('attachment/offset', { id, expected: '?', offset });
  }

  async function write(id: string, offset: number, body: AsyncIterable<Uint8Array>): Promise<number> {
    const record = await get(id);
    if (!record) throw notFound(id);
    if (record.status !== 'uploading' || offset !== record.received) {
      throw attachmentError(
        'attachment/offset',
        { id, expected: record.received, offset },
        { field: String(record.received) },
      );
    }
    let stored = offset;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const piece = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await appendPiece(id, stored, piece);
      stored += piece.length;
    };
    try {
      for await (const chunk of body) {
        if (stored + pendingBytes + chunk.length > record.size) {
          throw attachmentError(
            'attachment/too-large',
            {
              name: record.name,
              size: formatBytes(stored + pendingBytes + chunk.length),
              max: formatBytes(record.size),
            },
            { field: 'size' },
          );
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= pieceBytes) await flush();
      }
    } finally {
      // What arrived before a cut connection (or a refusal) is kept: the client continues from there.
      await flush();
    }
    return stored;
  }

  /** The bytes of a record (all of it, or a range). */
  function read(record: AttachmentRecord, start = 0, end = record.received): AsyncIterable<Uint8Array> {
    return bytes.read(record.id, start, Math.min(end, record.received));
  }

  /** Sniffs, hashes, checks and scans a fully stored record; deletes it and throws when it is refused. */
  async function check(record: AttachmentRecord, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    for await (const piece of read(record)) {
      hash.update(piece);
      if (headBytes < SNIFF_BYTES) {
        head.push(Buffer.from(piece.subarray(0, SNIFF_BYTES - headBytes)));
        headBytes += Math.min(piece.length, SNIFF_BYTES - headBytes);
      }
    }
    const first = Buffer.concat(head);
    const sniffed = sniffType(first);
    const type = resolveType(record.declaredType, sniffed);
    const sha256 = hash.digest('hex');
    const refusal =
      attachmentRefusal(policy, { name: record.name, type, size: record.received }) ??
      (typesAgree(record.declaredType, sniffed)
        ? undefined
        : attachmentError(
            'attachment/type-mismatch',
            { name: record.name, type: record.declaredType, actual: sniffed },
            { field: 'type' },
          ));
    let rejected: string | undefined;
    if (!refusal && options.scan) {
      try {
        const verdict = await options.scan({
          id: record.id,
          name: record.name,
          type,
          size: record.received,
          sha256,
          bytes: () => read(record),
        });
        if (isVerdict(verdict)) rejected = verdict.reject;
      } catch (error) {
        rejected = error instanceof Error ? error.message : 'the scanner failed';
      }
    }
    const refused =
      refusal ??
      (rejected === undefined
        ? undefined
        : attachmentError('attachment/rejected', { name: record.name, reason: rejected }));
    if (refused) {
      await remove(record.id);
      throw refused;
    }
    const size = imageSize(first, type);
    const rows = await db.query<Row>(
      `UPDATE attachments SET status = 'complete', type = $2, sha256 = $3, width = $4, height = $5, completed_at = $6
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [record.id, type, sha256, size?.width ?? null, size?.height ?? null, now()],
    );
    return toRecord(rows[0] as Row);
  }

  async function complete(id: string, policy: AttachmentPolicy): Promise<AttachmentRef> {
    const record = await get(id);
    if (!record) throw notFound(id);
    if (record.status === 'complete') return refOf(record);
    if (record.received !== record.size) {
      throw attachmentError('attachment/incomplete', { id, received: record.received, size: record.size });
    }
    return refOf(await check(record, policy));
  }

  async function put(
    source: Uint8Array | AsyncIterable<Uint8Array>,
    input: Parameters<AttachmentStore['put']>[1],
  ): Promise<AttachmentRef> {
    const policy = input.policy ?? DEFAULT_ATTACHMENT_POLICY;
    const whole = source instanceof Uint8Array ? source : await gather(source, policy.maxBytes, input.name);
    const early = attachmentRefusal(policy, {
      name: input.name,
      type: input.type || 'application/octet-stream',
      size: whole.length,
    });
    // The declared type may be wrong (a mail client's guess): only the size and emptiness refuse before the content.
    if (early && early.code !== 'attachment/type-not-allowed') throw early;
    const record = await insert({
      cid: input.cid ?? '',
      uploaderId: input.origin,
      site: undefined,
      name: input.name,
      type: input.type,
      size: whole.length,
    });
    try {
      await appendPiece(record.id, 0, whole);
    } catch (error) {
      await remove(record.id);
      throw error;
    }
    const stored = await get(record.id);
    return refOf(await check(stored as AttachmentRecord, policy));
  }

  return {
    async create(input) {
      return insert(input);
    },
    get,
    write(id, offset, body) {
      // Writes of one attachment queue behind each other; the second then finds the offset moved and says where.
      const previous = writing.get(id) ?? Promise.resolve();
      const task = previous.catch(() => {}).then(() => write(id, offset, body));
      writing.set(id, task);
      void task.finally(() => writing.get(id) === task && writing.delete(id)).catch(() => {});
      return task;
    },
    complete,
    read,
    put,
    async adopt(id, to) {
      await db.query(
        "UPDATE attachments SET cid = $2, client_msg_id = $3 WHERE id = $1 AND cid IN ('', $2)",
        [id, to.cid, to.clientMsgId],
      );
    },
    claims: {
      async claim({ cid, senderId, clientMsgId, ids }) {
        const rows = await db.query<Row>(`SELECT ${COLUMNS} FROM attachments WHERE id = ANY($1::text[])`, [
          [...ids],
        ]);
        const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
        const refs = ids.map((id) => {
          const record = byId.get(id);
          // Someone else's upload, or another conversation's, does not exist for this sender.
          if (!record || record.cid !== cid || record.uploaderId !== senderId) throw notFound(id);
          if (record.status !== 'complete') {
            throw attachmentError('attachment/incomplete', {
              id,
              received: record.received,
              size: record.size,
            });
          }
          if (record.clientMsgId !== undefined && record.clientMsgId !== clientMsgId) {
            throw helplineError('conflict/state', {
              operation: `send attachment ${id}`,
              entity: 'attachment',
              state: 'sent with another message',
            });
          }
          return refOf(record);
        });
        const bound = await db.query<{ id: string }>(
          `UPDATE attachments SET client_msg_id = $2
           WHERE id = ANY($1::text[]) AND (client_msg_id IS NULL OR client_msg_id = $2) RETURNING id`,
          [[...ids], clientMsgId],
        );
        if (bound.length !== ids.length) {
          throw helplineError('conflict/state', {
            operation: 'send these attachments',
            entity: 'attachment',
            state: 'sent with another message',
          });
        }
        return refs;
      },
    },
    async prune(before) {
      const rows = await db.query<{ id: string }>(
        'SELECT id FROM attachments WHERE client_msg_id IS NULL AND created_at < $1 LIMIT 1000',
        [before],
      );
      for (const { id } of rows) await remove(id);
      return rows.length;
    },
    async close() {
      await Promise.allSettled(writing.values());
      await bytes.close?.();
    },
  };
}

/** Reads a whole source, refusing it as soon as it passes `max` bytes. */
async function gather(source: AsyncIterable<Uint8Array>, max: number, name: string): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of source) {
    size += piece.length;
    if (size > max) {
      throw attachmentError('attachment/too-large', {
        name,
        size: `> ${formatBytes(max)}`,
        max: formatBytes(max),
      });
    }
    pieces.push(piece);
  }
  return Buffer.concat(pieces, size);
}

/** True when a scanner's answer refuses the file. */
function isVerdict(value: unknown): value is AttachmentVerdict {
  return (
    typeof value === 'object' && value !== null && typeof (value as { reject?: unknown }).reject === 'string'
  );
}
