export { ESCALATIONS_MIGRATION_SQL } from './escalations.migration';
export { createSqlEscalationReports } from './escalations.reports';
export { createSqlEscalationStore } from './escalations.store';
