export { CASES_MIGRATION_SQL } from './cases.migration';
export { createSqlCaseStore } from './cases.store';
