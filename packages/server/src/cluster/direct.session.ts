import pg from 'pg';
import { DatabaseError, toDatabaseError } from '../storage/sql.errors';

// The bus's listener and the lease live on one long PostgreSQL session each. They need the session itself — LISTEN
// and a session advisory lock do not survive a pooler in transaction mode — so they connect directly, and both sides
// watch the session: the server ends it after `idleSessionTimeoutMs` without a statement (a frozen or vanished
// instance lets its lock and its notification queue go), and the instance pings well within that time and gives
// the session up when a ping does not come back (a partition that leaves the socket open).

/** TCP keepalive probes start after this much silence; they find a vanished peer that sends no FIN. */
const KEEPALIVE_IDLE_S = 5;
const KEEPALIVE_INTERVAL_S = 2;
const KEEPALIVE_COUNT = 3;
const CONNECT_TIMEOUT_MS = 5_000;
/** How long `end` waits for the server's goodbye before the socket is simply dropped. */
const END_TIMEOUT_MS = 1_000;

/** Options of {@link openDirectSession}. */
export interface DirectSessionOptions {
  /** A direct URL to PostgreSQL (not through PgBouncer in transaction mode). */
  readonly url: string;
  /** Shown in `pg_stat_activity.application_name`, so operators (and tests) can tell the sessions apart. */
  readonly applicationName: string;
  /** The schema to work in (`search_path`); the server's default when absent. */
  readonly schema?: string | undefined;
  /** The server ends the session after this long without a statement (`idle_session_timeout`). */
  readonly idleSessionTimeoutMs: number;
  /** Called once when the session breaks, not after {@link DirectSession.end}. */
  readonly onLost: (error: DatabaseError) => void;
  /** Called with each notification's payload, for a session that listens. */
  readonly onNotification?: (payload: string) => void;
}

/** One PostgreSQL session, held open. */
export interface DirectSession {
  /**
   * One statement. When `timeoutMs` passes without an answer the session is given up (as lost) and the statement
   * rejects with `57014`.
   */
  query<Row>(text: string, params?: readonly unknown[], timeoutMs?: number): Promise<Row[]>;
  /** Ends the session; waits at most a second for the server. */
  end(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a {@link DirectSession}: keepalives on both ends, `idle_session_timeout`, the schema. */
export async function openDirectSession(options: DirectSessionOptions): Promise<DirectSession> {
  const { schema } = options;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
  }
  const client = new pg.Client({
    connectionString: options.url,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_S * 1000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: options.applicationName,
  });
  let state: 'open' | 'lost' | 'ended' = 'open';
  const lose = (error: unknown, statement = 'CONNECT') => {
    if (state !== 'open') return;
    state = 'lost';
    // The socket may still be open (a ping that timed out): drop it rather than wait for it.
    void client.end().catch(() => {});
    options.onLost(toDatabaseError(error, statement));
  };
  client.on('error', (error) => lose(error));
  client.on('end', () => lose(new Error('Connection terminated')));
  const { onNotification } = options;
  if (onNotification) client.on('notification', (message) => onNotification(message.payload ?? ''));

  const query = async <Row>(text: string, params: readonly unknown[] = [], timeoutMs?: number) => {
    if (state !== 'open') throw new DatabaseError({ code: '08003', operation: 'statement' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (timeoutMs === undefined) return;
      timer = setTimeout(() => {
        const error = new DatabaseError({ code: '57014', operation: 'ping' });
        lose(error, text);
        reject(error);
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([client.query(text, [...params]), timedOut]);
      return result.rows as Row[];
    } catch (error) {
      throw toDatabaseError(error, text);
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await client.connect();
    await client.query(
      `SET idle_session_timeout = ${Math.ceil(options.idleSessionTimeoutMs)};
SET tcp_keepalives_idle = ${KEEPALIVE_IDLE_S};
SET tcp_keepalives_interval = ${KEEPALIVE_INTERVAL_S};
SET tcp_keepalives_count = ${KEEPALIVE_COUNT};
${schema === undefined ? '' : `SET search_path TO ${schema};`}`,
    );
  } catch (error) {
    state = 'ended';
    await client.end().catch(() => {});
    if ((error as { code?: unknown }).code === '42704') {
      throw new Error('cluster mode needs PostgreSQL 14 or newer (for idle_session_timeout)');
    }
    throw toDatabaseError(error, 'CONNECT');
  }

  return {
    query,
    async end() {
      if (state === 'ended') return;
      state = 'ended';
      await Promise.race([
        client.end().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, END_TIMEOUT_MS).unref()),
      ]);
    },
  };
}
