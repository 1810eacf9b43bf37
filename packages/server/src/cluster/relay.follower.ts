import {
  CLOSE_CODES,
  type CommandOp,
  type CommandResult,
  HelplineError,
  helplineError,
  type ServerFrame,
} from '@helpline/core';
import {
  type ConnectionMeta,
  type HubConnection,
  type HubConnectionSink,
  PING_SLICES,
  type Subject,
  sliceFor,
} from '@helpline/core/hub';
import type { ChannelCall, EngineBus } from './engine.topics';
import type { ForwardedReply, ForwardedRequest } from './http.forward';

/** The leader a follower relays to: its instance and its term. */
export interface RelayTarget {
  readonly instanceId: string;
  readonly epoch: number;
}

/** What {@link createRelayClient} needs. */
export interface RelayClientOptions {
  readonly bus: EngineBus;
  /** How long an API call waits for the leader's answer. Default 10 s. */
  readonly executeTimeoutMs?: number;
  /** What a caller whose answer did not come is told to wait before trying again. Default 1 s. */
  readonly retryAfterMs?: number;
  /**
   * The sockets' ping interval (the hub's `heartbeatMs`). Given, the follower keeps its relayed sockets alive itself,
   * as a hub does its own: it pings each one, closes one that leaves two pings unanswered, and answers for the hub
   * that no ping or pong crosses to the leader (a quarter of the relayed frames, measured). Only a socket's first
   * pong is relayed: a client heard from after its welcome spends the resume token it came with. Absent: the
   * leader's hub pings them through the relay.
   */
  readonly heartbeatMs?: number;
}

/** A follower's side of the relay: its sockets and API calls, carried to the leader's hub. */
export interface RelayClient {
  /** Sockets relayed now. */
  readonly size: number;
  /** A socket for the leader's hub: its frames go there, and what the hub sends it comes back. */
  connect(target: RelayTarget, sink: HubConnectionSink, meta: ConnectionMeta): HubConnection;
  /** `hub.execute` on the leader; rejects with `unavailable` (retryable) when no answer comes in time. */
  execute<Op extends CommandOp>(
    target: RelayTarget,
    subject: Subject,
    op: Op,
    args: unknown,
    meta: ConnectionMeta,
  ): Promise<CommandResult<Op>>;
  /** An HTTP request answered by the leader; rejects with `unavailable` (retryable) when no answer comes in time. */
  forward(target: RelayTarget, request: ForwardedRequest): Promise<ForwardedReply>;
  /**
   * A call of `hub.channels` on the leader (what `receive` or `status` resolves to there); rejects with `unavailable`
   * (retryable) when no answer comes in time.
   */
  channel(target: RelayTarget, call: ChannelCall): Promise<unknown>;
  /**
   * Another leader (or nobody) leads from now on: every socket relayed to another leader or term is closed with
   * `code` (its client resumes, landing on the new leader), every call waiting on one fails as `unavailable`.
   * Sockets and calls of `target` itself carry on.
   */
  retarget(target: RelayTarget | undefined, code: number, reason: string): void;
  /** Ends every relayed socket and waiting call, as `retarget` does: frames may have been lost on the way. */
  reset(code: number, reason: string): void;
  /** Ends everything, as `reset`, and relays nothing more. */
  close(code: number, reason: string): void;
}

interface Relayed {
  readonly sink: HubConnectionSink;
  readonly target: RelayTarget;
  /** The `n` of the last `relay.in` sent and of the next `relay.out` expected. */
  sent: number;
  nextOut: number;
  /** Pings sent since the client was last heard from (when the follower keeps it alive). */
  unanswered: number;
  /** Whether a pong of the client went to the leader already (the first one does). */
  pongRelayed: boolean;
  /** The slice of the ping interval it is pinged in (see `sliceFor`), from the first tick that saw it. */
  slice?: number;
}

interface Waiting {
  readonly target: RelayTarget;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const SERVICE_RESTART = 1012;

const sameTarget = (a: RelayTarget | undefined, b: RelayTarget | undefined) =>
  a !== undefined && b !== undefined && a.instanceId === b.instanceId && a.epoch === b.epoch;

/** A client's `pong` frame: short, so it is told apart without parsing every frame. */
function isPong(raw: string): boolean {
  if (raw.length > 64 || !raw.includes('"pong"')) return false;
  try {
    return (JSON.parse(raw) as { t?: unknown }).t === 'pong';
  } catch {
    return false;
  }
}

/**
 * The follower's side of the relay (docs/decisions/0005). Each socket gets an id unique in the deployment; it is
 * attached with `relay.attach`, its frames go as `relay.in` and its close as `relay.detach`, all addressed to the
 * leader. What comes back (`relay.out`, `relay.close`, `relay.executed`) counts only from the leader it was sent to,
 * in that leader's term: anything else is from a leader that is no longer current, and is dropped.
 *
 * @example
 * ```ts
 * const relay = createRelayClient({ bus });
 * const connection = relay.connect(leader, { send, close }, { ip });
 * connection.receive(raw);
 * relay.retarget(newLeader, CLOSE_CODES.serviceRestart, 'another instance leads');
 * ```
 */
export function createRelayClient(options: RelayClientOptions): RelayClient {
  const { bus } = options;
  const executeTimeoutMs = options.executeTimeoutMs ?? 10_000;
  const retryAfterMs = options.retryAfterMs ?? 1_000;
  const relayed = new Map<string, Relayed>();
  const waiting = new Map<string, Waiting>();
  let sequence = 0;
  let closed = false;
  const { heartbeatMs } = options;
  let beating: ReturnType<typeof setInterval> | undefined;
  let tick = 0;

  /**
   * One tick of the relayed sockets' heartbeat, as the hub's: the sockets of this tick's slice each get a ping, and
   * those of them that left two unanswered are ended.
   */
  function beat() {
    if (relayed.size === 0) {
      clearInterval(beating);
      beating = undefined;
      return;
    }
    tick++;
    const ping = JSON.stringify({ t: 'ping', ts: Date.now() } satisfies ServerFrame);
    for (const [connectionId, socket] of [...relayed]) {
      socket.slice ??= sliceFor(tick);
      if (socket.slice !== tick % PING_SLICES) continue;
      if (socket.unanswered >= 2) {
        const error = helplineError('connection/timeout', { op: 'ping', ms: (heartbeatMs ?? 0) * 2 });
        socket.sink.send(JSON.stringify({ t: 'bye', code: CLOSE_CODES.timeout, error: error.toPayload() }));
        end(connectionId, socket, CLOSE_CODES.timeout, error.code);
        continue;
      }
      socket.unanswered += 1;
      if (socket.sink.ping) socket.sink.ping(ping);
      else socket.sink.send(ping);
    }
  }
  const nextId = () => `${bus.instanceId}.${(++sequence).toString(36)}`;
  const unavailable = (detail: string) => helplineError('unavailable', { detail }, { retryAfterMs });

  /** The message is from the leader `to` was relayed to, in its term. */
  const fromLeaderOf = (origin: string, epoch: number, to: RelayTarget) =>
    origin === to.instanceId && epoch === to.epoch;

  const unsubscribe = bus.subscribe((message) => {
    switch (message.kind) {
      case 'relay.out': {
        const socket = relayed.get(message.payload.connectionId);
        if (!socket || !fromLeaderOf(message.origin, message.payload.epoch, socket.target)) break;
        if (message.payload.n !== socket.nextOut) {
          // Frames for this client were lost on the way: it resumes from the log rather than miss them.
          end(message.payload.connectionId, socket, SERVICE_RESTART, 'relay lost frames');
          break;
        }
        socket.nextOut += 1;
        if (message.payload.ping && socket.sink.ping) socket.sink.ping(message.payload.raw);
        else socket.sink.send(message.payload.raw);
        break;
      }
      case 'relay.close': {
        const socket = relayed.get(message.payload.connectionId);
        if (!socket || !fromLeaderOf(message.origin, message.payload.epoch, socket.target)) break;
        relayed.delete(message.payload.connectionId);
        socket.sink.close(message.payload.code, message.payload.reason);
        break;
      }
      case 'relay.executed':
      case 'relay.http-reply': {
        const call = waiting.get(message.payload.requestId);
        if (!call || !fromLeaderOf(message.origin, message.payload.epoch, call.target)) break;
        waiting.delete(message.payload.requestId);
        clearTimeout(call.timer);
        const { payload } = message;
        if ('reply' in payload) call.resolve(payload.reply);
        else if (payload.ok) call.resolve(payload.result);
        else call.reject(HelplineError.fromPayload(payload.error));
        break;
      }
      default:
        break;
    }
  });

  /** Ends one relayed socket: its leader's hub lets the connection go (if it is still alive), the client is closed. */
  function end(connectionId: string, socket: Relayed, code: number, reason: string) {
    relayed.delete(connectionId);
    bus.publish(
      'relay.detach',
      { connectionId, epoch: socket.target.epoch },
      { instances: [socket.target.instanceId] },
    );
    socket.sink.close(code, reason);
  }

  function endAll(code: number, reason: string, keep?: RelayTarget) {
    for (const [connectionId, socket] of [...relayed]) {
      if (!sameTarget(socket.target, keep)) end(connectionId, socket, code, reason);
    }
    for (const [requestId, call] of [...waiting]) {
      if (sameTarget(call.target, keep)) continue;
      waiting.delete(requestId);
      clearTimeout(call.timer);
      call.reject(unavailable(reason));
    }
  }

  /** Sends a request to the leader `to` (`publish` with its id) and waits for the answer with that id. */
  function ask(to: RelayTarget, publish: (requestId: string) => void): Promise<unknown> {
    if (closed) return Promise.reject(unavailable('shutting down'));
    const requestId = nextId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        reject(unavailable('the leader did not answer in time'));
      }, executeTimeoutMs);
      waiting.set(requestId, { target: to, resolve, reject, timer });
      publish(requestId);
    });
  }

  return {
    get size() {
      return relayed.size;
    },
    connect(to, sink, meta) {
      const connectionId = nextId();
      const { instanceId, epoch } = to;
      if (closed) {
        sink.close(1012, 'shutting down');
        return { receive() {}, disconnected() {} };
      }
      const socket: Relayed = { sink, target: to, sent: 0, nextOut: 1, unanswered: 0, pongRelayed: false };
      relayed.set(connectionId, socket);
      const keepsAlive = heartbeatMs !== undefined;
      if (keepsAlive && beating === undefined) {
        beating = setInterval(beat, heartbeatMs / PING_SLICES);
        beating.unref();
      }
      bus.publish(
        'relay.attach',
        { connectionId, epoch, meta, ...(keepsAlive ? { keepsAlive } : {}) },
        { instances: [instanceId] },
      );
      return {
        receive(raw) {
          if (relayed.get(connectionId) !== socket) return;
          if (keepsAlive) {
            socket.unanswered = 0;
            if (isPong(raw)) {
              if (socket.pongRelayed) return;
              socket.pongRelayed = true;
            }
          }
          socket.sent += 1;
          bus.publish('relay.in', { connectionId, epoch, n: socket.sent, raw }, { instances: [instanceId] });
        },
        disconnected() {
          if (!relayed.delete(connectionId)) return;
          bus.publish('relay.detach', { connectionId, epoch }, { instances: [instanceId] });
        },
      };
    },
    execute<Op extends CommandOp>(
      to: RelayTarget,
      subject: Subject,
      op: Op,
      args: unknown,
      meta: ConnectionMeta,
    ): Promise<CommandResult<Op>> {
      return ask(to, (requestId) =>
        bus.publish(
          'relay.execute',
          { requestId, epoch: to.epoch, subject, op, args, meta },
          { instances: [to.instanceId] },
        ),
      ) as Promise<CommandResult<Op>>;
    },
    forward(to, request) {
      return ask(to, (requestId) =>
        bus.publish('relay.http', { requestId, epoch: to.epoch, request }, { instances: [to.instanceId] }),
      ) as Promise<ForwardedReply>;
    },
    channel(to, call) {
      return ask(to, (requestId) =>
        bus.publish('relay.channel', { requestId, epoch: to.epoch, call }, { instances: [to.instanceId] }),
      );
    },
    retarget(next, code, reason) {
      endAll(code, reason, next);
    },
    reset(code, reason) {
      endAll(code, reason);
    },
    close(code, reason) {
      closed = true;
      clearInterval(beating);
      beating = undefined;
      endAll(code, reason);
      unsubscribe();
    },
  };
}
