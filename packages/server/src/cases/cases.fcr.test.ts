import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freshPostgresStorage } from '../customers/customers.testing';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import { caseFirstContactResolution } from './cases.fcr';
import { createSqlCaseStore } from './cases.store';
import { type CaseOpening, expectedCaseFcr, generateCases } from './cases.testing';

// FCR from cases in SQL, checked on a generated history against an independent computation: the generator keeps
// its own account of each case (did the customer come back, was it reopened, when was it last solved) from the events
// it sends, without reading the machine's counters.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const QUEUES = ['support', 'sales', 'billing'];
const AGENTS = ['alice', 'bob', undefined];

/** 600 openings over 30 days in three queues, each with its own interaction. */
function openings(count: number, seed: number): CaseOpening[] {
  let a = seed;
  const next = () => {
    a = (Math.imul(a, 1_103_515_245) + 12_345) >>> 0;
    return a / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return Array.from({ length: count }, (_, n) => ({
    at: T0 + Math.floor(next() * 30 * DAY),
    queueId: pick(QUEUES),
    assigneeId: pick(AGENTS),
    interactionId: `i${n}`,
  }));
}

function generate(count: number, seed: number) {
  return generateCases(openings(count, seed), seed);
}

const expected = expectedCaseFcr;

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

function suite(name: string, open: () => Promise<SqlStorage>) {
  describe(`FCR from cases on ${name}`, () => {
    it('on a generated history, every grouping equals an independent recomputation', async () => {
      const storage = await open();
      const store = createSqlCaseStore(storage.sql);
      const { records, accounts } = generate(600, 20_260_101);
      for (const record of records)
        await store.save(record, { caseId: record.id, type: 'CREATE', actorId: 'gen', at: T0 });
      const from = T0 + 5 * DAY;
      const to = T0 + 25 * DAY;
      const total = await caseFirstContactResolution(storage.sql, { from, to }, 'total');
      const wanted = expected(accounts, from, to, () => null);
      assert.deepEqual(total, wanted);
      assert.ok((wanted[0]?.solved ?? 0) > 100, 'the history solves enough cases to mean something');
      assert.ok(
        (wanted[0]?.rate ?? 0) > 0.1 && (wanted[0]?.rate ?? 1) < 0.9,
        'both first-contact and repeat cases',
      );
      assert.deepEqual(
        await caseFirstContactResolution(storage.sql, { from, to }, 'queue'),
        expected(accounts, from, to, (a) => a.opening.queueId),
      );
      assert.deepEqual(
        await caseFirstContactResolution(storage.sql, { from, to }, 'agent'),
        expected(accounts, from, to, (a) => a.opening.assigneeId ?? null),
      );
      // No interaction of these cases is stored: by channel, they are all without one.
      assert.deepEqual(
        (await caseFirstContactResolution(storage.sql, { from, to }, 'channel')).map((r) => [
          r.key,
          r.solved,
        ]),
        [[null, wanted[0]?.solved]],
      );
      assert.deepEqual(
        await caseFirstContactResolution(storage.sql, { from: T0 - DAY, to: T0 }, 'total'),
        [],
      );
    });
  });
}

suite('PGlite', async () => {
  const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
  closing.push(() => storage.close());
  return storage;
});

const available = await testPostgresUrl();
if ('url' in available) {
  suite('PostgreSQL', async () => freshPostgresStorage(available.url, closing));
} else {
  it('FCR from cases on PostgreSQL', { skip: available.skip }, () => {});
}
