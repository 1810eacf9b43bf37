/**
 * `@helpline/core/vonage`: voice on Vonage. The Vonage Client SDK is an optional peer dependency, loaded by a
 * dynamic import only when a call starts.
 *
 * @packageDocumentation
 */
export { type SiteVoiceConfig, type VonageHttpControlOptions, vonageHttpControl } from './vonage.control';
export { normalizeVonageCode, sessionErrorOf, vonageError } from './vonage.errors';
export { hangupEvents, inviteCancelEvents, remoteLegEvents, remoteOf } from './vonage.events';
export { loadVonageClient } from './vonage.loader';
export { createVonageVoice, VONAGE_CALL_STORAGE_KEY } from './vonage.provider';
export { jwtExpiresAt, refreshDelayMs } from './vonage.token';
export type {
  VonageCall,
  VonageCallQuality,
  VonageCallStorage,
  VonageClientConfig,
  VonageClientPort,
  VonageClock,
  VonageServerControl,
  VonageSessionStatus,
  VonageVoice,
  VonageVoiceOptions,
} from './vonage.types';
export {
  createVonageProvider,
  type VonageProviderEnvironment,
  type VonageProviderOptions,
} from './vonage.voice-provider';
