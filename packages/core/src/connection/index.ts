export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff';
export {
  type CommandOptions,
  type Connection,
  type ConnectionOptions,
  createConnection,
  type DeliveredEvent,
  isRetryable,
} from './connection';
export * from './connection.machine';
