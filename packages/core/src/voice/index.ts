/**
 * `@helpline/core/voice`: browser calls. Load it lazily (`await import('@helpline/core/voice')`) when a call
 * starts; pages without a call never pay for it.
 *
 * @packageDocumentation
 */
export {
  type AudioGraph,
  type AudioGraphEnvironment,
  type AudioGraphOptions,
  type AudioRoutes,
  createAudioGraph,
} from './audio.graph';
export {
  type CallRecorder,
  type CallRecorderOptions,
  type CallRecorderState,
  type CallRecordingTarget,
  createCallRecorder,
  createIndexedDbChunkStore,
  createMemoryChunkStore,
  createRecordingUpload,
  type RecordingChunk,
  type RecordingChunkStore,
  type RecordingUpload,
  sendPendingRecordings,
} from './call.recorder';
export {
  type CallSession,
  type CallSessionEvent,
  type CallSessionOptions,
  type CallView,
  createCallSession,
} from './call.session';
export {
  type ConsultMedia,
  type ConsultMediaOptions,
  createConsultMedia,
  createHoldMusic,
  type HoldMusic,
  type HoldMusicOptions,
} from './consult.media';
export {
  type ConsultLeg,
  type ConsultSession,
  type ConsultSessionOptions,
  type ConsultTarget,
  createConsultSession,
} from './consult.session';
export {
  type AssessOptions,
  assessQuality,
  DEFAULT_QUALITY_THRESHOLDS,
  estimateMos,
  INITIAL_QUALITY,
  type QualityChange,
  type QualityState,
  readStats,
  type StatsReading,
} from './quality';
export { createRinger, type Ringer, type RingerOptions } from './ring';
export {
  type AgentMixer,
  type AgentMixerOptions,
  createAgentMixer,
  createSupervisorMedia,
  type SupervisorMedia,
  type SupervisorMediaOptions,
} from './supervision.media';
export * from './voice.machine';
export type * from './voice.types';
export { type CallRecord, callSnapshotFor, toWireCall } from './voice.wire';
export {
  type CallTap,
  createWebRtcProvider,
  type WebRtcEnvironment,
  type WebRtcProvider,
  type WebRtcProviderOptions,
} from './webrtc.provider';
