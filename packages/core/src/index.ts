/**
 * `@helpline/core`: the framework-agnostic contact-center SDK — domain model, state machines, routing, KPIs,
 * the wire protocol, connections and sessions exposed as nanostores. The in-process server (`createHub`) is the
 * `@helpline/core/hub` entry, so browser bundles never carry it.
 *
 * @packageDocumentation
 */
export * from './agent';
export * from './attachment';
export * from './case';
export { type Clock, systemClock } from './clock/clock';
export * from './composer';
export * from './connection';
export * from './escalation';
export * from './i18n';
export { randomId, secureRandomBytes, uuidv7 } from './ids/ids';
export * from './interaction';
export * from './machine';
export * from './metrics';
export * from './protocol';
export * from './queue';
export * from './render';
export * from './routing';
export * from './session';
export * from './supervision';
export * from './transport';
// The voice machine and the call types only: the call session and the WebRTC provider are the lazy
// `@helpline/core/voice` entry, so the main entry stays small.
export type { CallSession, CallSessionEvent, CallSessionOptions, CallView } from './voice/call.session';
// The ringtone is small and rings for chat offers too (createOfferAlert).
export { createRinger, type Ringer, type RingerOptions } from './voice/ring';
export * from './voice/voice.machine';
export type * from './voice/voice.types';
