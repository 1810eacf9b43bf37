import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HelplineError } from '../protocol/errors';
import { createRouter } from '../routing/router';
import { makeItem, makeQueue } from '../routing/routing.fixtures';
import { callbackSlots, DEFAULT_CALLBACK_RETRY, nextRetryAt, planCallback } from './callback-slots';
import { utc, weekdays } from './queue.testing';
import type { Queue } from './queue.types';

const amsterdamOffice: Queue = makeQueue('support', {
  name: 'Support',
  businessHours: { timeZone: 'Europe/Amsterdam', weekly: weekdays('09:00', '17:00') },
  closedAlternative: 'callback',
});
const isValidation = (field: string) => (e: unknown) =>
  e instanceof HelplineError && e.code === 'validation/field' && e.field === field;

describe('callbackSlots', () => {
  // Monday 3 June 2024, 12:00Z = 08:00 in New York (EDT) = 14:00 in Amsterdam (CEST). The office closes at
  // 17:00 CEST = 15:00Z = 11:00 EDT.
  const base = {
    queue: amsterdamOffice,
    customerTimeZone: 'America/New_York',
    now: utc('2024-06-03T12:00:00Z'),
    slotMinutes: 30,
    days: 1,
    staffing: 4,
    expectedHandleSeconds: 300,
    callbackShare: 0.25,
  };

  it('offers slots inside business hours, aligned and labelled in the customer’s zone', () => {
    const slots = callbackSlots(base);
    assert.deepEqual(
      slots.map((s) => s.localTime),
      ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30'],
    );
    assert.equal(slots[0]?.start, utc('2024-06-03T12:00:00Z'));
    assert.equal(slots.at(-1)?.end, utc('2024-06-03T15:00:00Z'));
    assert.ok(slots.every((s) => s.localDate === '2024-06-03'));
  });

  it('derives capacity from staffing and subtracts bookings', () => {
    // 4 agents × 1800 s / 300 s × 0.25 = 6 callbacks per slot.
    const booked = [
      ...Array(2).fill(utc('2024-06-03T12:30:00Z')),
      ...Array(6).fill(utc('2024-06-03T13:00:00Z')),
    ] as number[];
    const slots = callbackSlots({ ...base, booked });
    assert.deepEqual(
      slots.slice(0, 2).map((s) => [s.localTime, s.capacity, s.booked, s.remaining]),
      [
        ['08:00', 6, 0, 6],
        ['08:30', 6, 2, 4],
      ],
    );
    assert.ok(!slots.some((s) => s.localTime === '09:00'), 'a full slot is not offered');
    assert.equal(callbackSlots({ ...base, booked, includeFull: true })[2]?.remaining, 0);
    // A roster with nobody before 13:00Z: the first two slots have no capacity.
    const roster = callbackSlots({
      ...base,
      staffing: (slot) => (slot.start < utc('2024-06-03T13:00:00Z') ? 0 : 2),
    });
    assert.equal(roster[0]?.localTime, '09:00');
    assert.equal(roster[0]?.capacity, 3); // 2 × 1800 / 300 × 0.25
  });

  it('aligns to the customer’s clock in a half-hour zone (Asia/Kolkata, UTC+5:30)', () => {
    // Office 09:00–17:00 CEST = 07:00–15:00Z = 12:30–20:30 IST. Hour slots on the IST hour: 13:00 … 19:00.
    const slots = callbackSlots({
      ...base,
      customerTimeZone: 'Asia/Kolkata',
      now: utc('2024-06-03T06:00:00Z'),
      slotMinutes: 60,
    });
    assert.deepEqual(
      slots.map((s) => s.localTime),
      ['13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00'],
    );
    assert.equal(slots[0]?.start, utc('2024-06-03T07:30:00Z'));
  });

  it('follows the customer’s DST days: 23 hourly slots on spring-forward, 25 on fall-back', () => {
    const allDay = makeQueue('always');
    const spring = callbackSlots({
      ...base,
      queue: allDay,
      now: utc('2024-03-10T05:00:00Z'), // Sunday 00:00 EST
      slotMinutes: 60,
    });
    assert.equal(spring.length, 23);
    assert.ok(!spring.some((s) => s.localTime === '02:00'));
    const fall = callbackSlots({
      ...base,
      queue: allDay,
      now: utc('2024-11-03T04:00:00Z'), // Sunday 00:00 EDT
      slotMinutes: 60,
    });
    assert.equal(fall.length, 25);
    assert.equal(fall.filter((s) => s.localTime === '01:00').length, 2); // both passes of the repeated hour
  });

  it('honours lead time, a customer-local window and the day horizon', () => {
    assert.equal(callbackSlots({ ...base, leadMinutes: 45 })[0]?.localTime, '09:00');
    assert.deepEqual(
      callbackSlots({ ...base, customerHours: { open: '09:00', close: '10:00' } }).map((s) => s.localTime),
      ['09:00', '09:30'],
    );
    // Three customer days from Monday 08:00 EDT: Mon 08:00–11:00, Tue and Wed 03:00–11:00 → 6 + 16 + 16.
    assert.equal(callbackSlots({ ...base, days: 3 }).length, 38);
  });

  it('rejects bad options with typed errors', () => {
    assert.throws(() => callbackSlots({ ...base, slotMinutes: 7 }), isValidation('slotMinutes'));
    assert.throws(() => callbackSlots({ ...base, days: 0 }), isValidation('days'));
    assert.throws(
      () => callbackSlots({ ...base, customerTimeZone: 'Nowhere/Land' }),
      isValidation('customerTimeZone'),
    );
    assert.throws(
      () => callbackSlots({ ...base, expectedHandleSeconds: 0 }),
      isValidation('expectedHandleSeconds'),
    );
  });
});

describe('planCallback', () => {
  const open = utc('2024-06-03T10:00:00Z'); // Monday 12:00 CEST
  const closed = utc('2024-06-01T10:00:00Z'); // Saturday

  it('ASAP keeps the visitor’s place in line', () => {
    const plan = planCallback(
      {
        kind: 'asap',
        interactionId: 'cb',
        queueId: 'support',
        phone: '+31201234567',
        waitingSince: open - 45_000,
      },
      { queue: amsterdamOffice, now: open },
    );
    assert.equal(plan.kind, 'asap');
    const router = createRouter({ queues: [amsterdamOffice], now: () => open });
    router.enqueue(makeItem('first', 'support', open - 60_000));
    router.enqueue(makeItem('later', 'support', open - 30_000));
    router.enqueue(plan.item);
    assert.deepEqual(
      router.positions('support').map((p) => p.interactionId),
      ['first', 'cb', 'later'],
    );
    assert.equal(plan.item.channel, 'callback');
  });

  it('ASAP while closed is a typed queue/closed error', () => {
    assert.throws(
      () =>
        planCallback(
          { kind: 'asap', interactionId: 'cb', queueId: 'support', phone: '+31201234567' },
          { queue: amsterdamOffice, now: closed },
        ),
      (e: unknown) =>
        e instanceof HelplineError && e.code === 'queue/closed' && e.message.includes('Support'),
    );
  });

  it('validates the phone number and names the field', () => {
    assert.throws(
      () =>
        planCallback(
          { kind: 'asap', interactionId: 'cb', queueId: 'support', phone: '+1 555' },
          { queue: amsterdamOffice, now: open },
        ),
      (e: unknown) =>
        isValidation('phone')(e) &&
        (e as Error).message === '[callback] phone "+1 555" is not a valid E.164 number',
    );
  });

  it('a scheduled request must name an offered slot with room left; the wait starts at the slot', () => {
    const slots = callbackSlots({
      queue: amsterdamOffice,
      customerTimeZone: 'Europe/Amsterdam',
      now: open,
      days: 1,
      staffing: 1,
      expectedHandleSeconds: 600,
    });
    const slot = slots[0];
    assert.ok(slot !== undefined);
    const request = {
      kind: 'scheduled' as const,
      interactionId: 'cb',
      queueId: 'support',
      phone: '+31201234567',
      customerTimeZone: 'Europe/Amsterdam',
      slotStart: slot.start,
    };
    const plan = planCallback(request, { queue: amsterdamOffice, now: open, slots });
    assert.ok(plan.kind === 'scheduled');
    assert.equal(plan.dueAt, slot.start);
    assert.equal(plan.item.waitingSince, slot.start);
    assert.throws(
      () =>
        planCallback(
          { ...request, slotStart: slot.start + 60_000 },
          { queue: amsterdamOffice, now: open, slots },
        ),
      isValidation('slotStart'),
    );
    assert.throws(
      () =>
        planCallback(
          { ...request, customerTimeZone: 'Bad/Zone' },
          { queue: amsterdamOffice, now: open, slots },
        ),
      isValidation('customerTimeZone'),
    );
  });
});

describe('nextRetryAt', () => {
  const failedAt = utc('2024-06-03T10:00:00Z');

  it('backs off geometrically and stops after the last attempt', () => {
    assert.equal(nextRetryAt(1, DEFAULT_CALLBACK_RETRY, failedAt), failedAt + 300_000);
    assert.equal(nextRetryAt(2, DEFAULT_CALLBACK_RETRY, failedAt), failedAt + 600_000);
    assert.equal(nextRetryAt(3, DEFAULT_CALLBACK_RETRY, failedAt), undefined);
    assert.equal(
      nextRetryAt(
        2,
        { maxAttempts: 5, initialDelaySeconds: 1000, multiplier: 10, maxDelaySeconds: 3600 },
        failedAt,
      ),
      failedAt + 3_600_000,
    );
    assert.throws(() => nextRetryAt(0, DEFAULT_CALLBACK_RETRY, failedAt), isValidation('attempt'));
  });

  it('moves a retry outside business hours to the next opening', () => {
    // Friday 7 June 16:58 CEST + 5 min = 17:03, closed → Monday 10 June 09:00 CEST = 07:00Z.
    const friday = utc('2024-06-07T14:58:00Z');
    assert.equal(
      nextRetryAt(1, DEFAULT_CALLBACK_RETRY, friday, amsterdamOffice.businessHours),
      utc('2024-06-10T07:00:00Z'),
    );
  });
});
