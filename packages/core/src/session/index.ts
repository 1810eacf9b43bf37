export {
  type AgentCases,
  type CaseChange,
  type CaseDetail,
  type CaseNoteView,
  type CaseStatusEvent,
  type CaseTaskView,
  type CaseView,
  createAgentCases,
  type NewCase,
  type NewCaseTask,
} from './agent.cases';
export {
  type AgentEscalations,
  createAgentEscalations,
  type EscalationDetail,
  type EscalationMessageView,
  type EscalationSubject,
  type EscalationView,
} from './agent.escalations';
export type { AgentRecordingOption, AgentRecordingOptions } from './agent.recording';
export {
  type AgentOffer,
  type AgentPresence,
  type AgentSession,
  type AgentSessionOptions,
  type CallbackOutcome,
  createAgentSession,
  type DialCallOptions,
  type DialResult,
  type DialView,
  type TransferResult,
  type TransferTarget,
  type WrapUpInput,
} from './agent.session';
export type { AgentVoiceOption, AgentVoiceOptions } from './agent.voice';
export {
  type ConversationsOptions,
  type ConversationsStore,
  createConversationsStore,
  createInteractionStore,
  type InteractionStore,
} from './conversations.store';
export { type KnownCustomerHistory, knownCustomerHistory } from './customer.history';
export {
  type ChatMessage,
  type ConversationView,
  foldAgentInteractions,
  foldEvent,
  foldInteractions,
  type InteractionFold,
  type InteractionInput,
  type InteractionRecord,
  type InteractionRecords,
  type MessageAuthor,
  type ReceiptStatus,
} from './interactions.fold';
export {
  type BrowserOfferNotifierOptions,
  createBrowserOfferNotifier,
  createOfferAlert,
  type OfferAlert,
  type OfferAlertOptions,
} from './offer.alert';
export { createMemoryOutbox, type Outbox, type OutboxEntry } from './outbox';
export {
  type BrowserOutbox,
  type BrowserOutboxOptions,
  createBrowserOutbox,
  type OutboxBackend,
} from './outbox.browser';
export type {
  SendMessageOptions,
  SessionAttachmentOptions,
  UploadFile,
  UploadOptions,
} from './session.attachments';
export { createSupervisionClient, type SupervisionClient } from './supervision.client';
export {
  type CustomerSplit,
  createSupervisorCustomers,
  type SupervisorCustomers,
} from './supervisor.customers';
export {
  type AgentBoardRow,
  createSupervisorSession,
  type MailboxBoardRow,
  type QueueBoardRow,
  type SlaBoardRow,
  type SupervisorBoard,
  type SupervisorSession,
  type SupervisorSessionOptions,
} from './supervisor.session';
export {
  createTypingReporter,
  TYPING_IDLE_MS,
  type TypingReporter,
  type TypingReporterOptions,
} from './typing';
export {
  type BrowserConversationMemoryOptions,
  type ConversationMemory,
  createBrowserConversationMemory,
  defaultVisitorPersistence,
  type RememberedConversation,
} from './visitor.persistence';
export {
  createVisitorSession,
  type QueueStanding,
  type StartChatRequest,
  type VisitorSession,
  type VisitorSessionOptions,
} from './visitor.session';
export { leaveVoicemail, type VoicemailOptions, type VoicemailRequest } from './visitor.voicemail';
