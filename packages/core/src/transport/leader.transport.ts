import { atom, type ReadableAtom } from 'nanostores';
import { type Clock, systemClock } from '../clock/clock';
import { type ConnectionEnvironment, defaultEnvironment } from '../connection/environment';
import type { LinkCloseInfo, LinkHandlers, Transport, TransportLink } from './transport.types';

// One socket per browser: the tab holding a Web Lock is the leader and owns the real link; every tab (the leader's
// own included) talks to it through a virtual link that speaks the same frames. The leader multiplexes them onto
// its one socket: the first `hello` goes to the server, later ones get the server's welcome re-issued, command ids
// are prefixed per virtual link so acks find their way back, and conversation events, notices and pings reach every
// tab. Each tab keeps its own `Connection` (ordering by `seq`, backfill, resume cursors, outbox), so sessions do not
// know whether they lead or follow. See docs/decisions/0002-multi-tab-leader.md.

type Handler<E> = { handle(event: E): void }['handle'];

/** The part of `navigator.locks` the leader election uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { readonly signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/** The part of a `BroadcastChannel` the tabs talk through. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: Handler<{ readonly data: unknown }> | null;
  close(): void;
}

/** Options of {@link createLeaderTransport}. */
export interface LeaderTransportOptions {
  /** The real transport the leader tab opens (the WebSocket transport). */
  readonly transport: Transport;
  /**
   * Who shares the socket: tabs with the same scope share one. Use `<site>:<subject id>` — tabs of different
   * subjects must never share a socket, since followers act under the leader's authentication.
   */
  readonly scope: string;
  /** Default `navigator.locks`; `null` for a socket per tab. */
  readonly locks?: LockManagerLike | null | undefined;
  /** Opens the channel between tabs; default `new BroadcastChannel(name)`; `null` for a socket per tab. */
  readonly channel?: ((name: string) => ChannelLike) | null;
  /**
   * Page lifecycle: a leader tab that is hidden in the back/forward cache or frozen hands leadership over.
   * Default: the browser's in a page, none elsewhere; `null` for none.
   */
  readonly environment?: ConnectionEnvironment | null | undefined;
  readonly clock?: Clock | undefined;
  /** A follower's virtual link that no leader accepts within this time is reported closed. Default 5 s. */
  readonly openTimeoutMs?: number | undefined;
  /** This tab's id on the channel; random by default. */
  readonly tabId?: string | undefined;
}

/** A transport that shares one real link among the tabs of a browser. */
export interface LeaderTransport extends Transport {
  /** True while this tab owns the real link (the place for the one ringtone, the one notification). */
  readonly $isLeader: ReadableAtom<boolean>;
  /** False when Web Locks or BroadcastChannel are missing: then every tab has its own socket and leads it. */
  readonly shared: boolean;
  /** Leaves the election and closes every link of this tab (a follower takes over the socket). */
  dispose(): void;
}

/** Messages between tabs. `from` is the sending tab; `to` the tab a message is meant for. */
type TabMessage =
  | { readonly k: 'open'; readonly from: string; readonly link: string }
  | {
      readonly k: 'up';
      readonly from: string;
      readonly to: string;
      readonly link: string;
      readonly raw: string;
    }
  | { readonly k: 'bye'; readonly from: string; readonly to: string; readonly link: string }
  | { readonly k: 'opened'; readonly from: string; readonly to: string; readonly link: string }
  | {
      readonly k: 'down';
      readonly from: string;
      readonly to: string;
      readonly link: string;
      readonly raw: string;
    }
  | { readonly k: 'fanout'; readonly from: string; readonly raw: string; readonly targets: readonly string[] }
  | {
      readonly k: 'closed';
      readonly from: string;
      readonly to: string;
      readonly link: string;
      readonly info: LinkCloseInfo;
    }
  | { readonly k: 'leader'; readonly from: string };

const MESSAGE_KINDS = new Set(['open', 'up', 'bye', 'opened', 'down', 'fanout', 'closed', 'leader']);

function isTabMessage(value: unknown): value is TabMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return typeof message.k === 'string' && MESSAGE_KINDS.has(message.k) && typeof message.from === 'string';
}

/** A follower tab that stops answering the server's pings for this many pings is dropped. */
const MAX_SILENT_PINGS = 3;

function randomTabId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return `t${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function defaultLocks(): LockManagerLike | undefined {
  try {
    return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  } catch {
    return undefined;
  }
}

function defaultChannel(): ((name: string) => ChannelLike) | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? (name) => new Channel(name) : undefined;
}

/**
 * Shares one real link among the tabs of a browser: the tab holding the Web Lock `helpline:<scope>` is the leader
 * and owns the socket; the others reach it over a BroadcastChannel, so every tab's stores see the same commands,
 * acks, events and notices. When the leader tab goes away, the next tab in line takes the lock, opens the socket
 * and resumes with the cursors it kept. Without Web Locks or BroadcastChannel, each tab uses its own socket.
 *
 * @example
 * ```ts
 * const transport = createLeaderTransport({
 *   transport: createWebSocketTransport({ url: 'wss://help.example.com/v1/ws', site: 'shop' }),
 *   scope: `shop:${visitorId}`,
 * });
 * const session = createVisitorSession({ transport, token });
 * transport.$isLeader.subscribe((leader) => (ringtone.enabled = leader));
 * ```
 */
export function createLeaderTransport(options: LeaderTransportOptions): LeaderTransport {
  const locks = options.locks === undefined ? defaultLocks() : (options.locks ?? undefined);
  const makeChannel = options.channel === undefined ? defaultChannel() : (options.channel ?? undefined);
  if (!locks || !makeChannel) {
    return {
      open: (handlers) => options.transport.open(handlers),
      $isLeader: atom(true),
      shared: false,
      dispose() {},
    };
  }
  return createSharedTransport(options, locks, makeChannel);
}

/**
 * Whether this tab leads the browser's tabs over `transport`: the leader transport's `$isLeader`, or always true for
 * any other transport (its socket is this tab's own). Sessions expose it as `$isLeader`.
 *
 * @example
 * ```ts
 * const $rings = leadershipOf(transport); // true in exactly one tab of the browser
 * ```
 */
export function leadershipOf(transport: Transport): ReadableAtom<boolean> {
  const { $isLeader } = transport as Partial<LeaderTransport>;
  return $isLeader ?? atom(true);
}

interface TabLink {
  readonly id: string;
  readonly handlers: LinkHandlers;
  state: 'pending' | 'open' | 'closed';
  /** The tab whose multiplexer serves this link (this tab's id when it leads). */
  leader?: string;
  timer?: unknown;
}

function createSharedTransport(
  options: LeaderTransportOptions,
  locks: LockManagerLike,
  makeChannel: (name: string) => ChannelLike,
): LeaderTransport {
  const name = `helpline:${options.scope}`;
  const tabId = options.tabId ?? randomTabId();
  const clock = options.clock ?? systemClock;
  const openTimeoutMs = options.openTimeoutMs ?? 5_000;
  const $isLeader = atom(false);
  const links = new Map<string, TabLink>();
  let nextLink = 1;
  let channel: ChannelLike | undefined;
  let stopEnvironment: (() => void) | undefined;
  let election: { readonly abort: AbortController; release?: () => void } | undefined;
  let mux: Multiplexer | undefined;
  let interested = false;
  let asleep = false;
  let disposed = false;

  function post(message: TabMessage): void {
    try {
      channel?.postMessage(message);
    } catch {
      // The channel is closed (the page is going away): nobody is left to tell.
    }
  }

  function start(): void {
    if (channel || disposed) return;
    channel = makeChannel(name);
    channel.onmessage = (event) => {
      if (isTabMessage(event.data) && event.data.from !== tabId) receive(event.data);
    };
    const environment = options.environment === undefined ? defaultEnvironment() : options.environment;
    stopEnvironment = environment?.listen((signal) => {
      if (signal === 'pagehide' || signal === 'freeze') sleep();
      else if (signal === 'pageshow' || signal === 'resume' || signal === 'visible') wake();
    });
  }

  // ─── election ──────────────────────────────────────────────────────────────────────────────────

  function elect(): void {
    if (election || asleep || disposed) return;
    const current: { abort: AbortController; release?: () => void } = { abort: new AbortController() };
    election = current;
    const lost = () => {
      // Aborted while waiting in line (this tab stepped down or went to sleep), or the page is gone.
      if (election === current) election = undefined;
    };
    try {
      locks
        .request(
          name,
          { signal: current.abort.signal },
          () =>
            new Promise<void>((release) => {
              if (election !== current) return release(); // Stepped down while waiting in line.
              current.release = release;
              becomeLeader();
            }),
        )
        .catch(lost);
    } catch {
      lost();
    }
  }

  function becomeLeader(): void {
    mux = createMultiplexer(options.transport, tabId, post);
    $isLeader.set(true);
    post({ k: 'leader', from: tabId });
    for (const link of [...links.values()]) {
      if (link.state === 'pending') attachLocally(link);
      // Links served by the previous leader are gone with it: their connections reconnect through this tab.
      else if (link.leader !== tabId) finish(link, { code: 1006, reason: 'leader tab changed' });
    }
  }

  function stepDown(info: LinkCloseInfo): void {
    const current = election;
    election = undefined;
    if (mux) {
      const leaving = mux;
      mux = undefined;
      $isLeader.set(false);
      leaving.shutdown(info);
    }
    current?.release?.();
    current?.abort.abort();
  }

  /** The page is going into the back/forward cache or being frozen: hand the socket to another tab. */
  function sleep(): void {
    if (asleep) return;
    asleep = true;
    stepDown({ code: 1006, reason: 'leader tab suspended' });
  }

  function wake(): void {
    if (!asleep) return;
    asleep = false;
    if (interested) elect();
  }

  // ─── this tab's links ──────────────────────────────────────────────────────────────────────────

  const keyOf = (tab: string, link: string) => `${tab}/${link}`;

  function finish(link: TabLink, info: LinkCloseInfo): void {
    if (link.state === 'closed') return;
    link.state = 'closed';
    if (link.timer !== undefined) clock.clearTimeout(link.timer);
    links.delete(link.id);
    queueMicrotask(() => link.handlers.onClose(info));
  }

  function opened(link: TabLink, leader: string): void {
    if (link.timer !== undefined) clock.clearTimeout(link.timer);
    link.timer = undefined;
    link.state = 'open';
    link.leader = leader;
    queueMicrotask(() => {
      if (link.state === 'open' && link.leader === leader) link.handlers.onOpen();
    });
  }

  function deliver(link: TabLink, leader: string, raw: string): void {
    if (link.state === 'open' && link.leader === leader) link.handlers.onFrame(raw);
  }

  function attachLocally(link: TabLink): void {
    if (!mux) return;
    opened(link, tabId);
    mux.attach({
      key: keyOf(tabId, link.id),
      deliver: (raw) => queueMicrotask(() => deliver(link, tabId, raw)),
      close: (info) => finish(link, info),
    });
  }

  function connectLink(link: TabLink): void {
    if (mux) {
      attachLocally(link);
      return;
    }
    post({ k: 'open', from: tabId, link: link.id });
    if (link.timer !== undefined) return;
    link.timer = clock.setTimeout(() => {
      link.timer = undefined;
      if (link.state === 'pending') finish(link, { code: 1006, reason: 'no leader tab answered' });
    }, openTimeoutMs);
  }

  function receive(message: TabMessage): void {
    switch (message.k) {
      case 'opened': {
        if (message.to !== tabId) return;
        const link = links.get(message.link);
        if (link?.state === 'pending') opened(link, message.from);
        // Answered too late (the link closed, or another leader took it): release the leader's side.
        else if (link?.leader !== message.from)
          post({ k: 'bye', from: tabId, to: message.from, link: message.link });
        return;
      }
      case 'down': {
        const link = message.to === tabId ? links.get(message.link) : undefined;
        if (link) deliver(link, message.from, message.raw);
        return;
      }
      case 'fanout': {
        const prefix = `${tabId}/`;
        for (const target of message.targets) {
          const link = target.startsWith(prefix) ? links.get(target.slice(prefix.length)) : undefined;
          if (link) deliver(link, message.from, message.raw);
        }
        return;
      }
      case 'closed': {
        const link = message.to === tabId ? links.get(message.link) : undefined;
        if (link && link.leader === message.from) finish(link, message.info);
        return;
      }
      case 'leader':
        for (const link of [...links.values()]) {
          if (link.state === 'pending') post({ k: 'open', from: tabId, link: link.id });
          else if (link.leader !== message.from && link.leader !== tabId) {
            finish(link, { code: 1006, reason: 'leader tab changed' });
          }
        }
        return;
      case 'open':
        if (!mux) return; // Only the leader answers.
        attachRemote(message.from, message.link);
        return;
      case 'up':
        if (message.to !== tabId) return;
        if (mux?.has(keyOf(message.from, message.link)))
          mux.fromClient(keyOf(message.from, message.link), message.raw);
        else {
          // This tab no longer leads: tell the follower its link is gone.
          const info = { code: 1006, reason: 'leader tab changed' };
          post({ k: 'closed', from: tabId, to: message.from, link: message.link, info });
        }
        return;
      case 'bye':
        if (message.to === tabId) mux?.detach(keyOf(message.from, message.link));
        return;
    }
  }

  function attachRemote(tab: string, link: string): void {
    if (!mux) return;
    const key = keyOf(tab, link);
    if (!mux.has(key)) {
      mux.attach({
        key,
        remote: { tab, link },
        deliver: (raw) => post({ k: 'down', from: tabId, to: tab, link, raw }),
        close: (info) => post({ k: 'closed', from: tabId, to: tab, link, info }),
      });
    }
    post({ k: 'opened', from: tabId, to: tab, link });
  }

  return {
    $isLeader,
    shared: true,
    open(handlers) {
      const link: TabLink = { id: `l${nextLink++}`, handlers, state: 'pending' };
      if (disposed) {
        finish(link, { code: 1006, reason: 'transport disposed' });
        return { send() {}, close() {} };
      }
      links.set(link.id, link);
      interested = true;
      start();
      elect();
      connectLink(link);
      return {
        send(raw) {
          if (link.state !== 'open' || link.leader === undefined) return;
          if (link.leader === tabId) {
            const key = keyOf(tabId, link.id);
            queueMicrotask(() => mux?.fromClient(key, raw));
          } else {
            post({ k: 'up', from: tabId, to: link.leader, link: link.id, raw });
          }
        },
        close(code = 1000, reason = 'closed by client') {
          if (link.state === 'closed') return;
          const leader = link.leader;
          finish(link, { code, reason });
          if (leader === tabId) mux?.detach(keyOf(tabId, link.id));
          else if (leader !== undefined) post({ k: 'bye', from: tabId, to: leader, link: link.id });
        },
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stepDown({ code: 1006, reason: 'leader tab closed' });
      for (const link of [...links.values()]) {
        if (link.leader !== undefined && link.leader !== tabId) {
          post({ k: 'bye', from: tabId, to: link.leader, link: link.id });
        }
        finish(link, { code: 1006, reason: 'transport disposed' });
      }
      stopEnvironment?.();
      try {
        channel?.close();
      } catch {
        // Already closed with its page.
      }
      channel = undefined;
    },
  };
}

// ─── the leader's multiplexer ────────────────────────────────────────────────────────────────────

interface MuxClientInit {
  readonly key: string;
  /** Set for a link of another tab. */
  readonly remote?: { readonly tab: string; readonly link: string } | undefined;
  /** Sends one frame to this client (used for local clients and targeted frames). */
  readonly deliver: (raw: string) => void;
  /** Reports the client's link closed. */
  readonly close: (info: LinkCloseInfo) => void;
}

interface MuxClient extends MuxClientInit {
  /** Prefix of this client's command ids on the real link. */
  readonly prefix: string;
  welcomed: boolean;
  silentPings: number;
}

interface Multiplexer {
  attach(client: MuxClientInit): void;
  has(key: string): boolean;
  detach(key: string): void;
  fromClient(key: string, raw: string): void;
  shutdown(info: LinkCloseInfo): void;
}

interface Frame {
  readonly t?: unknown | undefined;
  readonly id?: unknown | undefined;
  readonly ts?: unknown | undefined;
  readonly cid?: unknown | undefined;
  readonly seq?: unknown | undefined;
}

interface WelcomeFrameLike extends Frame {
  readonly v: number;
  readonly subject: unknown;
  readonly resumeToken: string;
  readonly heartbeatMs: number;
  readonly heads?: Readonly<Record<string, number>> | undefined;
}

interface HelloFrameLike extends Frame {
  readonly resume?: { readonly cursors?: Readonly<Record<string, unknown>> } | undefined;
}

function parseFrame(raw: string): Frame | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Frame)
      : undefined;
  } catch {
    return undefined;
  }
}

function createMultiplexer(
  inner: Transport,
  tabId: string,
  post: (message: TabMessage) => void,
): Multiplexer {
  const clients = new Map<string, MuxClient>();
  const byPrefix = new Map<string, MuxClient>();
  /** Hellos of clients waiting for the real welcome, in arrival order. */
  const waiting = new Map<string, { readonly raw: string; readonly hello: HelloFrameLike }>();
  /** Highest `seq` seen on the real link, per conversation. */
  const seen = new Map<string, number>();
  let nextPrefix = 1;
  let real: TransportLink | undefined;
  let realOpen = false;
  let helloSent = false;
  let owner: string | undefined;
  let welcome: WelcomeFrameLike | undefined;

  /** The newest `seq` this leader knows of: from events it relayed, or the server's heads at welcome. */
  function knownHead(cid: string): number | undefined {
    const relayed = seen.get(cid);
    const atWelcome = welcome?.heads?.[cid];
    if (relayed === undefined) return atWelcome;
    return atWelcome === undefined ? relayed : Math.max(relayed, atWelcome);
  }

  function send(client: MuxClient, raw: string): void {
    client.deliver(raw);
  }

  /** Sends one frame to every welcomed client: one message for all follower tabs, direct delivery locally. */
  function fanout(raw: string, everyone = false): void {
    const targets: string[] = [];
    for (const client of clients.values()) {
      if (!client.welcomed && !everyone) continue;
      if (client.remote) targets.push(client.key);
      else client.deliver(raw);
    }
    if (targets.length > 0) post({ k: 'fanout', from: tabId, raw, targets });
  }

  function openReal(): void {
    if (real) {
      sendHello();
      return;
    }
    const link: TransportLink = inner.open({
      onOpen() {
        if (real !== link) return;
        realOpen = true;
        sendHello();
      },
      onFrame(raw) {
        if (real === link) fromServer(raw);
      },
      onClose(info) {
        if (real === link) realLost(info);
      },
    });
    real = link;
  }

  function sendHello(): void {
    if (!real || !realOpen || helloSent || owner === undefined) return;
    const hello = waiting.get(owner);
    if (!hello) return;
    helloSent = true;
    real.send(hello.raw);
  }

  function reset(): void {
    real = undefined;
    realOpen = false;
    helloSent = false;
    owner = undefined;
    welcome = undefined;
    waiting.clear();
  }

  function realLost(info: LinkCloseInfo): void {
    reset();
    const all = [...clients.values()];
    clients.clear();
    byPrefix.clear();
    for (const client of all) client.close(info);
  }

  /** Welcomes a client with the server's current welcome, and asks it to backfill what it may have missed. */
  function greet(client: MuxClient, hello: HelloFrameLike): void {
    if (!welcome) return;
    const heads: Record<string, number> = {};
    const gaps: string[] = [];
    for (const [cid, after] of Object.entries(hello.resume?.cursors ?? {})) {
      if (typeof after !== 'number') continue;
      const known = knownHead(cid);
      heads[cid] = Math.max(known ?? after, after);
      // Behind what this tab knows, or unknown here: the client fetches the rest from history.
      if (known === undefined || known > after) gaps.push(JSON.stringify({ t: 'gap', cid, after }));
    }
    client.welcomed = true;
    send(
      client,
      JSON.stringify({
        t: 'welcome',
        v: welcome.v,
        subject: welcome.subject,
        resumeToken: welcome.resumeToken,
        heartbeatMs: welcome.heartbeatMs,
        resumed: hello.resume !== undefined,
        heads,
      }),
    );
    for (const gap of gaps) send(client, gap);
  }

  function fromServer(raw: string): void {
    const frame = parseFrame(raw);
    if (!frame) return;
    switch (frame.t) {
      case 'welcome': {
        welcome = frame as WelcomeFrameLike;
        const first = owner === undefined ? undefined : clients.get(owner);
        if (first && owner !== undefined) {
          waiting.delete(owner);
          first.welcomed = true;
          send(first, raw);
        }
        for (const [key, { hello }] of [...waiting]) {
          const client = clients.get(key);
          if (client) greet(client, hello);
        }
        waiting.clear();
        return;
      }
      case 'ack':
      case 'nack': {
        const id = typeof frame.id === 'string' ? frame.id : '';
        const dot = id.indexOf('.');
        const client = dot > 0 ? byPrefix.get(id.slice(0, dot)) : undefined;
        if (client) send(client, JSON.stringify({ ...frame, id: id.slice(dot + 1) }));
        return;
      }
      case 'ping': {
        // The leader is the real endpoint: it answers for the browser, and drops tabs that stopped answering.
        real?.send(JSON.stringify({ t: 'pong', ts: frame.ts }));
        for (const client of [...clients.values()]) {
          if (client.remote && client.welcomed && ++client.silentPings > MAX_SILENT_PINGS) {
            detach(client.key);
            client.close({ code: 1006, reason: 'tab stopped answering' });
          }
        }
        fanout(raw);
        return;
      }
      case 'evt':
        if (typeof frame.cid === 'string' && typeof frame.seq === 'number') {
          seen.set(frame.cid, Math.max(seen.get(frame.cid) ?? 0, frame.seq));
        }
        fanout(raw);
        return;
      case 'bye':
        fanout(raw, true); // Also to clients still waiting for a welcome: it explains the close that follows.
        return;
      default:
        fanout(raw);
    }
  }

  function detach(key: string): void {
    const client = clients.get(key);
    if (!client) return;
    clients.delete(key);
    byPrefix.delete(client.prefix);
    waiting.delete(key);
    if (owner === key && !helloSent) {
      owner = waiting.keys().next().value;
      sendHello();
    }
    if (clients.size === 0 && real) {
      // Nobody in this browser needs the connection any more.
      const link = real;
      reset();
      link.close(1000, 'no tab needs the connection');
    }
  }

  return {
    attach(init) {
      const client: MuxClient = { ...init, prefix: `m${nextPrefix++}`, welcomed: false, silentPings: 0 };
      clients.set(client.key, client);
      byPrefix.set(client.prefix, client);
    },
    has: (key) => clients.has(key),
    detach,
    fromClient(key, raw) {
      const client = clients.get(key);
      if (!client) return;
      client.silentPings = 0;
      const frame = parseFrame(raw);
      if (!frame) return;
      switch (frame.t) {
        case 'hello':
          if (welcome) return greet(client, frame as HelloFrameLike);
          waiting.set(key, { raw, hello: frame as HelloFrameLike });
          owner ??= key;
          openReal();
          return;
        case 'cmd':
          // Commands only flow on a welcomed link; the connection re-sends what is pending after its welcome.
          if (!welcome || !client.welcomed || typeof frame.id !== 'string') return;
          real?.send(JSON.stringify({ ...frame, id: `${client.prefix}.${frame.id}` }));
          return;
        case 'pong':
          return; // The leader answers the server's pings itself.
        default:
          // A probe (`ping`): the server's `pong` goes to every tab, which is proof of life for all.
          if (welcome && client.welcomed) real?.send(raw);
      }
    },
    shutdown(info) {
      const link = real;
      reset();
      link?.close(1000, 'leader tab leaving');
      const all = [...clients.values()];
      clients.clear();
      byPrefix.clear();
      for (const client of all) client.close(info);
    },
  };
}
