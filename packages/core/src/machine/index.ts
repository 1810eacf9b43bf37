export {
  can,
  createMachineStore,
  defineMachine,
  initialSnapshot,
  type MachineStore,
  pendingDeadline,
  transition,
} from './machine';
export type {
  Action,
  ContextOf,
  Deadline,
  DeadlineConfig,
  EventOf,
  Guard,
  MachineDefinition,
  MachineEvent,
  Snapshot,
  StateConfig,
  StateOf,
  TransitionConfig,
  TransitionResult,
} from './machine.types';
