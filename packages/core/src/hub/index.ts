/**
 * `@helpline/core/hub`: the in-process server. {@link createHub} routes and stores the work of visitors, agents and
 * supervisors; `@helpline/server` puts it behind HTTP and WebSocket, and {@link createMemoryTransport} connects
 * sessions to it with no network, for tests, demos and offline development. Browser code that only talks to a
 * server never needs this entry.
 *
 * @packageDocumentation
 */

export {
  type AuditRow,
  type ContactIdentity,
  type ContactSubject,
  type CustomerActor,
  type CustomerDirectory,
  type CustomerRow,
  contactIdentity,
  IDENTIFIER_KINDS,
  type IdentifierClaim,
  type IdentifierKind,
  type IdentifierSource,
  type SuggestionRow,
  storedContactIdentity,
} from '../customer';
export {
  createMemoryTransport,
  type MemoryTransport,
  type MemoryTransportOptions,
} from '../transport/memory.transport';
export { type CaseSlaWarning, type WireCase, wireCase } from './cases.hub';
export { type CaseAuditEntry, type CaseStore, createMemoryCaseStore } from './cases.store';
export {
  type ChannelAddress,
  type ChannelOutbound,
  type ChannelsHub,
  type ChannelsOptions,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type InboundMessage,
  inboundMessageKey,
  type OutboundMessage,
  type ReceiveResult,
} from './channels.types';
export { devAuthenticate } from './dev-auth';
export type {
  DialOptions,
  DialPlan,
  DialRequest,
  DoNotCallEntry,
  DoNotCallList,
  OutboundCall,
} from './dial.hub';
export { type EmailLeg, emailLegThreadKey } from './email-leg.hub';
export {
  DEFAULT_ESCALATION_OFFER_MS,
  type EscalationReport,
  type EscalationReportQuery,
  type EscalationReports,
  leadsOf,
  type WireEscalation,
  wireEscalation,
} from './escalations.hub';
export {
  createMemoryEscalationStore,
  type EscalationAuditEntry,
  type EscalationStore,
} from './escalations.store';
export { PING_SLICES, sliceFor } from './heartbeat';
export { createHub, type Hub } from './hub';
export type {
  AdmissionRequest,
  Authenticate,
  CapacityHold,
  ChannelKeys,
  CommitOptions,
  ConnectionMeta,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubLogger,
  HubOptions,
  HubStorage,
  MailboxBoardStatus,
  MailboxStatusSource,
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
export {
  mayPlayRecording,
  type RecordingAuditEntry,
  type RecordingDirectory,
  type RecordingInfo,
  type RecordingOptions,
} from './recordings.hub';
export type { SupervisionOptions, SupervisionVonagePort } from './supervision.hub';
export type { VoiceInteraction } from './voice.calls';
export type { ConsultTelephony, VoiceHubOptions, WireConsultLeg } from './voice.hub';
