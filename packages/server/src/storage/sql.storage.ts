import { createHash } from 'node:crypto';
import {
  type ConversationEvent,
  deadlineOf,
  helplineError,
  type Interaction,
  type MessagingChannel,
  type PresenceStatus,
} from '@helpline/core';
import type {
  CommitOptions,
  EmailLeg,
  HubStorage,
  InteractionSnapshot,
  PendingEvent,
  StoredEvent,
  StoredInteraction,
  Subject,
} from '@helpline/core/hub';
import { migrate } from './migrations';
import { openPgliteThread } from './pglite.thread';
import { openPostgres, type SqlClient, type SqlQueryable } from './sql.client';
import { unavailableFor } from './sql.errors';
import { fenceStatement, type StorageFence, underFence } from './storage.fence';

/** One presence change of an agent, as kept for reporting. */
export interface PresenceRecord {
  readonly agentId: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly at: number;
}

/** A visitor session: who a visitor token stands for, until when. */
export interface VisitorSessionRecord {
  readonly tokenHash: string;
  readonly site: string;
  readonly subject: Subject;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * The server's persistence: the hub's {@link HubStorage} on SQL, plus what only the server keeps (visitor
 * sessions, presence history). The same statements run on PGlite and PostgreSQL.
 */
export interface SqlStorage extends HubStorage {
  readonly kind: SqlClient['kind'];
  /**
   * The database itself, for the tables the channel adapters keep beside the hub's (the messaging inbox, threads and
   * outbound messages). Their writes are idempotent or the leader's alone, so they go unfenced.
   */
  readonly sql: SqlClient;
  recordPresence(record: PresenceRecord): Promise<void>;
  presenceHistory(agentId: string): Promise<PresenceRecord[]>;
  saveVisitorSession(record: VisitorSessionRecord): Promise<void>;
  /** The subject behind a token hash, unless unknown or expired at `now`. */
  findVisitorSession(tokenHash: string, now: number): Promise<VisitorSessionRecord | undefined>;
  /** Deletes sessions that expired before `now`; returns how many. */
  pruneVisitorSessions(now: number): Promise<number>;
  saveResumeToken(token: string, subjectId: string, at: number): Promise<void>;
  takeResumeToken(token: string, issuedSince?: number): Promise<string | undefined>;
  findResumeToken(token: string, issuedSince?: number): Promise<string | undefined>;
  startedBy(subjectId: string, requestId: string): Promise<string | undefined>;
  threadOf(channel: MessagingChannel, threadKey: string): Promise<string | undefined>;
  channelMessage(
    channel: MessagingChannel,
    externalId: string,
  ): Promise<{ cid: string; seq: number } | undefined>;
  emailLeg(cid: string): Promise<EmailLeg | undefined>;
  saveEmailLeg(leg: EmailLeg): Promise<void>;
  /** Deletes resume tokens issued before `before`; returns how many. */
  pruneResumeTokens(before: number): Promise<number>;
  interactionsSince(from: number): Promise<Interaction[]>;
  presenceSince(from: number): Promise<{ agentId: string; status: PresenceStatus; at: number }[]>;
  /** Throws when the database cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where to keep data: an embedded PGlite directory, or a PostgreSQL URL. */
export type StorageTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** Options of {@link openStorage} (and of `createSqlStorage`, which opens nothing). */
export interface SqlStorageOptions {
  /**
   * Cluster mode: the lease every write of the hub's state (interactions, events, presence, resume tokens) checks in
   * its own statement or transaction, so a former leader cannot write. A chat message's append checks it in its one
   * statement; other writes with their `BEGIN`. Absent: no check.
   */
  readonly fence?: StorageFence | undefined;
}

/**
 * How long a pooled PostgreSQL session may sit idle inside a transaction before the server ends it. A fenced
 * transaction holds the lease row `FOR SHARE`, which holds off the next leader's takeover: a leader frozen in the
 * middle of one must not hold it off for longer than this.
 */
export const IDLE_IN_TRANSACTION_MS = 5_000;

/**
 * Opens the storage and applies pending migrations.
 *
 * @example
 * ```ts
 * const storage = await openStorage({ kind: 'pglite', dataDir: './.helpline-data' });
 * const hub = createHub({ queues, agents, authenticate, storage });
 * ```
 */
export async function openStorage(
  target: StorageTarget,
  options: SqlStorageOptions = {},
): Promise<SqlStorage> {
  const client =
    target.kind === 'pglite'
      ? await openPgliteThread(target.dataDir)
      : await openPostgres(target.url, {
          ...(target.schema === undefined ? {} : { schema: target.schema }),
          idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_MS,
        });
  try {
    await migrate(client);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return createSqlStorage(client, options);
}

interface InteractionRow {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  is_open: boolean;
  call: StoredInteraction['call'] | null;
}

interface EventRow {
  cid: string;
  seq: number | string;
  at: number | string;
  body: ConversationEvent;
}

interface SessionRow {
  token_hash: string;
  site: string;
  subject: Subject;
  created_at: number | string;
  expires_at: number | string;
}

const UNIQUE_VIOLATION = '23505';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function toEvent(row: EventRow): StoredEvent {
  return { cid: row.cid, seq: Number(row.seq), at: Number(row.at), ev: row.body };
}

/** What an append returns: the `seq` it took. */
interface AppendedRow {
  readonly seq: number | string;
}

// An append returns only the `seq` it took: the event is the one just written (as the memory storage answers), so
// the database need not print its JSON back nor this process parse it, once per message.
function appended(rows: readonly AppendedRow[], cid: string, at: number, ev: ConversationEvent): StoredEvent {
  const row = rows[0];
  if (!row) throw new Error(`appending to ${cid} returned no row`);
  return { cid, seq: Number(row.seq), at, ev };
}

function toInteraction(row: InteractionRow): StoredInteraction {
  return {
    interaction: row.interaction,
    snapshot: row.snapshot,
    open: row.is_open,
    ...(row.call ? { call: row.call } : {}),
  };
}

/** A record's columns in PUT_INTERACTION's order: its id, those every save sets, and the one only its first sets. */
function recordColumns({ interaction, snapshot, open, call }: StoredInteraction) {
  // The deadline of the state, beside the snapshot it comes from (migration 6): none once the record is closed.
  const due = open ? deadlineOf(interaction.channel, snapshot) : undefined;
  return {
    id: interaction.id,
    saved: [
      interaction.channel,
      interaction.state,
      open,
      interaction.customer.id,
      interaction.queueId,
      interaction.agentId ?? null,
      interaction.csat?.score ?? null,
      JSON.stringify(interaction),
      JSON.stringify(snapshot),
      Date.now(),
      due?.at ?? null,
      due?.kind ?? null,
      open && call ? JSON.stringify(call) : null,
    ],
    createdAt: interaction.timestamps.createdAt,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}

// The counter upsert and the insert are one statement, hence one transaction: the head row stays locked until
// the event is written, and a failed insert (a duplicate clientMsgId) rolls the counter back too.
const APPEND_EVENT = `
WITH head AS (
  INSERT INTO conversation_heads (cid, last_seq) VALUES ($1, 1)
  ON CONFLICT (cid) DO UPDATE SET last_seq = conversation_heads.last_seq + 1
  RETURNING last_seq
)
INSERT INTO events (cid, seq, at, type, client_msg_id, body)
SELECT $1, head.last_seq, $2, $3, $4, $5::jsonb FROM head
RETURNING seq`;

// The same, for a leader in cluster mode: the head is raised only once the fence ($6 lease, $7 epoch) passed, in
// the same statement, so an append costs no more round trips fenced than not.
const APPEND_EVENT_FENCED = `
WITH fence AS (SELECT helpline_fence($6, $7) AS held),
head AS (
  INSERT INTO conversation_heads (cid, last_seq) SELECT $1, 1 FROM fence
  ON CONFLICT (cid) DO UPDATE SET last_seq = conversation_heads.last_seq + 1
  RETURNING last_seq
)
INSERT INTO events (cid, seq, at, type, client_msg_id, body)
SELECT $1, head.last_seq, $2, $3, $4, $5::jsonb FROM head
RETURNING seq`;

const PUT_INTERACTION = `
INSERT INTO interactions
  (id, channel, state, is_open, customer_id, queue_id, agent_id, csat_score, interaction, snapshot, updated_at,
   due_at, due_kind, call, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14::jsonb, $15)
ON CONFLICT (id) DO UPDATE SET
  channel = EXCLUDED.channel, state = EXCLUDED.state, is_open = EXCLUDED.is_open,
  customer_id = EXCLUDED.customer_id, queue_id = EXCLUDED.queue_id, agent_id = EXCLUDED.agent_id,
  csat_score = EXCLUDED.csat_score, interaction = EXCLUDED.interaction, snapshot = EXCLUDED.snapshot,
  updated_at = EXCLUDED.updated_at, due_at = EXCLUDED.due_at, due_kind = EXCLUDED.due_kind, call = EXCLUDED.call`;

/**
 * One step of an interaction whose record and conversation exist, in one statement: the record locked in the state
 * the hub's copy took the step from, the conversation's head raised by the number of events ($3), the events
 * ($4: `[at, type, clientMsgId, event]` each) written after it, the record saved. One statement is one transaction
 * and one round trip, where the same step as a transaction takes five (`BEGIN`, the lock, the append, the record,
 * `COMMIT`), each a system call on both sides and a wake-up of the other process. Each write only happens
 * once the one before it found its row, so a record in another state, or a record or conversation not stored yet,
 * writes nothing and answers no row: the caller then takes the transaction, which tells these apart. Fenced
 * ($18 lease, $19 epoch), the record is locked only once the fence passed.
 */
function commitStepStatement(fenced: boolean): string {
  return `
WITH ${fenced ? 'fence AS (SELECT helpline_fence($18, $19) AS held),' : ''}
locked AS (
  SELECT interactions.id FROM interactions${fenced ? ', fence' : ''}
  WHERE interactions.id = $1 AND interactions.state = $2 FOR UPDATE OF interactions
),
head AS (
  UPDATE conversation_heads SET last_seq = last_seq + $3
  WHERE cid = $1 AND EXISTS (SELECT 1 FROM locked)
  RETURNING last_seq
),
appended AS (
  INSERT INTO events (cid, seq, at, type, client_msg_id, body)
  SELECT $1, head.last_seq - $3 + step.ord, (step.event->>0)::bigint, step.event->>1, step.event->>2, step.event->3
  FROM head, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS step(event, ord)
),
saved AS (
  UPDATE interactions SET
    channel = $5, state = $6, is_open = $7, customer_id = $8, queue_id = $9, agent_id = $10, csat_score = $11,
    interaction = $12::jsonb, snapshot = $13::jsonb, updated_at = $14, due_at = $15, due_kind = $16,
    call = $17::jsonb
  WHERE id = $1 AND EXISTS (SELECT 1 FROM head)
)
SELECT last_seq FROM head`;
}
const COMMIT_STEP = commitStepStatement(false);
const COMMIT_STEP_FENCED = commitStepStatement(true);

/** Conversations whose sent clientMsgIds this process keeps in memory (least recently used ones are dropped). */
const CLIENT_ID_CACHE = 20_000;

/** A {@link SqlStorage} over an already migrated client. */
export function createSqlStorage(client: SqlClient, options: SqlStorageOptions = {}): SqlStorage {
  const { fence } = options;
  /** One write of the hub's state: checked by the fence first, in one transaction with it, when there is one. */
  const write = <T>(work: (db: SqlQueryable) => Promise<T>): Promise<T> =>
    fence ? transaction(work) : work(client);
  /** A transaction, fenced when there is a fence: its check goes with `BEGIN`. */
  const transaction = <T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> =>
    fence
      ? underFence(fence, (epoch) =>
          client.transaction(work, { prelude: fenceStatement(fence.lease, epoch) }),
        )
      : client.transaction(work);
  // The hub asks "was this clientMsgId stored already?" before every send, and the answer is almost always no.
  // Knowing each active conversation's ids saves that query. The set is loaded from the database the first time a
  // conversation is touched (so it is right after a restart) and kept current on append. Another process writing
  // the same conversation is still safe: the unique index refuses its duplicate and appendEvent answers the
  // original event.
  const clientIds = new Map<string, Set<string>>();
  /** Keeps `ids` as the conversation's, the most recently used (the least recently used is dropped past the cap). */
  const rememberClientIds = (cid: string, ids: Set<string>) => {
    clientIds.delete(cid);
    if (clientIds.size >= CLIENT_ID_CACHE) clientIds.delete(clientIds.keys().next().value as string);
    clientIds.set(cid, ids);
  };
  const clientIdsOf = async (cid: string): Promise<Set<string>> => {
    let ids = clientIds.get(cid);
    if (!ids) {
      const rows = await client.query<{ client_msg_id: string }>(
        'SELECT client_msg_id FROM events WHERE cid = $1 AND client_msg_id IS NOT NULL',
        [cid],
      );
      ids = clientIds.get(cid) ?? new Set(rows.map((row) => row.client_msg_id));
    }
    rememberClientIds(cid, ids);
    return ids;
  };
  const messageByClientId = async (cid: string, clientMsgId: string) => {
    if (!(await clientIdsOf(cid)).has(clientMsgId)) return undefined;
    const rows = await client.query<EventRow>(
      'SELECT cid, seq, at, body FROM events WHERE cid = $1 AND client_msg_id = $2',
      [cid, clientMsgId],
    );
    return rows[0] ? toEvent(rows[0]) : undefined;
  };

  const putInteraction = async (db: SqlQueryable, record: StoredInteraction) => {
    const { id, saved, createdAt } = recordColumns(record);
    await db.query(PUT_INTERACTION, [id, ...saved, createdAt]);
  };

  /**
   * A step in one statement (COMMIT_STEP), when its record can be built before its events are placed and no check
   * but the record's state is asked for. `undefined` when it cannot be written so (see COMMIT_STEP), and nothing was.
   */
  const commitInOneStatement = async (
    cid: string,
    events: readonly PendingEvent[],
    recordOf: (stored: readonly StoredEvent[]) => StoredInteraction,
    options: CommitOptions,
  ): Promise<StoredEvent[] | undefined> => {
    const { expectState, holds, startRequest, channel } = options;
    const inOne = options.recordIgnoresSeqs === true && options.createsRecord !== true;
    if (!inOne || expectState === undefined || holds || startRequest || channel) return undefined;
    const { saved } = recordColumns(recordOf([]));
    const steps = JSON.stringify(
      events.map(({ at, ev }) => [at, ev.type, ev.type === 'message' ? ev.clientMsgId : null, ev]),
    );
    const params = [cid, expectState, events.length, steps, ...saved];
    const rows = fence
      ? await underFence(fence, (epoch) =>
          client.query<{ last_seq: number | string }>(COMMIT_STEP_FENCED, [...params, fence.lease, epoch]),
        )
      : await client.query<{ last_seq: number | string }>(COMMIT_STEP, params);
    const head = rows[0];
    if (!head) return undefined;
    const first = Number(head.last_seq) - events.length + 1;
    return events.map(({ at, ev }, index) => ({ cid, seq: first + index, at, ev }));
  };

  /**
   * What a step must find before it is stored (`CommitOptions`): its record still in the state the hub's copy took
   * it from, locked for the rest of the transaction; and, for a step that makes an agent hold it, room for the
   * agent by the records, counted under a lock on the agent so that two such steps count one after the other.
   */
  const checkCommit = async (tx: SqlQueryable, cid: string, options: CommitOptions) => {
    if (options.expectState !== undefined) {
      const [row] = await tx.query<{ state: string }>(
        'SELECT state FROM interactions WHERE id = $1 FOR UPDATE',
        [cid],
      );
      if (row && row.state !== options.expectState)
        throw helplineError('conflict/state', {
          operation: 'commit',
          entity: `interaction ${cid}`,
          state: row.state,
        });
    }
    const { holds } = options;
    if (holds) {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `helpline.agent:${holds.agentId}`,
      ]);
      const [row] = await tx.query<{ held: string | number }>(
        `SELECT count(*) AS held FROM interactions
         WHERE is_open AND agent_id = $1 AND channel = $2 AND state = ANY($3::text[]) AND id <> $4`,
        [holds.agentId, holds.channel, [...holds.states], cid],
      );
      if (Number(row?.held ?? 0) >= holds.capacity)
        throw helplineError('agent/capacity', { agent: holds.agentId, channel: holds.channel });
      const { blockedBy } = holds;
      if (blockedBy) {
        // Under the same lock: a call accepted for the agent at the same moment is counted before or after, never
        // beside, this step.
        const [blocking] = await tx.query<{ id: string }>(
          `SELECT id FROM interactions
           WHERE is_open AND agent_id = $1 AND channel = $2 AND state = ANY($3::text[]) AND id <> $4 LIMIT 1`,
          [holds.agentId, blockedBy.channel, [...blockedBy.states], cid],
        );
        if (blocking) throw helplineError('agent/capacity', { agent: holds.agentId, channel: holds.channel });
      }
    }
  };

  /** A step as a transaction: every check `options` asks for, then its writes. */
  const commitInTransaction: HubStorage['commit'] = (cid, events, recordOf, options = {}) =>
    transaction(async (tx) => {
      await checkCommit(tx, cid, options);
      const placed: StoredEvent[] = [];
      for (const { at, ev } of events) {
        const rows = await tx.query<AppendedRow>(APPEND_EVENT, [
          cid,
          at,
          ev.type,
          ev.type === 'message' ? ev.clientMsgId : null,
          JSON.stringify(ev),
        ]);
        placed.push(appended(rows, cid, at, ev));
      }
      await putInteraction(tx, recordOf(placed));
      const { startRequest, channel: keys } = options;
      if (startRequest) {
        await tx.query(
          'INSERT INTO start_requests (subject_id, request_id, cid, created_at) VALUES ($1, $2, $3, $4)',
          [startRequest.subjectId, startRequest.requestId, cid, Date.now()],
        );
      }
      if (keys?.threadKey !== undefined) {
        await tx.query(
          'INSERT INTO channel_threads (channel, thread_key, cid) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [keys.channel, keys.threadKey, cid],
        );
      }
      for (const { externalId, index } of keys?.externalIds ?? []) {
        const event = placed[index];
        if (!event) continue;
        await tx.query(
          'INSERT INTO channel_messages (channel, external_id, cid, seq) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [keys?.channel, externalId, cid, event.seq],
        );
      }
      return placed;
    });

  const storage: SqlStorage = {
    kind: client.kind,
    sql: client,

    async commit(cid, events, recordOf, options = {}) {
      const stored =
        (await commitInOneStatement(cid, events, recordOf, options)) ??
        (await commitInTransaction(cid, events, recordOf, options));
      // A conversation this commit began (its first event is seq 1) holds no earlier sends: its first message need
      // not ask the database (at full load, 10,000 chats' first messages all come within one interval).
      if (stored[0]?.seq === 1 && !clientIds.has(cid)) rememberClientIds(cid, new Set());
      for (const { ev } of stored) if (ev.type === 'message') clientIds.get(cid)?.add(ev.clientMsgId);
      return stored;
    },

    async threadOf(channel, threadKey) {
      const rows = await client.query<{ cid: string }>(
        'SELECT cid FROM channel_threads WHERE channel = $1 AND thread_key = $2',
        [channel, threadKey],
      );
      return rows[0]?.cid;
    },

    async emailLeg(cid) {
      const rows = await client.query<{
        address: string;
        thread_key: string;
        set_at: string | number;
        mailed_through: string | number;
        away_since: string | number | null;
        seen_through: string | number | null;
      }>(
        'SELECT address, thread_key, set_at, mailed_through, away_since, seen_through FROM email_legs WHERE cid = $1',
        [cid],
      );
      const row = rows[0];
      return row
        ? {
            cid,
            address: row.address,
            threadKey: row.thread_key,
            setAt: Number(row.set_at),
            mailedThrough: Number(row.mailed_through),
            awaySince: row.away_since === null ? undefined : Number(row.away_since),
            seenThrough: row.seen_through === null ? undefined : Number(row.seen_through),
          }
        : undefined;
    },

    async saveEmailLeg(leg) {
      await client.query(
        `INSERT INTO email_legs (cid, address, thread_key, set_at, mailed_through, away_since, seen_through)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (cid) DO UPDATE SET address = $2, thread_key = $3, set_at = $4, mailed_through = $5,
           away_since = $6, seen_through = $7`,
        [
          leg.cid,
          leg.address,
          leg.threadKey,
          leg.setAt,
          leg.mailedThrough,
          leg.awaySince ?? null,
          leg.seenThrough ?? null,
        ],
      );
    },

    async channelMessage(channel, externalId) {
      const rows = await client.query<{ cid: string; seq: number }>(
        'SELECT cid, seq FROM channel_messages WHERE channel = $1 AND external_id = $2',
        [channel, externalId],
      );
      const row = rows[0];
      return row ? { cid: row.cid, seq: Number(row.seq) } : undefined;
    },

    async startedBy(subjectId, requestId) {
      const rows = await client.query<{ cid: string }>(
        'SELECT cid FROM start_requests WHERE subject_id = $1 AND request_id = $2',
        [subjectId, requestId],
      );
      return rows[0]?.cid;
    },

    async putInteraction(record) {
      await write((db) => putInteraction(db, record));
    },

    async getInteraction(id) {
      const rows = await client.query<InteractionRow>(
        'SELECT interaction, snapshot, is_open, call FROM interactions WHERE id = $1',
        [id],
      );
      return rows[0] ? toInteraction(rows[0]) : undefined;
    },

    async openInteractions() {
      const rows = await client.query<InteractionRow>(
        'SELECT interaction, snapshot, is_open, call FROM interactions WHERE is_open ORDER BY created_at, id',
      );
      return rows.map(toInteraction);
    },

    async appendEvent(cid, at, ev) {
      const clientMsgId = ev.type === 'message' ? ev.clientMsgId : null;
      try {
        const params = [cid, at, ev.type, clientMsgId, JSON.stringify(ev)];
        const rows = await (fence
          ? underFence(fence, (epoch) =>
              client.query<AppendedRow>(APPEND_EVENT_FENCED, [...params, fence.lease, epoch]),
            )
          : client.query<AppendedRow>(APPEND_EVENT, params));
        const stored = appended(rows, cid, at, ev);
        if (clientMsgId !== null) clientIds.get(cid)?.add(clientMsgId);
        return stored;
      } catch (error) {
        // Another server process stored the same send first: its event is the one that counts.
        if (clientMsgId !== null && isUniqueViolation(error)) {
          clientIds.get(cid)?.add(clientMsgId);
          const original = await messageByClientId(cid, clientMsgId);
          if (original) return original;
        }
        throw error;
      }
    },

    async events(cid, afterSeq, limit) {
      const rows = await client.query<EventRow>(
        'SELECT cid, seq, at, body FROM events WHERE cid = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [cid, afterSeq, limit],
      );
      return rows.map(toEvent);
    },

    async lastSeq(cid) {
      const rows = await client.query<{ last_seq: number | string }>(
        'SELECT last_seq FROM conversation_heads WHERE cid = $1',
        [cid],
      );
      return rows[0] ? Number(rows[0].last_seq) : 0;
    },

    messageByClientId,

    async interactionsOfCustomer(customerId) {
      const rows = await client.query<InteractionRow>(
        'SELECT interaction, snapshot, is_open FROM interactions WHERE customer_id = $1 ORDER BY created_at, id',
        [customerId],
      );
      return rows.map((row) => row.interaction);
    },

    async interactionsSince(from) {
      const rows = await client.query<InteractionRow>(
        'SELECT interaction, snapshot, is_open FROM interactions WHERE created_at >= $1 ORDER BY created_at, id',
        [from],
      );
      return rows.map((row) => row.interaction);
    },

    async presenceSince(from) {
      const rows = await client.query<{ agent_id: string; status: PresenceStatus; at: number | string }>(
        'SELECT agent_id, status, at FROM presence_history WHERE at >= $1 ORDER BY at, id',
        [from],
      );
      return rows.map((row) => ({ agentId: row.agent_id, status: row.status, at: Number(row.at) }));
    },

    async recordPresence({ agentId, status, reason, at }) {
      await write((db) =>
        db.query('INSERT INTO presence_history (agent_id, status, reason, at) VALUES ($1, $2, $3, $4)', [
          agentId,
          status,
          reason ?? null,
          at,
        ]),
      );
    },

    async lastPresence() {
      const rows = await client.query<{
        agent_id: string;
        status: PresenceStatus;
        reason: string | null;
        at: number | string;
      }>(
        'SELECT DISTINCT ON (agent_id) agent_id, status, reason, at FROM presence_history ORDER BY agent_id, at DESC, id DESC',
      );
      return rows.map((row) => ({
        agentId: row.agent_id,
        status: row.status,
        ...(row.reason === null ? {} : { reason: row.reason }),
        at: Number(row.at),
      }));
    },

    async presenceHistory(agentId) {
      const rows = await client.query<{
        agent_id: string;
        status: string;
        reason: string | null;
        at: number | string;
      }>('SELECT agent_id, status, reason, at FROM presence_history WHERE agent_id = $1 ORDER BY at, id', [
        agentId,
      ]);
      return rows.map((row) => ({
        agentId: row.agent_id,
        status: row.status,
        ...(row.reason === null ? {} : { reason: row.reason }),
        at: Number(row.at),
      }));
    },

    async saveVisitorSession({ tokenHash, site, subject, createdAt, expiresAt }) {
      await client.query(
        `INSERT INTO visitor_sessions (token_hash, visitor_id, site, subject, created_at, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
        [tokenHash, subject.id, site, JSON.stringify(subject), createdAt, expiresAt],
      );
    },

    async findVisitorSession(tokenHash, now) {
      const rows = await client.query<SessionRow>(
        'SELECT token_hash, site, subject, created_at, expires_at FROM visitor_sessions WHERE token_hash = $1 AND expires_at > $2',
        [tokenHash, now],
      );
      const row = rows[0];
      return row
        ? {
            tokenHash: row.token_hash,
            site: row.site,
            subject: row.subject,
            createdAt: Number(row.created_at),
            expiresAt: Number(row.expires_at),
          }
        : undefined;
    },

    async pruneVisitorSessions(now) {
      const rows = await client.query<{ token_hash: string }>(
        'DELETE FROM visitor_sessions WHERE expires_at <= $1 RETURNING token_hash',
        [now],
      );
      return rows.length;
    },

    async saveResumeToken(token, subjectId, at) {
      await write((db) =>
        db.query('INSERT INTO resume_tokens (token_hash, subject_id, created_at) VALUES ($1, $2, $3)', [
          sha256(token),
          subjectId,
          at,
        ]),
      );
    },

    async findResumeToken(token, issuedSince = Number.NEGATIVE_INFINITY) {
      const rows = await client.query<{ subject_id: string; created_at: number | string }>(
        'SELECT subject_id, created_at FROM resume_tokens WHERE token_hash = $1',
        [sha256(token)],
      );
      const row = rows[0];
      return row && Number(row.created_at) >= issuedSince ? row.subject_id : undefined;
    },

    async takeResumeToken(token, issuedSince = Number.NEGATIVE_INFINITY) {
      const rows = await write((db) =>
        db.query<{ subject_id: string; created_at: number | string }>(
          'DELETE FROM resume_tokens WHERE token_hash = $1 RETURNING subject_id, created_at',
          [sha256(token)],
        ),
      );
      const row = rows[0];
      return row && Number(row.created_at) >= issuedSince ? row.subject_id : undefined;
    },

    async pruneResumeTokens(before) {
      const rows = await client.query<{ token_hash: string }>(
        'DELETE FROM resume_tokens WHERE created_at < $1 RETURNING token_hash',
        [before],
      );
      return rows.length;
    },

    async ping() {
      await client.query('SELECT 1');
    },

    close: () => client.close(),
  };
  return withOutagesAsUnavailable(storage);
}

/**
 * Every storage call that fails because the database is away (refused, lost, restarting) rejects with the typed,
 * retryable `unavailable` instead: the hub then changes nothing and the client retries after `retryAfterMs`.
 * Other failures pass unchanged (they are already a {@link DatabaseError} without the statement's data).
 */
function withOutagesAsUnavailable(storage: SqlStorage): SqlStorage {
  const guarded = { ...storage };
  for (const [name, value] of Object.entries(storage)) {
    if (typeof value !== 'function' || name === 'close') continue;
    const method = value as (...args: unknown[]) => Promise<unknown>;
    (guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (error) {
        throw unavailableFor(error) ?? error;
      }
    };
  }
  return guarded;
}
