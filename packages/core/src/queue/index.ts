/**
 * `@helpline/core/queue`: queues, business hours in IANA zones, callback slots and retries.
 *
 * @packageDocumentation
 */
export {
  isOpen,
  nextClosing,
  nextOpening,
  openIntervals,
  type QueueAvailability,
  queueAvailability,
  type TimeSpan,
  validateBusinessHours,
} from './business-hours';
export {
  type AsapCallbackRequest,
  type BookableCallbackSlot,
  type CallbackPlan,
  type CallbackPlanContext,
  type CallbackRequest,
  type CallbackRetryPolicy,
  type CallbackSlotOptions,
  type CallbackStaffing,
  callbackSlots,
  DEFAULT_CALLBACK_RETRY,
  nextRetryAt,
  planCallback,
  type ScheduledCallbackRequest,
} from './callback-slots';
export * from './queue.types';
export {
  DEFAULT_SURVEY,
  type SurveyAnswer,
  type SurveyOffer,
  surveyClosesAt,
  surveyOf,
  surveyOffer,
  surveyRefusal,
} from './survey';
