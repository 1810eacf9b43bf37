import { helplineError } from '../protocol/errors';

/*
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat.
 * Internal to queue/: business hours and callback slots build on it.
 */

/** A local calendar date. `month` is 1–12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A local date and time of day, to the second. */
export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw helplineError(
        'validation/field',
        { scope: 'business-hours', field: 'timeZone', detail: `"${timeZone}" is not an IANA time zone` },
        { field: 'timeZone', cause },
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a typed validation error when `timeZone` is not a zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** The wall-clock reading in `timeZone` at instant `atMs` (milliseconds dropped). */
export function toLocal(atMs: number, timeZone: string): LocalDateTime {
  const parts = formatterFor(timeZone).formatToParts(atMs);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bce = false;
  for (const part of parts) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bce = part.value.startsWith('B');
        break;
    }
  }
  return { year: bce ? 1 - year : year, month, day, hour, minute, second };
}

/** The local wall time read as if it were UTC, in ms: handy for arithmetic on local readings. */
function wallAsUtc(local: LocalDateTime): number {
  const ms = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly to stay exact.
  if (local.year >= 0 && local.year < 100) {
    const d = new Date(ms);
    d.setUTCFullYear(local.year);
    return d.getTime();
  }
  return ms;
}

/** UTC offset of `timeZone` at instant `atMs`, in ms (local = UTC + offset). */
export function offsetAt(atMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(atMs / 1000) * 1000;
  return wallAsUtc(toLocal(wholeSeconds, timeZone)) - wholeSeconds;
}

/**
 * The earliest instant whose wall-clock reading in `timeZone` is at or after the given local date and minute of
 * the day (minutes may reach 1440 and beyond; they roll into the next days).
 * - a normal time maps to its one instant;
 * - a time repeated when clocks fall back maps to its first occurrence;
 * - a time skipped when clocks spring forward maps to the moment of the jump.
 */
export function localToInstant(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // Offsets a day and a half either side bracket any one transition near this wall time.
  const before = offsetAt(wall - 36 * HOUR_MS, timeZone);
  const after = offsetAt(wall + 36 * HOUR_MS, timeZone);
  const candidates: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset) candidates.push(instant);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  if (before === after) {
    // Two transitions within three days (a few historical zones): fall back to scanning by the hour.
    return scanForWall(wall, timeZone);
  }
  // A gap: find the jump between the two readings by bisection (transitions fall on whole seconds).
  let low = wall - Math.max(before, after);
  let high = wall - Math.min(before, after);
  while (high - low > 1000) {
    const mid = Math.floor((low + high) / 2000) * 1000;
    if (mid <= low) break;
    if (mid + offsetAt(mid, timeZone) >= wall) high = mid;
    else low = mid;
  }
  return high;
}

function scanForWall(wall: number, timeZone: string): number {
  let instant = wall - 26 * HOUR_MS;
  while (instant + offsetAt(instant, timeZone) < wall) instant += MINUTE_MS;
  return instant;
}

/** The local calendar date `days` after `date`. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return (day === 0 ? 7 : day) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

/** `YYYY-MM-DD` of a local date. */
export function dateKey(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** Days between two local dates (b − a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}
