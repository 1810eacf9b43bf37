import { type Action, defineMachine, type Guard, type Snapshot } from '../machine';
import type { ErrorPayload } from '../protocol/errors';

/**
 * States of the one connection of a browser: `idle → connecting → connected → caught-up`, `reconnecting`
 * after a loss, `suspended` after too long offline, and `closed` (a deliberate close, or a refusal for good).
 */
export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'caught-up'
  | 'reconnecting'
  | 'suspended'
  | 'closed';

/** Everything that can happen to the connection. */
export type ConnectionEvent =
  /** Open for the first time. */
  | { readonly type: 'CONNECT' }
  /** The socket is open and the server's welcome arrived. */
  | { readonly type: 'OPENED' }
  /** Every followed conversation is backfilled up to the server's heads. */
  | { readonly type: 'CAUGHT_UP' }
  /**
   * The link dropped or was found dead; `retryAfterMs` is the server's hint for the next attempt, `error` the typed
   * reason when one is known (a rate limit, a server that stayed unreachable).
   */
  | {
      readonly type: 'LINK_LOST';
      readonly reason?: string | undefined;
      readonly retryAfterMs?: number | undefined;
      readonly error?: ErrorPayload | undefined;
    }
  /** Try again now (the back-off ran out, the browser came back online, or the user asked). */
  | { readonly type: 'RETRY' }
  /** Offline for too long: stop retrying on a timer until something says the network is back. */
  | { readonly type: 'GIVE_UP' }
  /** Deliberate close: never reconnect afterwards. */
  | { readonly type: 'CLOSE' }
  /** The server refused us: retry after the hint, or stop for good when `fatal` (bad token, protocol error). */
  | {
      readonly type: 'REFUSED';
      readonly reason?: string | undefined;
      readonly retryAfterMs?: number | undefined;
      readonly fatal?: boolean | undefined;
      readonly error?: ErrorPayload | undefined;
    };

/** The type names of {@link ConnectionEvent}. */
export type ConnectionEventType = ConnectionEvent['type'];

/** Facts about the connection. */
export interface ConnectionContext {
  /**
   * Reconnect attempts since the connection was last caught up: 0 for the first loss after a healthy
   * connection, so it feeds the back-off directly (`backoffDelay(attempt, …)`), and back to 0 when caught up.
   */
  readonly attempt: number;
  /** Why the link was last lost or refused; cleared when caught up. */
  readonly lastError?: string | undefined;
  /** The server's hint for the next attempt, ms; cleared when that attempt starts. */
  readonly retryAfterMs?: number | undefined;
  /** Who closed it: `client` for a deliberate close, `server` for a refusal for good. Set only in `closed`. */
  readonly closedBy?: 'client' | 'server' | undefined;
  /**
   * Why the connection is not up, typed (`auth/token-expired`, `site/unknown`, `connection/unreachable`, …): the
   * reason a refusal closed it for good, or a retryable failure it keeps retrying through. Cleared when welcomed.
   */
  readonly error?: ErrorPayload | undefined;
}

/** A connection machine snapshot. */
export type ConnectionSnapshot = Snapshot<ConnectionState, ConnectionContext>;

type ConnectionGuard = Guard<ConnectionContext, ConnectionEvent>;
type ConnectionAction = Action<ConnectionContext, ConnectionEvent>;

const guards = {
  fatalRefusal: (_context, event) => event.type === 'REFUSED' && event.fatal === true,
} satisfies Record<string, ConnectionGuard>;

function lossOf(event: ConnectionEvent): { reason?: string; retryAfterMs?: number; error?: ErrorPayload } {
  if (event.type !== 'LINK_LOST' && event.type !== 'REFUSED') {
    throw new Error(`[helpline] a loss action ran on ${event.type}`);
  }
  const retryAfterMs =
    event.retryAfterMs !== undefined && Number.isFinite(event.retryAfterMs) && event.retryAfterMs > 0
      ? event.retryAfterMs
      : undefined;
  return { reason: event.reason, retryAfterMs, error: event.error };
}

const actions = {
  startFresh: () => ({ attempt: 0 }),
  recordLoss: (context, event) => {
    const { reason, retryAfterMs, error } = lossOf(event);
    return {
      ...context,
      lastError: reason ?? context.lastError,
      retryAfterMs,
      error: error ?? context.error,
    };
  },
  // While already reconnecting, a second report of the same outage (the `bye` frame, then the socket's close)
  // must not erase the hint or the reason the first one carried.
  mergeLoss: (context, event) => {
    const { reason, retryAfterMs, error } = lossOf(event);
    const hint = Math.max(retryAfterMs ?? 0, context.retryAfterMs ?? 0);
    return {
      ...context,
      lastError: reason ?? context.lastError,
      retryAfterMs: hint > 0 ? hint : undefined,
      error: error ?? context.error,
    };
  },
  countAttempt: (context) => ({ ...context, attempt: context.attempt + 1, retryAfterMs: undefined }),
  markHealthy: () => ({ attempt: 0 }),
  // Welcomed: whatever kept the connection down is over.
  forgetError: ({ error: _over, ...context }) => context,
  closeByClient: (context) => ({ ...context, retryAfterMs: undefined, closedBy: 'client' }),
  closeByServer: (context, event) => ({
    ...context,
    lastError: lossOf(event).reason ?? context.lastError,
    error: lossOf(event).error ?? context.error,
    retryAfterMs: undefined,
    closedBy: 'server',
  }),
} satisfies Record<string, ConnectionAction>;

const close = { target: 'closed', actions: ['closeByClient'] } as const;
const refused = (otherwise: readonly ('recordLoss' | 'mergeLoss')[]) =>
  [
    { target: 'closed', guard: 'fatalRefusal', actions: ['closeByServer'] },
    { target: 'reconnecting', actions: otherwise },
  ] as const;

/**
 * The connection lifecycle. The driver (`createConnection`) owns the socket and the one retry timer; this
 * machine owns which state it is in, how many attempts were made, and the server's retry hint. `closed` is
 * final: nothing reconnects after a deliberate close.
 *
 * @example
 * ```ts
 * const connection = createMachineStore(connectionMachine);
 * connection.send({ type: 'CONNECT' });
 * connection.send({ type: 'OPENED' });
 * connectionFlags(connection.$snapshot.get()).isOnline; // true
 * ```
 */
export const connectionMachine = defineMachine<ConnectionState, ConnectionEvent, ConnectionContext>({
  id: 'connection',
  initial: 'idle',
  context: { attempt: 0 },
  states: {
    idle: {
      on: {
        CONNECT: { target: 'connecting', actions: ['startFresh'] },
        CLOSE: close,
      },
    },
    connecting: {
      on: {
        OPENED: { target: 'connected', actions: ['forgetError'] },
        LINK_LOST: { target: 'reconnecting', actions: ['recordLoss'] },
        REFUSED: refused(['recordLoss']),
        GIVE_UP: { target: 'suspended' },
        CLOSE: close,
      },
    },
    connected: {
      on: {
        CAUGHT_UP: { target: 'caught-up', actions: ['markHealthy'] },
        LINK_LOST: { target: 'reconnecting', actions: ['recordLoss'] },
        REFUSED: refused(['recordLoss']),
        CLOSE: close,
      },
    },
    'caught-up': {
      on: {
        LINK_LOST: { target: 'reconnecting', actions: ['recordLoss'] },
        REFUSED: refused(['recordLoss']),
        CLOSE: close,
      },
    },
    reconnecting: {
      on: {
        RETRY: { target: 'connecting', actions: ['countAttempt'] },
        LINK_LOST: { target: 'reconnecting', actions: ['mergeLoss'] },
        REFUSED: refused(['mergeLoss']),
        GIVE_UP: { target: 'suspended' },
        CLOSE: close,
      },
    },
    suspended: {
      on: {
        RETRY: { target: 'connecting', actions: ['countAttempt'] },
        CLOSE: close,
      },
    },
    closed: { final: true },
  },
  guards,
  actions,
});

/** What a UI may show or do with the connection now, derived from its snapshot. */
export interface ConnectionFlags {
  /** Welcomed by the server: commands go out now (`connected` or `caught-up`). */
  readonly isOnline: boolean;
  /** Online and every followed conversation is up to date. */
  readonly isCaughtUp: boolean;
  /** Trying to get back after a loss (waiting to retry, or a retry in flight). */
  readonly isReconnecting: boolean;
  readonly isSuspended: boolean;
  readonly isClosed: boolean;
  /** Show an offline notice: lost and not back yet. */
  readonly showOffline: boolean;
  /** A retry may be started now (for example on the browser's `online` event). */
  readonly canRetry: boolean;
}

/**
 * Derives the flags of the connection. Flags are computed, never stored.
 *
 * @example
 * ```ts
 * const { showOffline } = connectionFlags(connection.$state.get());
 * ```
 */
export function connectionFlags(snapshot: ConnectionSnapshot): ConnectionFlags {
  const { value, context } = snapshot;
  const reconnecting = value === 'reconnecting' || (value === 'connecting' && context.attempt > 0);
  return {
    isOnline: value === 'connected' || value === 'caught-up',
    isCaughtUp: value === 'caught-up',
    isReconnecting: reconnecting,
    isSuspended: value === 'suspended',
    isClosed: value === 'closed',
    showOffline: reconnecting || value === 'suspended',
    canRetry: value === 'reconnecting' || value === 'suspended',
  };
}
