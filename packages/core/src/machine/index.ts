export {
  can,
  createMachineStore,
  defineMachine,
  initialSnapshot,
  type MachineStore,
  transition,
} from './machine';
export type {
  Action,
  ContextOf,
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
