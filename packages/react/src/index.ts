'use client';

/**
 * `@helpline/react`: React 18/19 bindings for Helpline — a provider and thin hooks over core sessions, the
 * agent-console and supervisor components, and React wrappers of the widget's custom elements. Import
 * `@helpline/react/styles.css` once for the default look (CSS custom properties `--helpline-*`).
 *
 * The hooks alone are also published as `@helpline/react/hooks`.
 *
 * @packageDocumentation
 */

// Core types, so apps import one package.
export type {
  AgentOffer,
  AgentPresence,
  AgentSession,
  AwayReason,
  Channel,
  ChatFlags,
  ChatMessage,
  ConversationView,
  Customer,
  Disposition,
  PresenceStatus,
  Queue,
  TransferTarget,
  VisitorSession,
  VoiceFlags,
  VoiceSnapshot,
  VoiceState,
  WireInteraction,
  WrapUpInput,
} from '@helpline/core';

// Components, usable one by one.
// Where a callback stands against the clock (core's), for worklists of one's own.
export { type CallbackDue, callbackDue } from '@helpline/core';
export {
  AttachButton,
  type AttachButtonProps,
  type ComposerFile,
  ComposerFileList,
  type ComposerFileListProps,
  type ComposerFiles,
  fileSize,
  MessageFiles,
  type MessageFilesProps,
  useComposerFiles,
} from './components/Attachments';
export {
  type CallbackItem,
  type CallbackOutcome,
  CallbackWorklist,
  type CallbackWorklistProps,
} from './components/CallbackWorklist';
export {
  CallConsultControls,
  type CallConsultControlsProps,
  type ConsultTargetOption,
} from './components/CallConsult';
export {
  CallRecordingControls,
  type CallRecordingControlsProps,
  CallRecordings,
  type CallRecordingsProps,
} from './components/CallRecording';
export {
  CASE_STATUS_KEYS,
  CasePanel,
  type CasePanelProps,
  isUnsolved,
  OfferOpenCases,
  type OfferOpenCasesProps,
} from './components/CasePanel';
export { CaseSlaAlerts, type CaseSlaNotice } from './components/CaseSlaAlerts';
export { ChannelBadge, type ChannelBadgeProps, ChannelIcon } from './components/ChannelBadge';
export {
  CannedResponsePicker,
  type CannedResponsePickerProps,
  ChatPanel,
  type ChatPanelProps,
} from './components/ChatPanel';
export {
  ClickToDial,
  type ClickToDialProps,
  linkifyPhoneNumbers,
  PhoneNumberText,
  type PhoneNumberTextProps,
} from './components/ClickToDial';
export { ConnectionStatus, type ConnectionStatusProps } from './components/ConnectionStatus';
export { ConversationActions, type ConversationActionsProps } from './components/ConversationActions';
export {
  CustomerCard,
  type CustomerCardProps,
  type CustomerContact,
  customerContacts,
} from './components/CustomerCard';
export {
  CustomerProfile,
  type CustomerProfileProps,
  CustomerSearch,
  type CustomerSearchProps,
} from './components/CustomerProfile';
export { type ComposerProps, type DraftSender, useDraftSender } from './components/composer';
export { EmailComposer } from './components/EmailComposer';
export { EmailText, type EmailTextProps } from './components/EmailText';
export { EscalateForm, type EscalateFormProps } from './components/EscalateForm';
export { EscalateToLeader, type EscalateToLeaderProps } from './components/EscalateToLeader';
export {
  ESCALATION_STATE_KEYS,
  EscalationsInbox,
  type EscalationsInboxProps,
} from './components/EscalationsInbox';
export {
  Inbox,
  type InboxProps,
  ReplyTimer,
  type ReplyTimerProps,
  type SlaLevel,
  slaLevel,
} from './components/Inbox';
export {
  DEFAULT_KEYMAP,
  KeyHint,
  type Keymap,
  matchesShortcut,
  type ShortcutAction,
  ShortcutsContext,
  ShortcutsHelp,
  type ShortcutsHelpProps,
  useKeyboardShortcuts,
  useShortcutProps,
} from './components/KeyboardShortcuts';
export { MessageText, type MessageTextProps } from './components/MessageText';
export { MessagingComposer, type MessagingComposerProps } from './components/MessagingComposer';
export {
  OfferToast,
  type OfferToastProps,
  OfferToasts,
  type OfferToastsProps,
} from './components/OfferToast';
export {
  DEFAULT_AWAY_REASONS,
  PresenceSelector,
  type PresenceSelectorProps,
} from './components/PresenceSelector';
export { fillPlaceholders, placeholderValues } from './components/placeholders';
export { Softphone, type SoftphoneProps } from './components/Softphone';
export { type TransferAgent, TransferForm, type TransferFormProps } from './components/TransferForm';
export { TransferResults, type TransferResultsProps } from './components/TransferResults';
export {
  AudioPlayer,
  type AudioPlayerProps,
  VoicemailCallBack,
  type VoicemailCallBackProps,
} from './components/Voicemail';
export { WrapUpForm, type WrapUpFormProps } from './components/WrapUpForm';
export * from './hooks';
// Not in the hooks entry (it would take that entry over its size budget): the offer ringtone and notification.
export { type OfferAlertSettings, type OfferAlertView, useOfferAlert } from './hooks/useOfferAlert';
// i18n.
export { type Catalog, consoleMessages, type MessageKey, type PartialCatalog } from './i18n/en';
export {
  CONSOLE_LOCALES,
  type ConsoleLocale,
  consoleDirection,
  loadConsoleMessages,
  resolveConsoleLocale,
} from './i18n/locales';
export { createTranslator, type Translator, useTranslator } from './i18n/translator';
// Composites built only from the pieces above.
export { AgentConsole, type AgentConsoleProps } from './prefabs/AgentConsole';
export { SupervisorBoard, type SupervisorBoardProps } from './prefabs/SupervisorBoard';
// Supervisor pieces.
export { AgentsBoardTable } from './supervisor/AgentsBoardTable';
export { CaseSlaTable } from './supervisor/CaseSlaTable';
export { ChannelStatsTable } from './supervisor/ChannelStatsTable';
export { CsvExportButton, type CsvExportButtonProps, downloadCsv } from './supervisor/CsvExportButton';
export { CustomerAdminPanel, type CustomerAdminPanelProps } from './supervisor/CustomerAdminPanel';
export {
  CountsChart,
  type CountsChartProps,
  RatioBar,
  Sparkline,
  type SparklineProps,
} from './supervisor/charts';
export { KpiPanel, type KpiPanelProps, useKpiSeries } from './supervisor/KpiPanel';
export { MailboxStatusTable } from './supervisor/MailboxStatusTable';
export { MonitoredChat } from './supervisor/MonitoredChat';
export { QueueStatsTable } from './supervisor/QueueStatsTable';
export { ReassignForm, type ReassignFormProps } from './supervisor/ReassignForm';
export { ReportsPanel, type ReportsPanelProps } from './supervisor/ReportsPanel';
export { SlaBreachesTable } from './supervisor/SlaBreachesTable';
export { SupervisionBanner } from './supervisor/SupervisionBanner';
export { SupervisionControls } from './supervisor/SupervisionControls';
export { WaitingList } from './supervisor/WaitingList';
// Widget elements for React.
export {
  createElementComponent,
  type ElementComponentOptions,
  type ElementComponentProps,
} from './widget/createElementComponent';
export { HelplineWidget, type HelplineWidgetProps } from './widget/widget-elements.generated';
