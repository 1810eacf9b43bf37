import type { Hub } from '../hub/hub';
import { CLOSE_CODES } from '../protocol/protocol.limits';
import type { LinkCloseInfo, LinkHandlers, Transport, TransportLink } from './transport.types';

/** Options of {@link createMemoryTransport}. */
export interface MemoryTransportOptions {
  /** The in-process hub to talk to. */
  readonly hub: Hub;
  /**
   * Schedules delivery of a frame. Frames are always delivered asynchronously and in order, like a socket;
   * the default is a microtask.
   */
  readonly deliver?: (task: () => void) => void;
}

/** A memory transport, plus fault injection for tests. */
export interface MemoryTransport extends Transport {
  /** Breaks every open link as a network failure would (code 1006), without a goodbye. */
  dropAll(): void;
  /** While true, new links fail to open (the server is unreachable). */
  setUnreachable(unreachable: boolean): void;
  /** Number of links currently open. */
  readonly openLinks: number;
}

/**
 * A transport to an in-process {@link Hub}: the same frames as the WebSocket transport, serialized as JSON, with
 * no network. For tests, demos and offline development.
 *
 * @example
 * ```ts
 * const hub = createHub({ queues, agents, authenticate: devAuthenticate });
 * const visitor = createVisitorSession({ transport: createMemoryTransport({ hub }), token: 'dev:visitor:v1:Ada' });
 * ```
 */
export function createMemoryTransport(options: MemoryTransportOptions): MemoryTransport {
  const deliver = options.deliver ?? ((task: () => void) => queueMicrotask(task));
  const links = new Set<() => void>();
  let unreachable = false;

  return {
    open(handlers: LinkHandlers): TransportLink {
      let state: 'opening' | 'open' | 'closed' = 'opening';
      // Frames the server sent before it closed the link (its `bye`) still arrive, as on a socket; frames in flight
      // when the network breaks, or after the client closed, are lost.
      let closedByServer = false;
      const finish = (info: LinkCloseInfo, byServer = false) => {
        if (state === 'closed') return;
        state = 'closed';
        closedByServer = byServer;
        links.delete(breakLink);
        connection?.disconnected();
        deliver(() => handlers.onClose(info));
      };
      const breakLink = () => finish({ code: 1006, reason: 'link broken' });
      let connection: ReturnType<Hub['connect']> | undefined;
      if (unreachable) {
        state = 'closed';
        deliver(() => handlers.onClose({ code: 1006, reason: 'unreachable' }));
        return { send() {}, close() {} };
      }
      links.add(breakLink);
      connection = options.hub.connect({
        send(raw) {
          if (state === 'open') deliver(() => (state === 'open' || closedByServer) && handlers.onFrame(raw));
        },
        close(code, reason) {
          finish({ code, reason }, true);
        },
      });
      deliver(() => {
        if (state !== 'opening') return;
        state = 'open';
        handlers.onOpen();
      });
      return {
        send(raw) {
          if (state !== 'open') return;
          deliver(() => state === 'open' && connection?.receive(raw));
        },
        close(code = CLOSE_CODES.normal, reason = 'closed by client') {
          finish({ code, reason });
        },
      };
    },
    dropAll() {
      for (const breakLink of [...links]) breakLink();
    },
    setUnreachable(value) {
      unreachable = value;
    },
    get openLinks() {
      return links.size;
    },
  };
}
