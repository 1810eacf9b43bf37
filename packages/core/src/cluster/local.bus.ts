import type {
  ClusterAddressees,
  ClusterBus,
  ClusterMessage,
  ClusterTopics,
  ReportClusterFailure,
  Unsubscribe,
} from './cluster.types';

/** Options of {@link createLocalBus}. */
export interface LocalBusOptions {
  /** This process's id, the `origin` of its messages. Default `local`. */
  readonly instanceId?: string;
  /** Where a handler that threw is reported. Default: the console. */
  readonly reportFailure?: ReportClusterFailure;
  /** Schedules a delivery. Default: a microtask — asynchronous like a real bus, and in order. */
  readonly deliver?: (task: () => void) => void;
}

/** Reports to the console: what the hub does when it has no logger. */
export const reportToConsole: ReportClusterFailure = (what, error) =>
  console.error(`[helpline] ${what} failed`, error);

/** Calls each handler with `value`; one that throws is reported and the others still run. */
export function callEach<T>(
  handlers: Iterable<(value: T) => void>,
  value: T,
  what: string,
  report: ReportClusterFailure,
): void {
  for (const handler of [...handlers]) {
    try {
      handler(value);
    } catch (error) {
      report(what, error);
    }
  }
}

/** Whether an instance is among a message's addressees. */
export function isAddressedTo(to: ClusterAddressees, instanceId: string): boolean {
  return to.instances === undefined || to.instances.includes(instanceId);
}

/**
 * The bus of a deployment of one process — the embedded default and tests: it delivers what this process
 * publishes to its own subscribers, asynchronously and in order. Its listener never drops, so `onReconnect`
 * handlers are never called.
 *
 * @example
 * ```ts
 * const bus = createLocalBus<{ 'presence.changed': { agentId: string } }>();
 * bus.subscribe((message) => console.log(message.kind, message.payload.agentId, message.origin));
 * bus.publish('presence.changed', { agentId: 'a1' });
 * ```
 */
export function createLocalBus<Topics extends ClusterTopics>(
  options: LocalBusOptions = {},
): ClusterBus<Topics> {
  const instanceId = options.instanceId ?? 'local';
  const report = options.reportFailure ?? reportToConsole;
  const deliver = options.deliver ?? ((task: () => void) => queueMicrotask(task));
  const handlers = new Set<(message: ClusterMessage<Topics>) => void>();
  let closed = false;

  const flush = () => new Promise<void>((resolve) => deliver(resolve));

  return {
    instanceId,
    get connected() {
      return !closed;
    },
    publish(kind, payload, to = {}) {
      if (closed || !isAddressedTo(to, instanceId)) return;
      const message = { kind, payload, to, origin: instanceId } as ClusterMessage<Topics>;
      deliver(() => callEach(handlers, message, `bus handler of ${kind}`, report));
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onReconnect(): Unsubscribe {
      return () => {};
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      handlers.clear();
    },
  };
}
