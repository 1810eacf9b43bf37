// What the cluster tests share: a migrated schema of their own on this machine's PostgreSQL, and a way to kill a
// session the way an operator or a crash would.
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '../storage/migrations';
import { openPostgres, type SqlClient } from '../storage/sql.client';
import { freshSchemaName, testPostgresUrl } from '../testing/databases';

/** A migrated schema for one test file. */
export interface ClusterTestDatabase {
  readonly url: string;
  readonly schema: string;
  /** A pool in the schema, for the tests' own statements. */
  readonly sql: SqlClient;
  /** Ends every session whose `application_name` is `name` (`pg_terminate_backend`); returns how many. */
  terminate(applicationName: string): Promise<number>;
  /** Drops the schema. */
  drop(): Promise<void>;
}

/** A {@link ClusterTestDatabase}, or why there is none (HELPLINE_TEST_DATABASE_URL unset or unreachable). */
export async function clusterTestDatabase(): Promise<ClusterTestDatabase | { skip: string }> {
  const available = await testPostgresUrl();
  if ('skip' in available) return available;
  const { url } = available;
  const schema = freshSchemaName();
  const sql = await openPostgres(url, { schema });
  await migrate(sql);
  return {
    url,
    schema,
    sql,
    async terminate(applicationName) {
      // Two statements: in one, the planner may call pg_terminate_backend before it filters by name.
      const sessions = await sql.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [applicationName],
      );
      for (const { pid } of sessions) await sql.query('SELECT pg_terminate_backend($1)', [pid]);
      return sessions.length;
    },
    async drop() {
      await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await sql.close();
    },
  };
}

/** Resolves once `check` holds, looking every 10 ms; rejects naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(10);
  }
}
