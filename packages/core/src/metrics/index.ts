/**
 * `@helpline/core/metrics`: KPI reducers over the interaction event log, CSV export, and Erlang C.
 *
 * @packageDocumentation
 */
export * from './erlang-c';
export * from './history.reports';
export {
  type CsvCell,
  computeKpiSeries,
  computeKpis,
  createKpiAccumulator,
  csvCell,
  type KpiAccumulator,
  type KpiSeriesOptions,
  kpiBreakdownToCsv,
  kpisToCsv,
  toCsv,
} from './kpis';
export {
  computeMessagingKpis,
  type MessagingKpis,
  type MessagingKpiWindow,
  messagingKpisToCsv,
} from './messaging.kpis';
export * from './metrics.types';
