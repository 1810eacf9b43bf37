import { dialError } from '@helpline/core';
import type { DoNotCallEntry, DoNotCallList } from '@helpline/core/hub';
import type { Logger } from '../log/logger';
import type { SqlQueryable } from '../storage/sql.client';
import { toE164 } from './outbound.config';

/** The do-not-call list, with the question the dial policy asks. */
export interface DoNotCallStore extends DoNotCallList {
  /** True when `number` (E.164) may not be called: in the configuration or on the supervisors' list. */
  has(number: string): Promise<boolean>;
}

interface Row {
  number: string;
  reason: string | null;
  added_by: string;
  added_at: string | number;
}

/**
 * The do-not-call list in SQL (migration 18): numbers kept in E.164, every change written to `do_not_call_audit` in
 * the same statement and logged. Numbers of the configuration's `outbound.doNotCall` are always on it.
 *
 * @example
 * ```ts
 * const dnc = createDoNotCallStore({ sql: storage.sql, configured: ['+442079460999'], log, now: Date.now });
 * await dnc.add('020 7946 0999', { addedBy: 'sam', reason: 'asked by phone' });
 * ```
 */
export function createDoNotCallStore(options: {
  readonly sql: SqlQueryable;
  readonly configured: readonly string[];
  readonly defaultRegion?: string | undefined;
  readonly log: Logger;
  readonly now: () => number;
}): DoNotCallStore {
  const { sql, log, now } = options;
  const configured = new Set(
    options.configured.map((number) => toE164(number, options.defaultRegion)).filter((n) => n !== undefined),
  );

  function normalized(number: string): string {
    const e164 = toE164(number.trim(), options.defaultRegion);
    if (!e164) {
      throw dialError(
        'dial/invalid-number',
        { scope: 'dnc', field: 'number', number, rule: 'not a phone number in international form (E.164)' },
        { field: 'number' },
      );
    }
    return e164;
  }

  return {
    async has(number) {
      if (configured.has(number)) return true;
      const rows = await sql.query<{ one: number }>('SELECT 1 AS one FROM do_not_call WHERE number = $1', [
        number,
      ]);
      return rows.length > 0;
    },
    async add(raw, entry) {
      const number = normalized(raw);
      const at = now();
      // One statement: the entry and its audit row are written together or not at all.
      const rows = await sql.query<Row>(
        `WITH added AS (
           INSERT INTO do_not_call (number, reason, added_by, added_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (number) DO UPDATE SET reason = EXCLUDED.reason
           RETURNING number, reason, added_by, added_at
         ), audit AS (
           INSERT INTO do_not_call_audit (number, action, actor, reason, at) SELECT number, 'added', $3, $2, $4 FROM added
         )
         SELECT number, reason, added_by, added_at FROM added`,
        [number, entry.reason ?? null, entry.addedBy, at],
      );
      const stored = rows[0] as Row;
      log.info('dnc.added', { number, by: entry.addedBy });
      return entryOf(stored);
    },
    async remove(raw, removedBy) {
      const number = normalized(raw);
      const rows = await sql.query(
        `WITH removed AS (DELETE FROM do_not_call WHERE number = $1 RETURNING number), audit AS (
           INSERT INTO do_not_call_audit (number, action, actor, reason, at) SELECT number, 'removed', $2, NULL, $3 FROM removed
         )
         SELECT number FROM removed`,
        [number, removedBy, now()],
      );
      const removed = rows.length > 0;
      if (removed) log.info('dnc.removed', { number, by: removedBy });
      return removed;
    },
    async list() {
      const rows = await sql.query<Row>(
        'SELECT number, reason, added_by, added_at FROM do_not_call ORDER BY added_at DESC, number',
      );
      const fromConfig = [...configured]
        .filter((number) => !rows.some((row) => row.number === number))
        .map((number): DoNotCallEntry => ({ number, addedBy: 'config', addedAt: 0 }));
      return [...rows.map(entryOf), ...fromConfig];
    },
  };
}

function entryOf(row: Row): DoNotCallEntry {
  return {
    number: row.number,
    addedBy: row.added_by,
    addedAt: Number(row.added_at),
    ...(row.reason ? { reason: row.reason } : {}),
  };
}
