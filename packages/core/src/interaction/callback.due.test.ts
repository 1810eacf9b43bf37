import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALLBACK_OVERDUE_AFTER_MS, callbackDue, callbackDueAt } from './callback.due';

const now = Date.UTC(2026, 0, 5, 9);

describe('callbackDue', () => {
  it('is upcoming before its time, due from then, overdue once the grace has passed', () => {
    assert.equal(callbackDue(now + 1, now, 600_000), 'upcoming');
    assert.equal(callbackDue(now, now, 600_000), 'due');
    assert.equal(callbackDue(now - 599_999, now, 600_000), 'due');
    assert.equal(callbackDue(now - 600_000, now, 600_000), 'overdue');
  });

  it('counts as overdue after ten minutes unless told otherwise', () => {
    assert.equal(CALLBACK_OVERDUE_AFTER_MS, 600_000);
    assert.equal(callbackDue(now - CALLBACK_OVERDUE_AFTER_MS + 1, now), 'due');
    assert.equal(callbackDue(now - CALLBACK_OVERDUE_AFTER_MS, now), 'overdue');
    assert.equal(callbackDue(now - 60_000, now, 60_000), 'overdue');
  });
});

describe('callbackDueAt', () => {
  const timestamps = { createdAt: now - 3_000, queuedAt: now - 2_000 };
  const slot = { start: now - 1_000, end: now + 1_800_000 };

  it('is when the callback last joined the queue to be dialled', () => {
    const callback = { attempts: 1, maxAttempts: 3, slot, dueSince: now };
    assert.equal(callbackDueAt({ callback, timestamps }), now);
  });

  it("else its slot's start, else when it was queued, else created", () => {
    assert.equal(callbackDueAt({ callback: { attempts: 0, maxAttempts: 3, slot }, timestamps }), slot.start);
    assert.equal(
      callbackDueAt({ callback: { attempts: 0, maxAttempts: 3 }, timestamps }),
      timestamps.queuedAt,
    );
    assert.equal(callbackDueAt({ timestamps: { createdAt: timestamps.createdAt } }), timestamps.createdAt);
  });
});
