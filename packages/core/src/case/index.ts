export { type FirstContactResolution, firstContactResolution, solvedAtFirstContact } from './case.fcr';
export {
  type CaseDeadlineKind,
  type CaseOptions,
  caseMachine,
  caseSnapshot,
  firstResponseDueAt,
  nextSlaDueAt,
  resolutionDueAt,
} from './case.machine';
export {
  type CaseSlaMilestone,
  type CaseSlaStatus,
  type CaseSlaTarget,
  caseSlaMilestones,
  caseSlaStatus,
} from './case.sla';
export * from './case.task';
export * from './case.types';
