import { randomId } from '../ids/ids';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { parseClientFrame } from '../protocol/protocol.commands';
import { CLOSE_CODES, LIMITS, PROTOCOL_VERSION } from '../protocol/protocol.limits';
import type {
  ClientCapabilities,
  ClientFrame,
  CommandArgs,
  CommandFrame,
  CommandOp,
  CommandResult,
  HelloFrame,
  Notice,
  ServerFrame,
} from '../protocol/protocol.types';
import { eventFor } from './access';
import { isRetryable, type ReportFailure } from './failures';
import type {
  Authenticate,
  ConnectionMeta,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubStorage,
  StoredEvent,
  Subject,
} from './hub.types';
import { createResumeTokens } from './resume.tokens';

// Connections and resume: who is connected as whom, `hello` and `welcome`, single-use resume tokens, the replay of
// what a resuming client missed (live events of a conversation wait for its replay), server-driven heartbeats,
// notices and the fan-out of stored events to every connection of a subject.

/** How often the heartbeat also sweeps finished interactions and expired resume tokens out of memory. */
const SWEEP_INTERVAL_MS = 60_000;
/** Offer revocations kept for one disconnected agent. */
const PENDING_REVOKE_LIMIT = 100;

/** One client connection as the hub's modules see it. */
export interface Conn {
  readonly id: string;
  readonly sink: HubConnectionSink;
  readonly meta: ConnectionMeta;
  subject?: Subject;
  resumeToken?: string;
  lastSeenAt: number;
  /** Pings sent since the client was last heard from. */
  unansweredPings: number;
  /** Work that waits for the reply to the command in progress (see `afterReply`). */
  readonly afterReply: (() => void)[];
  closed: boolean;
  /** Conversations whose replay this connection still waits for: their live events are held back until then. */
  readonly replaying: Set<string>;
  /** The resume token this connection came with: spent once the client is heard from after its welcome. */
  spentToken?: string;
  /** What the client declared it can do at `hello` (voice). */
  capabilities?: ClientCapabilities;
}

/** A connection whose `hello` was accepted. */
export type AuthedConn = Conn & { subject: Subject };

/** Command handlers of a hub module: each resolves with the command's result, or rejects with what a `nack` carries. */
export type CommandHandlers<Op extends CommandOp> = {
  [O in Op]: (conn: AuthedConn, args: CommandArgs<O>) => Promise<CommandResult<O>>;
};

/** What connections and resume need from the hub. */
export interface ConnectionsHubDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly authenticate: Authenticate;
  readonly storage: Pick<
    HubStorage,
    'lastSeq' | 'events' | 'saveResumeToken' | 'takeResumeToken' | 'findResumeToken'
  >;
  /** Server ping interval; a client that misses two is dropped. */
  readonly heartbeatMs: number;
  /** Resume replays at most this many events per conversation; beyond it the client gets `gap`. */
  readonly replayLimit: number;
  /** How long an unused resume token stays valid, ms. */
  readonly resumeTokenTtlMs: number;
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /**
   * How far `subject` may read a conversation they resume (`until`: a former participant's last event), or
   * `undefined` when it is not theirs to read (or unknown).
   */
  readonly readableBy: (subject: Subject, cid: string) => Promise<{ until: number | undefined } | undefined>;
  /** Runs a command frame of an admitted connection and answers it. */
  readonly command: (conn: AuthedConn, frame: CommandFrame, frameLength: number) => Promise<void>;
  /** A connection of `subject` was admitted. */
  readonly connected: (subject: Subject) => void;
  /** A connection of `subject` closed (`last`: they have none left). */
  readonly disconnected: (subject: Subject, last: boolean) => void;
  /** Called from the heartbeat about once a minute: the hub sweeps what it keeps in memory. */
  readonly sweep: (now: number) => void;
  readonly reportFailure: ReportFailure;
}

/** Connections and resume of a hub. */
export interface ConnectionsHub {
  /** Attaches a new client connection; `sink` receives the frames for it. */
  connect(sink: HubConnectionSink, meta?: ConnectionMeta): HubConnection;
  /** Sends one frame to one connection (nothing once it closed). */
  send(conn: Conn, frame: ServerFrame): void;
  /** The open, admitted connections of a subject. */
  connsOf(subjectId: string): Conn[];
  /** Every open connection. */
  all(): Iterable<Conn>;
  /** Sends a notice to every connection of a subject; an offer taken from an absent agent waits for their return. */
  notify(subjectId: string, notice: Notice): void;
  /** Sends stored events to the subjects named for each, each in the form its role may see. */
  fanOut(stored: readonly StoredEvent[], recipients: readonly (readonly string[])[]): void;
  /** Sends what a connection missed in one conversation after `after` (see `replayFrom`). */
  replayFrom(conn: Conn, cid: string, after: number, until?: number): Promise<void>;
  /** A connection of `subject` that is never registered (the HTTP API's commands): nothing is fanned out to it. */
  detached(subject: Subject, meta: ConnectionMeta): AuthedConn;
  /** Number of open client connections. */
  readonly count: number;
  /** Stops the heartbeat and closes every connection with "going away". */
  close(): void;
}

/**
 * Creates the connections and resume part of a hub.
 *
 * @example
 * ```ts
 * const connections = createConnectionsHub({ clock, authenticate, storage, command, connected, … });
 * const link = connections.connect({ send: (raw) => socket.send(raw), close: (code) => socket.close(code) });
 * link.receive(raw);
 * ```
 */
export function createConnectionsHub(deps: ConnectionsHubDeps): ConnectionsHub {
  const { clock, serialized } = deps;
  const conns = new Set<Conn>();
  // Authenticated connections by subject id: fan-out looks up recipients here instead of scanning every socket.
  const connsBySubject = new Map<string, Set<Conn>>();
  const tokens = createResumeTokens({
    clock,
    randomBytes: deps.randomBytes,
    storage: deps.storage,
    ttlMs: deps.resumeTokenTtlMs,
  });
  /** Offer revocations an agent could not be told (no connection), sent on their next welcome. */
  const missedRevokes = new Map<string, Notice[]>();
  let heartbeatTimer: unknown;
  let lastSweepAt = clock.now();
  let closed = false;

  function send(conn: Conn, frame: ServerFrame): void {
    if (!conn.closed) conn.sink.send(JSON.stringify(frame));
  }

  function connsOf(subjectId: string): Conn[] {
    const own = connsBySubject.get(subjectId);
    return own ? [...own] : [];
  }

  function forget(conn: Conn): void {
    conns.delete(conn);
    const own = conn.subject ? connsBySubject.get(conn.subject.id) : undefined;
    own?.delete(conn);
    const last = own?.size === 0;
    if (last && conn.subject) connsBySubject.delete(conn.subject.id);
    if (conn.subject) deps.disconnected(conn.subject, last);
  }

  function notify(subjectId: string, notice: Notice): void {
    const own = connsOf(subjectId);
    for (const conn of own) send(conn, { t: 'notice', notice });
    // An agent who is away from the hub hears, when back, which offers were taken from them meanwhile.
    if (own.length === 0 && notice.type === 'offer.revoked') {
      const pending = missedRevokes.get(subjectId) ?? [];
      if (pending.length < PENDING_REVOKE_LIMIT) pending.push(notice);
      missedRevokes.set(subjectId, pending);
    }
  }

  /** Sends stored events to the subjects named for each, each in the form its role may see. */
  function fanOut(stored: readonly StoredEvent[], recipients: readonly (readonly string[])[]): void {
    stored.forEach((event, index) => {
      for (const subjectId of new Set(recipients[index])) {
        for (const conn of connsOf(subjectId)) sendEvent(conn, event);
      }
    });
  }

  /** One durable event to one connection, unless a replay of that conversation is still on its way there. */
  function sendEvent(conn: Conn, { cid, seq, at, ev }: StoredEvent, replaying = false): void {
    // The replay reads the log in the conversation's turn, so it carries this event too, in order.
    if (!replaying && conn.replaying.has(cid)) return;
    send(conn, { t: 'evt', cid, seq, at, ev: eventFor(conn.subject?.role ?? 'visitor', ev) });
  }

  async function hello(conn: Conn, frame: HelloFrame): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION) {
      return refuse(
        conn,
        CLOSE_CODES.protocolError,
        helplineError('protocol/unsupported-version', { version: frame.v, supported: PROTOCOL_VERSION }),
      );
    }
    let subject: Subject;
    try {
      subject = await deps.authenticate(frame.token);
    } catch (error) {
      const reason = isHelplineError(error)
        ? error
        : helplineError('auth/invalid-token', { detail: 'rejected' });
      return refuse(conn, CLOSE_CODES.unauthorized, reason);
    }
    try {
      await welcome(conn, frame, subject);
    } catch (error) {
      // The database is away: the client tries again later with the same resume token, which is still good.
      if (!isRetryable(error)) deps.reportFailure('hello', error);
      forget(conn);
      conn.subject = undefined;
      refuse(
        conn,
        CLOSE_CODES.goingAway,
        isRetryable(error) ? error : helplineError('internal', { detail: 'hello failed' }),
      );
    }
  }

  /**
   * Admits an authenticated connection: checks its resume token, issues the next one, sends `welcome`, then the
   * replay of each conversation it resumes (live events of those wait for their replay).
   */
  async function welcome(conn: Conn, frame: HelloFrame, subject: Subject): Promise<void> {
    let resumed = false;
    if (frame.resume) {
      // A resume token is only good for the subject it was issued to, and only once: it is spent when the client
      // is heard from after this welcome (see `receive`), so a link that drops before the welcome arrives can
      // resume with it again.
      const owner = await tokens.ownerOf(frame.resume.token);
      if (owner !== subject.id) {
        // Presented by someone else: it may have leaked, so it is good for nobody now.
        if (owner !== undefined) await tokens.revoke(frame.resume.token);
        // Named as the field at fault, so the client drops its resume token and connects afresh.
        return refuse(
          conn,
          CLOSE_CODES.unauthorized,
          helplineError(
            'auth/invalid-token',
            { detail: 'resume token does not match' },
            { field: 'resume.token' },
          ),
        );
      }
      resumed = true;
      conn.spentToken = frame.resume.token;
    }
    const resumeToken = await tokens.issue(subject.id);
    const heads: Record<string, number> = {};
    const visible: [string, number, number | undefined][] = [];
    for (const [cid, after] of Object.entries(frame.resume?.cursors ?? {})) {
      const readable = await deps.readableBy(subject, cid);
      // Not theirs (or unknown): say nothing about it.
      if (!readable) continue;
      const { until } = readable;
      const head = await deps.storage.lastSeq(cid);
      heads[cid] = until === undefined ? head : Math.min(head, until);
      visible.push([cid, after, until]);
    }
    // Live from here on; the conversations being replayed hold their live events back until their replay.
    conn.subject = subject;
    conn.capabilities = frame.capabilities;
    conn.resumeToken = resumeToken;
    for (const [cid] of visible) conn.replaying.add(cid);
    if (!conn.closed) {
      const own = connsBySubject.get(subject.id) ?? new Set<Conn>();
      own.add(conn);
      connsBySubject.set(subject.id, own);
      deps.connected(subject);
    }
    send(conn, {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      subject: { id: subject.id, role: subject.role, name: subject.name },
      resumeToken: conn.resumeToken,
      heartbeatMs: deps.heartbeatMs,
      resumed,
      heads,
    });
    for (const [cid, after, until] of visible) await replay(conn, cid, after, until);
    for (const notice of missedRevokes.get(subject.id) ?? []) send(conn, { t: 'notice', notice });
    missedRevokes.delete(subject.id);
  }

  /** The client was heard from after its welcome: the resume token it came with is spent now. */
  async function spendResumeToken(conn: Conn): Promise<void> {
    const token = conn.spentToken;
    if (token === undefined) return;
    conn.spentToken = undefined;
    await tokens.revoke(token);
  }

  /** Sends what a resuming client missed in one conversation, or `gap` when that is too much to replay. */
  async function replay(conn: Conn, cid: string, after: number, until?: number): Promise<void> {
    await serialized(cid, () => replayFrom(conn, cid, after, until));
  }

  /**
   * Sends what a client missed in one conversation after `after` (up to `until` for a former participant), or
   * `gap` when that is too much, or cannot be read now: the client then backfills from history. Runs in the
   * conversation's turn. Live events of the conversation wait for it (see `sendEvent`).
   */
  async function replayFrom(conn: Conn, cid: string, after: number, until?: number): Promise<void> {
    try {
      const head = await deps.storage.lastSeq(cid);
      const last = until === undefined ? head : Math.min(head, until);
      if (last - after > deps.replayLimit) send(conn, { t: 'gap', cid, after });
      else if (last > after)
        for (const stored of await deps.storage.events(cid, after, last - after))
          sendEvent(conn, stored, true);
    } catch (error) {
      if (!isRetryable(error)) deps.reportFailure('replay', error);
      send(conn, { t: 'gap', cid, after });
    } finally {
      conn.replaying.delete(cid);
    }
  }

  function refuse(conn: Conn, code: number, error: HelplineError): void {
    send(conn, { t: 'bye', code, error: error.toPayload() });
    conn.closed = true;
    forget(conn);
    conn.sink.close(code, error.code);
  }

  async function receive(conn: Conn, raw: string): Promise<void> {
    conn.lastSeenAt = clock.now();
    conn.unansweredPings = 0;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      const id = commandIdOf(raw);
      if (id && conn.subject) send(conn, { t: 'nack', id, error: parsed.error.toPayload() });
      else refuse(conn, CLOSE_CODES.protocolError, parsed.error);
      return;
    }
    const frame: ClientFrame = parsed.value;
    if (frame.t === 'hello') {
      if (conn.subject) {
        return refuse(
          conn,
          CLOSE_CODES.protocolError,
          helplineError('protocol/invalid-frame', { detail: 'hello sent twice' }),
        );
      }
      return hello(conn, frame);
    }
    if (!conn.subject) return refuse(conn, CLOSE_CODES.unauthorized, helplineError('auth/required'));
    if (conn.spentToken !== undefined)
      await spendResumeToken(conn).catch((error: unknown) => deps.reportFailure('resume token', error));
    if (frame.t === 'pong') return;
    if (frame.t === 'ping') return send(conn, { t: 'pong', ts: frame.ts });
    return deps.command(conn as AuthedConn, frame, raw.length);
  }

  function heartbeat(): void {
    const now = clock.now();
    for (const conn of [...conns]) {
      // Counted in pings, not wall time: after the server itself stalled, a pong still waiting in the socket
      // buffer must not count as missed.
      if (conn.unansweredPings >= 2) {
        refuse(
          conn,
          CLOSE_CODES.timeout,
          helplineError('connection/timeout', { op: 'ping', ms: deps.heartbeatMs * 2 }),
        );
      } else {
        conn.unansweredPings++;
        send(conn, { t: 'ping', ts: now });
      }
    }
    if (now - lastSweepAt >= SWEEP_INTERVAL_MS) sweep(now);
    heartbeatTimer = conns.size > 0 ? clock.setTimeout(heartbeat, deps.heartbeatMs) : undefined;
  }

  /** Expired resume tokens are forgotten, and the hub sweeps what it keeps (finished interactions). */
  function sweep(now: number): void {
    lastSweepAt = now;
    tokens.sweep(now);
    deps.sweep(now);
  }

  function connect(sink: HubConnectionSink, meta: ConnectionMeta = {}): HubConnection {
    const conn: Conn = {
      id: randomId('k', deps.randomBytes),
      sink,
      meta,
      lastSeenAt: clock.now(),
      unansweredPings: 0,
      closed: false,
      replaying: new Set(),
      afterReply: [],
    };
    conns.add(conn);
    if (heartbeatTimer === undefined && !closed)
      heartbeatTimer = clock.setTimeout(heartbeat, deps.heartbeatMs);
    // Frames of one connection are handled in arrival order.
    let chain: Promise<void> = Promise.resolve();
    return {
      receive(raw) {
        chain = chain
          .then(() => receive(conn, raw))
          .catch((error: unknown) => {
            deps.reportFailure('frame handling', error);
          });
      },
      disconnected() {
        conn.closed = true;
        forget(conn);
      },
    };
  }

  return {
    connect,
    send,
    connsOf,
    all: () => conns,
    notify,
    fanOut,
    replayFrom,
    detached(subject, meta) {
      return {
        id: randomId('k', deps.randomBytes),
        sink: { send() {}, close() {} },
        meta,
        subject,
        lastSeenAt: clock.now(),
        unansweredPings: 0,
        closed: true,
        replaying: new Set(),
        afterReply: [],
      };
    },
    get count() {
      return conns.size;
    },
    close() {
      closed = true;
      if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
      heartbeatTimer = undefined;
      for (const conn of [...conns]) refuse(conn, CLOSE_CODES.goingAway, helplineError('connection/closed'));
    },
  };
}

/**
 * Runs `task` once the command in progress on `conn` is answered: a new conversation is routed only after its
 * customer has the ack, so the ack's snapshot is never newer news than the events that follow it.
 */
export function afterReply(conn: Conn, task: () => void): void {
  conn.afterReply.push(task);
}

/** Runs what waited for the reply to the command in progress on `conn`. */
export function runAfterReply(conn: Conn): void {
  for (const task of conn.afterReply.splice(0)) task();
}

/** The command id of a frame that failed validation, when one can be read, so the sender gets a `nack`. */
function commandIdOf(raw: string): string | undefined {
  if (raw.length > LIMITS.frameBytes) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && (value as { t?: unknown }).t === 'cmd') {
      const id = (value as { id?: unknown }).id;
      if (typeof id === 'string' && id.length > 0 && id.length <= LIMITS.id) return id;
    }
  } catch {
    // Not JSON: no id to answer to.
  }
  return undefined;
}
