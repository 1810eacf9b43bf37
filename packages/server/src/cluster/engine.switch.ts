import {
  CLOSE_CODES,
  type CommandOp,
  type CommandResult,
  helplineError,
  isHelplineError,
} from '@helpline/core';
import type { ClusterLease } from '@helpline/core/cluster';
import type {
  ConnectionMeta,
  Hub,
  HubConnection,
  HubConnectionSink,
  ReceiveResult,
  Subject,
} from '@helpline/core/hub';
import type { Logger } from '../log/logger';
import type { EngineBus, LeaderAnnouncement } from './engine.topics';
import { sayAlive, watchFollowers } from './follower.watch';
import type { ForwardedReply, ForwardedRequest } from './http.forward';
import { createRelayClient, type RelayTarget } from './relay.follower';
import { type RelayServer, serveRelay } from './relay.leader';

/** What {@link createEngineSwitch} needs. */
export interface EngineSwitchOptions {
  readonly bus: EngineBus;
  /** The engine's lease: whoever holds it runs the hub. */
  readonly lease: ClusterLease;
  /** A new hub for a term (the server's `createHub`, on storage fenced by `lease`). */
  readonly createHub: () => Hub;
  readonly log: Logger;
  /** How long a socket or an API call waits for a leader to be known before it is refused. Default 5 s. */
  readonly waitForLeaderMs?: number;
  /**
   * How long a leader that lost its lease keeps its hub and its clients, waiting to win the lease straight back
   * (a database that blinked, a missed ping): won with the very next epoch, nobody led in between and it carries
   * on. Default 10 s; after that, or as soon as another instance is known to lead, its clients resume elsewhere.
   */
  readonly resumeWithinMs?: number;
  /** How long a follower's API call waits for the leader's answer. Default 10 s. */
  readonly executeTimeoutMs?: number;
  /**
   * The sockets' ping interval (the hub's `heartbeatMs`): a follower then pings the sockets it relays itself, and no
   * ping or pong crosses to the leader (`RelayClientOptions.heartbeatMs`). Absent: the leader's hub pings them.
   */
  readonly heartbeatMs?: number | undefined;
  /** Answers, on the leader, the HTTP requests followers forward ({@link EngineSwitch.forward}). */
  readonly serveHttp?: ((request: ForwardedRequest) => Promise<ForwardedReply>) | undefined;
  /**
   * How often a follower relaying sockets tells the leader it is alive; a follower silent for three of these is
   * taken for dead and the leader lets its sockets go. Default 2 s.
   */
  readonly followerAliveMs?: number;
  /**
   * Work only the leader does besides its hub, such as reading the email channel's IMAP mailboxes: started each
   * time this instance starts leading (its hub restored), stopped as soon as it stops — another won the lease, the
   * lease was lost, or the instance closes. A stop finishes before the next start.
   */
  readonly leaderWork?: LeaderWork | undefined;
}

/** Work that runs on the leader only ({@link EngineSwitchOptions.leaderWork}). */
export interface LeaderWork {
  /** Called when this instance starts leading; progress is the work's own business. */
  start(): void;
  /** Called when it stops leading; resolves once the work has stopped cleanly. */
  stop(): Promise<void>;
}

/** Which part an instance plays now. */
export type EngineRole =
  /** Relays to the leader (or waits to know one). */
  | 'follower'
  /** Won the lease; its hub restores from the database. */
  | 'starting'
  /** Runs the hub. */
  | 'leader'
  /** Lost the lease; keeps its hub for a moment in case it wins it straight back. */
  | 'suspended';

/**
 * The hub as the server uses it, whichever instance runs it: the local hub while this instance leads, the relay to
 * the leader's hub otherwise. `restore` joins the deployment (contends for the lease, and restores a hub when it
 * wins). While this instance has no hub, `interaction`, `interactions` and `presenceOf` know nothing.
 */
export interface EngineSwitch extends Hub {
  readonly role: EngineRole;
  /** The leader as last announced (this instance itself while it leads). */
  readonly leader: LeaderAnnouncement | undefined;
  /** Why this instance cannot serve now (for `/readyz`); undefined when it can. */
  notReady(): string | undefined;
  /**
   * An HTTP request for a route whose state lives with the hub, answered by `serveHttp` on the leader — here, or
   * over the bus. Rejects with `unavailable` (retryable) when no leader answers in time.
   */
  forward(request: ForwardedRequest): Promise<ForwardedReply>;
  /**
   * A write this instance made under `epoch` was refused by the fence: another instance won the lease since. Stops
   * leading at once, unless this instance has won the lease again since.
   */
  fenced(epoch: number): void;
  /**
   * After `close` and once the writes in flight are done: gives the lease up, and tells the others so they contend at
   * once rather than at their next try.
   */
  release(): Promise<void>;
}

const RESTORE_RETRY_MS = 1_000;
const QUERY_EVERY_MS = 1_000;
/** Frames a socket may send while it waits for a leader. */
const WAITING_FRAMES = 64;

/**
 * Runs cluster mode's one engine (docs/decisions/0005): the instance holding `lease` runs the hub — created by
 * `createHub` and restored from the database each time it wins — and serves every other instance's sockets and API
 * calls over `bus`; the others relay to it. When the leader changes, sockets relayed to the old one are closed with
 * 1012 so their clients resume on the new one; a leader that stops leading closes its hub with 1012 too.
 *
 * @example
 * ```ts
 * const engine = createEngineSwitch({ bus, lease, createHub: () => createHub(hubOptions), log });
 * await engine.restore(); // leads (hub restored) or knows who does
 * const connection = engine.connect(sink, meta); // the local hub, or relayed to the leader
 * ```
 */
export function createEngineSwitch(options: EngineSwitchOptions): EngineSwitch {
  const { bus, lease, log } = options;
  const self = bus.instanceId;
  const waitForLeaderMs = options.waitForLeaderMs ?? 5_000;
  const resumeWithinMs = options.resumeWithinMs ?? 10_000;
  const relay = createRelayClient({
    bus,
    ...(options.executeTimeoutMs === undefined ? {} : { executeTimeoutMs: options.executeTimeoutMs }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });

  let role: EngineRole = 'follower';
  let hub: Hub | undefined;
  let term: number | undefined;
  let served: RelayServer | undefined;
  /** Stops the leader's watch over the followers of its term. */
  let stopWatching: (() => void) | undefined;
  let leader: LeaderAnnouncement | undefined;
  /** The epoch lost while suspended: winning the next one means nobody led in between. */
  let lostEpoch: number | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let queryTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  /** Why this instance could not restore a hub it won the lease for (its start fails with it). */
  let restoreFailure: unknown;
  const unsubscribes: (() => void)[] = [];
  /** Woken whenever where to send work may have changed. */
  const wakers = new Set<() => void>();
  const pending = new Set<{ close(code: number, reason: string): void }>();

  // Role changes run one at a time, in the order they were asked for.
  let transitions: Promise<void> = Promise.resolve();
  const enqueue = (step: () => void | Promise<void>) => {
    transitions = transitions.then(step).catch((error: unknown) => log.error('cluster.engine', {}, error));
    return transitions;
  };
  const wake = () => {
    for (const waker of [...wakers]) waker();
    followRole();
  };

  /** Whether the leader's other work runs, and the last start or stop of it (each waits for the one before). */
  let working = false;
  let workTurn: Promise<void> = Promise.resolve();
  /** Starts the leader's other work when this instance leads, stops it when it does not (any more). */
  function followRole() {
    const work = options.leaderWork;
    const lead = role === 'leader' && hub !== undefined && !closed;
    if (!work || lead === working) return;
    working = lead;
    log.info(lead ? 'cluster.leader-work.start' : 'cluster.leader-work.stop', { instance: self });
    workTurn = workTurn
      .then(() => (lead ? work.start() : work.stop()))
      .catch((error: unknown) => log.error('cluster.leader-work', { instance: self }, error));
  }

  type Route = { readonly local: Hub } | { readonly relay: RelayTarget };
  const route = (): Route | undefined => {
    if (role === 'leader' && hub) return { local: hub };
    if (role === 'follower' && leader && leader.instanceId !== self)
      return { relay: { instanceId: leader.instanceId, epoch: leader.term } };
    return undefined;
  };
  const unavailable = (detail: string) => helplineError('unavailable', { detail }, { retryAfterMs: 1_000 });

  /** The route once there is one, within `waitForLeaderMs`. */
  function routeSoon(): Promise<Route | undefined> {
    const now = route();
    if (now || closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (found: Route | undefined) => {
        clearTimeout(timer);
        wakers.delete(waker);
        resolve(found);
      };
      const waker = () => {
        const found = route();
        if (found || closed) done(found);
      };
      const timer = setTimeout(() => done(undefined), waitForLeaderMs);
      wakers.add(waker);
    });
  }

  const announce = (to?: string) => {
    if (role !== 'leader' || term === undefined || lease.epoch === undefined) return;
    leader = { instanceId: self, epoch: lease.epoch, term };
    bus.publish('engine.leader', leader, to === undefined ? {} : { instances: [to] });
  };

  function retire(why: string) {
    const old = hub;
    const oldTerm = term;
    hub = undefined;
    term = undefined;
    role = 'follower';
    followRole();
    lostEpoch = undefined;
    clearTimeout(graceTimer);
    if (leader?.instanceId === self) leader = undefined;
    if (old) {
      log.warn('cluster.follower', { instance: self, why });
      // The hub's goodbyes reach the relayed sockets through the relay, so it closes first.
      old.close(CLOSE_CODES.serviceRestart);
      stopWatching?.();
      served?.close();
      served = undefined;
      // Followers stop sending new sockets here, and contend at once.
      if (oldTerm !== undefined && !closed) bus.publish('engine.released', { epoch: oldTerm });
    }
    if (!closed) bus.publish('engine.query', {});
  }

  /** A new hub for the term won with `epoch`, restored; tried again while the lease stays held. */
  async function lead(epoch: number): Promise<void> {
    // Sockets relayed to the leader before are its no more: their clients resume, and may land here.
    relay.retarget(undefined, CLOSE_CODES.serviceRestart, 'this instance leads now');
    if (leader?.instanceId !== self) leader = undefined;
    role = 'starting';
    term = epoch;
    const started = Date.now();
    for (;;) {
      const candidate = options.createHub();
      hub = candidate;
      try {
        await candidate.restore();
        break;
      } catch (error) {
        candidate.close(CLOSE_CODES.serviceRestart);
        hub = undefined;
        if (closed || lease.epoch !== epoch) {
          retire('the lease was lost while restoring');
          return;
        }
        if (!isHelplineError(error) || error.code !== 'unavailable') {
          // Not the database away: this instance cannot lead (a bug, a configuration that does not fit the data).
          // It stops contending, so another instance may; the first start fails with it.
          log.error('cluster.restore-failed', { instance: self, epoch }, error);
          restoreFailure ??= error;
          retire('it could not restore the hub');
          await lease.close();
          return;
        }
        log.warn('cluster.restore-failed', { instance: self, epoch, retryInMs: RESTORE_RETRY_MS }, error);
        await new Promise((resolve) => setTimeout(resolve, RESTORE_RETRY_MS));
      }
    }
    if (closed || lease.epoch !== epoch) {
      retire('the lease was lost while restoring');
      return;
    }
    const relayServer = serveRelay({ bus, hub, epoch, http: options.serveHttp });
    served = relayServer;
    stopWatching = watchFollowers({
      bus,
      epoch,
      everyMs: options.followerAliveMs,
      onSilent(follower) {
        const connections = relayServer.forget(follower);
        if (connections > 0) log.warn('cluster.follower-gone', { instance: self, follower, connections });
      },
    });
    role = 'leader';
    log.info('cluster.leader', {
      instance: self,
      epoch,
      restored: hub.interactions().length,
      ms: Date.now() - started,
    });
    announce();
    wake();
  }

  function won(epoch: number) {
    return enqueue(async () => {
      if (closed) return;
      if (hub && lostEpoch !== undefined && epoch === lostEpoch + 1) {
        // Nobody led in between: the hub still holds what the database holds.
        clearTimeout(graceTimer);
        lostEpoch = undefined;
        role = 'leader';
        log.info('cluster.leader', { instance: self, epoch, resumed: true });
        announce();
        wake();
        return;
      }
      if (hub) retire(`won epoch ${epoch} after losing ${lostEpoch ?? 'none'}: another instance led between`);
      await lead(epoch);
    });
  }

  function lost(epoch: number) {
    return enqueue(() => {
      if (!hub || (role !== 'leader' && role !== 'starting')) return;
      role = 'suspended';
      followRole();
      lostEpoch = epoch;
      log.warn('cluster.lease-lost', { instance: self, epoch });
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => {
        void enqueue(() => {
          if (role === 'suspended') retire(`the lease was not won back within ${resumeWithinMs} ms`);
        });
      }, resumeWithinMs);
    });
  }

  function heard(announced: LeaderAnnouncement) {
    if (announced.instanceId === self || (leader && announced.epoch < leader.epoch)) return;
    return enqueue(() => {
      if (leader && announced.epoch < leader.epoch) return;
      const mine = lease.epoch;
      if (mine !== undefined && mine >= announced.epoch) return; // a former leader that does not know yet
      if (hub) retire(`instance ${announced.instanceId} leads with epoch ${announced.epoch}`);
      const changed = leader?.instanceId !== announced.instanceId || leader.term !== announced.term;
      leader = announced;
      if (changed) {
        log.info('cluster.following', {
          instance: self,
          leader: announced.instanceId,
          epoch: announced.epoch,
        });
        relay.retarget(
          { instanceId: announced.instanceId, epoch: announced.term },
          CLOSE_CODES.serviceRestart,
          'another instance leads',
        );
      }
      wake();
    });
  }

  /** The leader `origin` gave up leading (a drain, or it stepped down): nobody is known to lead until one says so. */
  function released(origin: string) {
    if (!lease.held) void lease.acquire();
    return enqueue(() => {
      if (leader?.instanceId !== origin) return;
      leader = undefined;
      relay.retarget(undefined, CLOSE_CODES.serviceRestart, 'the leader stepped down');
    });
  }

  /** A socket that arrived while no leader is known: its frames wait until there is one, or it is refused. */
  function waitingConnection(sink: HubConnectionSink, meta: ConnectionMeta): HubConnection {
    const frames: string[] = [];
    let bound: HubConnection | undefined;
    let gone = false;
    const entry = {
      close(code: number, reason: string) {
        finish();
        sink.close(code, reason);
      },
    };
    const finish = () => {
      gone = true;
      clearTimeout(timer);
      wakers.delete(waker);
      pending.delete(entry);
    };
    const refuse = () => {
      finish();
      const error = unavailable('no instance leads yet');
      sink.send(JSON.stringify({ t: 'bye', code: CLOSE_CODES.tryAgainLater, error: error.toPayload() }));
      sink.close(CLOSE_CODES.tryAgainLater, 'try again later');
    };
    const waker = () => {
      const found = route();
      if (!found || gone) return;
      finish();
      bound = 'local' in found ? found.local.connect(sink, meta) : relay.connect(found.relay, sink, meta);
      for (const raw of frames.splice(0)) bound.receive(raw);
    };
    const timer = setTimeout(refuse, waitForLeaderMs);
    wakers.add(waker);
    pending.add(entry);
    return {
      receive(raw) {
        if (bound) bound.receive(raw);
        else if (gone) return;
        else if (frames.push(raw) > WAITING_FRAMES) refuse();
      },
      disconnected() {
        if (bound) bound.disconnected();
        else finish();
      },
    };
  }

  return {
    get role() {
      return role;
    },
    get leader() {
      return leader;
    },
    connect(sink, meta = {}) {
      const found = closed ? undefined : route();
      if (closed) {
        sink.close(CLOSE_CODES.serviceRestart, 'shutting down');
        return { receive() {}, disconnected() {} };
      }
      if (!found) return waitingConnection(sink, meta);
      return 'local' in found ? found.local.connect(sink, meta) : relay.connect(found.relay, sink, meta);
    },
    async execute<Op extends CommandOp>(
      subject: Subject,
      op: Op,
      args: unknown,
      meta: ConnectionMeta = {},
    ): Promise<CommandResult<Op>> {
      const found = await routeSoon();
      if (!found) throw unavailable(closed ? 'shutting down' : 'no instance leads yet');
      if ('local' in found) return found.local.execute(subject, op, args, meta);
      return relay.execute(found.relay, subject, op, args, meta);
    },
    // Channel adapters hand messages to the leader's hub: here, or over the bus (mail that reached a follower's SMTP
    // ingress). The hub takes each `(channel, externalId)` in once, whichever instance carried it.
    channels: {
      async receive(message) {
        const found = await routeSoon();
        if (!found) throw unavailable(closed ? 'shutting down' : 'no instance leads yet');
        if ('local' in found) return found.local.channels.receive(message);
        return relay.channel(found.relay, { op: 'receive', message }) as Promise<ReceiveResult>;
      },
      async status(channel, externalId, status, detail) {
        const found = await routeSoon();
        if (!found) throw unavailable(closed ? 'shutting down' : 'no instance leads yet');
        if ('local' in found) return found.local.channels.status(channel, externalId, status, detail);
        return relay.channel(found.relay, {
          op: 'status',
          channel,
          externalId,
          status,
          ...(detail === undefined ? {} : { detail }),
        }) as Promise<boolean>;
      },
    },
    async forward(request) {
      const found = await routeSoon();
      if (!found) throw unavailable(closed ? 'shutting down' : 'no instance leads yet');
      if ('relay' in found) return relay.forward(found.relay, request);
      return options.serveHttp?.(request) ?? { status: 404, headers: {}, body: '' };
    },
    async restore() {
      unsubscribes.push(
        lease.onWon((epoch) => void won(epoch)),
        lease.onLost((epoch) => void lost(epoch)),
        bus.subscribe((message) => {
          if (closed || message.origin === self) return;
          if (message.kind === 'engine.leader') void heard(message.payload);
          else if (message.kind === 'engine.query') announce(message.origin);
          else if (message.kind === 'engine.released') void released(message.origin);
        }),
        bus.onReconnect(() => {
          // Frames may have been lost both ways: every relayed socket starts over (its client resumes).
          served?.reset();
          relay.reset(CLOSE_CODES.serviceRestart, 'the bus reconnected');
          bus.publish('engine.query', {});
        }),
      );
      queryTimer = setInterval(() => {
        if (role === 'follower' && !leader && !closed) bus.publish('engine.query', {});
      }, QUERY_EVERY_MS);
      queryTimer.unref();
      unsubscribes.push(
        sayAlive(
          bus,
          () =>
            role === 'follower' && leader && relay.size > 0
              ? { instanceId: leader.instanceId, epoch: leader.term }
              : undefined,
          options.followerAliveMs,
        ),
      );
      bus.publish('engine.query', {});
      await lease.acquire();
      // Whatever the lease's first try set off (a restore) is done; a follower waits a moment to hear who leads.
      await transitions;
      if (restoreFailure !== undefined) throw restoreFailure;
      await routeSoon();
    },
    interaction: (id) => hub?.interaction(id),
    // The leader's hub holds consult legs; a follower holds none (its gateway, which carries none, never asks).
    consultEvent: async (cid, legId, event) => (await hub?.consultEvent(cid, legId, event)) ?? false,
    interactions: () => hub?.interactions() ?? [],
    presenceOf: (agentId) => hub?.presenceOf(agentId),
    get connectionCount() {
      return (hub?.connectionCount ?? 0) + relay.size + pending.size;
    },
    notReady() {
      if (closed) return 'shutting down';
      if (!bus.connected) return 'the bus listener is down';
      if (route()) return undefined;
      if (role === 'starting') return 'restoring the hub';
      if (role === 'suspended') return 'the lease was lost';
      return 'no leader is known';
    },
    fenced(epoch) {
      void enqueue(() => {
        // A refusal of an earlier term than the lease now held (won since, its hub restored) is no news.
        if (hub && (lease.epoch === undefined || lease.epoch <= epoch))
          retire(`a write of epoch ${epoch} was fenced: another instance won the lease`);
      });
    },
    close(code = CLOSE_CODES.serviceRestart) {
      if (closed) return;
      closed = true;
      clearInterval(queryTimer);
      clearTimeout(graceTimer);
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      for (const entry of [...pending]) entry.close(code, 'shutting down');
      relay.close(code, 'shutting down');
      hub?.close(code);
      stopWatching?.();
      served?.close();
      served = undefined;
      wake();
    },
    async release() {
      const epoch = lease.epoch;
      await lease.close();
      if (epoch !== undefined) bus.publish('engine.released', { epoch });
    },
  };
}
