export { type CaseFcrRow, caseFirstContactResolution } from './cases.fcr';
export { CASES_MIGRATION_SQL } from './cases.migration';
export { createSqlCaseStore } from './cases.store';
