import type { ReportFiguresRow, ReportResult } from '@helpline/core/metrics';

/*
 * The mail of a scheduled report (docs/reports.md): a subject naming the report and its period, and a plain-text
 * summary (the CSV attached carries every figure). English, in the schedule's time zone: the recipients are managers
 * reading a mail program, not the console's supervisors in their own language.
 */

const KIND_TITLES: Readonly<Record<ReportResult['kind'], string>> = {
  figures: 'Contact figures',
  volume: 'Contact volume by weekday and hour',
  problems: 'Recurring problems',
};

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The report's days as a range ("1 – 30 Nov 2026"); `to` is exclusive. */
export function reportDays(result: ReportResult): string {
  const days = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: result.timeZone });
  // Plain spaces for mail: Intl puts thin and narrow no-break spaces around the dash.
  return days.formatRange(result.from, Math.max(result.from, result.to - 1)).replace(/[\u2009\u202f]/g, ' ');
}

/** The report's title: what it counts and how it groups ("Contact figures by queue"). */
export function reportTitle(result: ReportResult): string {
  const title = KIND_TITLES[result.kind];
  return result.kind === 'figures' && result.groupBy !== 'total' ? `${title} by ${result.groupBy}` : title;
}

/** The file name of the CSV attached: `helpline-<kind>-<first day of the period>.csv`. */
export function reportFileName(result: ReportResult): string {
  const day = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone: result.timeZone,
  }).format(result.from);
  return `helpline-${result.kind}-${result.groupBy === 'total' ? '' : `${result.groupBy}-`}${day}.csv`;
}

const count = (value: number) => value.toLocaleString('en');
const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
function duration(secondsValue: number | null): string {
  if (secondsValue === null) return '–';
  const whole = Math.round(secondsValue);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** Columns padded to their widest cell, the first left-aligned and the others right-aligned, as mail shows text. */
function textTable(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const FIGURE_COLUMNS: readonly [string, (row: ReportFiguresRow) => string][] = [
  ['Contacts', (row) => count(row.contacts)],
  ['Answered', (row) => count(row.answered)],
  ['Abandoned', (row) => count(row.abandoned)],
  ['Service level', (row) => percent(row.serviceLevel)],
  ['ASA (m:ss)', (row) => duration(row.asaSeconds)],
  ['AHT (m:ss)', (row) => duration(row.ahtSeconds)],
  ['Occupancy', (row) => percent(row.occupancy)],
  ['CSAT', (row) => (row.csatAverage === null ? '–' : `${row.csatAverage.toFixed(1)}/5`)],
  ['FCR', (row) => percent(row.fcr)],
];

function figuresSummary(result: ReportResult): string {
  if (result.figures.length === 0) return 'No contacts in this period.';
  const head = result.groupBy === 'total' ? '' : result.groupBy[0]?.toUpperCase() + result.groupBy.slice(1);
  return textTable([
    [head, ...FIGURE_COLUMNS.map(([label]) => label)],
    ...result.figures.map((row) => [
      result.groupBy === 'total' ? 'All contacts' : (row.key ?? '(none)'),
      ...FIGURE_COLUMNS.map(([, cell]) => cell(row)),
    ]),
  ]);
}

function volumeSummary(result: ReportResult): string {
  const total = result.volume.reduce((sum, cell) => sum + cell.contacts, 0);
  if (total === 0) return 'No contacts in this period.';
  const byWeekday = WEEKDAYS.map((name, index) => [
    name,
    count(result.volume.filter((c) => c.weekday === index + 1).reduce((sum, c) => sum + c.contacts, 0)),
  ]);
  const busiest = [...result.volume].sort((a, b) => b.contacts - a.contacts).slice(0, 3);
  return [
    `${count(total)} contacts.`,
    '',
    textTable([['Weekday', 'Contacts'], ...byWeekday]),
    '',
    'Busiest hours:',
    ...busiest.map(
      (c) =>
        `  ${WEEKDAYS[c.weekday - 1]} ${String(c.hour).padStart(2, '0')}:00–${String(c.hour + 1).padStart(2, '0')}:00  ${count(c.contacts)} contacts`,
    ),
  ].join('\n');
}

function problemsSummary(result: ReportResult): string {
  if (result.problems.length === 0) return 'No topics or dispositions recorded in this period.';
  const change = (value: number | null) =>
    value === null ? 'new' : `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
  return textTable([
    ['Problem', 'Kind', 'Contacts', 'Period before', 'Change'],
    ...result.problems.map((p) => [
      p.key,
      p.dimension,
      count(p.contacts),
      count(p.previous),
      change(p.change),
    ]),
  ]);
}

/** The subject and plain-text body of a scheduled report's mail. */
export function reportMail(result: ReportResult, scheduleId: string): { subject: string; text: string } {
  const days = reportDays(result);
  const summary =
    result.kind === 'figures'
      ? figuresSummary(result)
      : result.kind === 'volume'
        ? volumeSummary(result)
        : problemsSummary(result);
  return {
    subject: `Helpline report: ${reportTitle(result)}, ${days}`,
    text: [
      `${reportTitle(result)}`,
      `${days} (${result.timeZone})`,
      '',
      summary,
      '',
      `Every figure is in the CSV attached (${reportFileName(result)}); docs/reports.md defines them.`,
      `Sent by the Helpline schedule "${scheduleId}".`,
      '',
    ].join('\n'),
  };
}
