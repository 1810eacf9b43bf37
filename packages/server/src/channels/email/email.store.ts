// Where the email channel keeps what must survive a restart: each mailbox folder's cursor (UIDVALIDITY + last UID),
// each thread (its key, reply token, customer) and each message by Message-ID. One port, two implementations: in
// memory (tests) and SQL (PGlite or PostgreSQL, migration 9).
import type { SqlQueryable } from '../../storage/sql.client';

/** How far a mailbox folder has been read: IMAP's UIDVALIDITY and the last UID taken in. */
export interface MailboxCursor {
  readonly uidValidity: bigint;
  readonly lastUid: number;
}

/** One email conversation as the channel knows it. */
export interface EmailThread {
  /** The hub's thread key: the root Message-ID of the first mail (see `InboundMessage.threadKey`). */
  readonly threadKey: string;
  /** The token in our reply address (`support+<token>@…`), unguessable, unique. */
  readonly replyToken: string;
  /** The configured mailbox id it belongs to. */
  readonly mailbox: string;
  readonly customerAddress: string;
  readonly subject: string;
}

/** The direction and state of one message of a thread. */
export interface EmailMessageRecord {
  readonly messageId: string;
  readonly threadKey: string;
  readonly direction: 'inbound' | 'outbound';
  readonly status: 'received' | 'sent' | 'failed' | 'ignored';
}

/** The email channel's storage port. */
export interface EmailStore {
  cursor(mailbox: string, folder: string): Promise<MailboxCursor | undefined>;
  saveCursor(mailbox: string, folder: string, cursor: MailboxCursor): Promise<void>;
  /** Stores `thread` unless one with its key exists; resolves to the stored one. */
  saveThread(thread: EmailThread): Promise<EmailThread>;
  threadByKey(threadKey: string): Promise<EmailThread | undefined>;
  threadByToken(replyToken: string): Promise<EmailThread | undefined>;
  /** The thread of the first of `messageIds` that is known (threading by In-Reply-To and References). */
  threadByMessageIds(messageIds: readonly string[]): Promise<EmailThread | undefined>;
  message(messageId: string): Promise<EmailMessageRecord | undefined>;
  /** Records a message (or changes the status of one already recorded). */
  saveMessage(record: EmailMessageRecord): Promise<void>;
}

/** An {@link EmailStore} in memory: for tests, and for a hub without a database. */
export function createMemoryEmailStore(): EmailStore {
  const cursors = new Map<string, MailboxCursor>();
  const threads = new Map<string, EmailThread>();
  const messages = new Map<string, EmailMessageRecord>();
  const byKey = async (threadKey: string) => threads.get(threadKey);
  return {
    async cursor(mailbox, folder) {
      return cursors.get(`${mailbox}\n${folder}`);
    },
    async saveCursor(mailbox, folder, cursor) {
      cursors.set(`${mailbox}\n${folder}`, cursor);
    },
    async saveThread(thread) {
      const existing = threads.get(thread.threadKey);
      if (existing) return existing;
      threads.set(thread.threadKey, thread);
      return thread;
    },
    threadByKey: byKey,
    async threadByToken(replyToken) {
      return [...threads.values()].find((thread) => thread.replyToken === replyToken);
    },
    async threadByMessageIds(messageIds) {
      for (const id of messageIds) {
        const record = messages.get(id);
        if (record) return byKey(record.threadKey);
      }
      return undefined;
    },
    async message(messageId) {
      return messages.get(messageId);
    },
    async saveMessage(record) {
      messages.set(record.messageId, record);
    },
  };
}

interface ThreadRow {
  thread_id: string;
  reply_token: string;
  mailbox: string;
  customer_address: string;
  subject: string;
}

function toThread(row: ThreadRow | undefined): EmailThread | undefined {
  if (!row) return undefined;
  return {
    threadKey: row.thread_id,
    replyToken: row.reply_token,
    mailbox: row.mailbox,
    customerAddress: row.customer_address,
    subject: row.subject,
  };
}

const THREAD_COLUMNS = 'thread_id, reply_token, mailbox, customer_address, subject';

/** An {@link EmailStore} on the server's database (tables of migration 9). */
export function createSqlEmailStore(db: SqlQueryable, now: () => number = Date.now): EmailStore {
  const threadWhere = async (where: string, params: readonly unknown[]) =>
    toThread(
      (await db.query<ThreadRow>(`SELECT ${THREAD_COLUMNS} FROM email_threads WHERE ${where}`, params))[0],
    );
  return {
    async cursor(mailbox, folder) {
      const rows = await db.query<{ uid_validity: string | number; last_uid: string | number }>(
        'SELECT uid_validity, last_uid FROM email_cursors WHERE mailbox = $1 AND folder = $2',
        [mailbox, folder],
      );
      const row = rows[0];
      return row ? { uidValidity: BigInt(row.uid_validity), lastUid: Number(row.last_uid) } : undefined;
    },
    async saveCursor(mailbox, folder, cursor) {
      await db.query(
        `INSERT INTO email_cursors (mailbox, folder, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (mailbox, folder) DO UPDATE SET uid_validity = $3, last_uid = $4, updated_at = $5`,
        [mailbox, folder, cursor.uidValidity.toString(), cursor.lastUid, now()],
      );
    },
    async saveThread(thread) {
      await db.query(
        `INSERT INTO email_threads (thread_id, reply_token, mailbox, customer_address, subject, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (thread_id) DO NOTHING`,
        [thread.threadKey, thread.replyToken, thread.mailbox, thread.customerAddress, thread.subject, now()],
      );
      return (await threadWhere('thread_id = $1', [thread.threadKey])) ?? thread;
    },
    threadByKey: (threadKey) => threadWhere('thread_id = $1', [threadKey]),
    threadByToken: (replyToken) => threadWhere('reply_token = $1', [replyToken]),
    async threadByMessageIds(messageIds) {
      if (messageIds.length === 0) return undefined;
      const rows = await db.query<{ thread_id: string; message_id: string }>(
        'SELECT thread_id, message_id FROM email_messages WHERE message_id = ANY($1)',
        [[...messageIds]],
      );
      // The first id of the list that is known decides, as in the memory store.
      const known = messageIds.map((id) => rows.find((row) => row.message_id === id)).find(Boolean);
      return known ? threadWhere('thread_id = $1', [known.thread_id]) : undefined;
    },
    async message(messageId) {
      const rows = await db.query<{ thread_id: string; direction: 'inbound' | 'outbound'; status: string }>(
        'SELECT thread_id, direction, status FROM email_messages WHERE message_id = $1',
        [messageId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        messageId,
        threadKey: row.thread_id,
        direction: row.direction,
        status: row.status as EmailMessageRecord['status'],
      };
    },
    async saveMessage(record) {
      await db.query(
        `INSERT INTO email_messages (message_id, thread_id, direction, status, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (message_id) DO UPDATE SET status = $4`,
        [record.messageId, record.threadKey, record.direction, record.status, now()],
      );
    },
  };
}
