import { type Channel, deadlineOf } from '@helpline/core';
import type { InteractionSnapshot } from '@helpline/core/hub';
import { CASE_TASKS_MIGRATION_SQL, CASES_MIGRATION_SQL } from '../cases/cases.migration';
import { ESCALATIONS_MIGRATION_SQL } from '../escalations/escalations.migration';
import { RECORDINGS_MIGRATION_SQL } from '../recordings/recordings.migration';
import { REPORT_SCHEDULES_MIGRATION_SQL, REPORTS_MIGRATION_SQL } from '../reports/reports.migration';
import { SUPERVISION_MIGRATION_SQL } from '../supervision/supervision.audit';
import type { SqlClient, SqlQueryable } from './sql.client';
import { FENCE_FUNCTION_SQL } from './storage.fence';

/** One schema change. Versions only grow; an applied migration is never edited, a new one is added. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Fills what SQL alone cannot work out for the rows already there, right after `sql`, in the same transaction. */
  readonly backfill?: (tx: SqlQueryable) => Promise<void>;
}

/**
 * Migration 14 (docs/customers.md). `interactions.customer_id` stays the contact's own key (visitors' ownership rests
 * on it); `customer_interactions` links each interaction to the customer record it resolved to, so merges and splits
 * move links, never rewrite interactions. Only verified identifiers are unique: two customers may both claim an
 * address nobody proved, and that is what a suggested merge is for.
 */
const CUSTOMERS_SQL = `
CREATE TABLE customers (
  id           text PRIMARY KEY,
  display_name text,
  created_at   bigint NOT NULL,
  merged_into  text REFERENCES customers (id),
  crm_id       text,
  crm_url      text
);
CREATE INDEX customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;
CREATE TABLE customer_identifiers (
  id          text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (id),
  kind        text NOT NULL CHECK (kind IN ('contact', 'web', 'email', 'phone', 'whatsapp', 'messenger', 'sms')),
  value       text NOT NULL,
  verified    boolean NOT NULL,
  source      text NOT NULL,
  created_at  bigint NOT NULL
);
CREATE UNIQUE INDEX customer_identifiers_verified ON customer_identifiers (kind, value) WHERE verified;
CREATE UNIQUE INDEX customer_identifiers_own ON customer_identifiers (customer_id, kind, value);
-- Prefix search of emails and phone numbers, and finding who else claims an identifier.
CREATE INDEX customer_identifiers_value ON customer_identifiers (kind, value text_pattern_ops);
-- Lower-cased words of names, searched by prefix.
CREATE TABLE customer_terms (
  customer_id text NOT NULL REFERENCES customers (id),
  term        text NOT NULL
);
CREATE INDEX customer_terms_term ON customer_terms (term text_pattern_ops);
CREATE INDEX customer_terms_customer ON customer_terms (customer_id);
CREATE TABLE customer_interactions (
  interaction_id text PRIMARY KEY,
  customer_id    text NOT NULL REFERENCES customers (id),
  linked_at      bigint NOT NULL
);
CREATE INDEX customer_interactions_customer ON customer_interactions (customer_id);
CREATE TABLE customer_suggestions (
  id          text PRIMARY KEY,
  customer_a  text NOT NULL REFERENCES customers (id),
  customer_b  text NOT NULL REFERENCES customers (id),
  reason      text NOT NULL,
  created_at  bigint NOT NULL,
  status      text NOT NULL CHECK (status IN ('open', 'accepted', 'dismissed', 'superseded')),
  decided_by  text,
  decided_at  bigint
);
-- One decision per pair: an open suggestion, or the dismissal that keeps it from coming back.
CREATE UNIQUE INDEX customer_suggestions_pair ON customer_suggestions (LEAST(customer_a, customer_b), GREATEST(customer_a, customer_b))
  WHERE status IN ('open', 'dismissed');
CREATE INDEX customer_suggestions_open ON customer_suggestions (created_at) WHERE status = 'open';
CREATE TABLE customer_audit (
  seq          bigserial PRIMARY KEY,
  at           bigint NOT NULL,
  actor_id     text NOT NULL,
  actor_role   text NOT NULL,
  action       text NOT NULL,
  customer_id  text NOT NULL,
  other_id     text,
  identifiers  jsonb NOT NULL,
  interactions jsonb NOT NULL,
  reason       text
);
CREATE INDEX customer_audit_customer ON customer_audit (customer_id, seq);
CREATE INDEX customer_audit_other ON customer_audit (other_id, seq) WHERE other_id IS NOT NULL;

-- The history already there: one customer per contact key, each interaction linked to it. Email keys come from a From
-- header and tel_ keys from a caller id, so those are unverified (the same rule as storedContactIdentity in core).
INSERT INTO customers (id, display_name, created_at)
  SELECT 'cu_' || md5(customer_id), max(interaction -> 'customer' ->> 'name'), min(created_at)
  FROM interactions GROUP BY customer_id;
INSERT INTO customer_identifiers (id, customer_id, kind, value, verified, source, created_at)
  SELECT 'ci_' || md5(customer_id), 'cu_' || md5(customer_id), 'contact', customer_id,
         NOT (customer_id LIKE 'email:%' OR customer_id LIKE 'tel\\_%'), 'backfill', min(created_at)
  FROM interactions GROUP BY customer_id;
INSERT INTO customer_terms (customer_id, term)
  SELECT DISTINCT id, word FROM customers, regexp_split_to_table(lower(coalesce(display_name, '')), '\\s+') AS word
  WHERE word <> '';
INSERT INTO customer_interactions (interaction_id, customer_id, linked_at)
  SELECT id, 'cu_' || md5(customer_id), created_at FROM interactions;
`;

/** The do-not-call list supervisors keep (numbers in E.164), and every change to it, kept for good. */
const DO_NOT_CALL_SQL = `
CREATE TABLE do_not_call (
  number   text PRIMARY KEY,
  reason   text,
  added_by text NOT NULL,
  added_at bigint NOT NULL
);
CREATE TABLE do_not_call_audit (
  id     bigserial PRIMARY KEY,
  number text NOT NULL,
  action text NOT NULL CHECK (action IN ('added', 'removed')),
  actor  text NOT NULL,
  reason text,
  at     bigint NOT NULL
);
CREATE INDEX do_not_call_audit_number ON do_not_call_audit (number, at);
`;

/**
 * The one set of migrations, for PGlite and PostgreSQL alike. Epoch milliseconds are `bigint`; whole records
 * (interaction, machine snapshot, event) are `jsonb` next to the columns that queries and reports filter on.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations, events, presence history, visitor sessions',
    sql: `
CREATE TABLE interactions (
  id          text PRIMARY KEY,
  channel     text NOT NULL,
  state       text NOT NULL,
  is_open     boolean NOT NULL,
  customer_id text NOT NULL,
  queue_id    text NOT NULL,
  agent_id    text,
  csat_score  smallint,
  interaction jsonb NOT NULL,
  snapshot    jsonb NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
CREATE INDEX interactions_open ON interactions (is_open) WHERE is_open;
CREATE INDEX interactions_customer ON interactions (customer_id, created_at);

-- One counter row per conversation: the upsert that bumps it also locks it, so seq stays gap-free even with
-- several server processes on one PostgreSQL, and a failed insert rolls the counter back with it.
CREATE TABLE conversation_heads (
  cid      text PRIMARY KEY,
  last_seq bigint NOT NULL
);

CREATE TABLE events (
  cid           text NOT NULL,
  seq           bigint NOT NULL,
  at            bigint NOT NULL,
  type          text NOT NULL,
  client_msg_id text,
  body          jsonb NOT NULL,
  PRIMARY KEY (cid, seq)
);
CREATE UNIQUE INDEX events_client_msg_id ON events (cid, client_msg_id) WHERE client_msg_id IS NOT NULL;

CREATE TABLE presence_history (
  id       bigserial PRIMARY KEY,
  agent_id text NOT NULL,
  status   text NOT NULL,
  reason   text,
  at       bigint NOT NULL
);
CREATE INDEX presence_history_agent ON presence_history (agent_id, at);

-- Anonymous and host-vouched visitors: only a hash of the token is kept.
CREATE TABLE visitor_sessions (
  token_hash text PRIMARY KEY,
  visitor_id text NOT NULL,
  site       text NOT NULL,
  subject    jsonb NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX visitor_sessions_expiry ON visitor_sessions (expires_at);
`,
  },
  {
    version: 2,
    name: 'resume tokens that survive a restart',
    sql: `
-- Single-use resume tokens (hashed): a client that was welcomed before a restart can still resume after it.
CREATE TABLE resume_tokens (
  token_hash text PRIMARY KEY,
  subject_id text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX resume_tokens_created ON resume_tokens (created_at);
`,
  },
  {
    version: 3,
    name: 'reporting reads by time',
    sql: `
-- After a restart the hub rebuilds today's live KPIs from the interactions and presence changes of the last day.
CREATE INDEX interactions_created ON interactions (created_at);
CREATE INDEX presence_history_at ON presence_history (at);
`,
  },
  {
    version: 4,
    name: 'conversation-starting requests kept durably',
    sql: `
-- A client that retries chat.start (or callback.request, offline.leave) after a lost ack, even across a restart,
-- gets the conversation its first attempt created. Written in the same transaction as that conversation.
CREATE TABLE start_requests (
  subject_id text NOT NULL,
  request_id text NOT NULL,
  cid        text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (subject_id, request_id)
);
CREATE INDEX start_requests_created ON start_requests (created_at);
`,
  },
  {
    version: 5,
    name: 'cluster mode: leases, bus payloads, instances',
    sql: `
-- Cluster mode (docs/cluster.md). Times here come from the database's clock, the one clock every instance shares.
-- A lease (the routing leader): a session advisory lock says who holds it; the epoch, raised by each winner, lets a
-- leader's transaction check that it still leads, so a former leader that wakes up cannot write.
CREATE TABLE helpline_leases (
  name  text PRIMARY KEY,
  epoch bigint NOT NULL
);
-- Bus messages too large for one NOTIFY (under 8000 bytes): the notification carries the id. Swept after a minute.
CREATE TABLE cluster_payloads (
  id         text PRIMARY KEY,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_payloads_created ON cluster_payloads (created_at);
-- The instances serving this database: alive while their heartbeat is recent; draining ones take no new sockets.
CREATE TABLE instances (
  id           text PRIMARY KEY,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  draining     boolean NOT NULL DEFAULT false
);
`,
  },
  {
    version: 6,
    name: 'interaction deadlines as columns',
    sql: `
-- The deadline an interaction waits for in its state, as its machine's table declares it (deadlineOf in core): an
-- offer's expiry, a callback's slot or retry, a timed wrap-up's end. Written with every change of the record, so an
-- operator or a report can ask what is due or overdue; the hub re-arms deadlines from the snapshot itself.
ALTER TABLE interactions ADD COLUMN due_at bigint, ADD COLUMN due_kind text;
CREATE INDEX interactions_due ON interactions (due_at) WHERE due_at IS NOT NULL;
`,
    // The open interactions already stored get their deadline from the same declaration the writes use.
    async backfill(tx) {
      const rows = await tx.query<{ id: string; channel: Channel; snapshot: InteractionSnapshot }>(
        'SELECT id, channel, snapshot FROM interactions WHERE is_open',
      );
      for (const row of rows) {
        const due = deadlineOf(row.channel, row.snapshot);
        if (!due) continue;
        await tx.query('UPDATE interactions SET due_at = $2, due_kind = $3 WHERE id = $1', [
          row.id,
          due.at,
          due.kind,
        ]);
      }
    },
  },
  {
    version: 7,
    name: 'messaging channels: thread keys and providers message ids',
    sql: `
-- The conversation of each messaging thread (an email thread's root Message-ID or reply token; a customer and our
-- number), so a customer's next message joins it after a restart; the first one kept wins.
CREATE TABLE channel_threads (
  channel    text NOT NULL,
  thread_key text NOT NULL,
  cid        text NOT NULL,
  PRIMARY KEY (channel, thread_key)
);
-- Providers' ids of conversation events (an email's Message-ID, Vonage's message_uuid): a customer's message, or the
-- receipt of one we sent, whose later statuses name it.
CREATE TABLE channel_messages (
  channel     text NOT NULL,
  external_id text NOT NULL,
  cid         text NOT NULL,
  seq         integer NOT NULL,
  PRIMARY KEY (channel, external_id)
);
`,
  },
  {
    version: 8,
    name: 'attachments and their bytes',
    sql: `
-- One uploaded file: who uploaded it to which conversation, what the sender declared (name, size, type) and, once
-- complete, what the server found (the sniffed type, sha256, image size). received counts the bytes stored so far:
-- an interrupted upload continues from there. A message that sends it binds it (client_msg_id) for good.
CREATE TABLE attachments (
  id            text PRIMARY KEY,
  cid           text NOT NULL,
  uploader_id   text NOT NULL,
  site          text,
  name          text NOT NULL,
  declared_type text NOT NULL,
  size          bigint NOT NULL,
  received      bigint NOT NULL DEFAULT 0,
  status        text NOT NULL CHECK (status IN ('uploading', 'complete')),
  type          text,
  sha256        text,
  width         integer,
  height        integer,
  client_msg_id text,
  created_at    bigint NOT NULL,
  completed_at  bigint
);
CREATE INDEX attachments_cid ON attachments (cid);
-- Uploads never sent are pruned after a while.
CREATE INDEX attachments_unbound ON attachments (created_at) WHERE client_msg_id IS NULL;
-- The bytes, when the database keeps them (the PostgreSQL store): one row per piece, by its first byte's offset.
CREATE TABLE attachment_chunks (
  attachment_id text NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
  start_byte    bigint NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (attachment_id, start_byte)
);
`,
  },
  {
    version: 9,
    name: 'email mailbox cursors and message threads',
    sql: `
-- Where each mailbox's folder was last read to: IMAP's UIDVALIDITY and the last UID taken in. A message is taken in
-- (its thread row written) before the cursor moves past it, so a restart or a cut connection reads from here again
-- and the message-id row below makes a second read of the same message a no-op.
CREATE TABLE email_cursors (
  mailbox      text NOT NULL,
  folder       text NOT NULL,
  uid_validity bigint NOT NULL,
  last_uid     bigint NOT NULL,
  updated_at   bigint NOT NULL,
  PRIMARY KEY (mailbox, folder)
);
-- One email conversation: the reply token in its address (support+<token>@…) finds it when headers were lost.
CREATE TABLE email_threads (
  thread_id        text PRIMARY KEY,
  reply_token      text NOT NULL UNIQUE,
  mailbox          text NOT NULL,
  customer_address text NOT NULL,
  subject          text NOT NULL,
  conversation_id  text,
  created_at       bigint NOT NULL
);
-- Every message of a thread, in and out, by its Message-ID (without angle brackets): threading by In-Reply-To and
-- References, duplicates across IMAP and the SMTP ingress, and a bounce marking the reply it returns as failed.
CREATE TABLE email_messages (
  message_id text PRIMARY KEY,
  thread_id  text NOT NULL REFERENCES email_threads (thread_id),
  direction  text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status     text NOT NULL CHECK (status IN ('received', 'sent', 'failed', 'ignored')),
  created_at bigint NOT NULL
);
CREATE INDEX email_messages_thread ON email_messages (thread_id);
`,
  },
  {
    version: 10,
    name: 'messaging inbox, threads and outbound messages (Vonage Messages API)',
    sql: `
-- Every webhook the Messages API delivered (inbound messages, and each status of a message), once: Vonage retries a
-- webhook it thinks failed, and a retry finds its row. handled_at is set when the hub has it, so a webhook whose
-- handling was cut short (a restart) is handled again when Vonage retries it, and only then.
CREATE TABLE messaging_inbox (
  message_uuid text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('message', 'status')),
  status       text NOT NULL DEFAULT '',
  channel      text NOT NULL,
  body         jsonb NOT NULL,
  received_at  bigint NOT NULL,
  handled_at   bigint,
  PRIMARY KEY (message_uuid, kind, status)
);
CREATE INDEX messaging_inbox_unhandled ON messaging_inbox (received_at) WHERE handled_at IS NULL;
-- One row per conversation thread (channel, our sender, the customer): when the customer last wrote (WhatsApp's
-- 24-hour window), the conversation it feeds and its queue (templates and ownership checks).
CREATE TABLE messaging_threads (
  thread_key      text PRIMARY KEY,
  channel         text NOT NULL,
  sender          text NOT NULL,
  customer        text NOT NULL,
  cid             text,
  queue_id        text NOT NULL,
  last_inbound_at bigint
);
CREATE INDEX messaging_threads_cid ON messaging_threads (cid);
-- What we sent, by our id (a retried send goes out once), with Vonage's id for its statuses. A send Vonage refused is
-- kept with its error: the receipt says failed, nothing the agent wrote is lost.
CREATE TABLE messaging_outbound (
  id          text PRIMARY KEY,
  external_id text UNIQUE,
  channel     text NOT NULL,
  sender      text NOT NULL,
  recipient   text NOT NULL,
  content     jsonb NOT NULL,
  receipt     text NOT NULL,
  error       jsonb,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
`,
  },
  {
    version: 11,
    name: 'cluster mode: the lease fence as a function',
    sql: FENCE_FUNCTION_SQL,
  },
  {
    version: 12,
    name: 'cluster mode: direct links between instances',
    sql: `
-- Where each instance takes direct links from the others (docs/cluster.md, "Peer links"), and the key that signs
-- their handshakes: made by the first instance that needs it, read by every other. Whoever can read this table can
-- already write every conversation.
ALTER TABLE instances ADD COLUMN peer_url text;
CREATE TABLE cluster_keys (
  name       text PRIMARY KEY,
  key        bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 14,
    name: 'customers: records, identifiers, links of interactions, suggested merges, audit trail',
    sql: CUSTOMERS_SQL,
  },
  {
    version: 15,
    name: 'continue by email: the email leg of a chat',
    sql: `
-- The address a chat's visitor gave for replies by email (docs/widget.md, "Continue by email"): unverified, a
-- delivery address of this one chat, never an identifier of a customer. mailed_through is the last seq mailed.
CREATE TABLE email_legs (
  cid            text PRIMARY KEY,
  address        text NOT NULL,
  thread_key     text NOT NULL,
  set_at         bigint NOT NULL,
  mailed_through bigint NOT NULL DEFAULT 0
);
`,
  },
  {
    version: 18,
    name: 'click-to-dial: the do-not-call list and its audit trail',
    sql: DO_NOT_CALL_SQL,
  },
  {
    version: 19,
    name: 'cases: tickets, their links to interactions, internal notes and audit trail',
    sql: CASES_MIGRATION_SQL,
  },
  {
    version: 20,
    name: 'reports: the milestones of interactions as columns',
    sql: REPORTS_MIGRATION_SQL,
  },
  {
    version: 21,
    name: 'continue by email: when the visitor left, kept for restarts and takeovers',
    sql: `
-- away_since is when the visitor's last socket went (NULL while they are here) and seen_through the last seq they
-- could see then: the leader arms the grace period from them after a restart or a takeover. IF NOT EXISTS: a
-- development build once put both columns into migration 15 itself.
ALTER TABLE email_legs ADD COLUMN IF NOT EXISTS away_since bigint;
ALTER TABLE email_legs ADD COLUMN IF NOT EXISTS seen_through bigint;
`,
  },
  {
    version: 22,
    name: 'call recordings: segments, their chunks and retention, and the audit of start, pause and resume',
    sql: RECORDINGS_MIGRATION_SQL,
  },
  {
    version: 23,
    name: 'supervision: the audit log of supervisor legs (start, mode, note, end)',
    sql: SUPERVISION_MIGRATION_SQL,
  },
  {
    version: 26,
    name: 'case follow-up tasks: reminders and callbacks scheduled from a case',
    sql: CASE_TASKS_MIGRATION_SQL,
  },
  {
    version: 27,
    name: 'escalations to team leaders: who, what, why, outcome and times; the private thread and the audit trail',
    sql: ESCALATIONS_MIGRATION_SQL,
  },
  {
    version: 28,
    name: 'scheduled reports: the last period each schedule was mailed for',
    sql: REPORT_SCHEDULES_MIGRATION_SQL,
  },
  {
    version: 29,
    name: 'the live browser call of an interaction, beside its record, so a new leader or a restart carries it on',
    // Written with every step of the record; NULL while the interaction has no call a hub can take back.
    sql: 'ALTER TABLE interactions ADD COLUMN call jsonb;',
  },
  {
    version: 30,
    name: "an agent's open interactions by channel, for the capacity count of every accept and dial",
    // Without it each accept scanned every open interaction of the deployment under the agent's lock.
    sql: 'CREATE INDEX interactions_open_agent ON interactions (agent_id, channel) WHERE is_open;',
  },
  {
    version: 31,
    name: "the Vonage gateway's calls: their legs and where each stands, so a new leader or a restart carries them on",
    // One row per call, named by its Vonage conversation; deleted once the gateway lets the call go.
    sql: `CREATE TABLE vonage_calls (
  conversation text PRIMARY KEY,
  cid          text,
  record       jsonb NOT NULL,
  updated_at   bigint NOT NULL
);`,
  },
];

// Any constant works; it only has to be the same for every Helpline process sharing a database.
const MIGRATION_LOCK = 0x48_45_4c_50;

/**
 * Applies the migrations that are not applied yet, in one transaction under an advisory lock (two servers
 * starting at once do not race), and records each in `helpline_migrations`. Returns the versions applied now.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS helpline_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM helpline_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      throw new Error(
        `the database is at schema version ${newest}, newer than this server knows (${known}): upgrade the server`,
      );
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await migration.backfill?.(tx);
      await tx.query('INSERT INTO helpline_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
