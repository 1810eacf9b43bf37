import { type CsvCell, toCsv } from './kpis';

/*
 * Reports over the stored history (docs/reports.md): what a report asks for and what it answers. The server computes
 * them in SQL (packages/server/src/reports); the live board keeps its in-memory KPIs.
 */

/** The calendar periods a report can cover, in the report's time zone (weeks start on Monday, ISO 8601). */
export const REPORT_PERIODS = ['day', 'week', 'month', 'year'] as const;
/** A calendar period of a report. */
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** How the rows of a report are grouped; `total` gives one row for the whole period. */
export const REPORT_GROUPINGS = ['total', 'queue', 'agent', 'channel', 'topic', 'disposition'] as const;
/** A grouping of a report's rows. */
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** The reports there are: contact figures by group, volume by hour and weekday, and recurring problems. */
export const REPORT_KINDS = ['figures', 'volume', 'problems'] as const;
/** A kind of report. */
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * What to report on. The window is either the calendar `period` containing `at` (default: now) in `timeZone`, or
 * `[from, to)` in epoch milliseconds.
 */
export interface ReportQuery {
  readonly kind: ReportKind;
  /** Calendar period containing `at`; exclusive with `from`/`to`. */
  readonly period?: ReportPeriod | undefined;
  /** An instant inside the period wanted, epoch ms (default: now). */
  readonly at?: number | undefined;
  /** Start of a custom window, epoch ms (inclusive). */
  readonly from?: number | undefined;
  /** End of a custom window, epoch ms (exclusive). */
  readonly to?: number | undefined;
  /** IANA time zone of the calendar and of hours of day (default `UTC`). */
  readonly timeZone?: string | undefined;
  /** Grouping of `figures` rows (default `total`). */
  readonly groupBy?: ReportGrouping | undefined;
  /** How many topics and dispositions a `problems` report lists (default 10). */
  readonly limit?: number | undefined;
}

/** One row of a `figures` report: the contacts created in the window whose group key is `key`. */
export interface ReportFiguresRow {
  /** The queue, agent, channel, topic or disposition; `null` when the contact has none (or for `total`). */
  readonly key: string | null;
  /** Inbound contacts created in the window. */
  readonly contacts: number;
  /** Calls agents dialled (click-to-dial): never part of the inbound figures. */
  readonly outbound: number;
  readonly queued: number;
  readonly answered: number;
  /** Inbound contacts that ended unanswered because the customer left. */
  readonly abandoned: number;
  /** answered ÷ queued. */
  readonly answerRate: number | null;
  /** abandoned ÷ queued. */
  readonly abandonmentRate: number | null;
  /** Average speed of answer, seconds (queued → answered). */
  readonly asaSeconds: number | null;
  /** Share of SLA outcomes answered within the queue's target (short abandons are no outcome). */
  readonly serviceLevel: number | null;
  /** Answered contacts that ended (talk and hold, plus wrap-up when it was done). */
  readonly handled: number;
  /** Average handle time, seconds: talk + hold + wrap-up. */
  readonly ahtSeconds: number | null;
  /**
   * Occupancy of the agents in the row, 0–1: time handling work ÷ time staffed (available or handling), clipped to
   * the window, from the presence history. Only for `agent` and `total` rows; `null` for other groupings and for
   * agents with no staffed time in the window.
   */
  readonly occupancy: number | null;
  readonly csatResponses: number;
  readonly csatAverage: number | null;
  /**
   * Cases solved in the window (closed ones included) of the row's group: the FCR denominator. A case is grouped by
   * its queue and assignee, or by the channel, topic and disposition of the contact it was opened from.
   */
  readonly fcrContacts: number;
  /**
   * First-contact resolution from cases: the share of `fcrContacts` the customer never came back on (one contact at
   * most, never reopened); `null` when no case was solved.
   */
  readonly fcr: number | null;
}

/** Inbound contacts created at one hour of one weekday (local time). */
export interface ReportVolumeCell {
  /** ISO weekday, 1 (Monday) – 7 (Sunday). */
  readonly weekday: number;
  /** Hour of day, 0–23. */
  readonly hour: number;
  readonly contacts: number;
}

/** A topic or disposition of a `problems` report, with the count of the period before. */
export interface ReportProblemRow {
  readonly dimension: 'topic' | 'disposition';
  readonly key: string;
  readonly contacts: number;
  readonly previous: number;
  /** (contacts − previous) ÷ previous; `null` when it did not occur before. */
  readonly change: number | null;
}

/** What a report answers. */
export interface ReportResult {
  readonly kind: ReportKind;
  readonly from: number;
  readonly to: number;
  /** The window before, of the same calendar length (`problems` compares with it). */
  readonly previousFrom: number;
  readonly timeZone: string;
  readonly groupBy: ReportGrouping;
  readonly figures: readonly ReportFiguresRow[];
  readonly volume: readonly ReportVolumeCell[];
  readonly problems: readonly ReportProblemRow[];
}

/** The history behind `report.run`: the server's SQL reports. */
export interface HistoryReports {
  /** Runs one report; bad periods, groupings and time zones reject with a typed `validation/field` error. */
  run(query: ReportQuery): Promise<ReportResult>;
}

const FIGURE_COLUMNS: readonly (keyof ReportFiguresRow)[] = [
  'key',
  'contacts',
  'outbound',
  'queued',
  'answered',
  'abandoned',
  'answerRate',
  'abandonmentRate',
  'asaSeconds',
  'serviceLevel',
  'handled',
  'ahtSeconds',
  'occupancy',
  'csatResponses',
  'csatAverage',
  'fcrContacts',
  'fcr',
];

const cell = (value: string | number | null): CsvCell => (value === null ? undefined : value);

/**
 * A report as RFC 4180 CSV (formula injection neutralised), one row per figures row, volume cell or problem.
 *
 * @example
 * ```ts
 * import { reportToCsv } from '@helpline/core/metrics';
 * const csv = reportToCsv({
 *   kind: 'volume', from: 0, to: 86_400_000, previousFrom: -86_400_000, timeZone: 'UTC', groupBy: 'total',
 *   figures: [], volume: [{ weekday: 4, hour: 9, contacts: 12 }], problems: [],
 * });
 * console.log(csv.split('\r\n')[1]); // 4,9,12
 * ```
 */
export function reportToCsv(result: ReportResult): string {
  switch (result.kind) {
    case 'figures':
      return toCsv([
        FIGURE_COLUMNS.map((column) => (column === 'key' ? result.groupBy : column)),
        ...result.figures.map((row) => FIGURE_COLUMNS.map((column) => cell(row[column]))),
      ]);
    case 'volume':
      return toCsv([
        ['weekday', 'hour', 'contacts'],
        ...result.volume.map((c) => [c.weekday, c.hour, c.contacts]),
      ]);
    case 'problems':
      return toCsv([
        ['dimension', 'key', 'contacts', 'previous', 'change'],
        ...result.problems.map((p) => [p.dimension, p.key, p.contacts, p.previous, cell(p.change)]),
      ]);
  }
}
