import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlQueryable } from '../storage/sql.client';
import type { AttachmentBytes } from './attachments.types';

// The three homes of attachment bytes. Each append starts where the record says the bytes end: whatever a crash
// left beyond that (a piece written, its record not yet updated) is cut off or replaced first, so the record stays
// the one truth about how much of an upload is stored.

/** Ids are opaque `[\w.:-]` strings; on disk only letters, digits, `_` and `-` are used, so a path cannot escape. */
function fileName(id: string): string {
  if (!/^[\w-]{1,64}$/.test(id)) throw new TypeError(`not a storable attachment id: ${JSON.stringify(id)}`);
  return id;
}

/**
 * Bytes as files under `dir` (the embedded default: `<data dir>/attachments`), one file per attachment in a folder
 * per last two characters of its id, so no folder grows past a few thousand files.
 *
 * @example
 * ```ts
 * const bytes = createFileBytes('./.helpline-data/attachments');
 * ```
 */
export function createFileBytes(dir: string): AttachmentBytes {
  const pathOf = (id: string) => join(dir, fileName(id).slice(-2), fileName(id));
  return {
    async append(id, offset, chunk) {
      const path = pathOf(id);
      await mkdir(join(path, '..'), { recursive: true });
      const file = await open(path, 'a+');
      try {
        // Bytes past the record's end are left over from an interrupted write: cut them off first.
        if ((await file.stat()).size !== offset) await file.truncate(offset);
        await file.write(chunk, 0, chunk.length, offset);
        await file.datasync();
      } finally {
        await file.close();
      }
    },
    async *read(id, start, end) {
      if (end <= start) return;
      yield* createReadStream(pathOf(id), {
        start,
        end: end - 1,
        highWaterMark: 256 * 1024,
      }) as AsyncIterable<Buffer>;
    },
    async remove(id) {
      await rm(pathOf(id), { force: true });
    },
  };
}

/** Whether `dir` holds a file for `id` (tests). */
export async function hasFile(dir: string, id: string): Promise<boolean> {
  return stat(join(dir, id.slice(-2), id)).then(
    () => true,
    () => false,
  );
}

/**
 * Bytes as rows of `attachment_chunks` (migration 8) in the server's database: nothing else to run or back up, and
 * every instance of a cluster reads them. Each append is one row; reads page through the rows a range touches.
 *
 * @example
 * ```ts
 * const bytes = createSqlBytes(storage.sql);
 * ```
 */
export function createSqlBytes(db: SqlQueryable): AttachmentBytes {
  return {
    async append(id, offset, chunk) {
      await db.query('DELETE FROM attachment_chunks WHERE attachment_id = $1 AND start_byte >= $2', [
        id,
        offset,
      ]);
      await db.query('INSERT INTO attachment_chunks (attachment_id, start_byte, data) VALUES ($1, $2, $3)', [
        id,
        offset,
        chunk,
      ]);
    },
    async *read(id, start, end) {
      let from = start;
      while (from < end) {
        const rows = await db.query<{ start_byte: number | string; data: Uint8Array }>(
          `SELECT start_byte, data FROM attachment_chunks
           WHERE attachment_id = $1 AND start_byte + octet_length(data) > $2 AND start_byte < $3
           ORDER BY start_byte LIMIT 8`,
          [id, from, end],
        );
        if (rows.length === 0) return;
        for (const row of rows) {
          const at = Number(row.start_byte);
          const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
          const piece = data.subarray(Math.max(0, from - at), Math.min(data.length, end - at));
          if (piece.length > 0) yield piece;
          from = at + data.length;
        }
      }
    },
    async remove(id) {
      await db.query('DELETE FROM attachment_chunks WHERE attachment_id = $1', [id]);
    },
  };
}

/**
 * Bytes in memory: for tests, and for a `memory://` data directory (nothing on disk, nothing kept).
 *
 * @example
 * ```ts
 * const bytes = createMemoryBytes();
 * ```
 */
export function createMemoryBytes(): AttachmentBytes {
  const files = new Map<string, Uint8Array>();
  return {
    async append(id, offset, chunk) {
      const before = (files.get(id) ?? new Uint8Array()).subarray(0, offset);
      const next = new Uint8Array(offset + chunk.length);
      next.set(before);
      next.set(chunk, offset);
      files.set(id, next);
    },
    async *read(id, start, end) {
      const bytes = files.get(id);
      if (bytes && end > start) yield bytes.slice(start, end);
    },
    async remove(id) {
      files.delete(id);
    },
  };
}
