import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type CaseEvent, type CaseRecord, caseMachine, caseSnapshot, transition } from '@helpline/core';
import { freshPostgresStorage } from '../customers/customers.testing';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import { caseFirstContactResolution } from './cases.fcr';
import { createSqlCaseStore } from './cases.store';

// FCR from cases in SQL, checked on a generated history against an independent computation: the generator keeps
// its own account of each case (did the customer come back, was it reopened, when was it last solved) from the events
// it sends, without reading the machine's counters.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const QUEUES = ['support', 'sales', 'billing'];
const AGENTS = ['alice', 'bob', undefined];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What the generator knows of a case, from the events it sent. */
interface Account {
  readonly queueId: string;
  readonly assigneeId: string | undefined;
  cameBack: boolean;
  solvedAt: number | undefined;
}

function generate(count: number, seed: number): { records: CaseRecord[]; accounts: Account[] } {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const records: CaseRecord[] = [];
  const accounts: Account[] = [];
  for (let n = 0; n < count; n += 1) {
    let at = T0 + Math.floor(next() * 30 * DAY);
    const account: Account = {
      queueId: pick(QUEUES),
      assigneeId: pick(AGENTS),
      cameBack: false,
      solvedAt: undefined,
    };
    let snapshot = caseSnapshot({
      at,
      subject: `case ${n}`,
      queueId: account.queueId,
      assigneeId: account.assigneeId,
      interactionId: `i${n}`,
    });
    const interactions = [`i${n}`];
    for (let steps = Math.floor(next() * 6); steps > 0; steps -= 1) {
      at += Math.floor(next() * DAY);
      const roll = next();
      const fresh = `i${n}-${interactions.length}`;
      const event: CaseEvent =
        roll < 0.35
          ? { type: 'SOLVE', at }
          : roll < 0.45
            ? { type: 'CONTACT', at, interactionId: pick(interactions) }
            : roll < 0.52
              ? { type: 'LINK', at, interactionId: fresh }
              : roll < 0.6
                ? { type: 'REOPEN', at }
                : roll < 0.7
                  ? { type: 'CLOSE', at }
                  : roll < 0.85
                    ? { type: 'PEND', at }
                    : { type: 'AGENT_REPLY', at };
      const result = transition(caseMachine, snapshot, event);
      if (!result.ok || !result.changed) continue;
      const was = snapshot.value;
      snapshot = result.snapshot;
      // The generator's own account: a second contact is a new interaction about it, or the customer answering
      // after it was solved; a staff reopening counts too. Solving is remembered until something reopens it.
      if (event.type === 'LINK') {
        interactions.push(fresh);
        account.cameBack = true;
      }
      if (event.type === 'CONTACT' && was === 'solved') account.cameBack = true;
      if (event.type === 'REOPEN') account.cameBack = true;
      if (event.type === 'SOLVE') account.solvedAt = at;
      if (snapshot.value === 'open' && was === 'solved') account.solvedAt = undefined;
    }
    records.push({ id: `case-${String(n).padStart(4, '0')}`, customerId: `cu${n % 97}`, snapshot });
    accounts.push(account);
  }
  return { records, accounts };
}

/** The independent computation: per group, cases solved in the window and those the customer never came back on. */
function expected(
  accounts: readonly Account[],
  from: number,
  to: number,
  key: (a: Account) => string | null,
) {
  const groups = new Map<string | null, { solved: number; firstContact: number }>();
  for (const account of accounts) {
    if (account.solvedAt === undefined || account.solvedAt < from || account.solvedAt >= to) continue;
    const group = groups.get(key(account)) ?? { solved: 0, firstContact: 0 };
    group.solved += 1;
    if (!account.cameBack) group.firstContact += 1;
    groups.set(key(account), group);
  }
  return [...groups.entries()]
    .map(([k, g]) => ({ key: k, ...g, rate: g.firstContact / g.solved }))
    .sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key.localeCompare(b.key)));
}

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
        expected(accounts, from, to, (a) => a.queueId),
      );
      assert.deepEqual(
        await caseFirstContactResolution(storage.sql, { from, to }, 'agent'),
        expected(accounts, from, to, (a) => a.assigneeId ?? null),
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
