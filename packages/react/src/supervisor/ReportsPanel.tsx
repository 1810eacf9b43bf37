'use client';
import {
  isHelplineError,
  REPORT_GROUPINGS,
  REPORT_KINDS,
  REPORT_PERIODS,
  type ReportFiguresRow,
  type ReportGrouping,
  type ReportKind,
  type ReportPeriod,
  type ReportQuery,
  type ReportResult,
  reportToCsv,
} from '@helpline/core';
import { type ReactNode, useEffect, useId, useMemo, useState } from 'react';
import { channelLabel, cx } from '../components/shared';
import { useHelpline } from '../context/HelplineContext';
import { useQueues } from '../hooks/useQueues';
import { useBoard } from '../hooks/useSupervisor';
import type { MessageKey } from '../i18n/en';
import { type Translator, useTranslator } from '../i18n/translator';
import { CsvExportButton } from './CsvExportButton';
import { CountsChart } from './charts';
import { useSupervisorSession } from './useSupervisorSession';

/** Props of {@link ReportsPanel}. */
export interface ReportsPanelProps {
  /** Receives the report's CSV instead of the default download (`helpline-<kind>-<date>.csv`). */
  readonly onExport?: ((csv: string) => void) | undefined;
  /** IANA time zone of the calendar and of hours of day; default the browser's. */
  readonly timeZone?: string | undefined;
  /** The day the period picker starts on, `YYYY-MM-DD`; default today. */
  readonly initialDate?: string | undefined;
  readonly className?: string | undefined;
}

const KIND_LABELS: Record<ReportKind, MessageKey> = {
  figures: 'reportKindFigures',
  volume: 'reportKindVolume',
  problems: 'reportKindProblems',
};
const PERIOD_LABELS: Record<ReportPeriod, MessageKey> = {
  day: 'reportPeriodDay',
  week: 'reportPeriodWeek',
  month: 'reportPeriodMonth',
  year: 'reportPeriodYear',
};
const GROUPING_LABELS: Record<ReportGrouping, MessageKey> = {
  total: 'reportGroupTotal',
  queue: 'reportGroupQueue',
  agent: 'reportGroupAgent',
  channel: 'reportGroupChannel',
  topic: 'reportGroupTopic',
  disposition: 'reportGroupDisposition',
};

type Load =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly result: ReportResult }
  | { readonly status: 'failed'; readonly error: unknown };

/** Today in the viewer's calendar, `YYYY-MM-DD` (what a date input holds). */
function today(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** Noon of a `YYYY-MM-DD` day in UTC: inside that day in every time zone, so the period picked is that day's. */
function noonOf(date: string): number {
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  return Date.UTC(year, month - 1, day, 12);
}

/**
 * Reports over the stored history (docs/reports.md): a period (day, week, month or year containing a date), a
 * kind (figures grouped by queue, agent, channel, topic or disposition; volume by weekday and hour; recurring
 * problems), a table, a bar chart and a CSV download. Needs a session with `runReport` (core's supervisor session);
 * a server without stored history answers with a typed error, shown in the supervisor's language.
 *
 * @example
 * ```tsx
 * <ReportsPanel timeZone="Europe/Brussels" />
 * ```
 */
export function ReportsPanel({ onExport, timeZone, initialDate, className }: ReportsPanelProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const session = useSupervisorSession();
  const id = useId();
  const [kind, setKind] = useState<ReportKind>('figures');
  const [period, setPeriod] = useState<ReportPeriod>('week');
  const [date, setDate] = useState(initialDate ?? today);
  const [groupBy, setGroupBy] = useState<ReportGrouping>('queue');
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const labels = useKeyLabels(i18n);

  useEffect(() => {
    if (!session.runReport) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return; // A half-typed date: keep the last report.
    const query: ReportQuery = {
      kind,
      period,
      at: noonOf(date),
      timeZone: zone,
      ...(kind === 'figures' ? { groupBy } : {}),
    };
    // Only the latest query's answer counts: a slower, older one must not overwrite it.
    let current = true;
    setLoad({ status: 'loading' });
    session.runReport(query).then(
      (result) => current && setLoad({ status: 'ready', result }),
      (error: unknown) => current && setLoad({ status: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [session, kind, period, date, groupBy, zone]);

  const result = load.status === 'ready' ? load.result : undefined;
  return (
    <section
      className={cx('helpline-reports', className)}
      aria-labelledby={`${id}-title`}
      aria-busy={load.status === 'loading'}
    >
      <header className="helpline-reports__header">
        <h2 id={`${id}-title`}>{t('reportsTitle')}</h2>
        {result && (
          <CsvExportButton
            source={() => reportToCsv(result)}
            fileName={`helpline-${result.kind}-${date}.csv`}
            {...(onExport ? { onExport } : {})}
          />
        )}
      </header>
      <form className="helpline-reports__controls" onSubmit={(event) => event.preventDefault()}>
        <Picker id={`${id}-kind`} label={t('reportKind')} value={kind} onChange={setKind}>
          {REPORT_KINDS.map((value) => (
            <option key={value} value={value}>
              {t(KIND_LABELS[value])}
            </option>
          ))}
        </Picker>
        <Picker id={`${id}-period`} label={t('reportPeriod')} value={period} onChange={setPeriod}>
          {REPORT_PERIODS.map((value) => (
            <option key={value} value={value}>
              {t(PERIOD_LABELS[value])}
            </option>
          ))}
        </Picker>
        <div className="helpline-reports__control">
          <label htmlFor={`${id}-date`}>{t('reportDate')}</label>
          <input
            id={`${id}-date`}
            className="helpline-input"
            type="date"
            value={date}
            required
            onChange={(event) => setDate(event.target.value)}
          />
        </div>
        {kind === 'figures' && (
          <Picker id={`${id}-group`} label={t('reportGroupBy')} value={groupBy} onChange={setGroupBy}>
            {REPORT_GROUPINGS.map((value) => (
              <option key={value} value={value}>
                {t(GROUPING_LABELS[value])}
              </option>
            ))}
          </Picker>
        )}
      </form>
      {/* Loading and failures are announced; the report itself is read from the table. */}
      <div className="helpline-reports__status" aria-live="polite">
        {!session.runReport ? (
          <p className="helpline-empty">{t('reportsUnavailable')}</p>
        ) : load.status === 'loading' ? (
          <p className="helpline-empty">{t('reportsLoading')}</p>
        ) : load.status === 'failed' ? (
          <p className="helpline-error">{reportError(i18n, load.error)}</p>
        ) : result ? (
          <p className="helpline-reports__window">{formatWindow(result, i18n.locale)}</p>
        ) : null}
      </div>
      {result && <ReportBody result={result} labels={labels} i18n={i18n} />}
    </section>
  );
}

function Picker<T extends string>({
  id,
  label,
  value,
  onChange,
  children,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: T;
  readonly onChange: (value: T) => void;
  readonly children: ReactNode;
}): ReactNode {
  return (
    <div className="helpline-reports__control">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="helpline-select"
        value={value}
        onChange={(event) => onChange(event.target.value as T)}
      >
        {children}
      </select>
    </div>
  );
}

/** A server without stored history refuses reports by state: say that, not the conversation-flavoured default. */
function reportError(i18n: Translator, error: unknown): string {
  if (isHelplineError(error) && error.code === 'conflict/state') return i18n.t('reportsUnavailable');
  return i18n.error(error);
}

/** The report's days as the language writes a range ("Nov 30 – Dec 6, 2026"); `to` is exclusive. */
function formatWindow(result: ReportResult, locale: string): string {
  const days = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: result.timeZone });
  return days.formatRange(result.from, Math.max(result.from, result.to - 1));
}

type KeyLabels = (groupBy: ReportGrouping | 'topic' | 'disposition', key: string | null) => string;

/** Display names of report keys: queue names, agent names, channel, topic and disposition labels. */
function useKeyLabels(i18n: Translator): KeyLabels {
  const queues = useQueues();
  const { agents } = useBoard();
  const { topics } = useHelpline();
  return useMemo(() => {
    const queueNames = new Map(queues.map((queue) => [queue.id, queue.name]));
    const dispositions = new Map(queues.flatMap((q) => q.dispositions.map((d) => [d.id, d.label] as const)));
    const agentNames = new Map(agents.map((agent) => [agent.agentId, agent.name]));
    return (groupBy, key) => {
      if (groupBy === 'total') return i18n.t('reportGroupTotal');
      if (key === null) return i18n.t('reportNoKey');
      switch (groupBy) {
        case 'queue':
          return queueNames.get(key) ?? key;
        case 'agent':
          return agentNames.get(key) ?? key;
        case 'channel':
          return channelLabel(i18n, key);
        case 'topic':
          return topics?.[key] ?? key;
        case 'disposition':
          return dispositions.get(key) ?? key;
      }
    };
  }, [queues, agents, topics, i18n]);
}

/**
 * A report's table, scrolling sideways inside its box when it is wider than the board (many hours, many figures);
 * focusable, so keyboard users can scroll it too. Then what every report ends with: a line saying the period had
 * nothing, and the bar chart beside the table (decorative: the numbers are in the table).
 */
function ReportLayout({
  label,
  empty,
  chartTitle,
  counts,
  keepOrder = false,
  wide = false,
  i18n,
  children,
}: {
  readonly label: string;
  readonly empty: boolean;
  readonly chartTitle: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly keepOrder?: boolean;
  /** A table of many columns: the chart goes below it, so the table has the board's whole width. */
  readonly wide?: boolean;
  readonly i18n: Translator;
  readonly children: ReactNode;
}): ReactNode {
  return (
    <div className={cx('helpline-reports__body', wide && 'helpline-reports__body--wide')}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard (WCAG 2.1.1). */}
      <section className="helpline-reports__scroll" aria-label={label} tabIndex={0}>
        {children}
        {empty && <p className="helpline-empty">{i18n.t('reportEmpty')}</p>}
      </section>
      <CountsChart
        title={chartTitle}
        keepOrder={keepOrder}
        counts={counts}
        emptyText={i18n.t('reportEmpty')}
      />
    </div>
  );
}

function ReportBody({
  result,
  labels,
  i18n,
}: {
  readonly result: ReportResult;
  readonly labels: KeyLabels;
  readonly i18n: Translator;
}): ReactNode {
  switch (result.kind) {
    case 'figures':
      return <FiguresReport result={result} labels={labels} i18n={i18n} />;
    case 'volume':
      return <VolumeReport result={result} i18n={i18n} />;
    case 'problems':
      return <ProblemsReport result={result} labels={labels} i18n={i18n} />;
  }
}

const ratio = (i18n: Translator, value: number | null) =>
  value === null ? i18n.t('none') : i18n.percent(value);
const seconds = (i18n: Translator, value: number | null) =>
  value === null ? i18n.t('none') : i18n.duration(value);

/** The figures columns shown, with how each is written. */
const FIGURE_COLUMNS: readonly {
  readonly label: MessageKey;
  readonly cell: (i18n: Translator, row: ReportFiguresRow) => string;
}[] = [
  { label: 'reportContacts', cell: (i18n, row) => i18n.number(row.contacts) },
  { label: 'reportAnswered', cell: (i18n, row) => i18n.number(row.answered) },
  { label: 'reportAbandoned', cell: (i18n, row) => i18n.number(row.abandoned) },
  { label: 'kpiAnswerRate', cell: (i18n, row) => ratio(i18n, row.answerRate) },
  { label: 'kpiServiceLevel', cell: (i18n, row) => ratio(i18n, row.serviceLevel) },
  { label: 'reportAsa', cell: (i18n, row) => seconds(i18n, row.asaSeconds) },
  { label: 'reportAht', cell: (i18n, row) => seconds(i18n, row.ahtSeconds) },
  { label: 'reportOccupancy', cell: (i18n, row) => ratio(i18n, row.occupancy) },
  {
    label: 'kpiCsat',
    cell: (i18n, row) =>
      row.csatAverage === null
        ? i18n.t('none')
        : i18n.t('csatValue', { value: i18n.number(row.csatAverage, 1) }),
  },
  { label: 'kpiFcr', cell: (i18n, row) => ratio(i18n, row.fcr) },
];

function FiguresReport({
  result,
  labels,
  i18n,
}: {
  readonly result: ReportResult;
  readonly labels: KeyLabels;
  readonly i18n: Translator;
}): ReactNode {
  const { t } = i18n;
  const rows = result.figures.map((row) => ({ row, label: labels(result.groupBy, row.key) }));
  const caption = t('reportFiguresCaption', { group: t(GROUPING_LABELS[result.groupBy]) });
  return (
    <ReportLayout
      wide
      label={caption}
      empty={rows.length === 0}
      chartTitle={t('reportContactsChart')}
      counts={Object.fromEntries(rows.map(({ row, label }) => [label, row.contacts]))}
      i18n={i18n}
    >
      <table className="helpline-table helpline-report-table" data-report="figures">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t(GROUPING_LABELS[result.groupBy])}</th>
            {FIGURE_COLUMNS.map((column) => (
              <th key={column.label} scope="col" className="helpline-num">
                {t(column.label)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(({ row, label }) => (
            <tr key={row.key ?? ''}>
              <th scope="row">{label}</th>
              {FIGURE_COLUMNS.map((column) => (
                <td key={column.label} className="helpline-num">
                  {column.cell(i18n, row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ReportLayout>
  );
}

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** Weekday names in the viewer's language, ISO numbering (1 = Monday); 5 Jan 1970 was a Monday. */
function weekdayName(locale: string, weekday: number): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(
    Date.UTC(1970, 0, 4 + weekday),
  );
}

function VolumeReport({
  result,
  i18n,
}: {
  readonly result: ReportResult;
  readonly i18n: Translator;
}): ReactNode {
  const { t, locale } = i18n;
  const counts = new Map(result.volume.map((c) => [`${c.weekday}:${c.hour}`, c.contacts]));
  const max = Math.max(1, ...result.volume.map((c) => c.contacts));
  // Only the hours that had contacts, from the first to the last: a night with none does not widen the table.
  const used = result.volume.map((c) => c.hour);
  const hours = used.length === 0 ? [] : HOURS.slice(Math.min(...used), Math.max(...used) + 1);
  const byWeekday = Object.fromEntries(
    WEEKDAYS.map((weekday) => [
      weekdayName(locale, weekday),
      result.volume.filter((c) => c.weekday === weekday).reduce((sum, c) => sum + c.contacts, 0),
    ]),
  );
  return (
    <ReportLayout
      label={t('reportVolumeCaption')}
      empty={hours.length === 0}
      chartTitle={t('reportByWeekdayChart')}
      counts={byWeekday}
      keepOrder
      i18n={i18n}
    >
      <table className="helpline-table helpline-report-table helpline-volume" data-report="volume">
        <caption>{t('reportVolumeCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('reportWeekday')}</th>
            {hours.map((hour) => (
              <th key={hour} scope="col" className="helpline-num">
                <abbr title={t('reportHour', { hour: String(hour).padStart(2, '0') })}>{hour}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {hours.length > 0 &&
            WEEKDAYS.map((weekday) => (
              <tr key={weekday}>
                <th scope="row">{weekdayName(locale, weekday)}</th>
                {hours.map((hour) => {
                  const count = counts.get(`${weekday}:${hour}`) ?? 0;
                  // Four shades, busiest darkest; the number is always written too.
                  const level = count === 0 ? 0 : Math.ceil((count / max) * 4);
                  return (
                    <td key={hour} className="helpline-num" data-level={level}>
                      {i18n.number(count)}
                    </td>
                  );
                })}
              </tr>
            ))}
        </tbody>
      </table>
    </ReportLayout>
  );
}

function ProblemsReport({
  result,
  labels,
  i18n,
}: {
  readonly result: ReportResult;
  readonly labels: KeyLabels;
  readonly i18n: Translator;
}): ReactNode {
  const { t } = i18n;
  const rows = result.problems.map((row) => ({ row, label: labels(row.dimension, row.key) }));
  const change = (value: number | null) =>
    value === null ? t('reportNew') : `${value > 0 ? '+' : ''}${i18n.percent(value)}`;
  return (
    <ReportLayout
      label={t('reportProblemsCaption')}
      empty={rows.length === 0}
      chartTitle={t('reportContactsChart')}
      counts={Object.fromEntries(rows.map(({ row, label }) => [label, row.contacts]))}
      i18n={i18n}
    >
      <table className="helpline-table helpline-report-table" data-report="problems">
        <caption>{t('reportProblemsCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('reportProblem')}</th>
            <th scope="col">{t('reportDimension')}</th>
            <th scope="col" className="helpline-num">
              {t('reportContacts')}
            </th>
            <th scope="col" className="helpline-num">
              {t('reportPrevious')}
            </th>
            <th scope="col" className="helpline-num">
              {t('reportChange')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ row, label }) => (
            <tr
              key={`${row.dimension}:${row.key}`}
              data-trend={row.change === null || row.change > 0 ? 'up' : 'down'}
            >
              <th scope="row">{label}</th>
              <td>{t(GROUPING_LABELS[row.dimension])}</td>
              <td className="helpline-num">{i18n.number(row.contacts)}</td>
              <td className="helpline-num">{i18n.number(row.previous)}</td>
              <td className="helpline-num">{change(row.change)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ReportLayout>
  );
}
