'use client';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { cx } from '../components/shared';
import { useHelpline } from '../context/HelplineContext';
import { constantStore, useStore } from '../hooks/useStore';
import { useKpis } from '../hooks/useSupervisor';
import type { MessageKey } from '../i18n/en';
import { type Translator, useTranslator } from '../i18n/translator';
import { RatioBar, Sparkline } from './charts';
import type { KpiName, KpiReport, KpiSeriesPoint } from './supervisor.types';

type Format = 'duration' | 'ratio' | 'csat' | 'nps';

const KPIS: readonly { name: KpiName; label: MessageKey; format: Format }[] = [
  { name: 'serviceLevel', label: 'kpiServiceLevel', format: 'ratio' },
  { name: 'asaSeconds', label: 'kpiAsa', format: 'duration' },
  { name: 'ahtSeconds', label: 'kpiAht', format: 'duration' },
  { name: 'abandonmentRate', label: 'kpiAbandonment', format: 'ratio' },
  { name: 'answerRate', label: 'kpiAnswerRate', format: 'ratio' },
  { name: 'fcr', label: 'kpiFcr', format: 'ratio' },
  { name: 'csatAverage', label: 'kpiCsat', format: 'csat' },
  { name: 'nps', label: 'kpiNps', format: 'nps' },
];

function formatKpi(i18n: Translator, format: Format, value: number | undefined): string {
  if (value === undefined) return i18n.t('none');
  switch (format) {
    case 'duration':
      return i18n.duration(value);
    case 'ratio':
      return i18n.percent(value);
    case 'csat':
      return i18n.t('csatValue', { value: i18n.number(value, 1) });
    case 'nps':
      return `${value > 0 ? '+' : ''}${i18n.number(value)}`;
  }
}

type Trend = Partial<Record<KpiName, readonly number[]>>;

const OUTCOME_RATES: ReadonlySet<KpiName> = new Set(['answerRate', 'abandonmentRate']);

/**
 * The values each KPI had in the reports seen since the component mounted (every board refresh adds one),
 * the last `limit` of them: the trend the small charts draw.
 */
export function useKpiTrend(kpis: KpiReport | undefined, limit = 30): Trend {
  const [trend, setTrend] = useState<Trend>({});
  useEffect(() => {
    if (!kpis) return;
    setTrend((previous) => {
      const next: Record<string, readonly number[]> = {};
      for (const { name } of KPIS) {
        const value = kpis[name];
        const values = previous[name] ?? [];
        next[name] = value === undefined ? values : [...values, value].slice(-limit);
      }
      return next;
    });
  }, [kpis, limit]);
  return trend;
}

const noSeries = constantStore(undefined);

/**
 * Today's KPIs by hour from the supervisor session (`$kpiSeries`), oldest first, or `undefined` without a
 * session that offers them or before they loaded.
 *
 * @example
 * ```tsx
 * const hours = useKpiSeries();
 * const answeredByHour = hours?.map((hour) => hour.answered);
 * ```
 */
export function useKpiSeries(): readonly KpiSeriesPoint[] | undefined {
  return useSeriesOf(true);
}

/** The session's series when `wanted` (observing the store is what loads it from the server). */
function useSeriesOf(wanted: boolean): readonly KpiSeriesPoint[] | undefined {
  const session = useHelpline().supervisor;
  return useStore((wanted && session?.$kpiSeries) || noSeries);
}

/** Each KPI's values over the series' buckets, skipping buckets without data (nothing to divide by). */
function trendOf(series: readonly KpiSeriesPoint[]): Trend {
  return Object.fromEntries(
    KPIS.map(({ name }) => [
      name,
      series.map((bucket) => bucket[name]).filter((value): value is number => value !== undefined),
    ]),
  );
}

/** Props of {@link KpiPanel}. */
export interface KpiPanelProps {
  /** Defaults to the supervisor session's `$kpis`. */
  readonly kpis?: KpiReport | undefined;
  /** The day in buckets for the trend lines; defaults to the supervisor session's `$kpiSeries`. */
  readonly series?: readonly KpiSeriesPoint[] | undefined;
  readonly className?: string | undefined;
}

/**
 * Today's KPIs — service level, ASA, AHT, abandonment, answer rate, FCR, CSAT, NPS (each survey with its number
 * of answers) — as tiles with a ratio bar for rates and a small trend line: over the day's buckets when the session gives a KPI series, else over
 * the values seen since the panel opened.
 *
 * @example
 * ```tsx
 * <KpiPanel />
 * ```
 */
export function KpiPanel({ kpis: given, series: givenSeries, className }: KpiPanelProps): ReactNode {
  const i18n = useTranslator();
  const live = useKpis();
  // Given figures (one queue's, say) draw their own trend: the session's all-queue series is not even loaded.
  const liveSeries = useSeriesOf(given === undefined && givenSeries === undefined);
  const kpis = given ?? live;
  const series = givenSeries ?? liveSeries;
  const seen = useKpiTrend(kpis);
  const trend = series ? trendOf(series) : seen;
  const id = useId();
  return (
    <section className={cx('helpline-kpis', className)} aria-labelledby={`${id}-title`}>
      <h2 className="helpline-kpis__title" id={`${id}-title`}>
        {i18n.t('kpisTitle')}
      </h2>
      {kpis === undefined ? (
        <p className="helpline-empty">{i18n.t('kpisEmpty')}</p>
      ) : (
        <dl className="helpline-kpis__list">
          {KPIS.map(({ name, label, format }) => {
            // Answer and abandonment rates count contacts still waiting as not answered (yet): until one has
            // been answered or abandoned, 0 % would be a verdict on nothing, so the tile stays blank.
            const undecided = OUTCOME_RATES.has(name) && kpis.answered + kpis.abandoned === 0;
            const value = undecided ? undefined : kpis[name];
            const values = trend[name];
            return (
              <div key={name} className="helpline-kpi" data-kpi={name}>
                <dt className="helpline-kpi__label">{i18n.t(label)}</dt>
                <dd className="helpline-kpi__value">
                  {formatKpi(i18n, format, value)}
                  {format === 'ratio' && value !== undefined && <RatioBar ratio={value} />}
                  {values && values.length > 1 && (
                    <Sparkline values={values} {...(format === 'ratio' ? { max: 1 } : {})} />
                  )}
                </dd>
                {(format === 'csat' || format === 'nps') && (
                  <dd className="helpline-kpi__answers">
                    {i18n.t('kpiAnswers', {
                      count: format === 'csat' ? kpis.csatResponses : kpis.npsResponses,
                    })}
                  </dd>
                )}
              </div>
            );
          })}
        </dl>
      )}
    </section>
  );
}
