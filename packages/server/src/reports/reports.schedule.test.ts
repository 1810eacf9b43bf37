// Scheduled reports (docs/reports.md): the configuration's typed refusals, the due period by the calendar of a time
// zone, and mail sent end to end through the test Postfix and read back from Dovecot over IMAP, on a fake clock, by
// two instances sharing one database (one mail per period, across restarts; a failed send is tried again).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reportToCsv } from '@helpline/core/metrics';
import { simpleParser } from 'mailparser';
import * as v from 'valibot';
import { emailConfigSchema, resolveMailboxes } from '../channels/email/email.config';
import {
  readInbox,
  type TestMailServers,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from '../channels/email/email.testing';
import { parseConfig } from '../config/config';
import { issuesOf, TEST_SITE } from '../config/config.testing';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../testing/databases';
import { reportsOfQueues } from './index';
import {
  createReportScheduler,
  duePeriod,
  type ReportSchedule,
  reportsConfigSchema,
} from './reports.schedule';
import { generateHistory, insertHistory } from './reports.testing';

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

const QUEUES = [{ id: 'support', name: 'Support' }];
const EMAIL = {
  mailboxes: [
    {
      id: 'support',
      address: 'support@shop.example',
      queueId: 'support',
      smtp: { host: '127.0.0.1', port: 2525, allowPlaintext: true },
    },
  ],
};
const SCHEDULE = {
  id: 'monthly',
  period: 'month',
  recipients: ['boss@shop.example'],
  time: '07:00',
  timeZone: 'Europe/Brussels',
};

describe('the reports section of the configuration', () => {
  it('takes schedules with defaults (figures by queue at 07:00 from the first mailbox)', () => {
    const config = parseConfig({
      queues: QUEUES,
      sites: [TEST_SITE],
      email: EMAIL,
      reports: { schedules: [{ ...SCHEDULE, time: undefined }] },
    });
    const [schedule] = config.file.reports?.schedules ?? [];
    assert.deepEqual(schedule, { ...SCHEDULE, kind: 'figures' });
  });

  it('refuses bad schedules, naming each field', () => {
    const issues = issuesOf({
      queues: QUEUES,
      sites: [TEST_SITE],
      email: EMAIL,
      reports: {
        schedules: [
          { ...SCHEDULE, time: '24:00' },
          { ...SCHEDULE, id: 'b', timeZone: 'Mars/Olympus' },
          { ...SCHEDULE, id: 'c', recipients: [] },
          { ...SCHEDULE, id: 'd', recipients: ['not an address'] },
          { ...SCHEDULE, id: 'e', period: 'fortnight' },
          { ...SCHEDULE, id: 'f', kind: 'chart' },
        ],
      },
    }).join('\n');
    for (const expected of [
      /schedules\[0\]\.time.*HH:MM/,
      /schedules\[1\]\.timeZone.*"Mars\/Olympus" is not an IANA time zone/,
      /schedules\[2\]\.recipients.*at least one/,
      /schedules\[3\]\.recipients\[0\].*email address/,
      /schedules\[4\]\.period.*day, week, month, year/,
      /schedules\[5\]\.kind.*figures, volume, problems/,
    ])
      assert.match(issues, expected);
  });

  it('refuses what crosses sections: no email section, an unknown mailbox, twice an id, options of another kind', () => {
    assert.match(
      issuesOf({ queues: QUEUES, sites: [TEST_SITE], reports: { schedules: [SCHEDULE] } }).join('\n'),
      /config\.reports\.schedules\[0\]: needs the email section/,
    );
    const issues = issuesOf({
      queues: QUEUES,
      sites: [TEST_SITE],
      email: EMAIL,
      reports: {
        schedules: [
          { ...SCHEDULE, mailbox: 'sales' },
          { ...SCHEDULE, kind: 'volume', groupBy: 'queue' },
          { ...SCHEDULE, id: 'p', kind: 'figures', limit: 3 },
        ],
      },
    }).join('\n');
    assert.match(issues, /schedules\[0\]\.mailbox: no mailbox "sales"/);
    assert.match(issues, /schedules\[1\]\.id: "monthly" is used by another schedule/);
    assert.match(issues, /schedules\[1\]\.groupBy: only a figures report has groups/);
    assert.match(issues, /schedules\[2\]\.limit: only a problems report has a limit/);
  });
});

describe('the period a schedule mails', () => {
  let storage: SqlStorage;
  before(async () => {
    storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    closing.push(() => storage.close());
  });
  // Brussels is UTC+1 in winter and UTC+2 in summer (from the last Sunday of March, 2026-03-29).
  const cases: [
    string,
    Pick<ReportSchedule, 'period' | 'time' | 'timeZone'>,
    number,
    number,
    number,
    number,
  ][] = [
    [
      'a month, before its time on the 1st: the month before last',
      { period: 'month', time: '07:00', timeZone: 'Europe/Brussels' },
      Date.UTC(2026, 11, 1, 5, 59),
      Date.UTC(2026, 8, 30, 22),
      Date.UTC(2026, 9, 31, 23),
      Date.UTC(2026, 10, 1, 6),
    ],
    [
      'a month, at its time: last month',
      { period: 'month', time: '07:00', timeZone: 'Europe/Brussels' },
      Date.UTC(2026, 11, 1, 6),
      Date.UTC(2026, 9, 31, 23),
      Date.UTC(2026, 10, 30, 23),
      Date.UTC(2026, 11, 1, 6),
    ],
    [
      'a week, on Monday after its time (Monday to Monday)',
      { period: 'week', time: '08:30', timeZone: 'America/New_York' },
      Date.UTC(2026, 11, 7, 14),
      Date.UTC(2026, 10, 30, 5),
      Date.UTC(2026, 11, 7, 5),
      Date.UTC(2026, 11, 7, 13, 30),
    ],
    [
      'a day across the spring clock change: 23 hours, due at 07:00 summer time',
      { period: 'day', time: '07:00', timeZone: 'Europe/Brussels' },
      Date.UTC(2026, 2, 30, 5, 1),
      Date.UTC(2026, 2, 28, 23),
      Date.UTC(2026, 2, 29, 22),
      Date.UTC(2026, 2, 30, 5),
    ],
    [
      'a year, in UTC',
      { period: 'year', time: '00:00', timeZone: 'UTC' },
      Date.UTC(2026, 5, 1),
      Date.UTC(2025, 0, 1),
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1),
    ],
  ];
  for (const [label, schedule, now, from, to, dueAt] of cases) {
    it(label, async () => {
      assert.deepEqual(await duePeriod(storage.sql, schedule, now), { from, to, dueAt });
    });
  }
});

/** Two instances of one database: two pools on PostgreSQL, the one PGlite otherwise (one process owns it). */
async function sharedDatabase(): Promise<{ name: string; first: SqlStorage; second: SqlStorage }> {
  const available = await testPostgresUrl();
  if ('url' in available) {
    const target = postgresTarget(available.url);
    const first = await openStorage(target);
    const second = await openStorage(target);
    closing.push(async () => {
      await second.close();
      await first.close();
      await target.drop();
    });
    return { name: 'PostgreSQL, two pools', first, second };
  }
  const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
  closing.push(() => storage.close());
  return { name: 'PGlite', first: storage, second: storage };
}

const mail = testMailServers();
describe('scheduled reports through the real mail servers', {
  skip: 'skip' in mail ? mail.skip : false,
}, () => {
  const servers = mail as TestMailServers;
  const NOVEMBER = [Date.UTC(2026, 9, 31, 23), Date.UTC(2026, 10, 30, 23)] as const;
  const DUE = Date.UTC(2026, 11, 1, 6); // 1 December, 07:00 in Brussels
  let clock = DUE - 60_000;
  let db: Awaited<ReturnType<typeof sharedDatabase>>;
  let boss: string;
  let cfo: string;

  function scheduler(storage: SqlStorage, smtpPort = servers.smtpPort) {
    const email = v.parse(emailConfigSchema, {
      mailboxes: [
        {
          id: 'reports',
          address: uniqueAddress(servers, 'reports'),
          name: 'Shop reports',
          queueId: 'support',
          smtp: { host: servers.host, port: smtpPort, allowPlaintext: true },
        },
      ],
    });
    const { schedules } = v.parse(reportsConfigSchema, {
      schedules: [{ ...SCHEDULE, recipients: [boss, cfo] }],
    });
    const created = createReportScheduler({
      sql: storage.sql,
      reports: reportsOfQueues(storage.sql, [], { now: () => clock }),
      schedules,
      mailboxes: resolveMailboxes(email, {}),
      now: () => clock,
      retryMs: 60_000,
    });
    closing.push(async () => created.close());
    return created;
  }

  before(async () => {
    db = await sharedDatabase();
    boss = uniqueAddress(servers, 'boss');
    cfo = uniqueAddress(servers, 'cfo');
    await insertHistory(
      db.first.sql,
      generateHistory(3_000, Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 30, 22), 28),
    );
  });

  it('sends last month once at its time, from one of two instances, with the summary and the CSV', async () => {
    const a = scheduler(db.first);
    const b = scheduler(db.second);
    assert.deepEqual(await a.tick(), [], 'nothing before 07:00');
    clock = DUE;
    // Both instances tick at the same moment (a takeover while the old leader still ran): one claim wins.
    const outcomes = (await Promise.all([a.tick(), b.tick()])).flat();
    assert.equal(outcomes.length, 1, `${db.name}: ${JSON.stringify(outcomes)}`);
    assert.equal(outcomes[0]?.outcome, 'sent');
    assert.equal(outcomes[0]?.from, NOVEMBER[0]);

    const [received] = await waitForInbox(servers, boss, (messages) => messages.length === 1);
    const parsed = await simpleParser(received?.source ?? Buffer.alloc(0));
    assert.equal(parsed.subject, 'Helpline report: Contact figures by queue, 1 – 30 Nov 2026');
    assert.equal(parsed.html, false);
    assert.equal(parsed.from?.value[0]?.name, 'Shop reports');
    assert.match(parsed.text ?? '', /Europe\/Brussels/);
    assert.match(parsed.text ?? '', /Contacts\s+Answered\s+Abandoned/);
    const expected = await reportsOfQueues(db.first.sql, []).run({
      kind: 'figures',
      groupBy: 'queue',
      period: 'month',
      at: NOVEMBER[0],
      timeZone: 'Europe/Brussels',
    });
    assert.deepEqual(
      expected.figures.map((row) => row.key),
      ['billing', 'sales', 'support'],
    );
    for (const row of expected.figures)
      assert.match(
        parsed.text ?? '',
        new RegExp(`^${row.key}\\s+${row.contacts.toLocaleString('en')}\\s`, 'm'),
      );
    assert.equal(parsed.attachments.length, 1);
    const [csv] = parsed.attachments;
    assert.equal(csv?.filename, 'helpline-figures-queue-2026-11-01.csv');
    assert.equal(csv?.contentType, 'text/csv');
    assert.equal(csv?.content.toString('utf8'), reportToCsv(expected));
    assert.equal((await readInbox(servers, cfo)).length, 1, 'every recipient gets it');
  });

  it('sends nothing more for that month: later ticks, the other instance, a restarted one', async () => {
    clock = DUE + 3_600_000;
    const restarted = scheduler(db.second);
    assert.deepEqual(await restarted.tick(), []);
    clock = Date.UTC(2026, 11, 31, 22);
    assert.deepEqual(await scheduler(db.first).tick(), []);
    assert.equal((await readInbox(servers, boss)).length, 1);
  });

  it('records a failed send and tries again later, then sends the month once', async () => {
    clock = Date.UTC(2027, 0, 1, 6); // 1 January 07:00 in Brussels: December is due
    const unreachable = scheduler(db.first, 1); // nothing listens on port 1
    const [failed] = await unreachable.tick();
    assert.equal(failed?.outcome, 'failed');
    const [row] = await db.first.sql.query<{ state: string; attempts: number; error: string | null }>(
      "SELECT state, attempts, error FROM report_schedule_runs WHERE schedule_id = 'monthly'",
    );
    assert.equal(row?.state, 'failed');
    assert.ok(row?.error);
    const healthy = scheduler(db.second);
    assert.deepEqual(await healthy.tick(), [], 'not before the retry delay');
    clock += 60_000;
    const [sent] = await healthy.tick();
    assert.equal(sent?.outcome, 'sent');
    assert.equal(sent?.from, Date.UTC(2026, 10, 30, 23));
    const messages = await waitForInbox(servers, boss, (list) => list.length === 2);
    const december = await simpleParser(messages[1]?.source ?? Buffer.alloc(0));
    assert.match(december.subject ?? '', /1 – 31 Dec 2026/);
    assert.match(december.text ?? '', /No contacts in this period\./);
    const [done] = await db.first.sql.query<{ state: string; attempts: number }>(
      "SELECT state, attempts FROM report_schedule_runs WHERE schedule_id = 'monthly'",
    );
    assert.deepEqual({ ...done, attempts: Number(done?.attempts) }, { state: 'sent', attempts: 2 });
  });
});
