import type { Hub, HubConnection } from '@helpline/core/hub';
import { toHelplineError } from '../http/http.errors';
import type { EngineBus, EngineTopics } from './engine.topics';
import type { ForwardedReply, ForwardedRequest } from './http.forward';

/** What {@link serveRelay} needs. */
export interface RelayServerOptions {
  readonly bus: EngineBus;
  /** The leader's hub. */
  readonly hub: Hub;
  /** The leader's term: relay messages of another epoch are not for this hub. */
  readonly epoch: number;
  /** Answers HTTP requests followers forward (routes whose state lives with the hub); none: they get 404. */
  readonly http?: ((request: ForwardedRequest) => Promise<ForwardedReply>) | undefined;
}

/** The leader's side of the relay while its hub runs. */
export interface RelayServer {
  /** Connections relayed from followers now. */
  readonly size: number;
  /**
   * Ends every relayed connection: the hub hears they went away, their followers are told to close them (1012). For
   * when frames may have been lost between them (the bus listener reconnected).
   */
  reset(): void;
  /**
   * Lets go every connection relayed from follower `instance`, which died without a goodbye: the hub hears they went;
   * the follower, should it be alive after all, is told to close them (1012) and their clients resume. Returns how
   * many there were.
   */
  forget(instance: string): number;
  /** Stops serving; the hub's own `close` tells the followers' sockets goodbye. */
  close(): void;
}

interface Remote {
  readonly instance: string;
  readonly connection: HubConnection;
  /** The `n` of the next `relay.in` expected. */
  nextIn: number;
}

const SERVICE_RESTART = 1012;

/**
 * Serves followers' sockets and API calls from the leader's hub. A follower's `relay.attach` becomes a
 * `hub.connect` whose sink publishes `relay.out` and `relay.close` back to that follower; its `relay.in` frames
 * feed the connection in the order the follower published them (the bus keeps each sender's order); its
 * `relay.execute` runs `hub.execute` and answers `relay.executed`; its `relay.http` runs `http` and answers
 * `relay.http-reply`.
 *
 * @example
 * ```ts
 * const relay = serveRelay({ bus, hub, epoch: lease.epoch });
 * // …when the term ends:
 * hub.close(CLOSE_CODES.serviceRestart);
 * relay.close();
 * ```
 */
export function serveRelay(options: RelayServerOptions): RelayServer {
  const { bus, hub, epoch } = options;
  const remotes = new Map<string, Remote>();
  let closed = false;

  const tellClose = (instance: string, connectionId: string, code: number, reason: string) =>
    bus.publish('relay.close', { connectionId, epoch, code, reason }, { instances: [instance] });

  function attach(instance: string, { connectionId, meta, keepsAlive }: EngineTopics['relay.attach']) {
    if (remotes.has(connectionId)) return;
    let sent = 0;
    const out = (raw: string, ping?: true) => {
      if (!remotes.has(connectionId)) return;
      sent += 1;
      bus.publish(
        'relay.out',
        { connectionId, epoch, n: sent, raw, ...(ping ? { ping } : {}) },
        { instances: [instance] },
      );
    };
    const connection = hub.connect(
      {
        send: (raw) => out(raw),
        ping: (raw) => out(raw, true),
        // The follower pings the socket itself: no ping or pong crosses between the instances.
        ...(keepsAlive ? { keepsAlive: true } : {}),
        close: (code, reason) => {
          if (!remotes.delete(connectionId)) return;
          tellClose(instance, connectionId, code, reason);
        },
      },
      meta,
    );
    remotes.set(connectionId, { instance, connection, nextIn: 1 });
  }

  /** Ends a relayed connection whose frames were lost: the hub hears it went, its follower closes it (1012). */
  function drop(connectionId: string, remote: Remote, reason: string) {
    remotes.delete(connectionId);
    remote.connection.disconnected();
    tellClose(remote.instance, connectionId, SERVICE_RESTART, reason);
  }

  function execute(instance: string, request: EngineTopics['relay.execute']) {
    const { requestId } = request;
    hub.execute(request.subject, request.op, request.args, request.meta).then(
      (result) =>
        bus.publish('relay.executed', { requestId, epoch, ok: true, result }, { instances: [instance] }),
      (error: unknown) =>
        bus.publish(
          'relay.executed',
          { requestId, epoch, ok: false, error: toHelplineError(error).toPayload() },
          { instances: [instance] },
        ),
    );
  }

  /** A follower's call of `hub.channels`, answered as `relay.executed`. */
  function channel(instance: string, { requestId, call }: EngineTopics['relay.channel']) {
    const done =
      call.op === 'receive'
        ? hub.channels.receive(call.message)
        : hub.channels.status(call.channel, call.externalId, call.status, call.detail);
    done.then(
      (result) =>
        bus.publish('relay.executed', { requestId, epoch, ok: true, result }, { instances: [instance] }),
      (error: unknown) =>
        bus.publish(
          'relay.executed',
          { requestId, epoch, ok: false, error: toHelplineError(error).toPayload() },
          { instances: [instance] },
        ),
    );
  }

  function answer(instance: string, { requestId, request }: EngineTopics['relay.http']) {
    const answered = options.http?.(request) ?? Promise.resolve({ status: 404, headers: {}, body: '' });
    answered
      .catch((): ForwardedReply => ({ status: 500, headers: {}, body: '' }))
      .then((reply) =>
        bus.publish('relay.http-reply', { requestId, epoch, reply }, { instances: [instance] }),
      );
  }

  const unsubscribe = bus.subscribe((message) => {
    if (closed) return;
    switch (message.kind) {
      case 'relay.attach':
        if (message.payload.epoch === epoch) attach(message.origin, message.payload);
        break;
      case 'relay.in': {
        const { connectionId } = message.payload;
        if (message.payload.epoch !== epoch) break;
        const remote = remotes.get(connectionId);
        // Its attach never arrived (lost with a listener that reconnected): the follower must not wait on it.
        if (!remote) tellClose(message.origin, connectionId, SERVICE_RESTART, 'unknown connection');
        else if (message.payload.n !== remote.nextIn) drop(connectionId, remote, 'relay lost frames');
        else {
          remote.nextIn += 1;
          remote.connection.receive(message.payload.raw);
        }
        break;
      }
      case 'relay.detach': {
        const remote = remotes.get(message.payload.connectionId);
        if (message.payload.epoch !== epoch || !remote) break;
        remotes.delete(message.payload.connectionId);
        remote.connection.disconnected();
        break;
      }
      case 'relay.execute':
        if (message.payload.epoch === epoch) execute(message.origin, message.payload);
        break;
      case 'relay.channel':
        if (message.payload.epoch === epoch) channel(message.origin, message.payload);
        break;
      case 'relay.http':
        if (message.payload.epoch === epoch) answer(message.origin, message.payload);
        break;
      default:
        break;
    }
  });

  return {
    get size() {
      return remotes.size;
    },
    reset() {
      for (const [connectionId, remote] of [...remotes]) drop(connectionId, remote, 'relay reset');
    },
    forget(instance) {
      let count = 0;
      for (const [connectionId, remote] of [...remotes]) {
        if (remote.instance !== instance) continue;
        drop(connectionId, remote, 'the follower fell silent');
        count++;
      }
      return count;
    },
    close() {
      closed = true;
      unsubscribe();
      remotes.clear();
    },
  };
}
