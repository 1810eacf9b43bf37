export { devAuthenticate } from './dev-auth';
export { createHub, type Hub, systemClock } from './hub';
export type {
  Authenticate,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubOptions,
  HubStorage,
  StoredEvent,
  Subject,
} from './hub.types';
export { randomId, secureRandomBytes, uuidv7 } from './ids';
export { createMemoryStorage } from './memory.storage';
