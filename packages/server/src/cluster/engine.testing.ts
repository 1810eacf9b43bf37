// In-process stand-ins for the engine's tests: several instances on one bus and one lease inside a single test
// process, with the faults the PostgreSQL implementations meet (a listener that lost messages, a lease that was lost
// or went to someone else), and a recording socket.
import type { ServerFrame } from '@helpline/core';
import {
  type ClusterBus,
  type ClusterLease,
  type ClusterMessage,
  type ClusterTopics,
  clusterFailure,
  isAddressedTo,
} from '@helpline/core/cluster';
import type { ConnectionMeta, Hub, HubConnection, HubConnectionSink } from '@helpline/core/hub';

/** Buses of several instances that reach each other, as LISTEN/NOTIFY does: asynchronously, each sender in order. */
export interface SharedBus<Topics extends ClusterTopics> {
  /** The bus of instance `instanceId`. */
  join(instanceId: string): ClusterBus<Topics>;
  /** The instance's listener is gone: what is published meanwhile never reaches it. */
  cut(instanceId: string): void;
  /** Its listener is back: its `onReconnect` handlers run. */
  heal(instanceId: string): void;
}

/** A {@link SharedBus}. Payloads cross as JSON, as they would between processes. */
export function createSharedBus<Topics extends ClusterTopics>(): SharedBus<Topics> {
  const members = new Map<
    string,
    { handlers: Set<(message: ClusterMessage<Topics>) => void>; reconnects: Set<() => void>; up: boolean }
  >();
  return {
    join(instanceId) {
      const member = { handlers: new Set<never>(), reconnects: new Set<() => void>(), up: true };
      members.set(instanceId, member);
      let closed = false;
      return {
        instanceId,
        get connected() {
          return member.up && !closed;
        },
        publish(kind, payload, to = {}) {
          if (closed) return;
          const text = JSON.stringify(payload);
          queueMicrotask(() => {
            for (const [id, other] of members) {
              if (!other.up || !isAddressedTo(to, id)) continue;
              const message = {
                kind,
                payload: JSON.parse(text),
                to,
                origin: instanceId,
              } as ClusterMessage<Topics>;
              for (const handler of [...other.handlers]) handler(message);
            }
          });
        },
        subscribe(handler) {
          member.handlers.add(handler as never);
          return () => member.handlers.delete(handler as never);
        },
        onReconnect(handler) {
          member.reconnects.add(handler);
          return () => member.reconnects.delete(handler);
        },
        flush: () => new Promise<void>((resolve) => queueMicrotask(resolve)),
        async close() {
          closed = true;
          members.delete(instanceId);
        },
      };
    },
    cut(instanceId) {
      const member = members.get(instanceId);
      if (member) member.up = false;
    },
    heal(instanceId) {
      const member = members.get(instanceId);
      if (!member) return;
      member.up = true;
      for (const handler of [...member.reconnects]) handler();
    },
  };
}

/** One lease that several instances contend for, under the test's control. */
export interface LeaseArena {
  lease(instanceId: string): ClusterLease;
  /** Who holds it, and the epoch of the last win. */
  readonly holder: string | undefined;
  readonly epoch: number;
  /** The holder loses it (its session ended); nobody holds it until a `grant` or an `acquire`. */
  expire(): void;
  /** `instanceId` wins it, with the next epoch (a holder that did not notice keeps believing it holds it). */
  grant(instanceId: string): void;
}

/** A {@link LeaseArena}: the first to `acquire` a free lease wins it. */
export function createLeaseArena(): LeaseArena {
  let holder: string | undefined;
  let epoch = 0;
  const leases = new Map<
    string,
    { won: Set<(epoch: number) => void>; lost: Set<(epoch: number) => void>; mine: number | undefined }
  >();
  const win = (instanceId: string) => {
    const state = leases.get(instanceId);
    if (!state) return;
    holder = instanceId;
    state.mine = ++epoch;
    for (const handler of [...state.won]) handler(epoch);
  };
  const lose = (instanceId: string) => {
    const state = leases.get(instanceId);
    if (state?.mine === undefined) return;
    const had = state.mine;
    state.mine = undefined;
    for (const handler of [...state.lost]) handler(had);
  };
  return {
    lease(instanceId) {
      const state = { won: new Set<(epoch: number) => void>(), lost: new Set<(epoch: number) => void>() };
      const entry = { ...state, mine: undefined as number | undefined };
      leases.set(instanceId, entry);
      return {
        name: 'engine',
        get held() {
          return entry.mine !== undefined;
        },
        get epoch() {
          return entry.mine;
        },
        async acquire() {
          if (holder === undefined) win(instanceId);
          return entry.mine !== undefined;
        },
        onWon(handler) {
          entry.won.add(handler);
          return () => entry.won.delete(handler);
        },
        onLost(handler) {
          entry.lost.add(handler);
          return () => entry.lost.delete(handler);
        },
        async fence() {
          if (entry.mine === undefined || entry.mine !== epoch) {
            const detail = `won epoch ${entry.mine ?? 'none'}, now at ${epoch}`;
            lose(instanceId);
            throw clusterFailure('cluster/stale-epoch', { lease: 'engine', detail });
          }
        },
        async close() {
          entry.mine = undefined;
          if (holder === instanceId) holder = undefined;
          leases.delete(instanceId);
        },
      };
    },
    get holder() {
      return holder;
    },
    get epoch() {
      return epoch;
    },
    expire() {
      const had = holder;
      holder = undefined;
      if (had) lose(had);
    },
    grant(instanceId) {
      win(instanceId);
    },
  };
}

/** A socket on a hub (or an engine) that keeps every frame it is sent. */
export interface RecordedSocket {
  readonly frames: ServerFrame[];
  /** The close code and reason, once closed. */
  readonly closed: { readonly code: number; readonly reason: string } | undefined;
  hello(token: string, resume?: { token: string; cursors: Record<string, number> }): Promise<ServerFrame>;
  /** A command; resolves with its ack's result, rejects with its nack's error code. */
  command(op: string, args: Record<string, unknown>): Promise<unknown>;
  /** The first frame (from now on, or already received when `past`) that `match` accepts. */
  next(match: (frame: ServerFrame) => boolean, what: string, timeoutMs?: number): Promise<ServerFrame>;
  /** The client goes away. */
  leave(): void;
}

/** Opens a {@link RecordedSocket} on `hub`. */
export function recordedSocket(hub: Hub, meta: ConnectionMeta = {}): RecordedSocket {
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  let closed: { code: number; reason: string } | undefined;
  let ids = 0;
  const connection: { current?: HubConnection } = {};
  connection.current = hub.connect(
    {
      send(raw) {
        frames.push(JSON.parse(raw) as ServerFrame);
        for (const waiter of [...waiters]) waiter();
      },
      close(code, reason) {
        if (closed) return;
        closed = { code, reason };
        // As a socket's 'close' event would, later.
        setTimeout(() => connection.current?.disconnected(), 0);
        for (const waiter of [...waiters]) waiter();
      },
    },
    meta,
  );
  const next = (match: (frame: ServerFrame) => boolean, what: string, timeoutMs = 2_000, from = 0) =>
    new Promise<ServerFrame>((resolve, reject) => {
      const check = () => {
        const found = frames.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (closed) {
          done();
          reject(new Error(`${what}: closed (${closed.code} ${closed.reason}) before it came`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} did not come within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const send = (frame: object) => connection.current?.receive(JSON.stringify(frame));
  return {
    frames,
    get closed() {
      return closed;
    },
    hello(token, resume) {
      const from = frames.length;
      send({ t: 'hello', v: 1, token, ...(resume ? { resume } : {}) });
      return next((f) => f.t === 'welcome' || f.t === 'bye', 'welcome', 2_000, from);
    },
    async command(op, args) {
      const id = `c${++ids}`;
      const from = frames.length;
      send({ t: 'cmd', id, op, args });
      const reply = await next((f) => (f.t === 'ack' || f.t === 'nack') && f.id === id, op, 2_000, from);
      if (reply.t === 'nack') throw Object.assign(new Error(reply.error.code), { code: reply.error.code });
      return reply.t === 'ack' ? reply.result : undefined;
    },
    next: (match, what, timeoutMs) => next(match, what, timeoutMs, 0),
    leave() {
      if (!closed) closed = { code: 1000, reason: 'left' };
      connection.current?.disconnected();
    },
  };
}

/** A client's socket as a relay's sink: what it was sent, pinged and closed with. */
export function recordingSink() {
  const sink = {
    frames: [] as string[],
    pings: [] as string[],
    closed: undefined as { code: number; reason: string } | undefined,
    send(raw: string) {
      sink.frames.push(raw);
    },
    ping(raw: string) {
      sink.pings.push(raw);
    },
    close(code: number, reason: string) {
      sink.closed = { code, reason };
    },
  } satisfies HubConnectionSink & Record<string, unknown>;
  return sink;
}

/** A hub that records what its one connection receives, the sink it was given, and whether the connection went. */
export function recordingHub() {
  const state = { received: [] as string[], gone: false, sink: undefined as HubConnectionSink | undefined };
  const hub = {
    connect(sink: HubConnectionSink): HubConnection {
      state.sink = sink;
      return {
        receive: (raw: string) => state.received.push(raw),
        disconnected: () => {
          state.gone = true;
        },
      };
    },
  } as unknown as Hub;
  return { hub, state };
}
