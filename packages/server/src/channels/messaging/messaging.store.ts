import type { SqlQueryable } from '../../storage/sql.client';
import type { DeliveryReceipt, OutboundContent, OutboundRecord, VonageChannel } from './messaging.types';

// The messaging adapter's tables (migration 10): the webhook inbox, the threads and what we sent. Written only by the
// adapter, on the instance that leads (webhooks are forwarded there), so a read-then-write needs no row lock.

/** One webhook as the inbox keeps it. */
export interface InboxEntry {
  readonly messageUuid: string;
  readonly kind: 'message' | 'status';
  /** The status name for a status webhook; empty for a message. */
  readonly status: string;
  readonly channel: VonageChannel;
  readonly body: unknown;
  readonly receivedAt: number;
}

/** What the inbox says of a webhook it is given: first time, seen but not handled yet, or handled already. */
export type InboxState = 'new' | 'unhandled' | 'handled';

/** A conversation thread: channel, our sender and a customer. */
export interface ThreadRecord {
  readonly threadKey: string;
  readonly channel: VonageChannel;
  readonly sender: string;
  readonly customer: string;
  readonly queueId: string;
  readonly cid?: string | undefined;
  readonly lastInboundAt?: number | undefined;
}

/** The adapter's persistence. */
export interface MessagingStore {
  /** Records a webhook unless it is there already; says which of the three it was. */
  takeIn(entry: InboxEntry): Promise<InboxState>;
  markHandled(entry: Pick<InboxEntry, 'messageUuid' | 'kind' | 'status'>, at: number): Promise<void>;
  /** Creates the thread or moves its last inbound time forward (never back: webhooks come out of order). */
  noteInbound(thread: Omit<ThreadRecord, 'cid' | 'lastInboundAt'>, at: number): Promise<void>;
  setConversation(threadKey: string, cid: string): Promise<void>;
  thread(threadKey: string): Promise<ThreadRecord | undefined>;
  threadOfConversation(cid: string): Promise<ThreadRecord | undefined>;
  /** Keeps a new outbound message, or returns the one already kept under its id (a retried send). */
  beginOutbound(
    record: OutboundRecord,
  ): Promise<{ readonly record: OutboundRecord; readonly existing: boolean }>;
  /** Writes what became of a send: Vonage's id, a receipt, an error. */
  updateOutbound(
    id: string,
    patch: {
      readonly externalId?: string | undefined;
      readonly receipt: OutboundRecord['receipt'];
      readonly error?: OutboundRecord['error'];
    },
    at: number,
  ): Promise<void>;
  outbound(id: string): Promise<OutboundRecord | undefined>;
  outboundByExternalId(externalId: string): Promise<OutboundRecord | undefined>;
}

interface ThreadRow {
  thread_key: string;
  channel: VonageChannel;
  sender: string;
  customer: string;
  queue_id: string;
  cid: string | null;
  last_inbound_at: number | string | null;
}

interface OutboundRow {
  id: string;
  external_id: string | null;
  channel: VonageChannel;
  sender: string;
  recipient: string;
  content: OutboundContent;
  receipt: DeliveryReceipt | 'pending';
  error: OutboundRecord['error'] | null;
  created_at: number | string;
  updated_at: number | string;
}

function toThread(row: ThreadRow): ThreadRecord {
  return {
    threadKey: row.thread_key,
    channel: row.channel,
    sender: row.sender,
    customer: row.customer,
    queueId: row.queue_id,
    ...(row.cid ? { cid: row.cid } : {}),
    ...(row.last_inbound_at === null ? {} : { lastInboundAt: Number(row.last_inbound_at) }),
  };
}

function toOutbound(row: OutboundRow): OutboundRecord {
  return {
    id: row.id,
    channel: row.channel,
    from: row.sender,
    to: row.recipient,
    content: row.content,
    receipt: row.receipt,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.external_id ? { externalId: row.external_id } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

const THREAD_COLUMNS = 'thread_key, channel, sender, customer, queue_id, cid, last_inbound_at';
const OUTBOUND_COLUMNS =
  'id, external_id, channel, sender, recipient, content, receipt, error, created_at, updated_at';

/** The {@link MessagingStore} on the server's database (PGlite or PostgreSQL, migration 10). */
export function createSqlMessagingStore(db: SqlQueryable): MessagingStore {
  return {
    async takeIn(entry) {
      const inserted = await db.query<{ message_uuid: string }>(
        `INSERT INTO messaging_inbox (message_uuid, kind, status, channel, body, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING message_uuid`,
        [
          entry.messageUuid,
          entry.kind,
          entry.status,
          entry.channel,
          JSON.stringify(entry.body),
          entry.receivedAt,
        ],
      );
      if (inserted.length > 0) return 'new';
      const rows = await db.query<{ handled_at: number | string | null }>(
        'SELECT handled_at FROM messaging_inbox WHERE message_uuid = $1 AND kind = $2 AND status = $3',
        [entry.messageUuid, entry.kind, entry.status],
      );
      return rows[0]?.handled_at === null || rows[0]?.handled_at === undefined ? 'unhandled' : 'handled';
    },
    async markHandled(entry, at) {
      await db.query(
        'UPDATE messaging_inbox SET handled_at = $4 WHERE message_uuid = $1 AND kind = $2 AND status = $3',
        [entry.messageUuid, entry.kind, entry.status, at],
      );
    },
    async noteInbound(thread, at) {
      await db.query(
        `INSERT INTO messaging_threads (thread_key, channel, sender, customer, queue_id, last_inbound_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (thread_key) DO UPDATE SET last_inbound_at =
           GREATEST(COALESCE(messaging_threads.last_inbound_at, 0), EXCLUDED.last_inbound_at)`,
        [thread.threadKey, thread.channel, thread.sender, thread.customer, thread.queueId, at],
      );
    },
    async setConversation(threadKey, cid) {
      await db.query('UPDATE messaging_threads SET cid = $2 WHERE thread_key = $1', [threadKey, cid]);
    },
    async thread(threadKey) {
      const rows = await db.query<ThreadRow>(
        `SELECT ${THREAD_COLUMNS} FROM messaging_threads WHERE thread_key = $1`,
        [threadKey],
      );
      return rows[0] ? toThread(rows[0]) : undefined;
    },
    async threadOfConversation(cid) {
      const rows = await db.query<ThreadRow>(
        `SELECT ${THREAD_COLUMNS} FROM messaging_threads WHERE cid = $1 LIMIT 1`,
        [cid],
      );
      return rows[0] ? toThread(rows[0]) : undefined;
    },
    async beginOutbound(record) {
      const inserted = await db.query<OutboundRow>(
        `INSERT INTO messaging_outbound (id, channel, sender, recipient, content, receipt, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING RETURNING ${OUTBOUND_COLUMNS}`,
        [
          record.id,
          record.channel,
          record.from,
          record.to,
          JSON.stringify(record.content),
          record.receipt,
          record.createdAt,
        ],
      );
      if (inserted[0]) return { record: toOutbound(inserted[0]), existing: false };
      const found = await this.outbound(record.id);
      if (!found) throw new Error(`messaging_outbound ${record.id} vanished`);
      return { record: found, existing: true };
    },
    async updateOutbound(id, patch, at) {
      await db.query(
        `UPDATE messaging_outbound SET external_id = COALESCE($2, external_id), receipt = $3, error = $4,
         updated_at = $5 WHERE id = $1`,
        [id, patch.externalId ?? null, patch.receipt, patch.error ? JSON.stringify(patch.error) : null, at],
      );
    },
    async outbound(id) {
      const rows = await db.query<OutboundRow>(
        `SELECT ${OUTBOUND_COLUMNS} FROM messaging_outbound WHERE id = $1`,
        [id],
      );
      return rows[0] ? toOutbound(rows[0]) : undefined;
    },
    async outboundByExternalId(externalId) {
      const rows = await db.query<OutboundRow>(
        `SELECT ${OUTBOUND_COLUMNS} FROM messaging_outbound WHERE external_id = $1`,
        [externalId],
      );
      return rows[0] ? toOutbound(rows[0]) : undefined;
    },
  };
}
