import type { ServerFrame } from '../protocol/protocol.types';
import type { HubClock } from './hub.types';

// Server-driven liveness: every interval each open connection gets a ping, and one that left two pings unanswered is
// dropped. The pings go out in slices of the interval, each connection in its own: pinging 10,000 sockets in one beat
// brought 10,000 pongs back at once, and every message of that moment waited behind them (p99 500 ms against 3 ms at
// p50, the slowest seconds exactly one interval apart). The same timer sweeps what the hub keeps in memory about once
// a minute. It beats only while a connection is open, so an idle hub keeps no timer.

/** How often the heartbeat also sweeps. */
const SWEEP_INTERVAL_MS = 60_000;
/** Each interval's pings go out in this many slices, a connection in the same slice each time. */
export const PING_SLICES = 10;

/**
 * The slice a connection first seen at tick `tick` takes: the one due `PING_SLICES - 1` ticks later, so its first ping
 * comes about one interval after it was first seen, and connections opened at different times spread over the slices.
 */
export const sliceFor = (tick: number): number => (tick + PING_SLICES - 1) % PING_SLICES;

/** What the heartbeat keeps on a connection. */
export interface Liveness {
  /** Pings sent since the client was last heard from. */
  unansweredPings: number;
}

/** What the heartbeat needs. */
export interface HeartbeatDeps<C extends Liveness> {
  readonly clock: HubClock;
  /** Time between pings; a client that misses two is dropped. */
  readonly intervalMs: number;
  /** The open connections. */
  readonly connections: () => ReadonlySet<C>;
  /** Whether `conn` is pinged and dropped for silence here; default every connection (see `keepsAlive` of a sink). */
  readonly pinged?: (conn: C) => boolean;
  /** Sends `raw`, one `ping` frame serialized for every connection of this slice, to `conn`. */
  readonly ping: (conn: C, raw: string) => void;
  /** Drops a connection that left two pings unanswered. */
  readonly timedOut: (conn: C) => void;
  /** Called about once a minute: expired resume tokens and finished interactions go out of memory. */
  readonly sweep: (now: number) => void;
}

/** The heartbeat of a hub's connections. */
export interface Heartbeat<C extends Liveness> {
  /** Starts beating unless it beats already or has stopped: a connection opened. */
  start(): void;
  /** The client of `conn` was heard from. */
  heard(conn: C): void;
  /** Stops for good. */
  stop(): void;
}

/**
 * Creates the heartbeat of a set of connections.
 *
 * @example
 * ```ts
 * const heartbeat = createHeartbeat({ clock, intervalMs: 15_000, connections: () => conns, ping, timedOut, sweep });
 * heartbeat.start();
 * ```
 */
export function createHeartbeat<C extends Liveness>(deps: HeartbeatDeps<C>): Heartbeat<C> {
  const { clock } = deps;
  let timer: unknown;
  let lastSweepAt = clock.now();
  let stopped = false;
  let tick = 0;
  const tickMs = deps.intervalMs / PING_SLICES;
  const slices = new WeakMap<C, number>();

  function beat(): void {
    const now = clock.now();
    tick++;
    let raw: string | undefined;
    for (const conn of [...deps.connections()]) {
      if (deps.pinged && !deps.pinged(conn)) continue;
      let slice = slices.get(conn);
      if (slice === undefined) {
        slice = sliceFor(tick);
        slices.set(conn, slice);
      }
      if (slice !== tick % PING_SLICES) continue;
      // Counted in pings, not wall time: after the server itself stalled, a pong still waiting in the socket
      // buffer must not count as missed.
      if (conn.unansweredPings >= 2) deps.timedOut(conn);
      else {
        conn.unansweredPings++;
        raw ??= JSON.stringify({ t: 'ping', ts: now } satisfies ServerFrame);
        deps.ping(conn, raw);
      }
    }
    if (now - lastSweepAt >= SWEEP_INTERVAL_MS) {
      lastSweepAt = now;
      deps.sweep(now);
    }
    timer = deps.connections().size > 0 && !stopped ? clock.setTimeout(beat, tickMs) : undefined;
  }

  return {
    start() {
      if (timer === undefined && !stopped) timer = clock.setTimeout(beat, tickMs);
    },
    heard(conn) {
      conn.unansweredPings = 0;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
