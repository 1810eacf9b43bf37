import {
  type HistoryReports,
  REPORT_GROUPINGS,
  REPORT_KINDS,
  REPORT_PERIODS,
  type ReportResult,
  reportToCsv,
} from '@helpline/core/metrics';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import * as v from 'valibot';
import type { EmailConfig, ResolvedMailbox } from '../channels/email/email.config';
import { smtpOptions } from '../channels/email/email.outbound';
import type { SqlQueryable } from '../storage/sql.client';
import { reportFileName, reportMail } from './reports.mail';

/*
 * Scheduled reports (docs/reports.md): each schedule mails the report of the period that last ended — yesterday,
 * last week, last month, last year — at a time of day in its time zone, through a mailbox of the email channel. The
 * routing leader ticks the schedules; the claim of a period is one statement on `report_schedule_runs` (migration
 * 28), so one mail goes out per schedule and period across instances, takeovers and restarts.
 */

const scheduleId = v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be an id (letters, digits, _ . : -)'));
const recipient = v.pipe(
  v.string(),
  v.maxLength(254, 'must be at most 254 characters'),
  v.regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/, 'must be an email address'),
);

/** True when `timeZone` is an IANA time zone this runtime knows. */
function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const reportSchedule = v.strictObject({
  /** Names the schedule in logs and in `report_schedule_runs`; give a new id when the period changes. */
  id: scheduleId,
  /** The report mailed: `figures` (default), `volume` or `problems`. */
  kind: v.optional(v.picklist(REPORT_KINDS, `must be one of ${REPORT_KINDS.join(', ')}`), 'figures'),
  /** The rows of a `figures` report (default `queue`). */
  groupBy: v.optional(v.picklist(REPORT_GROUPINGS, `must be one of ${REPORT_GROUPINGS.join(', ')}`)),
  /** How many topics and dispositions a `problems` report lists (default 10). */
  limit: v.optional(v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1), v.maxValue(100))),
  /** `day` mails yesterday's report each day, `week` last week's each Monday, `month` and `year` likewise. */
  period: v.picklist(REPORT_PERIODS, `must be one of ${REPORT_PERIODS.join(', ')}`),
  /** Who gets it. */
  recipients: v.pipe(
    v.array(recipient),
    v.minLength(1, 'must list at least one address'),
    v.maxLength(50, 'must list at most 50 addresses'),
  ),
  /** Local time of day the mail goes out on the period's first day, `HH:MM` (default 07:00). */
  time: v.optional(
    v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day, HH:MM (24 hours)')),
    '07:00',
  ),
  /** IANA time zone of the calendar and of `time`. */
  timeZone: v.pipe(
    v.string(),
    v.check(isTimeZone, (issue) => `${JSON.stringify(issue.input)} is not an IANA time zone`),
  ),
  /** Id of the email mailbox it is sent from (default the first). */
  mailbox: v.optional(scheduleId),
});

/** The `reports` section of the server configuration. */
export const reportsConfigSchema = v.strictObject({
  /** Reports mailed on a schedule; they need the `email` section. */
  schedules: v.optional(v.array(reportSchedule), []),
});

/** The `reports` section after validation and defaults. */
export type ReportsConfig = v.InferOutput<typeof reportsConfigSchema>;
/** One scheduled report, validated. */
export type ReportSchedule = ReportsConfig['schedules'][number];

/**
 * Checks what the schema cannot: unique ids, an email section to send through, a mailbox that exists, `groupBy` only
 * on `figures` and `limit` only on `problems`. Returns the problems, each with its field path.
 */
export function checkReportsConfig(reports: ReportsConfig, email: EmailConfig | undefined): string[] {
  const issues: string[] = [];
  const ids = new Set<string>();
  reports.schedules.forEach((schedule, index) => {
    const at = `config.reports.schedules[${index}]`;
    if (ids.has(schedule.id)) issues.push(`${at}.id: "${schedule.id}" is used by another schedule`);
    ids.add(schedule.id);
    if (!email) issues.push(`${at}: needs the email section (reports are sent through one of its mailboxes)`);
    else if (schedule.mailbox !== undefined && !email.mailboxes.some((box) => box.id === schedule.mailbox))
      issues.push(`${at}.mailbox: no mailbox "${schedule.mailbox}" in the email section`);
    if (schedule.groupBy !== undefined && schedule.kind !== 'figures')
      issues.push(`${at}.groupBy: only a figures report has groups`);
    if (schedule.limit !== undefined && schedule.kind !== 'problems')
      issues.push(`${at}.limit: only a problems report has a limit`);
  });
  return issues;
}

/** The period a schedule sends next: the one that last ended, and when its mail is due. */
export interface ScheduledPeriod {
  /** Start of the period reported (epoch ms, inclusive): the key of `report_schedule_runs`. */
  readonly from: number;
  /** End of the period reported (exclusive). */
  readonly to: number;
  /** When its mail is due: `time` on the first day after it, in the schedule's time zone. */
  readonly dueAt: number;
}

/**
 * The period whose mail is due at `now`: the period before the current one once today's (this week's, …) sending
 * time has passed, else the one before that (whose mail was due last time). Computed by the database's calendar,
 * as reports are.
 */
export async function duePeriod(
  sql: SqlQueryable,
  schedule: Pick<ReportSchedule, 'period' | 'time' | 'timeZone'>,
  now: number,
): Promise<ScheduledPeriod> {
  const [row] = await sql.query<Record<'due' | 'previous_due' | 'start' | 'previous' | 'before', string>>(
    `WITH p AS (
  SELECT date_trunc($1, to_timestamp($2::float8 / 1000) AT TIME ZONE $3) AS start, ('1 ' || $1)::interval AS step,
         $4::interval AS time_of_day
)
SELECT (extract(epoch FROM (start + time_of_day) AT TIME ZONE $3) * 1000)::bigint AS due,
       (extract(epoch FROM (start - step + time_of_day) AT TIME ZONE $3) * 1000)::bigint AS previous_due,
       (extract(epoch FROM start AT TIME ZONE $3) * 1000)::bigint AS start,
       (extract(epoch FROM (start - step) AT TIME ZONE $3) * 1000)::bigint AS previous,
       (extract(epoch FROM (start - 2 * step) AT TIME ZONE $3) * 1000)::bigint AS before
FROM p`,
    [schedule.period, now, schedule.timeZone, `${schedule.time}:00`],
  );
  if (!row) throw new Error('schedule query returned no row');
  return Number(row.due) <= now
    ? { from: Number(row.previous), to: Number(row.start), dueAt: Number(row.due) }
    : { from: Number(row.before), to: Number(row.previous), dueAt: Number(row.previous_due) };
}

/** What one tick did for one schedule. */
export type ScheduleOutcome =
  | {
      readonly scheduleId: string;
      readonly outcome: 'sent';
      readonly from: number;
      readonly messageId: string;
    }
  | {
      readonly scheduleId: string;
      readonly outcome: 'failed';
      readonly from: number;
      readonly error: string;
    };

/** Mails the scheduled reports; `tick()` is called by the routing leader (the server's housekeeping, each minute). */
export interface ReportScheduler {
  /**
   * Sends every schedule's due period that no instance has claimed yet (within a day of its due time); resolves with
   * what it sent or failed.
   */
  tick(): Promise<ScheduleOutcome[]>;
  /** Closes the SMTP connections. */
  close(): void;
}

/** What {@link createReportScheduler} needs. */
export interface ReportSchedulerOptions {
  /** The server's database (`report_schedule_runs`, migration 28). */
  readonly sql: SqlQueryable;
  /** The reports run (the server's `reportsOfQueues`). */
  readonly reports: HistoryReports;
  readonly schedules: readonly ReportSchedule[];
  /** The email channel's mailboxes, passwords resolved; a schedule sends through its `mailbox` or the first. */
  readonly mailboxes: readonly ResolvedMailbox[];
  /** The clock (tests move it). */
  readonly now?: (() => number) | undefined;
  /** A claim still `sending` this long after it was made belongs to an instance that died: claimed again (10 min). */
  readonly staleClaimMs?: number | undefined;
  /** A failed send is tried again after this long times its attempts so far (5 min), at most `maxAttempts` (10). */
  readonly retryMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  /**
   * A period's mail goes out until this long after it was due (a day): a server down on the 1st still sends last
   * month's report on the 2nd, and a schedule added mid-month waits for the next month instead of mailing a stale one.
   */
  readonly catchUpMs?: number | undefined;
}

/**
 * Creates the scheduler of `schedules`. Each `tick()` computes every schedule's due period, claims it in one
 * statement (only one instance wins), runs the report, and mails the summary with the CSV attached.
 *
 * @example
 * ```ts
 * const scheduler = createReportScheduler({ sql: storage.sql, reports, schedules: config.file.reports.schedules, mailboxes });
 * setInterval(() => { if (leading) void scheduler.tick(); }, 60_000);
 * ```
 */
export function createReportScheduler(options: ReportSchedulerOptions): ReportScheduler {
  const now = options.now ?? Date.now;
  const staleClaimMs = options.staleClaimMs ?? 10 * 60_000;
  const retryMs = options.retryMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const catchUpMs = options.catchUpMs ?? 86_400_000;
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  let running: Promise<ScheduleOutcome[]> | undefined;

  function transportOf(mailbox: ResolvedMailbox) {
    let transport = transports.get(mailbox.id);
    if (!transport) {
      transport = nodemailer.createTransport(smtpOptions(mailbox));
      transports.set(mailbox.id, transport);
    }
    return transport;
  }

  /** Claims `period` of `schedule` for this instance: true when no one else has sent it or is sending it. */
  async function claim(schedule: ReportSchedule, period: ScheduledPeriod, at: number): Promise<boolean> {
    const rows = await options.sql.query<{ attempts: number }>(
      `INSERT INTO report_schedule_runs AS r (schedule_id, period_from, state, claimed_at)
VALUES ($1, $2, 'sending', $3)
ON CONFLICT (schedule_id) DO UPDATE SET
  period_from = excluded.period_from, state = 'sending', claimed_at = excluded.claimed_at, sent_at = NULL, error = NULL,
  attempts = CASE WHEN r.period_from = excluded.period_from THEN r.attempts + 1 ELSE 1 END
WHERE r.period_from < excluded.period_from
   OR (r.period_from = excluded.period_from AND r.state = 'failed' AND r.attempts < $6
       AND r.claimed_at <= $3 - $5::bigint * r.attempts)
   OR (r.period_from = excluded.period_from AND r.state = 'sending' AND r.claimed_at <= $3 - $4::bigint)
RETURNING attempts`,
      [schedule.id, period.from, at, staleClaimMs, retryMs, maxAttempts],
    );
    return rows.length > 0;
  }

  async function send(schedule: ReportSchedule, result: ReportResult): Promise<string> {
    const mailbox = options.mailboxes.find((box) => box.id === schedule.mailbox) ?? options.mailboxes[0];
    if (!mailbox) throw new Error('no mailbox to send reports from: configure the email section');
    const { subject, text } = reportMail(result, schedule.id);
    const info = await transportOf(mailbox).sendMail({
      from: { name: mailbox.name ?? 'Helpline', address: mailbox.address },
      to: [...schedule.recipients],
      subject,
      text,
      attachments: [
        {
          filename: reportFileName(result),
          content: reportToCsv(result),
          contentType: 'text/csv; charset=utf-8',
        },
      ],
      // A bounce comes back to the mailbox, where the email channel reads it.
      envelope: { from: mailbox.address, to: [...schedule.recipients] },
    });
    return info.messageId;
  }

  async function runSchedule(schedule: ReportSchedule, at: number): Promise<ScheduleOutcome | undefined> {
    const period = await duePeriod(options.sql, schedule, at);
    if (period.dueAt > at || at - period.dueAt > catchUpMs) return undefined;
    if (!(await claim(schedule, period, at))) return undefined;
    try {
      const result = await options.reports.run({
        kind: schedule.kind,
        // The calendar period starting at `from`: the period before it is calendar too (problems compare with it).
        period: schedule.period,
        at: period.from,
        timeZone: schedule.timeZone,
        ...(schedule.kind === 'figures' ? { groupBy: schedule.groupBy ?? 'queue' } : {}),
        ...(schedule.limit === undefined ? {} : { limit: schedule.limit }),
      });
      const messageId = await send(schedule, result);
      await options.sql.query(
        `UPDATE report_schedule_runs SET state = 'sent', sent_at = $3 WHERE schedule_id = $1 AND period_from = $2`,
        [schedule.id, period.from, now()],
      );
      return { scheduleId: schedule.id, outcome: 'sent', from: period.from, messageId };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await options.sql.query(
        `UPDATE report_schedule_runs SET state = 'failed', error = $3 WHERE schedule_id = $1 AND period_from = $2`,
        [schedule.id, period.from, message.slice(0, 500)],
      );
      return { scheduleId: schedule.id, outcome: 'failed', from: period.from, error: message };
    }
  }

  async function tickOnce(): Promise<ScheduleOutcome[]> {
    const at = now();
    const outcomes: ScheduleOutcome[] = [];
    for (const schedule of options.schedules) {
      const outcome = await runSchedule(schedule, at);
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  return {
    tick() {
      // One tick at a time in this instance; the claim keeps instances apart.
      running ??= tickOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    close() {
      for (const transport of transports.values()) transport.close();
      transports.clear();
    },
  };
}
