import { randomId } from '../ids/ids';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { parseClientFrame } from '../protocol/protocol.commands';
import { CLOSE_CODES, LIMITS, PROTOCOL_VERSION } from '../protocol/protocol.limits';
import type {
  ClientCapabilities,
  ClientFrame,
  CommandFrame,
  HelloFrame,
  Notice,
} from '../protocol/protocol.types';
import { createDelivery, type Delivery } from './delivery';
import { type Caller, frameReply, type Reply } from './dispatch';
import { isRetryable, type ReportFailure } from './failures';
import { createHeartbeat, type Liveness } from './heartbeat';
import type {
  Authenticate,
  ConnectionMeta,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubStorage,
  Subject,
} from './hub.types';
import { createResumeTokens } from './resume.tokens';

// Connections and resume: who is connected as whom, `hello` and `welcome`, single-use resume tokens, the replay of
// what a resuming client missed (live events of a conversation wait for its replay). What is sent to whom is
// delivery.ts, liveness is heartbeat.ts, and commands go to the dispatch (dispatch.ts).

/** One client connection as the hub's modules see it; once admitted, it is the caller of its commands. */
export interface Conn extends Omit<Caller, 'subject'>, Liveness {
  readonly sink: HubConnectionSink;
  subject?: Subject;
  resumeToken?: string;
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
  /** Runs a command frame of an admitted connection; `reply` sends its `ack` or `nack` (see `Dispatch.run`). */
  readonly command: (
    conn: AuthedConn,
    frame: CommandFrame,
    frameLength: number,
    reply: Reply,
  ) => Promise<void>;
  /** A connection of `subject` was admitted. */
  readonly connected: (subject: Subject) => void;
  /**
   * Notices a connection gets right after its welcome (and its replays): how what its subject takes part in stands
   * now, which a page that reloaded, or whose socket moved to a new leader, has no other way to learn.
   */
  readonly standing: (subject: Subject) => readonly Notice[];
  /** A connection of `subject` closed (`last`: they have none left). */
  readonly disconnected: (subject: Subject, last: boolean) => void;
  /** Called from the heartbeat about once a minute: the hub sweeps what it keeps in memory. */
  readonly sweep: (now: number) => void;
  readonly reportFailure: ReportFailure;
}

/** Connections and resume of a hub, and the delivery of frames to them. */
export interface ConnectionsHub extends Omit<Delivery, 'sendEvent' | 'sendMissed'> {
  /** Attaches a new client connection; `sink` receives the frames for it. */
  connect(sink: HubConnectionSink, meta?: ConnectionMeta): HubConnection;
  /** The open, admitted connections of a subject. */
  connsOf(subjectId: string): Conn[];
  /** Sends what a connection missed in one conversation after `after` (see `replayFrom`). */
  replayFrom(conn: Conn, cid: string, after: number, until?: number): Promise<void>;
  /** Number of open client connections. */
  readonly count: number;
  /** Stops the heartbeat and closes every connection with `code` ("going away", 1001, by default). */
  close(code?: number): void;
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
  const delivery = createDelivery({ connsOf, all: () => conns });
  const { send } = delivery;
  const heartbeat = createHeartbeat<Conn>({
    clock,
    intervalMs: deps.heartbeatMs,
    connections: () => conns,
    // A sink that keeps its client alive itself (a cluster follower's relayed socket) is neither pinged nor timed out.
    pinged: (conn) => conn.sink.keepsAlive !== true,
    ping(conn, raw) {
      // Pings carry no order: the sink may write them later, in batches.
      if (conn.closed) return;
      if (conn.sink.ping) conn.sink.ping(raw);
      else conn.sink.send(raw);
    },
    timedOut: (conn) =>
      refuse(
        conn,
        CLOSE_CODES.timeout,
        helplineError('connection/timeout', { op: 'ping', ms: deps.heartbeatMs * 2 }),
      ),
    sweep(now) {
      tokens.sweep(now);
      deps.sweep(now);
    },
  });
  let closed = false;

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
    delivery.sendMissed(conn);
    for (const notice of deps.standing(subject)) delivery.send(conn, { t: 'notice', notice });
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
          delivery.sendEvent(conn, stored);
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
    heartbeat.heard(conn);
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
    // The heartbeat pings every open socket, welcomed or not (a silent one is dropped either way), so a client may
    // answer a ping while its hello is still being authenticated: that pong is no frame of a session.
    if (frame.t === 'pong' && !conn.subject) return;
    if (!conn.subject) return refuse(conn, CLOSE_CODES.unauthorized, helplineError('auth/required'));
    if (conn.spentToken !== undefined)
      await spendResumeToken(conn).catch((error: unknown) => deps.reportFailure('resume token', error));
    if (frame.t === 'pong') return;
    if (frame.t === 'ping') return send(conn, { t: 'pong', ts: frame.ts });
    const reply = frameReply(frame, (answer) => send(conn, answer), deps.reportFailure);
    return deps.command(conn as AuthedConn, frame, raw.length, reply);
  }

  function connect(sink: HubConnectionSink, meta: ConnectionMeta = {}): HubConnection {
    const conn: Conn = {
      id: randomId('k', deps.randomBytes),
      sink,
      meta,
      unansweredPings: 0,
      closed: false,
      replaying: new Set(),
      afterReply: [],
    };
    conns.add(conn);
    if (!closed) heartbeat.start();
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
    sendTo: delivery.sendTo,
    connsOf,
    notify: delivery.notify,
    notifyRole: delivery.notifyRole,
    fanOut: delivery.fanOut,
    replayFrom,
    get count() {
      return conns.size;
    },
    close(code = CLOSE_CODES.goingAway) {
      closed = true;
      heartbeat.stop();
      for (const conn of [...conns]) refuse(conn, code, helplineError('connection/closed'));
    },
  };
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
