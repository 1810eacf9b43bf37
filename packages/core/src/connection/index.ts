export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff';
export {
  type CommandOptions,
  type Connection,
  type ConnectionOptions,
  createConnection,
  type DeliveredEvent,
} from './connection';
export * from './connection.machine';
export {
  bindEnvironment,
  browserEnvironment,
  type ConnectionEnvironment,
  createManualEnvironment,
  defaultEnvironment,
  type LifecycleSignal,
  type LifecycleTarget,
  type ManualEnvironment,
} from './environment';
