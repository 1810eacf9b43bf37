export { isDev } from './dev';
export {
  type CoreErrorCode,
  ERROR_MESSAGES,
  type ErrorCode,
  type ErrorOptions,
  type ErrorPayload,
  fillTemplate,
  HelplineError,
  helplineError,
  isHelplineError,
  isRetryable,
} from './errors';
export {
  ATTACHMENT_ERROR_MESSAGES,
  type AttachmentErrorCode,
  attachmentError,
} from './errors.attachment';
export { DIAL_ERROR_MESSAGES, type DialErrorCode, dialError } from './errors.dial';
export { ERROR_CATALOG, ERROR_GUIDE, type ErrorCatalogEntry } from './errors.guide';
export {
  MESSAGING_ERROR_MESSAGES,
  type MessagingErrorCode,
  messagingFailure,
} from './errors.messaging';
export { VONAGE_ERROR_MESSAGES, type VonageErrorCode, vonageFailure } from './errors.vonage';
export {
  encodeFrame,
  type ParseResult,
  parseCommandResult,
  parseServerFrame,
} from './protocol';
export {
  COMMAND_OPS,
  type CommandOp,
  commandArgsSchemas,
  parseClientFrame,
  validateCommandArgs,
} from './protocol.commands';
export { ESCALATION_GROUPINGS, ESCALATION_LIMITS } from './protocol.escalations';
export type { FrameGuard } from './protocol.guards';
export { visitorFrameGuard, visitorResultGuards } from './protocol.guards.generated';
export { serverFrameGuard } from './protocol.guards.staff.generated';
export { e164, isEmailAddress, isKnownTimeZone, isStorableText } from './protocol.inputs';
export { CLOSE_CODES, LIMITS, PROTOCOL_VERSION, SUBPROTOCOL } from './protocol.limits';
export { MAX_EPOCH_MS, SIGNAL_LIMITS } from './protocol.primitives';
export { visitorResultSchemas } from './protocol.results';
export { commandResultSchemas } from './protocol.results.staff';
export {
  SUPERVISION_NOTE_MAX,
  supervisionAuditEntrySchema,
  supervisionLegSchema,
  supervisionNoteSchema,
} from './protocol.supervision';
export type {
  CallSignal,
  ClientCapabilities,
  ClientFrame,
  CommandArgs,
  CommandFrame,
  CommandResult,
  ConversationEvent,
  CustomerAuditEntry,
  CustomerIdentifier,
  CustomerRecord,
  CustomerSuggestion,
  CustomerView,
  EventFrame,
  HelloFrame,
  Notice,
  ServerFrame,
  StaffOnlyField,
  VisitorInteraction,
  WelcomeFrame,
  WireCall,
  WireInteraction,
} from './protocol.types';
export { isLuhnValid, redactCardNumbers } from './redact';
