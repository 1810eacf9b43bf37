// A round-robin TCP load balancer for multi-instance tests: each new connection goes to the next instance that is
// up, as HAProxy or nginx in `stream` mode would, with no stickiness. An instance is skipped while marked down (the
// test's health checks say so) and when it refuses the connection (its process is gone).
import { connect, createServer, type Socket } from 'node:net';

/** A round-robin balancer on 127.0.0.1 under a test's control. */
export interface RoundRobinProxy {
  readonly port: number;
  /** Points instance `index` at a port (a restarted process listens elsewhere), or at nothing. */
  setTarget(index: number, port: number | undefined): void;
  /** Marks an instance up or down, as a load balancer's health check would; down ones get no new connections. */
  setUp(index: number, up: boolean): void;
  isUp(index: number): boolean;
  /** Sends the next new connection to instance `index` if it is up (tests that need two clients on one instance). */
  steer(index: number): void;
  /** The instance a connection went to, by the client's own port; undefined once it closed or if never routed. */
  instanceOf(clientPort: number): number | undefined;
  /** Open connections per instance. */
  connections(): readonly number[];
  /** How many new connections each instance got since the start. */
  readonly routed: readonly number[];
  /** Destroys every open connection of instance `index` (all of them when absent). */
  cut(index?: number): void;
  close(): Promise<void>;
}

interface Route {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly index: number;
}

/** Starts a balancer over `ports` (one per instance, all up). */
export async function startRoundRobinProxy(ports: readonly (number | undefined)[]): Promise<RoundRobinProxy> {
  const targets = [...ports];
  const up = targets.map(() => true);
  const routed = targets.map(() => 0);
  const routes = new Map<number, Route>();
  const open = new Set<Route>();
  let next = 0;
  let steered: number | undefined;

  /** The instances to try, in order: the steered one, or the round-robin order from `next`. */
  function candidates(): number[] {
    if (steered !== undefined) {
      const index = steered;
      steered = undefined;
      if (up[index] && targets[index] !== undefined) return [index];
    }
    const order = targets.map((_, k) => (next + k) % targets.length);
    next = (next + 1) % targets.length;
    return order.filter((index) => up[index] && targets[index] !== undefined);
  }

  const server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => {});
    const tryNext = (left: number[]) => {
      const index = left[0];
      const port = index === undefined ? undefined : targets[index];
      if (index === undefined || port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = connect(port, '127.0.0.1');
      // No Nagle delay on small frames, as a real balancer in stream mode has none.
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      const refused = () => tryNext(left.slice(1));
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        const route: Route = { client, upstream, index };
        const clientPort = client.remotePort;
        routed[index] = (routed[index] ?? 0) + 1;
        open.add(route);
        if (clientPort !== undefined) routes.set(clientPort, route);
        const drop = () => {
          open.delete(route);
          if (clientPort !== undefined && routes.get(clientPort) === route) routes.delete(clientPort);
          client.destroy();
          upstream.destroy();
        };
        upstream.on('error', drop).on('close', drop);
        client.on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext(candidates());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const cut = (index?: number) => {
    for (const route of [...open]) {
      if (index !== undefined && route.index !== index) continue;
      route.client.destroy();
      route.upstream.destroy();
    }
  };
  return {
    port,
    setTarget(index, target) {
      targets[index] = target;
    },
    setUp(index, isUp) {
      up[index] = isUp;
    },
    isUp: (index) => up[index] === true,
    steer(index) {
      steered = index;
    },
    instanceOf: (clientPort) => routes.get(clientPort)?.index,
    connections: () => targets.map((_, index) => [...open].filter((route) => route.index === index).length),
    routed,
    cut,
    close() {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
