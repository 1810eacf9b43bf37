export {
  type EscalationDeadlineKind,
  type EscalationOptions,
  escalationMachine,
  escalationSnapshot,
  isEscalationFinal,
} from './escalation.machine';
export * from './escalation.types';
