// Databases for tests: a PGlite template copied per test (creating a PGlite database takes seconds, copying
// its directory milliseconds) and a fresh PostgreSQL schema per run when HELPLINE_TEST_DATABASE_URL is set.
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS, migrate } from '../storage/migrations';
import { openPglite } from '../storage/sql.client';
import type { StorageTarget } from '../storage/sql.storage';

const scratch = mkdtempSync(join(tmpdir(), 'helpline-test-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A migrated PGlite directory shared by every test process of this schema version. */
async function pgliteTemplate(): Promise<string> {
  const version = createHash('sha256')
    .update(MIGRATIONS.map((m) => `${m.version}:${m.sql}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const template = join(tmpdir(), `helpline-pglite-template-${version}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const building = mkdtempSync(join(tmpdir(), 'helpline-pglite-building-'));
  const client = await openPglite(building);
  await migrate(client);
  await client.close();
  try {
    renameSync(building, template);
  } catch {
    // Another test process finished first; its template is identical.
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

let template: Promise<string> | undefined;

/** A fresh, migrated PGlite data directory for one test. */
export async function freshPgliteDir(): Promise<string> {
  template ??= pgliteTemplate();
  const dir = mkdtempSync(join(scratch, 'pglite-'));
  cpSync(await template, dir, { recursive: true });
  return dir;
}

/** The PostgreSQL URL tests use, or the reason they cannot. */
export async function testPostgresUrl(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.HELPLINE_TEST_DATABASE_URL;
  if (!url) return { skip: 'HELPLINE_TEST_DATABASE_URL is not set (CI sets it; .ci/run exports it)' };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    return { skip: `PostgreSQL at HELPLINE_TEST_DATABASE_URL is unreachable: ${String(error)}` };
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name for one test run. */
export function freshSchemaName(): string {
  return `helpline_test_${randomBytes(6).toString('hex')}`;
}

/** A PostgreSQL storage target in a new schema; call `drop()` when done. */
export function postgresTarget(url: string): StorageTarget & { kind: 'postgres'; drop(): Promise<void> } {
  const schema = freshSchemaName();
  return {
    kind: 'postgres',
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
