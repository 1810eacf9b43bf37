/**
 * Who a bus message is for. The bus itself only honours `instances`; `subjects` and `connections` travel with the
 * message for the subscriber to resolve against the sockets it holds.
 */
export interface ClusterAddressees {
  /** Only these instances receive the message; every instance when absent. */
  readonly instances?: readonly string[];
  /** The subjects (visitor, agent or supervisor ids) it is for, wherever they are connected. */
  readonly subjects?: readonly string[];
  /** Single connections it is for, where one socket and not all of a subject's must get it (call signalling). */
  readonly connections?: readonly string[];
}

/**
 * The payload type of each kind of message a bus carries, e.g. `{ 'conversation.appended': { cid: string; seq:
 * number } }`. Payloads must survive `JSON.stringify` (they cross processes) and are treated as immutable.
 */
export type ClusterTopics = { readonly [kind: string]: unknown };

/** The kinds of message of `Topics`. */
export type ClusterKind<Topics extends ClusterTopics> = keyof Topics & string;

/** One message as a subscriber receives it: the kind, its payload, its addressees and the instance it came from. */
export type ClusterMessage<
  Topics extends ClusterTopics,
  Kind extends ClusterKind<Topics> = ClusterKind<Topics>,
> = {
  [K in Kind]: {
    readonly kind: K;
    readonly payload: Topics[K];
    readonly to: ClusterAddressees;
    /** The instance that published it: an instance receives its own messages too, and may skip them. */
    readonly origin: string;
  };
}[Kind];

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** Reports a failure nobody awaits (a handler that threw, a notification that could not be sent). */
export type ReportClusterFailure = (what: string, error: unknown) => void;

/**
 * The fan-out bus between the instances of a deployment. A message is a hint ("look at conversation c"), never the
 * only copy of anything a client must not miss: that lives in the database with an order. So a lost message delays
 * delivery and never loses it — after {@link ClusterBus.onReconnect} the instance repairs from the log.
 *
 * Publish only after the transaction that made the change has committed: a hint that overtakes its commit sends
 * the other instances looking for a row that is not there yet.
 *
 * Implementations: `createLocalBus` (one process: the embedded default and tests) and `createPgBus` in the server
 * (PostgreSQL LISTEN/NOTIFY).
 *
 * @example
 * ```ts
 * type Topics = { 'conversation.appended': { cid: string; seq: number } };
 * const bus: ClusterBus<Topics> = createLocalBus<Topics>({ instanceId: 'a' });
 * bus.subscribe((message) => {
 *   if (message.kind === 'conversation.appended') fanOutFromLog(message.payload.cid, message.payload.seq);
 * });
 * bus.onReconnect(() => repairFromLog());
 * bus.publish('conversation.appended', { cid: 'c1', seq: 7 }, { subjects: ['v1', 'a1'] });
 * ```
 */
export interface ClusterBus<Topics extends ClusterTopics> {
  /** This instance's id, the `origin` of what it publishes. */
  readonly instanceId: string;
  /** True while messages can arrive (for readiness); false while a listener reconnects, and after `close`. */
  readonly connected: boolean;
  /**
   * Queues a message for every instance (this one included) or the `instances` of `to`. Messages published
   * together are batched and sent on the next microtask, in the order published; nothing is awaited (see
   * {@link ClusterBus.flush}). Ignored after `close`.
   */
  publish<Kind extends ClusterKind<Topics>>(kind: Kind, payload: Topics[Kind], to?: ClusterAddressees): void;
  /**
   * Calls `handler` with every message for this instance, asynchronously and in the order each origin published
   * them. A handler that throws is reported and does not stop the others. During a rolling upgrade a message may be
   * of a kind a newer version added: ignore kinds you do not know.
   */
  subscribe(handler: (message: ClusterMessage<Topics>) => void): Unsubscribe;
  /**
   * Calls `handler` when messages may have been missed — the listener lost its connection and is back — so the
   * instance compares what it delivered with the log and sends what is missing.
   */
  onReconnect(handler: () => void): Unsubscribe;
  /** Resolves once everything published so far has been sent (or has failed and been reported). */
  flush(): Promise<void>;
  /** Sends what is queued, then stops: nothing more is published or received. */
  close(): Promise<void>;
}

/**
 * A named lease that at most one instance holds at a time: the routing leader, which alone makes offers and runs
 * timers. Each win raises the lease's **epoch**; a leader's transaction calls {@link ClusterLease.fence} first, so a
 * former leader that was frozen or cut off and still believes it leads cannot write once another instance won.
 *
 * Implementations: `createAlwaysHeldLease` (one process) and `createPgLease` in the server (a PostgreSQL
 * advisory lock and the `helpline_leases` row).
 *
 * @typeParam Tx - the transaction `fence` checks in: the server's SQL transaction; anything for in-process leases.
 *
 * @example
 * ```ts
 * lease.onWon((epoch) => router.lead(epoch));
 * lease.onLost(() => router.follow());
 * await lease.acquire();
 * // …in every transaction the leader makes:
 * await sql.transaction(async (tx) => {
 *   await lease.fence(tx); // throws cluster/stale-epoch when another instance has won since
 *   await tx.query('UPDATE interactions SET …', […]);
 * });
 * ```
 */
export interface ClusterLease<Tx = unknown> {
  /** The lease's name, e.g. `router`. */
  readonly name: string;
  /** True while this instance holds the lease. */
  readonly held: boolean;
  /** The epoch this instance won the lease with, while it holds it; `undefined` otherwise. */
  readonly epoch: number | undefined;
  /**
   * Starts contending for the lease, and keeps contending — after a loss too — until `close`. Resolves after the
   * first try with whether this instance holds the lease.
   */
  acquire(): Promise<boolean>;
  /** Calls `handler` with the new epoch each time this instance wins the lease. */
  onWon(handler: (epoch: number) => void): Unsubscribe;
  /** Calls `handler` with the lost epoch as soon as this instance knows it no longer holds the lease (not on `close`). */
  onLost(handler: (epoch: number) => void): Unsubscribe;
  /**
   * Checks, inside `tx`, that the lease's epoch is still the one this instance won, and keeps it so until `tx`
   * ends (a new winner waits for it). Rejects with `cluster/stale-epoch` when not: roll the transaction back.
   */
  fence(tx: Tx): Promise<void>;
  /** Stops contending and gives the lease up (without calling `onLost`). */
  close(): Promise<void>;
}
