import { helplineError } from '../protocol/errors';
import type { BusinessHours, ClosedAlternative, OpeningInterval, Queue } from './queue.types';
import {
  addDays,
  assertTimeZone,
  dateKey,
  daysBetween,
  isoWeekday,
  type LocalDate,
  localToInstant,
  toLocal,
} from './zoned-time';

/*
 * Semantics (docs/routing.md, "Business hours"): each opening interval of a local date becomes one span of
 * instants [start, end), where start/end are the earliest instants whose wall-clock reading reaches `open` /
 * `close`. So a time skipped by a spring-forward jump snaps to the jump, a time repeated by a fall-back uses its
 * first occurrence, and `24:00` is the next day's midnight. Every function here derives from those spans, so
 * `isOpen`, `nextOpening`, `nextClosing` and `openIntervals` always agree.
 */

/** A span of time `[start, end)` in epoch ms. */
export interface TimeSpan {
  readonly start: number;
  readonly end: number;
}

/** How far ahead `nextOpening`/`nextClosing` look before giving up (a schedule that never opens). */
const SEARCH_DAYS = 400;
const TIME = /^([01]\d|2[0-4]):([0-5]\d)$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function invalid(field: string, detail: string): never {
  throw helplineError('validation/field', { scope: 'business-hours', field, detail }, { field });
}

function minutesOf(time: string, field: string): number {
  const match = TIME.exec(time);
  if (match === null) invalid(field, `"${time}" is not a time of the form HH:MM`);
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes > 1440) invalid(field, `"${time}" is after 24:00`);
  return minutes;
}

interface CompiledInterval {
  readonly open: number;
  readonly close: number;
}

interface CompiledHours {
  readonly timeZone: string;
  readonly weekly: ReadonlyMap<number, readonly CompiledInterval[]>;
  readonly closures: ReadonlyMap<string, readonly CompiledInterval[]>;
  /** Last closure date: searches must look at least that far. */
  readonly lastClosure: string | undefined;
  /** Spans per local date key, memoised: schedules are read far more often than they change. */
  readonly spans: Map<string, readonly TimeSpan[]>;
}

function compileIntervals(intervals: readonly OpeningInterval[], field: string): CompiledInterval[] {
  const compiled = intervals.map((interval, index) => {
    const open = minutesOf(interval.open, `${field}[${index}].open`);
    const close = minutesOf(interval.close, `${field}[${index}].close`);
    if (close <= open)
      invalid(`${field}[${index}]`, `closes (${interval.close}) before it opens (${interval.open})`);
    return { open, close };
  });
  return compiled.sort((a, b) => a.open - b.open);
}

const compiledCache = new WeakMap<BusinessHours, CompiledHours>();

function compile(hours: BusinessHours): CompiledHours {
  const cached = compiledCache.get(hours);
  if (cached !== undefined) return cached;
  assertTimeZone(hours.timeZone);
  const weekly = new Map<number, readonly CompiledInterval[]>();
  for (const [day, intervals] of Object.entries(hours.weekly)) {
    const weekday = Number(day);
    if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7)
      invalid(`weekly.${day}`, 'is not an ISO weekday 1–7');
    if (intervals !== undefined) weekly.set(weekday, compileIntervals(intervals, `weekly.${day}`));
  }
  const closures = new Map<string, readonly CompiledInterval[]>();
  let lastClosure: string | undefined;
  for (const [index, closure] of (hours.closures ?? []).entries()) {
    if (!DATE.test(closure.date))
      invalid(`closures[${index}].date`, `"${closure.date}" is not a date YYYY-MM-DD`);
    closures.set(closure.date, compileIntervals(closure.hours ?? [], `closures[${index}].hours`));
    if (lastClosure === undefined || closure.date > lastClosure) lastClosure = closure.date;
  }
  const result: CompiledHours = { timeZone: hours.timeZone, weekly, closures, lastClosure, spans: new Map() };
  compiledCache.set(hours, result);
  return result;
}

/**
 * Checks a schedule and throws a typed `validation/field` error naming the first bad field
 * (unknown zone, `25:00`, a close before its open, a malformed closure date).
 */
export function validateBusinessHours(hours: BusinessHours): void {
  compile(hours);
}

function intervalsOn(compiled: CompiledHours, date: LocalDate): readonly CompiledInterval[] {
  return compiled.closures.get(dateKey(date)) ?? compiled.weekly.get(isoWeekday(date)) ?? [];
}

function spansOn(compiled: CompiledHours, date: LocalDate): readonly TimeSpan[] {
  const key = dateKey(date);
  let spans = compiled.spans.get(key);
  if (spans === undefined) {
    spans = intervalsOn(compiled, date)
      .map((interval) => ({
        start: localToInstant(date, interval.open, compiled.timeZone),
        end: localToInstant(date, interval.close, compiled.timeZone),
      }))
      .filter((span) => span.end > span.start);
    // Bounded memo: a long-running server walks forward through dates forever.
    if (compiled.spans.size > 2000) compiled.spans.clear();
    compiled.spans.set(key, spans);
  }
  return spans;
}

function localDateAt(atMs: number, timeZone: string): LocalDate {
  const { year, month, day } = toLocal(atMs, timeZone);
  return { year, month, day };
}

/**
 * True when `hours` are open at instant `atMs`.
 *
 * @example
 * ```ts
 * const hours = { timeZone: 'Europe/Amsterdam', weekly: { 1: [{ open: '09:00', close: '17:00' }] } };
 * isOpen(hours, Date.parse('2024-03-25T10:00:00+01:00')); // true (a Monday)
 * ```
 */
export function isOpen(hours: BusinessHours, atMs: number): boolean {
  const compiled = compile(hours);
  const today = localDateAt(atMs, compiled.timeZone);
  // The neighbouring dates too: where clocks fall back across midnight, an instant can read as one date while
  // lying inside a span that another date's schedule produced.
  for (const date of [addDays(today, -1), today, addDays(today, 1)]) {
    for (const span of spansOn(compiled, date)) if (span.start <= atMs && atMs < span.end) return true;
  }
  return false;
}

/** Merged, sorted spans of the local dates `first`…`last` (inclusive). */
function spansBetween(compiled: CompiledHours, first: LocalDate, days: number): TimeSpan[] {
  const merged: TimeSpan[] = [];
  for (let i = 0; i < days; i++) {
    for (const span of spansOn(compiled, addDays(first, i))) {
      const last = merged[merged.length - 1];
      if (last !== undefined && span.start <= last.end) {
        if (span.end > last.end) merged[merged.length - 1] = { start: last.start, end: span.end };
      } else {
        merged.push(span);
      }
    }
  }
  return merged;
}

function searchDays(compiled: CompiledHours, from: LocalDate): number {
  if (compiled.lastClosure === undefined) return SEARCH_DAYS;
  const [year = 0, month = 1, day = 1] = compiled.lastClosure.split('-').map(Number);
  return Math.max(SEARCH_DAYS, daysBetween(from, { year, month, day }) + 8);
}

/**
 * The open spans (merged where one ends as the next begins, as at midnight) that overlap `[fromMs, toMs)`,
 * clipped to it.
 *
 * @example
 * ```ts
 * openIntervals(hours, Date.parse('2024-03-25T00:00:00Z'), Date.parse('2024-03-26T00:00:00Z'));
 * // [{ start: …08:00Z, end: …16:00Z }]
 * ```
 */
export function openIntervals(hours: BusinessHours, fromMs: number, toMs: number): TimeSpan[] {
  if (!(toMs > fromMs)) return [];
  const compiled = compile(hours);
  const first = addDays(localDateAt(fromMs, compiled.timeZone), -1);
  const last = addDays(localDateAt(toMs, compiled.timeZone), 1);
  const days = daysBetween(first, last) + 1;
  const result: TimeSpan[] = [];
  for (const span of spansBetween(compiled, first, days)) {
    const start = Math.max(span.start, fromMs);
    const end = Math.min(span.end, toMs);
    if (end > start) result.push({ start, end });
  }
  return result;
}

/** Walks merged spans forward from the local date before `atMs`, a week at a time. */
function* spansFrom(compiled: CompiledHours, atMs: number): Generator<TimeSpan> {
  let date = addDays(localDateAt(atMs, compiled.timeZone), -1);
  const limit = searchDays(compiled, date);
  let pending: TimeSpan | undefined;
  for (let walked = 0; walked < limit; walked += 7) {
    for (const span of spansBetween(compiled, date, 7)) {
      if (pending !== undefined && span.start <= pending.end) {
        pending = { start: pending.start, end: Math.max(pending.end, span.end) };
        continue;
      }
      if (pending !== undefined) yield pending;
      pending = span;
    }
    date = addDays(date, 7);
  }
  if (pending === undefined) return;
  // A span still open when the search ends is treated as never closing (a 24/7 schedule).
  const horizon = localToInstant(date, 0, compiled.timeZone);
  yield pending.end >= horizon ? { start: pending.start, end: Number.POSITIVE_INFINITY } : pending;
}

/**
 * The first instant at or after `atMs` when `hours` are open: `atMs` itself while open, `undefined` when the
 * schedule never opens within about a year.
 *
 * @example
 * ```ts
 * nextOpening(hours, fridayEvening); // Monday 09:00 local, as epoch ms
 * ```
 */
export function nextOpening(hours: BusinessHours, atMs: number): number | undefined {
  const compiled = compile(hours);
  for (const span of spansFrom(compiled, atMs)) {
    if (span.end <= atMs) continue;
    return Math.max(span.start, atMs);
  }
  return undefined;
}

/**
 * The first instant at or after `atMs` when `hours` are closed: `atMs` itself while closed, `undefined` when the
 * schedule stays open for the whole search horizon (for example 24/7).
 */
export function nextClosing(hours: BusinessHours, atMs: number): number | undefined {
  const compiled = compile(hours);
  for (const span of spansFrom(compiled, atMs)) {
    if (span.end <= atMs) continue;
    if (span.start > atMs) return atMs;
    return Number.isFinite(span.end) ? span.end : undefined;
  }
  return atMs;
}

/** Whether a queue takes live contacts now, and what it offers instead when it does not. */
export interface QueueAvailability {
  readonly open: boolean;
  /** What the closed queue offers instead (`callback`, `offline-message`, `none`); `undefined` while open. */
  readonly alternative: ClosedAlternative | undefined;
  /** When the queue opens next; `undefined` while open or when it never opens. */
  readonly nextOpening: number | undefined;
  /** When an open queue closes; `undefined` while closed or when it never closes. */
  readonly nextClosing: number | undefined;
}

/**
 * Open/closed state of a queue at `atMs`, with its closed alternative and the next change. A queue without
 * business hours is always open.
 *
 * @example
 * ```ts
 * const { open, alternative, nextOpening } = queueAvailability(queue, now());
 * if (!open && alternative === 'callback') showCallbackSlots(nextOpening);
 * ```
 */
export function queueAvailability(queue: Queue, atMs: number): QueueAvailability {
  const hours = queue.businessHours;
  if (hours === undefined)
    return { open: true, alternative: undefined, nextOpening: undefined, nextClosing: undefined };
  if (isOpen(hours, atMs)) {
    return {
      open: true,
      alternative: undefined,
      nextOpening: undefined,
      nextClosing: nextClosing(hours, atMs),
    };
  }
  return {
    open: false,
    alternative: queue.closedAlternative,
    nextOpening: nextOpening(hours, atMs),
    nextClosing: undefined,
  };
}
