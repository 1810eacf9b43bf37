// A TCP proxy for fault tests: forwards to a target port and can cut, black-hole or delay the connections.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

interface Pair {
  readonly client: Socket;
  /** None for a connection made inside a black hole: nothing of it ever reaches the target. */
  readonly upstream: Socket | undefined;
  blackholed: boolean;
  /** In a black hole that closes too are lost in: neither side learns that the other one gave up. */
  sealed: boolean;
}

/** A TCP proxy on 127.0.0.1 under a test's control. */
export interface FaultProxy {
  readonly port: number;
  /** Points new connections at another port (a restarted server). */
  setTarget(port: number): void;
  /** Destroys every open connection, as a network failure would. */
  cut(): void;
  /** Silently drops everything on the connections open now (new ones flow normally). */
  blackhole(): void;
  /**
   * Starts or ends a network black hole: while it lasts, every connection, open or new, silently drops all it
   * carries, closes included (a new one is accepted but never reaches the target), as when a path dies without
   * telling anyone. Connections that fell into it stay dead after it ends (their streams lost bytes); new ones flow.
   */
  setBlackhole(on: boolean): void;
  /** Delays every chunk by `ms`, keeping order; 0 turns it off. */
  setDelay(ms: number): void;
  readonly openConnections: number;
  /** The local ports of its open connections to the target: the target (a database) knows each one by its port. */
  upstreamPorts(): number[];
  close(): Promise<void>;
}

/** Starts a proxy to `host:targetPort` (a server of the test's own, or a database). */
export async function startFaultProxy(targetPort: number, host = '127.0.0.1'): Promise<FaultProxy> {
  let target = targetPort;
  let delayMs = 0;
  let hole = false;
  const pairs = new Set<Pair>();

  function forward(from: Socket, to: Socket, pair: Pair): void {
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      if (pair.blackholed) return;
      const delay = delayMs;
      chain = chain.then(async () => {
        if (delay > 0) await sleep(delay);
        if (!pair.blackholed && !to.destroyed) to.write(chunk);
      });
    });
  }

  const server: Server = createServer((client) => {
    const upstream = hole ? undefined : connect(target, host);
    // As the database's own clients do: no Nagle delay on the small writes of a request and its answer.
    client.setNoDelay(true);
    upstream?.setNoDelay(true);
    const pair: Pair = { client, upstream, blackholed: hole, sealed: hole };
    pairs.add(pair);
    const drop = () => {
      if (pair.sealed) {
        // The other side never hears of it; the pair is gone once both sides have given up.
        if (client.destroyed && (!upstream || upstream.destroyed)) pairs.delete(pair);
        return;
      }
      pairs.delete(pair);
      client.destroy();
      upstream?.destroy();
    };
    client.on('error', drop).on('close', drop);
    if (!upstream) {
      client.on('data', () => {}); // Read and drop, as the hole does.
      return;
    }
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream, pair);
    forward(upstream, client, pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const cut = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.upstream?.destroy();
    }
  };
  return {
    port,
    setTarget(next) {
      target = next;
    },
    cut,
    blackhole() {
      for (const pair of pairs) pair.blackholed = true;
    },
    setBlackhole(on) {
      hole = on;
      if (!on) return;
      for (const pair of pairs) {
        pair.blackholed = true;
        pair.sealed = true;
      }
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get openConnections() {
      return pairs.size;
    },
    upstreamPorts: () => [...pairs].flatMap((pair) => pair.upstream?.localPort ?? []),
    close() {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
