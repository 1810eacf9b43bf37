import type { Notice, ServerFrame } from '../protocol/protocol.types';
import { canSee, eventFor } from './access';
import type { Caller } from './dispatch';
import type { HubConnectionSink, StoredEvent, Subject } from './hub.types';

// What the hub sends to whom: one frame to one connection, notices to every connection of a subject or a role
// (an offer taken from an absent agent, or a change of a consult leg they are an end of, waits for their return),
// and the fan-out of stored events in the form each
// role may see. A frame meant for many connections is serialized once for all of them.

/** Notices kept for one disconnected subject. */
const PENDING_NOTICE_LIMIT = 100;

/** What delivery reads of a connection. */
export interface Recipient {
  readonly id: string;
  readonly sink: HubConnectionSink;
  /** Who it speaks for, once admitted. */
  readonly subject?: Subject | undefined;
  readonly closed: boolean;
  /** Conversations whose replay it still waits for: their live events are held back until then. */
  readonly replaying: ReadonlySet<string>;
}

/** What delivery needs from the connections. */
export interface DeliveryDeps {
  /** The open, admitted connections of a subject. */
  readonly connsOf: (subjectId: string) => readonly Recipient[];
  /** Every open connection. */
  readonly all: () => Iterable<Recipient>;
}

/** Sends the hub's frames to its connections. */
export interface Delivery {
  /** Sends one frame to one connection (nothing once it closed). */
  send(conn: Recipient, frame: ServerFrame): void;
  /** Sends one frame to the connection a command came from; nothing when it came over HTTP or has closed. */
  sendTo(caller: Caller, frame: ServerFrame): void;
  /** Sends one stored event to one connection in the form its role may see (a replay). */
  sendEvent(conn: Recipient, stored: StoredEvent): void;
  /**
   * Sends a notice to every connection of a subject. An absent subject is told on their return of the offers taken
   * from them and of how each consult leg they are an end of stands now (its latest notice).
   */
  notify(subjectId: string, notice: Notice): void;
  /** Sends a notice to every admitted connection of a role (the supervisors' board). */
  notifyRole(role: Subject['role'], notice: Notice): void;
  /** Sends what waited for the subject of `conn` while they had no connection (see {@link Delivery.notify}). */
  sendMissed(conn: Recipient): void;
  /**
   * Sends stored events to the subjects named for each, each in the form its role may see, except to a connection
   * still waiting for the replay of that conversation: the replay reads the log in the conversation's turn, so it
   * carries the event too, in order.
   */
  fanOut(stored: readonly StoredEvent[], recipients: readonly (readonly string[])[]): void;
}

/**
 * Creates the delivery of a hub's frames.
 *
 * @example
 * ```ts
 * const delivery = createDelivery({ connsOf, all: () => conns });
 * delivery.notify('alice', { type: 'offer.revoked', cid, reason: 'missed' });
 * ```
 */
export function createDelivery(deps: DeliveryDeps): Delivery {
  /** Notices a subject could not be told (no connection), sent on their next welcome. */
  const missed = new Map<string, Notice[]>();

  function send(conn: Recipient, frame: ServerFrame): void {
    if (!conn.closed) conn.sink.send(JSON.stringify(frame));
  }

  /** One frame to many connections, serialized once, and not at all when none of them is open. */
  function sendAll(to: Iterable<Recipient>, frame: ServerFrame): void {
    let raw: string | undefined;
    for (const conn of to) {
      if (conn.closed) continue;
      raw ??= JSON.stringify(frame);
      conn.sink.send(raw);
    }
  }

  function notify(subjectId: string, notice: Notice): void {
    const own = deps.connsOf(subjectId);
    sendAll(own, { t: 'notice', notice });
    if (own.length === 0) keepForReturn(subjectId, notice);
  }

  /**
   * An agent who is away from the hub hears, when back, which offers were taken from them meanwhile, and where each
   * consult leg they are an end of stands (one that rang, or ended, while their page reloaded or their socket moved
   * to a new leader).
   */
  function keepForReturn(subjectId: string, notice: Notice): void {
    if (notice.type !== 'offer.revoked' && notice.type !== 'consult') return;
    const pending = (missed.get(subjectId) ?? []).filter(
      (earlier) =>
        notice.type !== 'consult' || earlier.type !== 'consult' || earlier.leg.legId !== notice.leg.legId,
    );
    if (pending.length < PENDING_NOTICE_LIMIT) pending.push(notice);
    missed.set(subjectId, pending);
  }

  function fanOut(stored: readonly StoredEvent[], recipients: readonly (readonly string[])[]): void {
    stored.forEach((event, index) => {
      // An event has at most two forms, as stored and withheld: each is serialized once for everyone who gets it.
      const forms = new Map<boolean, string>();
      for (const subjectId of new Set(recipients[index])) {
        for (const conn of deps.connsOf(subjectId)) {
          if (conn.closed || conn.replaying.has(event.cid)) continue;
          const role = roleOf(conn);
          const visible = canSee(role, event.ev);
          let raw = forms.get(visible);
          if (raw === undefined) {
            raw = JSON.stringify(eventFrame(event, role));
            forms.set(visible, raw);
          }
          conn.sink.send(raw);
        }
      }
    });
  }

  return {
    send,
    sendTo(caller, frame) {
      const conn = deps.connsOf(caller.subject.id).find((own) => own.id === caller.id);
      if (conn) send(conn, frame);
    },
    sendEvent: (conn, stored) => send(conn, eventFrame(stored, roleOf(conn))),
    notify,
    notifyRole(role, notice) {
      sendAll(
        [...deps.all()].filter((conn) => conn.subject?.role === role),
        { t: 'notice', notice },
      );
    },
    sendMissed(conn) {
      if (!conn.subject) return;
      for (const notice of missed.get(conn.subject.id) ?? []) send(conn, { t: 'notice', notice });
      missed.delete(conn.subject.id);
    },
    fanOut,
  };
}

/** The role whose form of an event a connection gets. */
function roleOf(conn: Recipient): Subject['role'] {
  return conn.subject?.role ?? 'visitor';
}

/** One stored event as the frame a connection of `role` gets. */
function eventFrame({ cid, seq, at, ev }: StoredEvent, role: Subject['role']): ServerFrame {
  return { t: 'evt', cid, seq, at, ev: eventFor(role, ev) };
}
