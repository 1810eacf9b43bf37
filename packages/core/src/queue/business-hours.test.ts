import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HelplineError } from '../protocol/errors';
import {
  isOpen,
  nextClosing,
  nextOpening,
  openIntervals,
  queueAvailability,
  validateBusinessHours,
} from './business-hours';
import { utc, weekdays } from './queue.testing';
import type { BusinessHours, Queue } from './queue.types';

const HOUR = 3_600_000;
const span = (start: string, end: string) => ({ start: utc(start), end: utc(end) });

describe('business hours in Europe/Amsterdam (CET/CEST)', () => {
  const office: BusinessHours = { timeZone: 'Europe/Amsterdam', weekly: weekdays('09:00', '17:00') };

  it('follows the wall clock across the spring-forward week (31 March 2024)', () => {
    // Friday 29 March is CET (UTC+1): 09:00–17:00 local = 08:00–16:00Z.
    // Monday 1 April is CEST (UTC+2): 09:00–17:00 local = 07:00–15:00Z.
    assert.deepEqual(openIntervals(office, utc('2024-03-29T00:00:00Z'), utc('2024-04-02T00:00:00Z')), [
      span('2024-03-29T08:00:00Z', '2024-03-29T16:00:00Z'),
      span('2024-04-01T07:00:00Z', '2024-04-01T15:00:00Z'),
    ]);
    assert.equal(isOpen(office, utc('2024-04-01T07:30:00Z')), true); // 09:30 CEST
    assert.equal(isOpen(office, utc('2024-03-29T07:30:00Z')), false); // 08:30 CET
    // Friday 16:30Z (17:30 CET) → next opening Monday 09:00 CEST = 07:00Z.
    assert.equal(nextOpening(office, utc('2024-03-29T16:30:00Z')), utc('2024-04-01T07:00:00Z'));
  });

  it('snaps a time in the spring-forward gap to the jump (02:00 → 03:00 CEST at 01:00Z)', () => {
    const gap: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: { 7: [{ open: '02:30', close: '05:00' }] },
    };
    // 02:30 does not exist on 31 March 2024: the earliest instant reading ≥ 02:30 is the jump at 01:00Z (03:00 CEST).
    // 05:00 CEST = 03:00Z. So the span is 2 real hours.
    assert.deepEqual(openIntervals(gap, utc('2024-03-31T00:00:00Z'), utc('2024-04-01T00:00:00Z')), [
      span('2024-03-31T01:00:00Z', '2024-03-31T03:00:00Z'),
    ]);
    // An interval entirely inside the gap never happens that day.
    const inside: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: { 7: [{ open: '02:00', close: '02:30' }] },
    };
    assert.deepEqual(openIntervals(inside, utc('2024-03-31T00:00:00Z'), utc('2024-04-01T00:00:00Z')), []);
    // A whole Sunday is 23 hours long: 00:00 CET (23:00Z Sat) to 24:00 CEST (22:00Z Sun).
    const allDay: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: { 7: [{ open: '00:00', close: '24:00' }] },
    };
    const [day] = openIntervals(allDay, utc('2024-03-30T00:00:00Z'), utc('2024-04-02T00:00:00Z'));
    assert.deepEqual(day, span('2024-03-30T23:00:00Z', '2024-03-31T22:00:00Z'));
    assert.equal((day?.end ?? 0) - (day?.start ?? 0), 23 * HOUR);
  });

  it('uses the first occurrence of a time repeated in the fall-back overlap (27 October 2024)', () => {
    // 03:00 CEST (01:00Z) → 02:00 CET: wall times 02:00–03:00 happen twice.
    // 02:30 first occurs at 00:30Z (CEST); 04:00 CET = 03:00Z. The span covers both passes: 2.5 real hours.
    const overlap: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: { 7: [{ open: '02:30', close: '04:00' }] },
    };
    assert.deepEqual(openIntervals(overlap, utc('2024-10-27T00:00:00Z'), utc('2024-10-28T00:00:00Z')), [
      span('2024-10-27T00:30:00Z', '2024-10-27T03:00:00Z'),
    ]);
    assert.equal(isOpen(overlap, utc('2024-10-27T01:15:00Z')), true); // 02:15 CET, the second pass
    // A whole Sunday is 25 hours long: 00:00 CEST (22:00Z Sat) to 24:00 CET (23:00Z Sun).
    const allDay: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: { 7: [{ open: '00:00', close: '24:00' }] },
    };
    const [day] = openIntervals(allDay, utc('2024-10-26T00:00:00Z'), utc('2024-10-29T00:00:00Z'));
    assert.equal((day?.end ?? 0) - (day?.start ?? 0), 25 * HOUR);
  });

  it('honours closures and special hours (holidays)', () => {
    const withHolidays: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: weekdays('09:00', '17:00'),
      closures: [
        { date: '2024-12-25', label: 'Christmas' },
        { date: '2024-12-26', label: 'Boxing Day' },
        { date: '2024-12-24', hours: [{ open: '09:00', close: '13:00' }], label: 'Christmas Eve' },
      ],
    };
    // Tue 24 Dec: 09:00–13:00 CET = 08:00–12:00Z only.
    assert.equal(isOpen(withHolidays, utc('2024-12-24T11:30:00Z')), true);
    assert.equal(isOpen(withHolidays, utc('2024-12-24T12:30:00Z')), false);
    // Wed 25 and Thu 26 closed; next opening Fri 27 Dec 09:00 CET = 08:00Z.
    assert.equal(isOpen(withHolidays, utc('2024-12-25T10:00:00Z')), false);
    assert.equal(nextOpening(withHolidays, utc('2024-12-24T12:00:00Z')), utc('2024-12-27T08:00:00Z'));
    assert.equal(nextClosing(withHolidays, utc('2024-12-24T09:00:00Z')), utc('2024-12-24T12:00:00Z'));
  });
});

describe('business hours in America/New_York (EST/EDT)', () => {
  // A night shift: Sat 22:00–24:00 and Sun 00:00–06:00, which merge across midnight.
  const nights: BusinessHours = {
    timeZone: 'America/New_York',
    weekly: { 6: [{ open: '22:00', close: '24:00' }], 7: [{ open: '00:00', close: '06:00' }] },
  };

  it('merges across midnight and loses the skipped hour on 10 March 2024', () => {
    // Sat 22:00 EST = 03:00Z Sun; Sun 06:00 EDT = 10:00Z. 8 wall-clock hours, 7 real ones.
    assert.deepEqual(openIntervals(nights, utc('2024-03-09T00:00:00Z'), utc('2024-03-11T00:00:00Z')), [
      span('2024-03-10T03:00:00Z', '2024-03-10T10:00:00Z'),
    ]);
    assert.equal(nextClosing(nights, utc('2024-03-10T04:00:00Z')), utc('2024-03-10T10:00:00Z'));
    assert.equal(isOpen(nights, utc('2024-03-10T07:30:00Z')), true); // 03:30 EDT, just after the jump
  });

  it('gains the repeated hour on 3 November 2024', () => {
    // Sat 22:00 EDT = 02:00Z Sun; Sun 06:00 EST = 11:00Z. 8 wall-clock hours, 9 real ones.
    assert.deepEqual(openIntervals(nights, utc('2024-11-02T00:00:00Z'), utc('2024-11-04T00:00:00Z')), [
      span('2024-11-03T02:00:00Z', '2024-11-03T11:00:00Z'),
    ]);
    // 01:30 is ambiguous: an opening at 01:30 starts at the first pass (05:30Z, EDT); 03:00 EST = 08:00Z.
    const ambiguous: BusinessHours = {
      timeZone: 'America/New_York',
      weekly: { 7: [{ open: '01:30', close: '03:00' }] },
    };
    assert.deepEqual(openIntervals(ambiguous, utc('2024-11-03T00:00:00Z'), utc('2024-11-04T00:00:00Z')), [
      span('2024-11-03T05:30:00Z', '2024-11-03T08:00:00Z'),
    ]);
  });

  it('keeps office hours on local time either side of the change', () => {
    const office: BusinessHours = { timeZone: 'America/New_York', weekly: weekdays('09:00', '17:00') };
    // Fri 8 March (EST): 14:00–22:00Z; Mon 11 March (EDT): 13:00–21:00Z.
    assert.deepEqual(openIntervals(office, utc('2024-03-08T00:00:00Z'), utc('2024-03-12T00:00:00Z')), [
      span('2024-03-08T14:00:00Z', '2024-03-08T22:00:00Z'),
      span('2024-03-11T13:00:00Z', '2024-03-11T21:00:00Z'),
    ]);
  });
});

describe('business hours in Asia/Taipei (no DST)', () => {
  const office: BusinessHours = { timeZone: 'Asia/Taipei', weekly: weekdays('09:00', '18:00') };

  it('is UTC+8 on both sides of the European and American changes', () => {
    // 09:00–18:00 CST (UTC+8) = 01:00–10:00Z every weekday.
    for (const date of ['2024-03-08', '2024-03-11', '2024-03-29', '2024-04-01', '2024-10-28', '2024-11-04']) {
      assert.deepEqual(openIntervals(office, utc(`${date}T00:00:00Z`), utc(`${date}T23:59:59Z`)), [
        span(`${date}T01:00:00Z`, `${date}T10:00:00Z`),
      ]);
    }
  });
});

describe('business hours: edges and errors', () => {
  it('nextOpening/nextClosing at the edges', () => {
    const office: BusinessHours = { timeZone: 'Asia/Taipei', weekly: weekdays('09:00', '18:00') };
    const opening = utc('2024-06-03T01:00:00Z'); // Monday 09:00 local
    assert.equal(nextOpening(office, opening), opening);
    assert.equal(nextOpening(office, opening - 1), opening);
    assert.equal(nextClosing(office, opening - 1), opening - 1);
    assert.equal(nextClosing(office, opening), utc('2024-06-03T10:00:00Z'));
    assert.equal(isOpen(office, utc('2024-06-03T10:00:00Z')), false); // close is exclusive
  });

  it('24/7 never closes; an empty schedule never opens', () => {
    const always: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [{ open: '00:00', close: '24:00' }]])),
    };
    assert.equal(nextClosing(always, utc('2024-10-26T12:00:00Z')), undefined);
    const never: BusinessHours = { timeZone: 'Europe/Amsterdam', weekly: {} };
    assert.equal(nextOpening(never, utc('2024-10-26T12:00:00Z')), undefined);
    assert.equal(isOpen(never, utc('2024-10-26T12:00:00Z')), false);
  });

  it('finds special opening hours beyond the usual search horizon', () => {
    const once: BusinessHours = {
      timeZone: 'Europe/Amsterdam',
      weekly: {},
      closures: [{ date: '2026-01-05', hours: [{ open: '10:00', close: '11:00' }] }],
    };
    assert.equal(nextOpening(once, utc('2024-06-01T00:00:00Z')), utc('2026-01-05T09:00:00Z'));
  });

  it('rejects bad schedules with typed validation errors naming the field', () => {
    const bad = (hours: BusinessHours, field: string) =>
      assert.throws(
        () => validateBusinessHours(hours),
        (e: unknown) => e instanceof HelplineError && e.code === 'validation/field' && e.field === field,
      );
    bad({ timeZone: 'Mars/Olympus', weekly: {} }, 'timeZone');
    bad({ timeZone: 'UTC', weekly: { 1: [{ open: '25:00', close: '26:00' }] } }, 'weekly.1[0].open');
    bad({ timeZone: 'UTC', weekly: { 1: [{ open: '12:00', close: '09:00' }] } }, 'weekly.1[0]');
    bad({ timeZone: 'UTC', weekly: {}, closures: [{ date: '24-12-2024' }] }, 'closures[0].date');
  });

  it('queueAvailability reports the alternative and the next change', () => {
    const queue: Queue = {
      id: 'sales',
      name: 'Sales',
      priority: 1,
      slaTargetSeconds: 20,
      skills: [],
      businessHours: { timeZone: 'Asia/Taipei', weekly: weekdays('09:00', '18:00') },
      closedAlternative: 'callback',
      acw: { kind: 'none' },
      dispositions: [],
      dispositionRequired: false,
      offerTimeoutSeconds: 20,
    };
    assert.deepEqual(queueAvailability(queue, utc('2024-06-01T03:00:00Z')), {
      open: false,
      alternative: 'callback',
      nextOpening: utc('2024-06-03T01:00:00Z'),
      nextClosing: undefined,
    });
    assert.deepEqual(queueAvailability(queue, utc('2024-06-03T03:00:00Z')), {
      open: true,
      alternative: undefined,
      nextOpening: undefined,
      nextClosing: utc('2024-06-03T10:00:00Z'),
    });
    const { businessHours: _, ...alwaysOpen } = queue;
    assert.equal(queueAvailability(alwaysOpen, 0).open, true);
  });

  it('property: isOpen, openIntervals, nextOpening and nextClosing agree in every zone', () => {
    const zones = [
      'Europe/Amsterdam',
      'America/New_York',
      'Asia/Taipei',
      'Australia/Lord_Howe',
      'America/Santiago',
    ];
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 96 }))
      .map(([a, b]) => {
        const open = Math.min(a, 95);
        const close = Math.min(96, open + b);
        const hhmm = (q: number) =>
          `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
        return { open: hhmm(open), close: hhmm(close) };
      });
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 7 }), interval), { maxLength: 8 }),
        // Instants around 2024's transitions.
        fc.integer({ min: utc('2024-01-01T00:00:00Z'), max: utc('2024-12-31T00:00:00Z') }),
        (timeZone, entries, at) => {
          const weekly: Record<number, { open: string; close: string }[]> = {};
          for (const [day, iv] of entries) weekly[day] = [...(weekly[day] ?? []), iv];
          const hours: BusinessHours = { timeZone, weekly };
          const spans = openIntervals(hours, at - 3 * 24 * HOUR, at + 3 * 24 * HOUR);
          const inSpans = spans.some((s) => s.start <= at && at < s.end);
          assert.equal(isOpen(hours, at), inSpans);
          const opening = nextOpening(hours, at);
          if (opening !== undefined) {
            assert.ok(opening >= at);
            assert.equal(isOpen(hours, opening), true);
            if (opening > at) assert.equal(isOpen(hours, Math.floor((at + opening) / 2)), false);
          } else {
            assert.equal(entries.length, 0);
          }
          const closing = nextClosing(hours, at);
          if (closing !== undefined) {
            assert.ok(closing >= at);
            assert.equal(isOpen(hours, closing), false);
            if (closing > at) assert.equal(isOpen(hours, Math.floor((at + closing) / 2)), true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
