import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Runs statements: a whole database or one transaction. */
export interface SqlQueryable {
  /** One statement with `$1…` parameters; returns its rows. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

/** The one database port the server speaks: PGlite (embedded) and PostgreSQL behind the same SQL. */
export interface SqlClient extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens an embedded PGlite database in `dataDir` (created if missing). PGlite is PostgreSQL compiled to
 * WebAssembly running in this process, so a fresh machine needs no database server.
 */
export async function openPglite(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  await db.waitReady;
  return {
    kind: 'pglite',
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await db.query<Row>(text, [...params])).rows;
    },
    async exec(text) {
      await db.exec(text);
    },
    transaction(work) {
      return db.transaction((tx) =>
        work({
          async query<Row>(text: string, params: readonly unknown[] = []) {
            return (await tx.query<Row>(text, [...params])).rows;
          },
          async exec(text) {
            await tx.exec(text);
          },
        }),
      );
    },
    close: () => db.close(),
  };
}

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Schema to work in (created if missing); default the server's `search_path`. */
  readonly schema?: string;
  /** Most pooled connections. Default 10. */
  readonly maxConnections?: number;
}

/** Connects a pool to PostgreSQL at `url` (`postgres://user@host:port/db`). */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlClient> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
  }
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // Two processes creating the schema at once: the loser sees a unique violation; the schema exists.
      if ((error as { code?: unknown }).code !== '23505') throw error;
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const rowsOf = async <Row>(client: pg.Pool | pg.PoolClient, text: string, params: readonly unknown[]) =>
    (await client.query(text, [...params])).rows as Row[];
  await rowsOf(pool, 'SELECT 1', []);
  return {
    kind: 'postgres',
    query: (text, params = []) => rowsOf(pool, text, params),
    async exec(text) {
      await pool.query(text);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: (text, params = []) => rowsOf(client, text, params),
          async exec(text) {
            await client.query(text);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
