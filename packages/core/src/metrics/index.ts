/**
 * `@helpline/core/metrics`: KPI reducers over the interaction event log, CSV export, and Erlang C.
 *
 * @packageDocumentation
 */
export * from './erlang-c';
export {
  type CsvCell,
  computeKpis,
  createKpiAccumulator,
  csvCell,
  type KpiAccumulator,
  kpiBreakdownToCsv,
  kpisToCsv,
  toCsv,
} from './kpis';
export * from './metrics.types';
