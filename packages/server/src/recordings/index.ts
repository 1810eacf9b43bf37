export { RECORDINGS_MIGRATION_SQL } from './recordings.migration';
export {
  createRecordingRoutes,
  RECORDING_CHUNK_MAX_BYTES,
  type RecordingRoutes,
  type RecordingRoutesDeps,
} from './recordings.routes';
export {
  createRecordingStore,
  type RecordingRow,
  type RecordingStart,
  type RecordingStore,
  recordingInfoOf,
} from './recordings.store';
