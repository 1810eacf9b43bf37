import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { postgresTarget } from '../testing/databases';

/** Storage on PostgreSQL in a fresh schema for the customers' tests; `closing` gets what closes and drops it. */
export async function freshPostgresStorage(
  url: string,
  closing: (() => Promise<void>)[],
): Promise<SqlStorage> {
  const target = postgresTarget(url);
  const storage = await openStorage(target);
  closing.push(async () => {
    await storage.close();
    await target.drop();
  });
  return storage;
}
