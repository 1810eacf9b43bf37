'use client';
/**
 * `@helpline/react/hooks`: the provider and the hooks alone — thin subscriptions to core sessions, no
 * components (≤ 2 KB brotli with React and core excluded).
 *
 * @packageDocumentation
 */
export {
  HelplineContext,
  HelplineProvider,
  type HelplineProviderProps,
  useHelpline,
  useMaybeHelpline,
} from '../context/HelplineContext';
export type { CannedResponse, CannedResponses, HelplineClients } from '../context/helpline.types';
export type {
  BoardAgent,
  BoardInteraction,
  BoardMailbox,
  BoardMessagingKpis,
  BoardQueue,
  BoardSlaRow,
  BoardWaiting,
  KpiName,
  KpiReport,
  KpiSeriesPoint,
  SupervisorBoardState,
  SupervisorCustomersLike,
  SupervisorSessionLike,
} from '../supervisor/supervisor.types';
export type { CallController, CallView } from '../voice/call.types';
export type { ButtonProps } from './buttonProps';
export { type ActionState, useAction } from './useAction';
export { type AgentView, useAgent } from './useAgent';
export { type CallAction, type CallState, type IdleCall, type LiveCall, useCall } from './useCall';
export { type CustomerView, useCustomer } from './useCustomer';
export { type InteractionView, useInteraction } from './useInteraction';
export { type InboxItem, useInteractions } from './useInteractions';
export { type MessagesView, useMessages } from './useMessages';
export { tickingClock, useNow } from './useNow';
export { type OffersView, useOffers } from './useOffers';
export { type PresenceView, usePresence } from './usePresence';
export { useCannedResponses, useQueues } from './useQueues';
export { constantStore, type ReadableStore, useStore } from './useStore';
export { useAgentsBoard, useBoard, useKpis, useQueueStats } from './useSupervisor';
