import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isHelplineError } from '@helpline/core';
import type { ReportFiguresRow, ReportGrouping, ReportQuery } from '@helpline/core/metrics';
import { createSqlCaseStore } from '../cases/cases.store';
import { type CaseAccount, expectedCaseFcr, generateCases } from '../cases/cases.testing';
import { freshPostgresStorage } from '../customers/customers.testing';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import { createSqlReports, type SqlReports, type SqlReportsOptions } from './reports.sql';
import {
  generateHistory,
  generatePresence,
  type HistoryRow,
  insertHistory,
  insertPresence,
} from './reports.testing';

/*
 * Every figure of every report against a plain recomputation over the same generated rows: loops and Intl here,
 * SQL and the database's calendar there.
 */

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

const YEAR_START = Date.UTC(2025, 0, 1);
// A month of 2024 too, so December's and the year's "previous period" have something in them.
const HISTORY = generateHistory(12_000, Date.UTC(2024, 11, 1), Date.UTC(2026, 0, 1), 20);
const PRESENCE = generatePresence(Date.UTC(2024, 11, 1), Date.UTC(2026, 0, 1), 21);
/** The reports' clock: mid-June 2025, inside some windows below. */
const NOW = Date.UTC(2025, 5, 15, 12);
const OPTIONS: SqlReportsOptions = {
  slaTargetByQueue: { support: 20, sales: 30 },
  defaultSlaTargetSeconds: 25,
};
/** Cases opened from every fifth answered inbound contact, by its queue and agent, then driven by random events. */
const CASES = generateCases(
  HISTORY.filter((r) => !r.outbound && r.answeredAt !== undefined)
    .filter((_, n) => n % 5 === 0)
    .map((r) => ({
      at: r.answeredAt as number,
      queueId: r.queueId,
      assigneeId: r.agentId,
      interactionId: r.id,
    })),
  23,
);
const HISTORY_BY_ID = new Map(HISTORY.map((r) => [r.id, r]));

/* --- the independent recomputation --- */

/** Local calendar reading of `at` in `timeZone`, with Intl. */
function local(at: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: weekdays.indexOf(parts.weekday as string) + 1,
  };
}

/** The instant a local midnight of `timeZone` happens (zones here change offset away from midnight). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const l = local(guess, timeZone);
    const seen = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
    guess += wall - seen;
  }
  return guess;
}

const inWindow = (row: HistoryRow, from: number, to: number) => row.createdAt >= from && row.createdAt < to;

function groupKey(row: HistoryRow, groupBy: ReportGrouping): string | null {
  switch (groupBy) {
    case 'total':
      return null;
    case 'queue':
      return row.queueId;
    case 'agent':
      return row.agentId ?? null;
    case 'channel':
      return row.channel;
    case 'topic':
      return row.topic ?? null;
    case 'disposition':
      return row.disposition ?? null;
  }
}

/** A case's group: its own queue and assignee, the channel, topic or disposition of the contact it was opened from. */
function caseKey(account: CaseAccount, groupBy: ReportGrouping): string | null {
  if (groupBy === 'queue') return account.opening.queueId;
  if (groupBy === 'agent') return account.opening.assigneeId ?? null;
  const first = HISTORY_BY_ID.get(account.opening.interactionId);
  return first ? groupKey(first, groupBy) : null;
}

/** Length of the union of spans clipped to [from, to), by sorting and merging. */
function unionMs(spans: readonly (readonly [number, number])[], from: number, to: number): number {
  const clipped = spans
    .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let open: [number, number] | undefined;
  for (const [s, e] of clipped) {
    if (open && s <= open[1]) open[1] = Math.max(open[1], e);
    else {
      if (open) total += open[1] - open[0];
      open = [s, e];
    }
  }
  return total + (open ? open[1] - open[0] : 0);
}

/**
 * Occupancy per agent (docs/kpis.md): busy spans from answer to wrap-up done (or end) of contacts created from 7 days
 * before the window to its end; available spans from each `available` change to the agent's next change; both cut
 * at the window and at the clock.
 */
function expectedOccupancy(from: number, to: number): Map<string, { busy: number; staffed: number }> {
  const until = Math.min(to, NOW);
  const busy = new Map<string, [number, number][]>();
  for (const r of HISTORY) {
    if (r.agentId === undefined || r.answeredAt === undefined) continue;
    if (r.createdAt < from - 7 * 86_400_000 || r.createdAt >= to) continue;
    const list = busy.get(r.agentId) ?? [];
    list.push([r.answeredAt, r.wrapUpEndedAt ?? r.endedAt ?? until]);
    busy.set(r.agentId, list);
  }
  const available = new Map<string, [number, number][]>();
  const agents = new Set(PRESENCE.map((p) => p.agentId));
  for (const agentId of agents) {
    const changes = PRESENCE.filter((p) => p.agentId === agentId);
    const spans = changes.flatMap((p, i) =>
      p.status === 'available' ? [[p.at, changes[i + 1]?.at ?? until] as [number, number]] : [],
    );
    available.set(agentId, spans);
  }
  const out = new Map<string, { busy: number; staffed: number }>();
  for (const agentId of new Set([...busy.keys(), ...available.keys()])) {
    const working = busy.get(agentId) ?? [];
    const staffed = unionMs([...working, ...(available.get(agentId) ?? [])], from, until);
    if (staffed > 0) out.set(agentId, { busy: unionMs(working, from, until), staffed });
  }
  return out;
}

function occupancyOf(from: number, to: number, groupBy: ReportGrouping, key: string | null): number | null {
  if (groupBy !== 'agent' && groupBy !== 'total') return null;
  const agents = [...expectedOccupancy(from, to)].filter(
    ([agentId]) => groupBy === 'total' || agentId === key,
  );
  const staffed = agents.reduce((sum, [, a]) => sum + a.staffed, 0);
  return staffed === 0 ? null : agents.reduce((sum, [, a]) => sum + a.busy, 0) / staffed;
}

function expectedFigures(from: number, to: number, groupBy: ReportGrouping): ReportFiguresRow[] {
  const groups = new Map<string | null, HistoryRow[]>();
  for (const row of HISTORY) {
    if (!inWindow(row, from, to)) continue;
    const key = groupKey(row, groupBy);
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  const average = (values: number[]) =>
    values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const fcr = new Map(
    expectedCaseFcr(CASES.accounts, from, to, (account) => caseKey(account, groupBy)).map((row) => [
      row.key,
      row,
    ]),
  );
  // Groups that solved cases in the window with no contact created in it have a row too.
  for (const key of fcr.keys()) if (!groups.has(key)) groups.set(key, []);
  const out: ReportFiguresRow[] = [];
  for (const [key, rows] of groups) {
    const inbound = rows.filter((r) => !r.outbound);
    const queued = inbound.filter((r) => r.queuedAt !== undefined);
    const answered = inbound.filter((r) => r.answeredAt !== undefined);
    const abandoned = inbound.filter((r) => r.answeredAt === undefined && r.endReason === 'abandoned');
    let slMet = 0;
    let slOutcomes = 0;
    const waits: number[] = [];
    for (const r of rows) {
      if (r.queuedAt === undefined) continue;
      const target =
        1000 * (OPTIONS.slaTargetByQueue?.[r.queueId] ?? (OPTIONS.defaultSlaTargetSeconds as number));
      if (r.answeredAt !== undefined) {
        const wait = Math.max(0, r.answeredAt - r.queuedAt);
        waits.push(wait);
        slOutcomes++;
        if (wait <= target) slMet++;
      } else if (r.endedAt !== undefined && r.endedAt - r.queuedAt > target) {
        slOutcomes++;
      }
    }
    const handled = rows.filter((r) => r.answeredAt !== undefined && r.endedAt !== undefined);
    const handleTimes = handled.map(
      (r) =>
        Math.max(0, (r.endedAt as number) - (r.answeredAt as number)) +
        (r.wrapUpEndedAt === undefined ? 0 : Math.max(0, r.wrapUpEndedAt - (r.endedAt as number))),
    );
    const rated = rows.filter((r) => r.csat !== undefined).map((r) => r.csat as number);
    const asa = average(waits);
    const aht = average(handleTimes);
    out.push({
      key,
      contacts: inbound.length,
      outbound: rows.length - inbound.length,
      queued: queued.length,
      answered: answered.length,
      abandoned: abandoned.length,
      answerRate: share(answered.length, queued.length),
      abandonmentRate: share(abandoned.length, queued.length),
      asaSeconds: asa === null ? null : asa / 1000,
      serviceLevel: share(slMet, slOutcomes),
      handled: handled.length,
      ahtSeconds: aht === null ? null : aht / 1000,
      occupancy: occupancyOf(from, to, groupBy, key),
      csatResponses: rated.length,
      csatAverage: average(rated),
      fcrContacts: fcr.get(key)?.solved ?? 0,
      fcr: fcr.get(key)?.rate ?? null,
    });
  }
  return out.sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
}

/** Equal counts, and averages equal to the last few digits (SQL's numeric and JS's doubles round apart). */
function assertClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number' && !Number.isInteger(expected)) {
    assert.ok(
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${path}: ${actual} ≠ ${expected}`,
    );
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', path);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), path);
    for (const [k, v] of Object.entries(expected))
      assertClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

/* --- the suites --- */

function suite(name: string, open: () => Promise<SqlStorage>): void {
  describe(`reports from history on ${name}`, () => {
    let reports: SqlReports;
    let storage: SqlStorage;
    before(async () => {
      storage = await open();
      await insertHistory(storage.sql, HISTORY);
      await insertPresence(storage.sql, PRESENCE);
      const cases = createSqlCaseStore(storage.sql);
      for (const record of CASES.records)
        await cases.save(record, { caseId: record.id, type: 'CREATE', actorId: 'gen', at: YEAR_START });
      reports = createSqlReports(storage.sql, { ...OPTIONS, now: () => NOW });
    });

    const windows: { label: string; query: Omit<ReportQuery, 'kind'>; from: number; to: number }[] = [
      {
        label: 'June in Brussels',
        query: { period: 'month', at: Date.UTC(2025, 5, 15), timeZone: 'Europe/Brussels' },
        from: localMidnight(2025, 6, 1, 'Europe/Brussels'),
        to: localMidnight(2025, 7, 1, 'Europe/Brussels'),
      },
      {
        label: 'the March week of the clock change in Brussels',
        query: { period: 'week', at: Date.UTC(2025, 2, 28), timeZone: 'Europe/Brussels' },
        from: localMidnight(2025, 3, 24, 'Europe/Brussels'),
        to: localMidnight(2025, 3, 31, 'Europe/Brussels'),
      },
      {
        label: 'a day in New York (the default at: now)',
        query: { period: 'day', timeZone: 'America/New_York' },
        from: localMidnight(2025, 6, 15, 'America/New_York'),
        to: localMidnight(2025, 6, 16, 'America/New_York'),
      },
      {
        label: 'the year in UTC',
        query: { period: 'year', at: Date.UTC(2025, 6, 1) },
        from: YEAR_START,
        to: Date.UTC(2026, 0, 1),
      },
      {
        label: 'a custom window',
        query: { from: Date.UTC(2025, 1, 10, 7, 30), to: Date.UTC(2025, 3, 2, 18) },
        from: Date.UTC(2025, 1, 10, 7, 30),
        to: Date.UTC(2025, 3, 2, 18),
      },
    ];

    for (const window of windows) {
      for (const groupBy of ['total', 'queue', 'agent', 'channel', 'topic', 'disposition'] as const) {
        it(`figures of ${window.label} by ${groupBy} equal the recomputation`, async () => {
          const result = await reports.run({ kind: 'figures', groupBy, ...window.query });
          assert.equal(result.from, window.from);
          assert.equal(result.to, window.to);
          const expected = expectedFigures(window.from, window.to, groupBy);
          assert.ok(expected.length > 0);
          if (groupBy === 'agent' || groupBy === 'total')
            assert.ok(
              expected.some((row) => row.occupancy !== null && row.occupancy > 0 && row.occupancy < 1),
            );
          if (window.label !== 'a day in New York (the default at: now)')
            assert.ok(expected.some((row) => row.fcr !== null && row.fcr > 0 && row.fcr < 1));
          assertClose(result.figures, expected, 'figures');
        });
      }
    }

    it('a window with no contact created in it still reports the cases solved in it', async () => {
      const from = Date.UTC(2026, 0, 1);
      const to = Date.UTC(2026, 0, 6);
      const result = await reports.run({ kind: 'figures', groupBy: 'queue', from, to });
      const expected = expectedFigures(from, to, 'queue');
      assert.ok(expected.length > 0 && expected.every((row) => row.contacts === 0 && row.fcrContacts > 0));
      assertClose(result.figures, expected, 'figures');
    });

    it('volume by weekday and hour in New York equals the recomputation', async () => {
      const result = await reports.run({
        kind: 'volume',
        period: 'year',
        at: Date.UTC(2025, 6, 1),
        timeZone: 'America/New_York',
      });
      const from = localMidnight(2025, 1, 1, 'America/New_York');
      const to = localMidnight(2026, 1, 1, 'America/New_York');
      assert.equal(result.from, from);
      const cells = new Map<string, number>();
      for (const row of HISTORY) {
        if (row.outbound || !inWindow(row, from, to)) continue;
        const l = local(row.createdAt, 'America/New_York');
        const key = `${l.weekday}:${l.hour}`;
        cells.set(key, (cells.get(key) ?? 0) + 1);
      }
      const expected = [...cells]
        .map(([key, contacts]) => {
          const [weekday, hour] = key.split(':').map(Number) as [number, number];
          return { weekday, hour, contacts };
        })
        .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);
      assert.equal(expected.length, 7 * 24);
      assert.deepEqual(result.volume, expected);
    });

    it('recurring problems of a month compare with the month before', async () => {
      const result = await reports.run({
        kind: 'problems',
        period: 'month',
        at: Date.UTC(2025, 0, 20),
        limit: 3,
      });
      assert.equal(result.previousFrom, Date.UTC(2024, 11, 1));
      const count = (pick: (r: HistoryRow) => string | undefined, from: number, to: number) => {
        const counts = new Map<string, number>();
        for (const r of HISTORY) {
          const key = pick(r);
          if (r.outbound || key === undefined || !inWindow(r, from, to)) continue;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        return counts;
      };
      const expected = (['topic', 'disposition'] as const).flatMap((dimension) => {
        const pick = (r: HistoryRow) => (dimension === 'topic' ? r.topic : r.disposition);
        const now = count(pick, Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1));
        const before = count(pick, Date.UTC(2024, 11, 1), Date.UTC(2025, 0, 1));
        return [...now]
          .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
          .slice(0, 3)
          .map(([key, contacts]) => {
            const previous = before.get(key) ?? 0;
            return {
              dimension,
              key,
              contacts,
              previous,
              change: previous === 0 ? null : (contacts - previous) / previous,
            };
          });
      });
      assertClose(result.problems, expected, 'problems');
    });

    it('refuses bad periods, groupings, windows and time zones with typed errors', async () => {
      const bad: [ReportQuery, string][] = [
        [{ kind: 'figures', period: 'fortnight' as 'week' }, 'period'],
        [{ kind: 'figures', period: 'month', groupBy: 'colour' as 'queue' }, 'groupBy'],
        [{ kind: 'figures', period: 'month', timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ kind: 'figures', from: 10, to: 5 }, 'to'],
        [{ kind: 'figures', from: 0, to: 500 * 86_400_000 }, 'to'],
        [{ kind: 'figures', period: 'day', from: 0, to: 5 }, 'period'],
        [{ kind: 'figures' }, 'period'],
        [{ kind: 'problems', period: 'day', limit: 0 }, 'limit'],
      ];
      for (const [query, field] of bad) {
        await assert.rejects(
          reports.run(query),
          (error: unknown) =>
            isHelplineError(error) && error.code === 'validation/field' && error.field === field,
          JSON.stringify(query),
        );
      }
    });

    it('retention deletes closed history before the cutoff and keeps the rest', async () => {
      const cutoff = Date.UTC(2025, 0, 1);
      const deleted = await reports.prune(cutoff);
      assert.equal(deleted, HISTORY.filter((r) => !r.open && r.createdAt < cutoff).length);
      const [left] = await storage.sql.query<{ old: string; all: string }>(
        'SELECT count(*) FILTER (WHERE created_at < $1) AS old, count(*) AS all FROM interactions',
        [cutoff],
      );
      assert.equal(Number(left?.old), HISTORY.filter((r) => r.open && r.createdAt < cutoff).length);
      assert.equal(Number(left?.all), HISTORY.length - deleted);
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
  it('reports from history on PostgreSQL', { skip: available.skip }, () => {});
}
