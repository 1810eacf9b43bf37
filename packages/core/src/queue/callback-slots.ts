import type { CallbackSlot } from '../interaction/callback.machine';
import type { SkillRequirement } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { RoutingItem } from '../routing/routing.types';
import { nextOpening, openIntervals, queueAvailability, type TimeSpan } from './business-hours';
import type { BusinessHours, OpeningInterval, Queue } from './queue.types';
import { addDays, assertTimeZone, dateKey, localToInstant, toLocal } from './zoned-time';

/* Callback slots, requests and retries. Rules and examples: docs/routing.md, "Callbacks". */

/** How many agents are scheduled during a slot: a constant, or a function of the slot (from a roster). */
export type CallbackStaffing = number | ((slot: TimeSpan) => number);

/** What {@link callbackSlots} needs. */
export interface CallbackSlotOptions {
  readonly queue: Queue;
  /** The customer's IANA zone: slots are aligned to and labelled in the customer's wall clock. */
  readonly customerTimeZone: string;
  /** Epoch ms. */
  readonly now: number;
  /** Slot length in minutes; must divide a day (15, 30, 60…). Default 30. */
  readonly slotMinutes?: number | undefined;
  /** Customer-local days to offer, today included. Default 7. */
  readonly days?: number | undefined;
  /** A slot must start at least this many minutes from now. Default 0. */
  readonly leadMinutes?: number | undefined;
  /** Agents scheduled on the queue. */
  readonly staffing: CallbackStaffing;
  /** Expected handle time of one callback, seconds. */
  readonly expectedHandleSeconds: number;
  /** Share of scheduled capacity set aside for callbacks, 0–1. Default 1. */
  readonly callbackShare?: number | undefined;
  /** Start instants of callbacks already booked (one entry per booking). */
  readonly booked?: readonly number[] | undefined;
  /** Only offer slots inside this customer-local window (for example 08:00–21:00). */
  readonly customerHours?: OpeningInterval | undefined;
  /** Include slots with nothing left (remaining 0). Default false. */
  readonly includeFull?: boolean | undefined;
}

/** A callback slot the customer can book: the callback machine's slot plus its capacity and local labels. */
export interface BookableCallbackSlot extends CallbackSlot {
  /** Callbacks the slot can hold: ⌊agents × slot length / handle time × share⌋. */
  readonly capacity: number;
  readonly booked: number;
  readonly remaining: number;
  /** Customer-local date `YYYY-MM-DD`, for grouping by day. */
  readonly localDate: string;
  /** Customer-local start `HH:MM`. */
  readonly localTime: string;
}

const MINUTE = 60_000;

function invalid(field: string, detail: string): never {
  throw helplineError('validation/field', { scope: 'callback', field, detail }, { field });
}

function minutesOf(time: string, field: string): number {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(time);
  if (match === null) invalid(field, `"${time}" is not a time of the form HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The first instant at or after `atMs` whose customer-local reading is a whole multiple of the slot length. */
function alignUp(atMs: number, slotMinutes: number, timeZone: string): number {
  let at = atMs;
  // A DST jump can land on an unaligned reading (zones with 30- or 45-minute shifts); another round fixes that.
  for (let round = 0; round < 4; round++) {
    const local = toLocal(at, timeZone);
    const minute = local.hour * 60 + local.minute;
    if (at % MINUTE === 0 && minute % slotMinutes === 0) return at;
    const target = (Math.floor(minute / slotMinutes) + 1) * slotMinutes;
    const next = localToInstant(local, target, timeZone);
    // In the second pass of a repeated (fall-back) hour the earliest reading lies behind us: move by wall time.
    at = next > at ? next : at - (at % MINUTE) + (target - minute) * MINUTE;
  }
  return at;
}

/**
 * Bookable callback slots inside the queue's business hours, aligned to the customer's wall clock and limited
 * to the customer's next `days` local days. Capacity per slot comes from staffing:
 * `⌊agents × slotSeconds / expectedHandleSeconds × callbackShare⌋ − booked`.
 *
 * @example
 * ```ts
 * const slots = callbackSlots({ queue, customerTimeZone: 'America/New_York', now: Date.now(), slotMinutes: 30,
 *   staffing: 4, expectedHandleSeconds: 300, callbackShare: 0.25, booked });
 * // [{ start, end, capacity: 6, booked: 0, remaining: 6, localDate: '2024-06-03', localTime: '08:00' }, …]
 * ```
 */
export function callbackSlots(options: CallbackSlotOptions): BookableCallbackSlot[] {
  const slotMinutes = options.slotMinutes ?? 30;
  const days = options.days ?? 7;
  const share = options.callbackShare ?? 1;
  const timeZone = options.customerTimeZone;
  if (!Number.isInteger(slotMinutes) || slotMinutes < 5 || slotMinutes > 240 || 1440 % slotMinutes !== 0) {
    invalid('slotMinutes', `${slotMinutes} must be whole minutes between 5 and 240 that divide a day`);
  }
  if (!Number.isInteger(days) || days < 1 || days > 60)
    invalid('days', `${days} must be a whole number 1–60`);
  if (!(share >= 0 && share <= 1)) invalid('callbackShare', `${share} must be between 0 and 1`);
  if (!(options.expectedHandleSeconds > 0)) invalid('expectedHandleSeconds', 'must be more than 0');
  try {
    assertTimeZone(timeZone);
  } catch {
    invalid('customerTimeZone', `"${timeZone}" is not an IANA time zone`);
  }
  const window =
    options.customerHours === undefined
      ? undefined
      : {
          open: minutesOf(options.customerHours.open, 'customerHours.open'),
          close: minutesOf(options.customerHours.close, 'customerHours.close'),
        };

  const slotMs = slotMinutes * MINUTE;
  const from = options.now + (options.leadMinutes ?? 0) * MINUTE;
  const today = toLocal(options.now, timeZone);
  const until = localToInstant(addDays(today, days), 0, timeZone);
  const hours = options.queue.businessHours;
  const spans: TimeSpan[] =
    hours === undefined ? [{ start: from, end: until }] : openIntervals(hours, from, until);

  const bookedCount = new Map<number, number>();
  for (const start of options.booked ?? []) bookedCount.set(start, (bookedCount.get(start) ?? 0) + 1);
  const staffing = options.staffing;

  const slots: BookableCallbackSlot[] = [];
  for (const span of spans) {
    for (let start = alignUp(span.start, slotMinutes, timeZone); start + slotMs <= span.end; ) {
      const end = start + slotMs;
      const local = toLocal(start, timeZone);
      const minute = local.hour * 60 + local.minute;
      if (window === undefined || (minute >= window.open && minute + slotMinutes <= window.close)) {
        const agents = Math.max(0, typeof staffing === 'number' ? staffing : staffing({ start, end }));
        const capacity = Math.floor(
          ((agents * slotMs) / 1000 / options.expectedHandleSeconds) * share + 1e-9,
        );
        const booked = bookedCount.get(start) ?? 0;
        const remaining = Math.max(0, capacity - booked);
        if (remaining > 0 || options.includeFull === true) {
          slots.push({
            start,
            end,
            capacity,
            booked,
            remaining,
            localDate: dateKey(local),
            localTime: `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`,
          });
        }
      }
      start = alignUp(end, slotMinutes, timeZone);
    }
  }
  return slots;
}

/* --- requests --- */

const E164 = /^\+[1-9]\d{6,14}$/;

interface CallbackRequestBase {
  readonly interactionId: string;
  readonly queueId: string;
  /** E.164, for example `+31201234567`. */
  readonly phone: string;
  readonly priority?: number | undefined;
  readonly requiredSkills?: readonly SkillRequirement[] | undefined;
  readonly language?: string | undefined;
}

/** "Call me as soon as possible": joins the queue now, keeping the visitor's place. */
export interface AsapCallbackRequest extends CallbackRequestBase {
  readonly kind: 'asap';
  /** When the visitor started waiting (for example in the chat queue they switch from); defaults to now. */
  readonly waitingSince?: number | undefined;
}

/** "Call me at …": one of the slots from {@link callbackSlots}. */
export interface ScheduledCallbackRequest extends CallbackRequestBase {
  readonly kind: 'scheduled';
  readonly customerTimeZone: string;
  readonly slotStart: number;
}

/** A visitor's callback request. */
export type CallbackRequest = AsapCallbackRequest | ScheduledCallbackRequest;

/**
 * What to do with an accepted request: enqueue `item` now (ASAP), or at `dueAt` (scheduled; the wait is
 * measured from the slot start, not from the booking).
 */
export type CallbackPlan =
  | { readonly kind: 'asap'; readonly item: RoutingItem }
  | {
      readonly kind: 'scheduled';
      readonly slot: BookableCallbackSlot;
      readonly dueAt: number;
      readonly item: RoutingItem;
    };

/** Context for {@link planCallback}. */
export interface CallbackPlanContext {
  readonly queue: Queue;
  readonly now: number;
  /** The slots currently offered (required for scheduled requests). */
  readonly slots?: readonly BookableCallbackSlot[] | undefined;
}

/**
 * Checks a callback request and turns it into a routing plan. Throws a typed `validation/field` error naming the
 * field (phone, slot, zone, queue) or `queue/closed` for an ASAP request while the queue is closed (offer slots
 * instead).
 *
 * @example
 * ```ts
 * const plan = planCallback({ kind: 'asap', interactionId, queueId: 'support', phone: '+31201234567', waitingSince: chat.queuedAt }, { queue, now });
 * if (plan.kind === 'asap') router.enqueue(plan.item); // keeps the place the chat had
 * ```
 */
export function planCallback(request: CallbackRequest, context: CallbackPlanContext): CallbackPlan {
  if (request.queueId !== context.queue.id)
    invalid('queueId', `"${request.queueId}" is not queue ${context.queue.id}`);
  if (!E164.test(request.phone)) invalid('phone', `"${request.phone}" is not a valid E.164 number`);
  const base = {
    id: request.interactionId,
    queueId: request.queueId,
    channel: 'callback' as const,
    priority: request.priority ?? 0,
    requiredSkills: request.requiredSkills ?? [],
    ...(request.language === undefined ? {} : { language: request.language }),
  };
  if (request.kind === 'asap') {
    const availability = queueAvailability(context.queue, context.now);
    if (!availability.open) {
      throw helplineError('queue/closed', { queue: context.queue.name });
    }
    const waitingSince = request.waitingSince ?? context.now;
    if (!Number.isFinite(waitingSince) || waitingSince > context.now) {
      invalid('waitingSince', 'must be an instant not after now');
    }
    return { kind: 'asap', item: { ...base, waitingSince } };
  }
  try {
    assertTimeZone(request.customerTimeZone);
  } catch {
    invalid('customerTimeZone', `"${request.customerTimeZone}" is not an IANA time zone`);
  }
  const slot = context.slots?.find((candidate) => candidate.start === request.slotStart);
  if (slot === undefined || slot.remaining <= 0 || slot.start < context.now) {
    invalid('slotStart', 'is not an open callback slot; pick one of the offered slots');
  }
  return { kind: 'scheduled', slot, dueAt: slot.start, item: { ...base, waitingSince: slot.start } };
}

/* --- retries --- */

/** When to try again after a callback that was not answered. */
export interface CallbackRetryPolicy {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  readonly initialDelaySeconds: number;
  /** Growth of the delay per attempt. Default 2. */
  readonly multiplier?: number | undefined;
  /** Ceiling on one delay. Default: none. */
  readonly maxDelaySeconds?: number | undefined;
}

/** Three attempts, 5 then 10 minutes apart. */
export const DEFAULT_CALLBACK_RETRY: CallbackRetryPolicy = {
  maxAttempts: 3,
  initialDelaySeconds: 300,
  multiplier: 2,
  maxDelaySeconds: 3600,
};

/**
 * When to retry after attempt number `attempt` (1 = the first call) failed at `failedAtMs`, or `undefined` when
 * the attempts are used up. Delays grow geometrically (no jitter: retries are scheduled, not stampeding). With
 * `hours`, a retry that would fall outside business hours moves to the next opening.
 *
 * @example
 * ```ts
 * nextRetryAt(1, DEFAULT_CALLBACK_RETRY, failedAt); // failedAt + 5 min
 * nextRetryAt(3, DEFAULT_CALLBACK_RETRY, failedAt); // undefined: give up, mark failed
 * ```
 */
export function nextRetryAt(
  attempt: number,
  policy: CallbackRetryPolicy,
  failedAtMs: number,
  hours?: BusinessHours,
): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) invalid('attempt', `${attempt} must be a whole number ≥ 1`);
  if (attempt >= policy.maxAttempts) return undefined;
  const grown = policy.initialDelaySeconds * (policy.multiplier ?? 2) ** (attempt - 1);
  const delay = Math.max(0, Math.min(grown, policy.maxDelaySeconds ?? Number.POSITIVE_INFINITY));
  const at = failedAtMs + delay * 1000;
  return hours === undefined ? at : nextOpening(hours, at);
}
