// What the instances of a deployment say to each other over the bus to run one engine (docs/decisions/0005):
// who leads, and the relay of followers' sockets and API calls to the leader's hub. Every relay message carries the
// epoch of the leader's term — the lease epoch it won when it started its hub — and is dropped by whoever is not
// in that term any more.
import type { CommandOp, ErrorPayload, MessagingChannel } from '@helpline/core';
import type { ClusterBus } from '@helpline/core/cluster';
import type { ConnectionMeta, DeliveryStatus, InboundMessage, Subject } from '@helpline/core/hub';
import type { ForwardedReply, ForwardedRequest } from './http.forward';

/** The leader, as it announces itself. */
export interface LeaderAnnouncement {
  readonly instanceId: string;
  /** The lease epoch it holds now: announcements only move forward. */
  readonly epoch: number;
  /**
   * The epoch its hub was started in. A leader that loses the lease and wins it straight back (the very next epoch,
   * so nobody led in between) keeps its hub, its term and its relayed connections.
   */
  readonly term: number;
}

/** A call of `hub.channels` carried to the leader (`relay.channel`). */
export type ChannelCall =
  | { readonly op: 'receive'; readonly message: InboundMessage }
  | {
      readonly op: 'status';
      readonly channel: MessagingChannel;
      readonly externalId: string;
      readonly status: DeliveryStatus;
      readonly detail?: string | undefined;
    };

/** The bus messages of cluster mode's one engine. Each relay message carries `epoch`: the leader's term. */
export type EngineTopics = {
  /** A leader whose hub is ready, to every instance (on winning) or to the one that asked. */
  readonly 'engine.leader': LeaderAnnouncement;
  /** "Who leads?": the leader answers with `engine.leader`. */
  readonly 'engine.query': Record<string, never>;
  /**
   * The leader stopped leading (a drain, or it stepped down): the others forget it and contend at once, instead of at
   * their next try. `epoch` is its term.
   */
  readonly 'engine.released': { readonly epoch: number };
  /**
   * Follower → leader: a socket opened. `keepsAlive`: the follower pings it and closes it when its client falls
   * silent, so the leader's hub does not ping it (a follower of an older version leaves that to the hub).
   */
  readonly 'relay.attach': {
    readonly connectionId: string;
    readonly epoch: number;
    readonly meta: ConnectionMeta;
    readonly keepsAlive?: true;
  };
  /**
   * Follower → leader: a frame from the client. `n` counts the connection's frames from 1: a gap means some were lost
   * on the way, and the connection ends (its client resumes) rather than go on without them.
   */
  readonly 'relay.in': {
    readonly connectionId: string;
    readonly epoch: number;
    readonly n: number;
    readonly raw: string;
  };
  /** Follower → leader: the socket closed. */
  readonly 'relay.detach': { readonly connectionId: string; readonly epoch: number };
  /**
   * Follower → leader, every few seconds while it relays sockets there: it is alive (follower.watch.ts). A leader that
   * stops hearing from a follower that said so lets that follower's sockets go: it died without a goodbye.
   */
  readonly 'relay.alive': { readonly epoch: number };
  /**
   * Leader → follower: a frame for the client; `ping` when it is a heartbeat (written when convenient: only to a
   * socket whose follower does not keep it alive itself, see `relay.attach`). `n` counts the
   * connection's frames from 1, as `relay.in` does: a gap closes the socket, and the client resumes from the log.
   */
  readonly 'relay.out': {
    readonly connectionId: string;
    readonly epoch: number;
    readonly n: number;
    readonly raw: string;
    readonly ping?: true;
  };
  /** Leader → follower: close the socket. */
  readonly 'relay.close': {
    readonly connectionId: string;
    readonly epoch: number;
    readonly code: number;
    readonly reason: string;
  };
  /** Follower → leader: `hub.execute` of the HTTP API. */
  readonly 'relay.execute': {
    readonly requestId: string;
    readonly epoch: number;
    readonly subject: Subject;
    readonly op: CommandOp;
    readonly args: unknown;
    readonly meta: ConnectionMeta;
  };
  /** Leader → follower: what `hub.execute` came to. */
  readonly 'relay.executed':
    | { readonly requestId: string; readonly epoch: number; readonly ok: true; readonly result: unknown }
    | {
        readonly requestId: string;
        readonly epoch: number;
        readonly ok: false;
        readonly error: ErrorPayload;
      };
  /**
   * Follower → leader: a channel adapter's call of `hub.channels` (mail that reached a follower's SMTP ingress),
   * answered with `relay.executed`.
   */
  readonly 'relay.channel': {
    readonly requestId: string;
    readonly epoch: number;
    readonly call: ChannelCall;
  };
  /** Follower → leader: an HTTP request for a route that runs on the leader (Vonage's). */
  readonly 'relay.http': {
    readonly requestId: string;
    readonly epoch: number;
    readonly request: ForwardedRequest;
  };
  /** Leader → follower: its answer. */
  readonly 'relay.http-reply': {
    readonly requestId: string;
    readonly epoch: number;
    readonly reply: ForwardedReply;
  };
};

/** The bus of cluster mode's one engine. */
export type EngineBus = ClusterBus<EngineTopics>;
