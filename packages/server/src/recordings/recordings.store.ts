import { helplineError, randomId } from '@helpline/core';
import type { RecordingAuditEntry, RecordingDirectory, RecordingInfo } from '@helpline/core/hub';
import type { AttachmentBytes } from '../attachments/attachments.types';
import type { Logger } from '../log/logger';
import type { SqlQueryable } from '../storage/sql.client';

// Call recordings on the server: one row per segment (migration 22) and its bytes behind the attachments' storage
// port (files, PostgreSQL or S3). A segment is what one recorder made without stopping: the agent's browser
// recording a call (paused and resumed inside it), started again after a reload; or one Vonage recording between a
// start and a pause. Chunks arrive in order, each naming its index: the server keeps the next index it expects, so an
// agent's browser that reloads sends what it still holds and the server drops what it already has.

/** A recording as the server keeps it (the wire's `RecordingInfo` without its URL). */
export type RecordingRow = Omit<RecordingInfo, 'url'> & { readonly segment: string; readonly chunks: number };

/** What starts a segment. */
export interface RecordingStart {
  readonly cid: string;
  readonly callId: string;
  readonly segment: string;
  readonly customerId: string;
  readonly agentIds: readonly string[];
  readonly source: RecordingInfo['source'];
  readonly mimeType: string;
  readonly at: number;
}

/** The server's recordings: the hub's directory, the upload's steps, retention and the audit trail. */
export interface RecordingStore extends RecordingDirectory {
  /** The segment `segment` of call `callId`, if it has started. */
  segment(callId: string, segment: string): Promise<RecordingRow | undefined>;
  /** Starts a segment (again: the one already started). */
  begin(start: RecordingStart): Promise<RecordingRow>;
  /**
   * Stores chunk `index` of a segment: the next one expected is appended, one already stored is ignored (a resend
   * after a reload), a later one is refused with `conflict/state` naming the index expected. Resolves with the row.
   */
  append(id: string, index: number, chunk: Uint8Array, at: number): Promise<RecordingRow>;
  get(id: string): Promise<RecordingRow | undefined>;
  /** The bytes of a recording, in pieces. */
  read(row: RecordingRow): AsyncIterable<Uint8Array>;
  /** Writes one start, pause or resume to the audit trail (and the log). */
  audit(entry: RecordingAuditEntry): Promise<void>;
  /** The audit trail of a call, oldest first. */
  auditOf(callId: string): Promise<RecordingAuditEntry[]>;
  /** Deletes the recordings whose retention ended by `now` (rows and bytes); returns how many. */
  prune(now: number): Promise<number>;
}

interface Row {
  id: string;
  cid: string;
  call_id: string;
  segment: string;
  customer_id: string;
  agent_ids: string;
  source: string;
  mime_type: string;
  started_at: string | number;
  updated_at: string | number;
  bytes: string | number;
  chunks: number;
  delete_at: string | number | null;
}

const COLUMNS =
  'id, cid, call_id, segment, customer_id, agent_ids, source, mime_type, started_at, updated_at, bytes, chunks, delete_at';

function rowOf(row: Row): RecordingRow {
  return {
    id: row.id,
    cid: row.cid,
    callId: row.call_id,
    segment: row.segment,
    customerId: row.customer_id,
    agentIds: JSON.parse(row.agent_ids) as string[],
    source: row.source === 'vonage' ? 'vonage' : 'browser',
    mimeType: row.mime_type,
    startedAt: Number(row.started_at),
    updatedAt: Number(row.updated_at),
    bytes: Number(row.bytes),
    chunks: Number(row.chunks),
    ...(row.delete_at === null ? {} : { deleteAt: Number(row.delete_at) }),
  };
}

/** The wire form of a row: its download path, relative to the server's API base. */
export function recordingInfoOf(row: RecordingRow): RecordingInfo {
  const { segment: _segment, chunks: _chunks, ...info } = row;
  return { ...info, url: `/v1/recordings/${encodeURIComponent(row.id)}` };
}

/** Bytes of a recording in the storage port: a name of their own beside attachments. */
const bytesId = (id: string) => `recording-${id}`;

/**
 * Creates the recordings store on the server's database and the attachments' bytes port.
 *
 * @example
 * ```ts
 * const recordings = createRecordingStore({ sql: storage.sql, bytes, now: Date.now, retentionDays: 90, log });
 * const hub = createHub({ …, recordings: { directory: recordings, audit: (e) => recordings.audit(e) } });
 * ```
 */
export function createRecordingStore(options: {
  readonly sql: SqlQueryable;
  readonly bytes: AttachmentBytes;
  /** Days a recording is kept after it started; omitted: kept for good. */
  readonly retentionDays?: number | undefined;
  readonly log?: Logger | undefined;
}): RecordingStore {
  const { sql, bytes, log } = options;
  const retentionMs = options.retentionDays === undefined ? undefined : options.retentionDays * 86_400_000;

  async function get(id: string): Promise<RecordingRow | undefined> {
    const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM recordings WHERE id = $1`, [id]);
    return rows[0] && rowOf(rows[0]);
  }

  return {
    async list(filter) {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (filter.cid !== undefined) {
        params.push(filter.cid);
        clauses.push(`cid = $${params.length}`);
      }
      if (filter.customerId !== undefined) {
        params.push(filter.customerId);
        clauses.push(`customer_id = $${params.length}`);
      }
      if (clauses.length === 0) return [];
      const rows = await sql.query<Row>(
        `SELECT ${COLUMNS} FROM recordings WHERE ${clauses.join(' AND ')} AND bytes > 0 ORDER BY started_at, id`,
        params,
      );
      return rows.map((row) => recordingInfoOf(rowOf(row)));
    },
    async segment(callId, segment) {
      const rows = await sql.query<Row>(
        `SELECT ${COLUMNS} FROM recordings WHERE call_id = $1 AND segment = $2`,
        [callId, segment],
      );
      return rows[0] && rowOf(rows[0]);
    },
    async begin(start) {
      const deleteAt = retentionMs === undefined ? null : start.at + retentionMs;
      await sql.query(
        `INSERT INTO recordings (id, cid, call_id, segment, customer_id, agent_ids, source, mime_type, started_at,
           updated_at, delete_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) ON CONFLICT (call_id, segment) DO NOTHING`,
        [
          randomId('rec'),
          start.cid,
          start.callId,
          start.segment,
          start.customerId,
          JSON.stringify(start.agentIds),
          start.source,
          start.mimeType,
          start.at,
          deleteAt,
        ],
      );
      const row = await this.segment(start.callId, start.segment);
      if (!row) throw new Error(`recording segment ${start.callId}/${start.segment} was not stored`);
      return row;
    },
    async append(id, index, chunk, at) {
      const row = await get(id);
      if (!row) throw helplineError('not-found', { entity: 'Recording', id });
      if (index < row.chunks) return row;
      if (index > row.chunks) {
        throw helplineError('conflict/state', {
          operation: `store chunk ${index}`,
          entity: 'recording',
          state: `waiting for chunk ${row.chunks}`,
        });
      }
      // The bytes first, at the offset the row says; the row then moves only if nobody moved it meanwhile.
      await bytes.append(bytesId(id), row.bytes, chunk);
      const rows = await sql.query<Row>(
        `UPDATE recordings SET bytes = bytes + $3, chunks = chunks + 1, updated_at = $4
         WHERE id = $1 AND chunks = $2 RETURNING ${COLUMNS}`,
        [id, index, chunk.byteLength, at],
      );
      const updated = rows[0];
      if (!updated) {
        throw helplineError('conflict/state', {
          operation: `store chunk ${index}`,
          entity: 'recording',
          state: 'moved on',
        });
      }
      return rowOf(updated);
    },
    get,
    read(row) {
      return bytes.read(bytesId(row.id), 0, row.bytes);
    },
    async audit(entry) {
      await sql.query(
        'INSERT INTO recording_audit (call_id, cid, action, actor, at) VALUES ($1, $2, $3, $4, $5)',
        [entry.callId, entry.cid, entry.action, entry.actor, entry.at],
      );
      log?.info('recording.audit', {
        action: entry.action,
        callId: entry.callId,
        cid: entry.cid,
        by: entry.actor,
      });
    },
    async auditOf(callId) {
      const rows = await sql.query<{
        call_id: string;
        cid: string;
        action: string;
        actor: string;
        at: string;
      }>('SELECT call_id, cid, action, actor, at FROM recording_audit WHERE call_id = $1 ORDER BY id', [
        callId,
      ]);
      return rows.map((row) => ({
        callId: row.call_id,
        cid: row.cid,
        action: row.action as RecordingAuditEntry['action'],
        actor: row.actor,
        at: Number(row.at),
      }));
    },
    async prune(now) {
      // The audio first, then the row with its audit entry in one statement: a removal that fails leaves the row,
      // so the next run tries again (deleting the row first lost track of audio that was never removed).
      const due = await sql.query<{ id: string }>(
        'SELECT id FROM recordings WHERE delete_at IS NOT NULL AND delete_at <= $1 ORDER BY delete_at, id',
        [now],
      );
      let deleted = 0;
      for (const { id } of due) {
        await bytes.remove(bytesId(id));
        const gone = await sql.query(
          `WITH gone AS (DELETE FROM recordings WHERE id = $1 RETURNING call_id, cid)
           INSERT INTO recording_audit (call_id, cid, action, actor, at)
           SELECT call_id, cid, 'deleted', 'retention', $2 FROM gone RETURNING call_id`,
          [id, now],
        );
        deleted += gone.length;
      }
      if (deleted > 0) log?.info('recording.retention', { deleted });
      return deleted;
    },
  };
}
