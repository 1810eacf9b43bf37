import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type EscalationRecord, escalationSnapshot } from '@helpline/core';
import type { EscalationReport } from '@helpline/core/hub';
import { freshPostgresStorage } from '../customers/customers.testing';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import { createSqlEscalationReports } from './escalations.reports';
import { createSqlEscalationStore } from './escalations.store';

/*
 * Escalations in SQL (migration 27): the store keeps what the hub saves, and every figure of the escalation report
 * over a generated year equals a plain recomputation over the same generated records (loops here, SQL there).
 */

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

const YEAR = Date.UTC(2025, 0, 1);
const NEXT_YEAR = Date.UTC(2026, 0, 1);
const QUEUES = ['support', 'sales', 'billing'];
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const REASONS = ['Refund above limit', 'Legal threat', 'VIP customer', 'Abusive caller'];
const OUTCOMES = ['taken-over', 'handed-back', 'cancelled', 'waiting', 'offered', 'accepted'] as const;

/** A deterministic pseudo-random generator (mulberry32), so every run checks the same history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` escalations spread over 2025, each in a final or open state with consistent times. */
function generate(count: number, seed: number): EscalationRecord[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const createdAt = YEAR + Math.floor(next() * (NEXT_YEAR - YEAR));
    const state = pick(OUTCOMES);
    const base = escalationSnapshot({
      at: createdAt,
      target: { kind: next() < 0.8 ? 'interaction' : 'case', id: `t${i}` },
      queueId: pick(QUEUES),
      agentId: pick(AGENTS),
      reason: pick(REASONS),
    });
    const accepted =
      state === 'accepted' || state === 'taken-over' || state === 'handed-back' || next() < 0.2;
    const acceptedAt =
      accepted && state !== 'waiting' && state !== 'offered'
        ? createdAt + Math.floor(next() * 600_000)
        : undefined;
    const final = state === 'taken-over' || state === 'handed-back' || state === 'cancelled';
    const endedAt = final ? (acceptedAt ?? createdAt) + Math.floor(next() * 3_600_000) : undefined;
    const boardedAt = next() < 0.3 ? createdAt + 1 : undefined;
    const updatedAt = endedAt ?? acceptedAt ?? boardedAt ?? createdAt;
    return {
      id: `esc-${String(i).padStart(6, '0')}`,
      snapshot: {
        value: state,
        context: {
          ...base.context,
          ...(state !== 'waiting' && state !== 'cancelled' ? { leaderId: 'tess' } : {}),
          ...(state === 'handed-back' ? { note: 'Handled this way' } : {}),
          ...(boardedAt !== undefined ? { boardedAt } : {}),
          offers: Math.floor(next() * 3),
          timestamps: {
            createdAt,
            updatedAt,
            ...(acceptedAt !== undefined ? { acceptedAt } : {}),
            ...(endedAt !== undefined ? { endedAt } : {}),
          },
        },
      },
    };
  });
}

/** The report recomputed: loops over the records of [from, to). */
function recompute(
  records: readonly EscalationRecord[],
  from: number,
  to: number,
  groupBy: 'total' | 'queue' | 'agent' | 'reason',
): EscalationReport['rows'] {
  const groups = new Map<string | null, EscalationRecord[]>();
  for (const r of records) {
    const { context } = r.snapshot;
    if (context.timestamps.createdAt < from || context.timestamps.createdAt >= to) continue;
    const key =
      groupBy === 'total'
        ? null
        : groupBy === 'queue'
          ? context.queueId
          : groupBy === 'agent'
            ? context.agentId
            : context.reason;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const average = (values: number[]) =>
    values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length / 1000;
  const rows = [...groups].map(([key, list]) => ({
    key,
    escalated: list.length,
    takenOver: list.filter((r) => r.snapshot.value === 'taken-over').length,
    handedBack: list.filter((r) => r.snapshot.value === 'handed-back').length,
    cancelled: list.filter((r) => r.snapshot.value === 'cancelled').length,
    open: list.filter((r) => ['waiting', 'offered', 'accepted'].includes(r.snapshot.value)).length,
    reachedBoard: list.filter((r) => r.snapshot.context.boardedAt !== undefined).length,
    acceptSeconds: average(
      list.flatMap(({ snapshot: { context: c } }) =>
        c.timestamps.acceptedAt === undefined ? [] : [c.timestamps.acceptedAt - c.timestamps.createdAt],
      ),
    ),
    resolveSeconds: average(
      list.flatMap(({ snapshot: { context: c } }) =>
        c.timestamps.endedAt === undefined ? [] : [c.timestamps.endedAt - c.timestamps.createdAt],
      ),
    ),
  }));
  return rows.sort(
    (a, b) =>
      b.escalated - a.escalated || (a.key === null ? -1 : b.key === null ? 1 : a.key < b.key ? -1 : 1),
  );
}

/** Figures equal, averages to the microsecond (SQL's numeric average and a float division may differ in the last bits). */
function assertRows(
  actual: EscalationReport['rows'],
  expected: EscalationReport['rows'],
  what: string,
): void {
  const round = (rows: EscalationReport['rows']) =>
    rows.map((r) => ({
      ...r,
      acceptSeconds: r.acceptSeconds === null ? null : Math.round(r.acceptSeconds * 1e6),
      resolveSeconds: r.resolveSeconds === null ? null : Math.round(r.resolveSeconds * 1e6),
    }));
  assert.deepEqual(round(actual), round(expected), what);
}

function suite(name: string, open: () => Promise<SqlStorage>): void {
  describe(`escalations in SQL (${name})`, () => {
    it('keeps escalations, their thread and audit trail; lists the open and recently ended', async () => {
      const storage = await open();
      const store = createSqlEscalationStore(storage.sql);
      const [first, second] = generate(2, 7);
      assert.ok(first && second);
      const waiting = { ...first, snapshot: { ...first.snapshot, value: 'waiting' as const } };
      await store.save(waiting, { escalationId: first.id, type: 'CREATE', actorId: 'alice', at: 1 });
      await store.save(second, { escalationId: second.id, type: 'CREATE', actorId: 'bob', at: 2 });
      assert.deepEqual(await store.get(first.id), waiting);
      await store.addMessage({ id: 'm1', escalationId: first.id, authorId: 'tess', text: 'Why?', at: 5 });
      assert.deepEqual(
        (await store.messages(first.id)).map((m) => `${m.authorId}:${m.text}`),
        ['tess:Why?'],
      );
      const ended = {
        ...waiting,
        snapshot: {
          value: 'handed-back' as const,
          context: {
            ...waiting.snapshot.context,
            note: 'Go ahead',
            timestamps: { ...waiting.snapshot.context.timestamps, endedAt: NEXT_YEAR + 10 },
          },
        },
      };
      await store.save(ended, { escalationId: first.id, type: 'HAND_BACK', actorId: 'tess', at: 6 });
      assert.deepEqual(
        (await store.audit(first.id)).map((e) => e.type),
        ['CREATE', 'HAND_BACK'],
      );
      const isOpen = (r: EscalationRecord) => ['waiting', 'offered', 'accepted'].includes(r.snapshot.value);
      const current = await store.current(NEXT_YEAR);
      assert.ok(
        current.some((r) => r.id === first.id),
        'ended since: listed',
      );
      assert.ok(
        !(await store.current(NEXT_YEAR + 11)).some((r) => r.id === first.id),
        'ended before: not listed',
      );
      assert.equal(
        current.some((r) => r.id === second.id),
        isOpen(second) || (second.snapshot.context.timestamps.endedAt ?? 0) >= NEXT_YEAR,
      );
    });

    it('every figure of every period and grouping equals a recomputation over a generated year', async () => {
      const storage = await open();
      const store = createSqlEscalationStore(storage.sql);
      const history = generate(1_500, 42);
      for (const record of history)
        await store.save(record, { escalationId: record.id, type: 'CREATE', actorId: 'x', at: 0 });
      const reports = createSqlEscalationReports(storage.sql, { now: () => Date.UTC(2025, 5, 15, 12) });
      const windows = {
        day: [Date.UTC(2025, 5, 15), Date.UTC(2025, 5, 16)],
        // ISO week: Monday 9 June 2025.
        week: [Date.UTC(2025, 5, 9), Date.UTC(2025, 5, 16)],
        month: [Date.UTC(2025, 5, 1), Date.UTC(2025, 6, 1)],
        year: [YEAR, NEXT_YEAR],
      } as const;
      for (const [period, [from, to]] of Object.entries(windows) as [
        keyof typeof windows,
        readonly [number, number],
      ][])
        for (const groupBy of ['total', 'queue', 'agent', 'reason'] as const) {
          const report = await reports.run({ period, groupBy });
          assert.equal(report.from, from, `${period} starts`);
          assert.equal(report.to, to, `${period} ends`);
          assertRows(report.rows, recompute(history, from, to, groupBy), `${period} by ${groupBy}`);
        }
      // Another zone: the month of Tokyo, read back from the report's own window.
      const tokyo = await reports.run({ period: 'month', groupBy: 'queue', timeZone: 'Asia/Tokyo' });
      assert.equal(tokyo.from, Date.UTC(2025, 4, 31, 15));
      assertRows(tokyo.rows, recompute(history, tokyo.from, tokyo.to, 'queue'), 'a Tokyo month by queue');
      const total = await reports.run({ period: 'year', groupBy: 'total' });
      assert.equal(total.rows[0]?.escalated, history.length, 'the year holds every escalation');
      await assert.rejects(
        reports.run({ period: 'day', timeZone: 'Mars/Olympus' }),
        (error: unknown) => String((error as { code?: string }).code) === 'validation/field',
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
if ('url' in available) suite('PostgreSQL', async () => freshPostgresStorage(available.url, closing));
