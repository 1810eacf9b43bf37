export { type Clock, systemClock } from '../clock/clock';
export { randomId, secureRandomBytes, uuidv7 } from '../ids/ids';
export { devAuthenticate } from './dev-auth';
export { createHub, type Hub } from './hub';
export type {
  AdmissionRequest,
  Authenticate,
  CommitOptions,
  ConnectionMeta,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubLogger,
  HubOptions,
  HubStorage,
  PendingEvent,
  PresenceChange,
  StoredEvent,
  StoredInteraction,
  Subject,
} from './hub.types';
export {
  DEFAULT_LIFECYCLES,
  type Intent,
  type InteractionSnapshot,
  type Lifecycle,
  type SharedContext,
  withSnapshot,
} from './lifecycles';
export { createMemoryStorage } from './memory.storage';
export type { VoiceHubOptions } from './voice.hub';
