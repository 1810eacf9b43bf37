import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { toDatabaseError } from './sql.errors';

/**
 * Runs statements: a whole database or one transaction. Every failure rejects with a `DatabaseError`
 * (./sql.errors), which carries the SQLSTATE but none of the statement's data.
 */
export interface SqlQueryable {
  /** One statement with `$1…` parameters; returns its rows. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

/** Options of {@link SqlClient.transaction}. */
export interface TransactionOptions {
  /**
   * Statements without parameters that open the transaction, sent with `BEGIN` in one round trip (a check every
   * write makes first, such as the lease fence). A failure rolls the transaction back before `work` runs.
   */
  readonly prelude?: string;
}

/** The one database port the server speaks: PGlite (embedded) and PostgreSQL behind the same SQL. */
export interface SqlClient extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** Runs `work` for `statement`; whatever the driver throws leaves as a `DatabaseError` without data. */
async function guarded<T>(statement: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDatabaseError(error, statement);
  }
}

/**
 * Opens an embedded PGlite database in `dataDir` (created if missing). PGlite is PostgreSQL compiled to
 * WebAssembly running in this process, so a fresh machine needs no database server.
 */
export async function openPglite(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  await db.waitReady;
  const queryable = (target: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    query: <Row>(text: string, params: readonly unknown[] = []) =>
      guarded(text, async () => (await target.query<Row>(text, [...params])).rows),
    exec: (text) => guarded(text, async () => void (await target.exec(text))),
  });
  return {
    kind: 'pglite',
    ...queryable(db),
    async transaction(work, options = {}) {
      // Errors of `work` (already wrapped, or the caller's own) pass unchanged; PGlite's own (BEGIN, COMMIT) do not.
      let failedWork = false;
      try {
        return await db.transaction(async (tx) => {
          try {
            const inTransaction = queryable(tx);
            if (options.prelude !== undefined) await inTransaction.exec(options.prelude);
            return await work(inTransaction);
          } catch (error) {
            failedWork = true;
            throw error;
          }
        });
      } catch (error) {
        throw failedWork ? error : toDatabaseError(error, 'COMMIT');
      }
    },
    close: () => db.close(),
  };
}

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Schema to work in (created if missing); default the server's `search_path`. */
  readonly schema?: string | undefined;
  /** Most pooled connections. Default 10. */
  readonly maxConnections?: number | undefined;
  /** The server ends a session idle inside a transaction this long (`idle_in_transaction_session_timeout`). */
  readonly idleInTransactionTimeoutMs?: number | undefined;
}

/** Connects a pool to PostgreSQL at `url` (`postgres://user@host:port/db`). */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlClient> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
  }
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString: url });
    setup.on('error', () => {});
    await guarded('CONNECT', () => setup.connect());
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // Two processes creating the schema at once: the loser sees a unique violation; the schema exists.
      if ((error as { code?: unknown }).code !== '23505') throw toDatabaseError(error, 'CREATE SCHEMA');
    } finally {
      await setup.end().catch(() => {});
    }
  }
  const settings = [
    ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
    ...(options.idleInTransactionTimeoutMs === undefined
      ? []
      : [`-c idle_in_transaction_session_timeout=${Math.round(options.idleInTransactionTimeoutMs)}`]),
  ];
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(settings.length === 0 ? {} : { options: settings.join(' ') }),
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const queryable = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    query: <Row>(text: string, params: readonly unknown[] = []) =>
      guarded(text, async () => (await client.query(text, [...params])).rows as Row[]),
    exec: (text) => guarded(text, async () => void (await client.query(text))),
  });
  const direct = queryable(pool);
  await direct.query('SELECT 1');
  return {
    kind: 'postgres',
    ...direct,
    async transaction(work, options = {}) {
      const client = await guarded('CONNECT', () => pool.connect());
      // The pool listens for errors only on idle clients: a checked-out one whose server goes away (an admin
      // shutdown, a restart) would otherwise emit an unhandled 'error' and take the process down.
      let lost: unknown;
      const onError = (error: unknown) => {
        lost = error;
      };
      client.on('error', onError);
      const tx = queryable(client);
      try {
        await tx.exec(options.prelude === undefined ? 'BEGIN' : `BEGIN; ${options.prelude}`);
        const result = await work(tx);
        await tx.exec('COMMIT');
        return result;
      } catch (error) {
        if (lost === undefined) {
          await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
            lost = rollbackFailed;
          });
        }
        throw error;
      } finally {
        client.off('error', onError);
        // A connection that broke, or could not roll back, is discarded rather than handed to the next caller.
        client.release(lost !== undefined);
      }
    },
    close: () => pool.end(),
  };
}
