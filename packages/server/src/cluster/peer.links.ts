import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type ClusterAddressees,
  type ClusterBus,
  type ClusterKind,
  type ClusterMessage,
  type ClusterTopics,
  callEach,
  type ReportClusterFailure,
  reportToConsole,
} from '@helpline/core/cluster';
import { WebSocket, WebSocketServer } from 'ws';

/*
 * Direct links between instances, for what one instance says to one other (docs/cluster.md, "Peer links"): the relay
 * of followers' sockets is most of a deployment's bus traffic, and on LISTEN/NOTIFY each frame costs a database
 * transaction on the way. A link is a WebSocket from the sender to the receiver's own HTTP port, authenticated with
 * a key every instance reads from the database. Everything else, and everything while no link is up, goes through
 * the inner bus.
 *
 * Order: one sender's messages to one receiver arrive in the order published, whichever way they go. When a link
 * opens, the sender publishes a marker through the inner bus and sends on the link from then on; the receiver holds
 * what the link brings until the marker arrives, so nothing sent earlier through the database is overtaken. When a
 * link breaks, what was on the way may be lost: the relay numbers its frames and ends a connection that misses one.
 */

/** The marker a sender publishes through the inner bus when it starts sending on a link. */
export type PeerTopics = { readonly 'peer.switch': { readonly link: string } };

/** What {@link withPeerLinks} needs. */
export interface PeerLinksOptions {
  /** The key every instance of the deployment shares (from the database): it signs the links' handshakes. */
  readonly key: Buffer;
  /** Where instance `instanceId` takes links (`ws://host:port/…`), or undefined when it has not said. */
  readonly locate: (instanceId: string) => Promise<string | undefined>;
  /**
   * How long after a link failed (or could not open) the next one is tried, on a timer: doubled after each failure
   * in a row, up to `maxRetryMs`. Default 2 s.
   */
  readonly retryMs?: number;
  /** The longest wait between tries of a link that keeps failing. Default 30 s. */
  readonly maxRetryMs?: number;
  /** How long a link may go without an answer to its ping before it counts as broken. Default 10 s. */
  readonly heartbeatMs?: number;
  readonly reportFailure?: ReportClusterFailure;
  /** Told when a link to `target` opens and when it ends (for the log). */
  readonly onLink?: (target: string, open: boolean) => void;
}

/** A bus whose messages for a single other instance travel on direct links when they can. */
export interface PeerBus<Topics extends ClusterTopics> extends ClusterBus<Topics> {
  /** Takes a link's WebSocket upgrade (the server routes the peer path here); refuses one not signed with the key. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Links open now: to how many instances this one sends directly, and from how many it receives. */
  readonly links: { readonly out: number; readonly in: number };
  /**
   * What this instance has published since it started, by kind: on a direct link (`link`) or through the database
   * (`db`). For the log (`cluster.traffic`) and the cluster bench's frames per message.
   */
  readonly traffic: PeerTraffic;
}

/** Messages published, by kind, on direct links and through the database ({@link PeerBus.traffic}). */
export interface PeerTraffic {
  readonly link: Readonly<Record<string, number>>;
  readonly db: Readonly<Record<string, number>>;
}

/** The header a link's handshake carries: `v1.<origin>.<link>.<time>.<signature>`. */
export const PEER_HEADER = 'x-helpline-peer';
/** A handshake signed longer ago than this (or this far ahead) is refused. */
const HANDSHAKE_SKEW_MS = 30_000;
/** A receiver holds a link's messages this long at most for its marker; then the link is dropped. */
const MARKER_WAIT_MS = 10_000;
/** A link whose unsent data grows past this is dropped (the receiver is not keeping up): the database carries on. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const sign = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('hex');

/** The handshake header for a link from `origin` to `target`. */
export function peerHandshake(key: Buffer, origin: string, target: string, link: string, at: number): string {
  const signed = `v1.${origin}.${link}.${at}`;
  return `${signed}.${sign(key, `${signed}.${target}`)}`;
}

/** The origin and link of a handshake for `target`, or a reason to refuse it. */
export function checkHandshake(
  key: Buffer,
  header: string | undefined,
  target: string,
  now: number,
): { origin: string; link: string } | { refused: string } {
  const parts = header?.split('.') ?? [];
  const [version, origin, link, at, signature] = parts;
  if (parts.length !== 5 || version !== 'v1' || !origin || !link || !at || !signature) {
    return { refused: 'no handshake' };
  }
  if (!ID.test(origin) || !ID.test(link) || !/^\d{1,16}$/.test(at)) return { refused: 'malformed handshake' };
  if (Math.abs(now - Number(at)) > HANDSHAKE_SKEW_MS) return { refused: 'handshake too old' };
  const expected = Buffer.from(sign(key, `v1.${origin}.${link}.${at}.${target}`), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { refused: 'bad signature' };
  return { origin, link };
}

interface Entry {
  readonly k: string;
  readonly p: unknown;
}

type Outbound =
  | { readonly state: 'dialing' }
  | { readonly state: 'open'; readonly socket: WebSocket; queue: string[] }
  | { readonly state: 'resting'; readonly until: number };

interface Inbound {
  readonly origin: string;
  readonly socket: WebSocket;
  /** Messages that came before the marker, held back; undefined once it came. */
  held: Entry[] | undefined;
  readonly markerTimer: ReturnType<typeof setTimeout>;
}

const single = (to: ClusterAddressees | undefined) =>
  to?.instances?.length === 1 && to.subjects === undefined && to.connections === undefined
    ? to.instances[0]
    : undefined;

/**
 * Wraps `inner` so that what this instance publishes for exactly one other instance travels on a direct link to it
 * once one is open (opened on first use, in the background), and what links bring is delivered with the inner bus's
 * messages, from the instance that signed the link. See the module comment for order and failures.
 *
 * @example
 * ```ts
 * const bus = withPeerLinks(await createPgBus({ directUrl, instanceId }), { key, locate });
 * server.on('upgrade', (request, socket, head) => bus.accept(request, socket, head));
 * ```
 */
export function withPeerLinks<Topics extends ClusterTopics>(
  inner: ClusterBus<Topics & PeerTopics>,
  options: PeerLinksOptions,
): PeerBus<Topics> {
  const self = inner.instanceId;
  const { key } = options;
  const report = options.reportFailure ?? reportToConsole;
  const retryMs = options.retryMs ?? 2_000;
  const maxRetryMs = Math.max(retryMs, options.maxRetryMs ?? 30_000);
  /** Failures in a row of the link to each instance (reset when one opens), and the timers that try again. */
  const failures = new Map<string, number>();
  const retries = new Map<string, ReturnType<typeof setTimeout>>();
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const handlers = new Set<(message: ClusterMessage<Topics>) => void>();
  const outbound = new Map<string, Outbound>();
  const inbound = new Map<string, Inbound>();
  const server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const traffic = { link: {} as Record<string, number>, db: {} as Record<string, number> };
  const count = (way: Record<string, number>, kind: string) => {
    way[kind] = (way[kind] ?? 0) + 1;
  };
  let closed = false;

  function deliver(origin: string, entries: readonly Entry[]) {
    for (const { k, p } of entries) {
      const message = { kind: k, payload: p, to: { instances: [self] }, origin } as ClusterMessage<Topics>;
      callEach(handlers, message, `bus handler of ${k}`, report);
    }
  }

  const innerSubscription = inner.subscribe((message) => {
    if (message.kind !== 'peer.switch') return;
    const { link } = message.payload as PeerTopics['peer.switch'];
    const held = inbound.get(link);
    if (!held || held.origin !== message.origin || held.held === undefined) return;
    clearTimeout(held.markerTimer);
    const waiting = held.held;
    held.held = undefined;
    deliver(held.origin, waiting);
  });

  // --- sending ---

  function flushLink(target: string) {
    const link = outbound.get(target);
    if (link?.state !== 'open' || link.queue.length === 0) return;
    const batch = `[${link.queue.join(',')}]`;
    link.queue = [];
    if (link.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      link.socket.terminate();
      return;
    }
    link.socket.send(batch);
  }

  /**
   * The link to `target` failed or could not open: the database carries on, and the next link is tried on a timer —
   * not only with the next message for `target`, which may never come (a handshake that failed on a loaded machine
   * left a link to the leader down for as long as nothing was published to it). Each failure in a row doubles the
   * wait, up to `maxRetryMs`. `retry: false` (the instance has no address, or is gone): only the next message tries.
   */
  function rest(target: string, socket: WebSocket | undefined, why: unknown, retry = true) {
    const current = outbound.get(target);
    if (socket !== undefined && (current?.state !== 'open' || current.socket !== socket)) return;
    if (!closed && why !== undefined) report(`peer link to ${target}`, why);
    if (current?.state === 'open') options.onLink?.(target, false);
    const failed = (failures.get(target) ?? 0) + 1;
    failures.set(target, failed);
    const waitMs = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failed - 1, 20));
    outbound.set(target, { state: 'resting', until: Date.now() + waitMs });
    clearTimeout(retries.get(target));
    retries.delete(target);
    if (!retry || closed) return;
    const timer = setTimeout(() => {
      retries.delete(target);
      if (!closed && outbound.get(target)?.state === 'resting') void dial(target);
    }, waitMs);
    timer.unref();
    retries.set(target, timer);
  }

  async function dial(target: string) {
    outbound.set(target, { state: 'dialing' });
    const url = await options.locate(target).catch((error: unknown) => {
      report(`peer link to ${target}: locating it`, error);
      return undefined;
    });
    if (closed) return;
    if (url === undefined) {
      rest(target, undefined, undefined, false);
      return;
    }
    const link = randomBytes(9).toString('base64url');
    const socket = new WebSocket(url, {
      headers: { [PEER_HEADER]: peerHandshake(key, self, target, link, Date.now()) },
      perMessageDeflate: false,
      handshakeTimeout: 5_000,
    });
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);
    heartbeat.unref();
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', () => {});
    socket.once('open', () => {
      if (closed) {
        socket.close();
        return;
      }
      // Everything published until now went through the database: the marker follows it, the link what comes next.
      inner.publish('peer.switch', { link } as (Topics & PeerTopics)['peer.switch'], { instances: [target] });
      outbound.set(target, { state: 'open', socket, queue: [] });
      failures.delete(target);
      options.onLink?.(target, true);
    });
    socket.on('error', () => {});
    socket.once('close', (code, reason) => {
      clearInterval(heartbeat);
      const current = outbound.get(target);
      if (current?.state === 'dialing') rest(target, undefined, new Error(`refused (${code} ${reason})`));
      else rest(target, socket, new Error(`closed (${code} ${reason})`));
    });
  }

  function publish<Kind extends ClusterKind<Topics>>(
    kind: Kind,
    payload: Topics[Kind],
    to?: ClusterAddressees,
  ) {
    if (closed) return;
    const target = single(to);
    if (target === undefined || target === self) {
      count(traffic.db, kind);
      inner.publish(kind, payload as (Topics & PeerTopics)[Kind], to);
      return;
    }
    const link = outbound.get(target);
    if (link?.state === 'open') {
      count(traffic.link, kind);
      // What every callback of one turn of the event loop publishes for one instance goes in one write. Flushed at
      // the microtask checkpoint that ends each callback instead, a link wrote once per database reply or client
      // frame — a socket write per relayed frame, the largest single cost of a busy leader.
      if (link.queue.length === 0) setImmediate(() => flushLink(target));
      link.queue.push(JSON.stringify({ k: kind, p: payload }));
      return;
    }
    count(traffic.db, kind);
    inner.publish(kind, payload as (Topics & PeerTopics)[Kind], to);
    if (link === undefined || (link.state === 'resting' && Date.now() >= link.until)) void dial(target);
  }

  // --- receiving ---

  function accept(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const header = request.headers[PEER_HEADER];
    const checked = checkHandshake(key, typeof header === 'string' ? header : undefined, self, Date.now());
    if (closed || 'refused' in checked || inbound.has(checked.link)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const { origin, link } = checked;
    server.handleUpgrade(request, socket, head, (ws) => {
      const markerTimer = setTimeout(() => ws.close(1008, 'no marker'), MARKER_WAIT_MS);
      markerTimer.unref();
      const entry: Inbound = { origin, socket: ws, held: [], markerTimer };
      inbound.set(link, entry);
      ws.on('message', (data) => {
        let entries: unknown;
        try {
          entries = JSON.parse(String(data));
        } catch {
          entries = undefined;
        }
        if (!Array.isArray(entries)) {
          ws.close(1003, 'not a batch');
          return;
        }
        if (entry.held) entry.held.push(...(entries as Entry[]));
        else deliver(origin, entries as Entry[]);
      });
      ws.on('error', () => {});
      ws.once('close', () => {
        clearTimeout(markerTimer);
        inbound.delete(link);
      });
    });
  }

  return {
    instanceId: self,
    get connected() {
      return inner.connected;
    },
    get links() {
      let out = 0;
      for (const link of outbound.values()) if (link.state === 'open') out += 1;
      return { out, in: inbound.size };
    },
    traffic,
    publish,
    subscribe(handler) {
      handlers.add(handler);
      const unsubscribe = inner.subscribe((message) => {
        if (message.kind !== 'peer.switch') handler(message as ClusterMessage<Topics>);
      });
      return () => {
        handlers.delete(handler);
        unsubscribe();
      };
    },
    onReconnect: (handler) => inner.onReconnect(handler),
    async flush() {
      for (const target of outbound.keys()) flushLink(target);
      await inner.flush();
    },
    accept,
    async close() {
      for (const target of outbound.keys()) flushLink(target);
      closed = true;
      for (const timer of retries.values()) clearTimeout(timer);
      retries.clear();
      innerSubscription();
      for (const link of outbound.values()) if (link.state === 'open') link.socket.close(1001, 'closing');
      for (const { socket } of inbound.values()) socket.close(1001, 'closing');
      outbound.clear();
      inbound.clear();
      server.close();
      handlers.clear();
      await inner.close();
    },
  };
}
