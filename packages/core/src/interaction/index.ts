export { CALLBACK_OVERDUE_AFTER_MS, type CallbackDue, callbackDue, callbackDueAt } from './callback.due';
export * from './callback.machine';
export * from './chat.machine';
export { DEADLINE_KINDS, deadlineOf, type InteractionDeadline } from './deadline';
export * from './interaction.types';
export {
  DEFAULT_WRAP_UP_POLICY,
  type DeadlineKind,
  dispositionSatisfies,
  type OfferEvent,
  type OfferFields,
  type OfferLeg,
  type ReassignEvent,
  skipsWrapUp,
  type WrapUpEvent,
  type WrapUpFields,
  type WrapUpPolicy,
  wrapUpDeadlineAt,
  wrapUpSkippable,
} from './lifecycle';
export * from './messaging.machine';
export * from './messaging.sla';
export { type Phase, phaseOf } from './phase';
