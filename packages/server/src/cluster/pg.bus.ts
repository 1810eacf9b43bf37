import { createHash, randomUUID } from 'node:crypto';
import {
  type ClusterAddressees,
  type ClusterBus,
  type ClusterMessage,
  type ClusterTopics,
  callEach,
  isAddressedTo,
  type ReportClusterFailure,
  reportToConsole,
} from '@helpline/core/cluster';
import { openPostgres, type SqlQueryable } from '../storage/sql.client';
import { type DirectSession, openDirectSession } from './direct.session';

/** Options of {@link createPgBus}. */
export interface PgBusOptions {
  /** A direct URL to PostgreSQL for the listener: LISTEN does not survive PgBouncer in transaction mode. */
  readonly directUrl: string;
  /** This instance's id: the `origin` of what it publishes. */
  readonly instanceId: string;
  /** The schema of Helpline's tables (`cluster_payloads`); the server's default when absent. */
  readonly schema?: string;
  /** The NOTIFY channel; default `helpline_bus`, and `helpline_bus_<schema>` with a schema (channels are per database). */
  readonly channel?: string;
  /**
   * Where notifications are sent and large payloads written and read, e.g. the server's pool (a pooler is fine
   * here). Default: a pool of two connections of its own on `directUrl`, closed with the bus.
   */
  readonly queries?: SqlQueryable;
  /** How often the listener pings its session; it reconnects when a ping goes unanswered this long. Default 5 s. */
  readonly heartbeatMs?: number;
  /** Where failures nobody awaits go (a lost listener, a send that failed, a handler that threw). Default: the console. */
  readonly reportFailure?: ReportClusterFailure;
}

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; a notification stays under this. */
export const NOTIFY_LIMIT_BYTES = 7_500;
/** How long a large payload waits in `cluster_payloads` for every instance to read it. */
const PAYLOAD_TTL = '1 minute';
const SWEEP_MS = 30_000;
const DEFAULT_HEARTBEAT_MS = 5_000;
/** Reconnect back-off of the listener, with full jitter: 100 ms doubling up to 5 s. */
const RECONNECT_INITIAL_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

// A notification is one batch: `{"o":origin,"n":batch number,"m":[entry…]}`. An entry is a message
// `{"k":kind,"p":payload,"t":addressees}` or, for one too large to travel inline, a reference to its row in
// `cluster_payloads`, `{"r":id,"i":instances}`. The batch number makes each notification unique: PostgreSQL folds
// identical notifications of one transaction into one.

interface InlineEntry {
  readonly k: string;
  readonly p: unknown;
  readonly t?: ClusterAddressees;
}
interface RefEntry {
  readonly r: string;
  readonly i?: readonly string[];
}
type Entry = InlineEntry | RefEntry;
interface Batch {
  readonly o: string;
  readonly m: readonly Entry[];
}

interface Outgoing {
  readonly kind: string;
  readonly payload: unknown;
  readonly to: ClusterAddressees;
}

function isBatch(value: unknown): value is Batch {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Batch).o === 'string' &&
    Array.isArray((value as Batch).m)
  );
}

function isInline(entry: Entry): entry is InlineEntry {
  return typeof (entry as InlineEntry).k === 'string';
}

function hasAddressees(to: ClusterAddressees): boolean {
  return Object.values(to).some((list) => list !== undefined);
}

/**
 * A {@link ClusterBus} on PostgreSQL LISTEN/NOTIFY.
 *
 * - **Sending**: what is published in one turn of the event loop goes out together, as few notifications as fit
 *   (each under {@link NOTIFY_LIMIT_BYTES}), in one statement, never inside the caller's transaction (NOTIFY takes a
 *   database-wide lock at commit). While one send is in flight the next batch gathers. A message too large for a
 *   notification (an SDP offer can reach 16 KB) is written to `cluster_payloads` first and the notification
 *   carries its id; rows are swept after a minute.
 * - **Receiving**: one direct session listens, on the shared channel and on the instance's own: a message addressed
 *   to one instance alone goes on that instance's channel, so the others never read it (a cluster's relay is all
 *   such messages). Batches are delivered in the order they arrive, a batch with large payloads after they are read
 *   back; one origin's messages for an instance stay in the order published, on either channel.
 * - **Failures**: the listener pings its session every `heartbeatMs` (the server also ends it after three times
 *   that without a ping, so a vanished instance's queue goes). A broken or silent session reconnects with back-off,
 *   then `onReconnect` handlers run so the instance repairs from the log what it may have missed. A send that fails
 *   is reported and dropped: the log has it. A large payload that cannot be read back is reported and counts as a
 *   missed message (`onReconnect` handlers run).
 *
 * Resolves once the listener listens. Needs the `cluster_payloads` table (migration 5) and PostgreSQL 14 or newer.
 *
 * @example
 * ```ts
 * const bus = await createPgBus<Topics>({ directUrl, instanceId, queries: sql });
 * bus.subscribe((message) => fanOut(message));
 * bus.onReconnect(() => repairFromLog());
 * await sql.transaction(append);
 * bus.publish('conversation.appended', { cid, seq }, { subjects });
 * ```
 */
export async function createPgBus<Topics extends ClusterTopics>(
  options: PgBusOptions,
): Promise<ClusterBus<Topics>> {
  const { instanceId, schema } = options;
  const channel = options.channel ?? (schema === undefined ? 'helpline_bus' : `helpline_bus_${schema}`);
  if (!CHANNEL.test(channel)) {
    throw new Error(`bus channel "${channel}" must be a lower-case SQL identifier of at most 63 characters`);
  }
  /** The channel of messages for `instance` alone: named after the shared one and the instance, hashed to fit. */
  const channelOf = (instance: string) =>
    `helpline_bus_i_${createHash('sha256').update(`${channel}\0${instance}`).digest('hex').slice(0, 32)}`;
  const ownChannel = channelOf(instanceId);
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const report = options.reportFailure ?? reportToConsole;
  const ownPool =
    options.queries === undefined
      ? await openPostgres(options.directUrl, { schema, maxConnections: 2 })
      : undefined;
  const queries = options.queries ?? (ownPool as SqlQueryable);

  const handlers = new Set<(message: ClusterMessage<Topics>) => void>();
  const reconnectHandlers = new Set<() => void>();
  let closed = false;
  let listener: DirectSession | undefined;
  let reconnectAttempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;

  // --- sending ---

  let outgoing: Outgoing[] = [];
  let batchNumber = 0;
  let sending: Promise<void> = Promise.resolve();
  let sendScheduled = false;

  const origin = JSON.stringify(instanceId);
  const envelope = (entries: readonly string[]) =>
    `{"o":${origin},"n":${++batchNumber},"m":[${entries.join(',')}]}`;
  // The batch number's digits included.
  const envelopeBytes = Buffer.byteLength(`{"o":${origin},"n":,"m":[]}`) + 16;

  async function send(): Promise<void> {
    const messages = outgoing;
    outgoing = [];
    if (messages.length === 0) return;
    try {
      await sendNow(messages);
    } catch (error) {
      report('bus publish', error);
    }
  }

  async function sendNow(messages: readonly Outgoing[]): Promise<void> {
    const large: { id: string; body: string }[] = [];
    // Notifications in the order they go out. A message for one instance goes on that instance's own channel, so
    // the others never read it; one for every instance (or several) on the shared one. Messages for different
    // instances may be regrouped among themselves, never across a message on the shared channel, so each listener
    // sees one origin's messages in the order they were published.
    const notifications: { channel: string; entries: string[]; bytes: number }[] = [];
    const open = new Map<string, { channel: string; entries: string[]; bytes: number }>();
    for (const { kind, payload, to } of messages) {
      let entry = JSON.stringify({ k: kind, p: payload, ...(hasAddressees(to) ? { t: to } : {}) });
      if (Buffer.byteLength(entry) + envelopeBytes > NOTIFY_LIMIT_BYTES) {
        const id = randomUUID();
        large.push({ id, body: entry });
        entry = JSON.stringify({ r: id, ...(to.instances ? { i: to.instances } : {}) });
      }
      const only = to.instances?.length === 1 ? to.instances[0] : undefined;
      const target = only === undefined ? channel : channelOf(only);
      if (target === channel) {
        if (!open.has(channel)) open.clear();
      } else open.delete(channel);
      const size = Buffer.byteLength(entry) + 1;
      let notification = open.get(target);
      if (
        !notification ||
        (notification.entries.length > 0 && notification.bytes + size > NOTIFY_LIMIT_BYTES)
      ) {
        notification = { channel: target, entries: [], bytes: envelopeBytes };
        notifications.push(notification);
        open.set(target, notification);
      }
      notification.entries.push(entry);
      notification.bytes += size;
    }
    if (large.length > 0) {
      await queries.query(
        'INSERT INTO cluster_payloads (id, body) SELECT * FROM unnest($1::text[], $2::text[])',
        [large.map((row) => row.id), large.map((row) => row.body)],
      );
    }
    // One statement, one commit: the notifications arrive together and in this order.
    await queries.query(
      `SELECT pg_notify(batch.channel, batch.payload)
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS batch (channel, payload, n) ORDER BY batch.n`,
      [notifications.map((n) => n.channel), notifications.map((n) => envelope(n.entries))],
    );
  }

  const flush = () => {
    sending = sending.then(send);
    return sending;
  };

  // --- receiving ---

  let receiving: Promise<void> = Promise.resolve();

  function deliver(entry: InlineEntry, origin: string) {
    const to = entry.t ?? {};
    if (!isAddressedTo(to, instanceId)) return;
    const message = { kind: entry.k, payload: entry.p, to, origin } as ClusterMessage<Topics>;
    callEach(handlers, message, `bus handler of ${entry.k}`, report);
  }

  function missed(what: string, error: unknown) {
    report(what, error);
    callEach(reconnectHandlers, undefined, 'bus reconnect handler', report);
  }

  async function receive(text: string): Promise<void> {
    let batch: unknown;
    try {
      batch = JSON.parse(text);
    } catch {
      batch = undefined;
    }
    if (!isBatch(batch)) {
      report('bus receive', new Error(`a notification on ${channel} that is not a Helpline batch`));
      return;
    }
    const refs = batch.m.filter(
      (entry): entry is RefEntry => !isInline(entry) && isAddressedTo({ instances: entry.i }, instanceId),
    );
    const bodies = new Map<string, string>();
    let unread: unknown;
    if (refs.length > 0) {
      try {
        const rows = await queries.query<{ id: string; body: string }>(
          'SELECT id, body FROM cluster_payloads WHERE id = ANY($1::text[])',
          [refs.map((ref) => ref.r)],
        );
        for (const row of rows) bodies.set(row.id, row.body);
      } catch (error) {
        unread = error;
      }
    }
    if (closed) return;
    for (const entry of batch.m) {
      if (isInline(entry)) {
        deliver(entry, batch.o);
        continue;
      }
      if (!refs.includes(entry)) continue;
      const body = bodies.get(entry.r);
      if (body === undefined)
        unread ??= new Error(`large payload ${entry.r} is gone (swept, or never written)`);
      else deliver(JSON.parse(body) as InlineEntry, batch.o);
    }
    if (unread !== undefined) missed('bus read of large payloads', unread);
  }

  // --- the listener ---

  function scheduleHeartbeat(session: DirectSession) {
    heartbeatTimer = setTimeout(async () => {
      try {
        await session.query('SELECT 1', [], heartbeatMs);
      } catch {
        // The session's onLost has already started a reconnect.
        return;
      }
      if (session === listener) scheduleHeartbeat(session);
    }, heartbeatMs);
  }

  async function listen(): Promise<void> {
    const opening: { session?: DirectSession } = {};
    opening.session = await openDirectSession({
      url: options.directUrl,
      applicationName: `helpline bus ${instanceId}`,
      idleSessionTimeoutMs: heartbeatMs * 3,
      onLost: (error) => {
        if (opening.session === undefined || opening.session !== listener) return;
        listener = undefined;
        clearTimeout(heartbeatTimer);
        report('bus listener', error);
        scheduleReconnect();
      },
      onNotification: (payload) => {
        if (closed) return;
        receiving = receiving
          .then(() => receive(payload))
          .catch((error: unknown) => report('bus receive', error));
      },
    });
    try {
      await opening.session.query(`LISTEN ${channel}`);
      await opening.session.query(`LISTEN ${ownChannel}`);
    } catch (error) {
      await opening.session.end();
      throw error;
    }
    listener = opening.session;
    scheduleHeartbeat(listener);
  }

  function scheduleReconnect() {
    if (closed || reconnectTimer !== undefined) return;
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.min(reconnectAttempt, 20));
    reconnectAttempt++;
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = undefined;
      try {
        await listen();
      } catch (error) {
        report('bus listener reconnect', error);
        scheduleReconnect();
        return;
      }
      if (closed) {
        await listener?.end();
        return;
      }
      reconnectAttempt = 0;
      callEach(reconnectHandlers, undefined, 'bus reconnect handler', report);
    }, Math.random() * ceiling);
  }

  try {
    await listen();
  } catch (error) {
    await ownPool?.close();
    throw error;
  }

  const sweeper = setInterval(() => {
    queries
      .query(`DELETE FROM cluster_payloads WHERE created_at < now() - interval '${PAYLOAD_TTL}'`)
      .catch((error: unknown) => report('bus sweep of large payloads', error));
  }, SWEEP_MS);
  sweeper.unref();

  return {
    instanceId,
    get connected() {
      return listener !== undefined;
    },
    publish(kind, payload, to = {}) {
      if (closed) return;
      outgoing.push({ kind, payload, to });
      if (sendScheduled) return;
      sendScheduled = true;
      queueMicrotask(() => {
        sendScheduled = false;
        void flush();
      });
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => reconnectHandlers.delete(handler);
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      clearInterval(sweeper);
      clearTimeout(reconnectTimer);
      clearTimeout(heartbeatTimer);
      const ending = listener;
      listener = undefined;
      await ending?.end();
      await receiving;
      await ownPool?.close();
      handlers.clear();
      reconnectHandlers.clear();
    },
  };
}
