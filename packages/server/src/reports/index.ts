import type { Queue } from '@helpline/core';
import type { SqlClient } from '../storage/sql.client';
import { createSqlReports, type SqlReports, type SqlReportsOptions } from './reports.sql';

export { createSqlReports, type SqlReports, type SqlReportsOptions } from './reports.sql';

/**
 * The server's reports over its database, with the SLA targets of the queues' configuration.
 *
 * @example
 * ```ts
 * import { openStorage, reportsOfQueues } from '@helpline/server';
 * const storage = await openStorage({ kind: 'pglite', dataDir: './.helpline-data' });
 * const reports = reportsOfQueues(storage.sql, []);
 * console.log((await reports.run({ kind: 'volume', period: 'week' })).volume.length);
 * await storage.close();
 * ```
 */
export function reportsOfQueues(
  sql: SqlClient,
  queues: readonly Queue[],
  options: Omit<SqlReportsOptions, 'slaTargetByQueue'> = {},
): SqlReports {
  return createSqlReports(sql, {
    ...options,
    slaTargetByQueue: Object.fromEntries(queues.map((q) => [q.id, q.slaTargetSeconds])),
  });
}
