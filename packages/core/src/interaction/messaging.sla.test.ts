import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { transition } from '../machine';
import {
  type MessagingEvent,
  type MessagingSnapshot,
  messagingMachine,
  messagingSnapshot,
} from './messaging.machine';
import {
  DEFAULT_MESSAGING_SLA,
  messagingSlaPolicyOf,
  messagingSlaStatus,
  type SlaStanding,
  slaStanding,
} from './messaging.sla';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
/** 1 hour to the first response, 10 hours to resolution: warnings at 48 min and at 8 h. */
const POLICY = { firstResponseSeconds: 3600, resolutionSeconds: 36_000 };

function run(snapshot: MessagingSnapshot, ...events: MessagingEvent[]): MessagingSnapshot {
  let current = snapshot;
  for (const event of events) {
    const result = transition(messagingMachine, current, event);
    assert.ok(result.ok, `${event.type} from ${current.value}`);
    current = result.snapshot;
  }
  return current;
}

const queued = messagingSnapshot({ at: T0, queueId: 'support' });
const active = run(
  queued,
  { type: 'OFFER', at: T0 + MIN, agentId: 'ann', expiresAt: T0 + 2 * MIN },
  { type: 'ACCEPT', at: T0 + MIN + 1, agentId: 'ann' },
);

/** A fake clock: the standings a conversation shows at each of `moments` (minutes after T0). */
function standingsAt(snapshot: MessagingSnapshot, moments: readonly number[]) {
  return moments.map((minutes) => {
    const status = messagingSlaStatus(snapshot, POLICY, T0 + minutes * MIN);
    return [minutes, status.firstResponse, status.resolution, status.standing] as const;
  });
}

describe('SLA standing of one target', () => {
  test('on track, at risk in the last fifth, breached once past due; done is met or breached for good', () => {
    const target = { startedAt: 0, dueAt: 100 };
    const at = (now: number, doneAt?: number): SlaStanding => slaStanding({ ...target, now, doneAt });
    assert.deepEqual(
      [at(0), at(79), at(80), at(100), at(101)],
      ['on-track', 'on-track', 'at-risk', 'at-risk', 'breached'],
    );
    assert.equal(at(500, 100), 'met');
    assert.equal(at(50, 101), 'breached');
    assert.equal(slaStanding({ ...target, now: 50, warningShare: 0.5 }), 'at-risk');
  });
});

describe('SLA of an open conversation, step by step on a fake clock', () => {
  test('unanswered: first response warns at 48 min and breaches after 60; resolution follows at 8 h and 10 h', () => {
    assert.deepEqual(standingsAt(active, [0, 47, 48, 60, 61, 479, 480, 601]), [
      [0, 'on-track', 'on-track', 'on-track'],
      [47, 'on-track', 'on-track', 'on-track'],
      [48, 'at-risk', 'on-track', 'at-risk'],
      [60, 'at-risk', 'on-track', 'at-risk'],
      [61, 'breached', 'on-track', 'breached'],
      [479, 'breached', 'on-track', 'breached'],
      [480, 'breached', 'at-risk', 'breached'],
      [601, 'breached', 'breached', 'breached'],
    ]);
  });

  test('answered in time, then pending and snoozed: the resolution clock keeps running', () => {
    const waiting = run(
      active,
      { type: 'AGENT_REPLY', at: T0 + 30 * MIN },
      { type: 'SET_PENDING', at: T0 + 31 * MIN },
    );
    assert.deepEqual(standingsAt(waiting, [31, 479, 480]), [
      [31, 'met', 'on-track', 'on-track'],
      [479, 'met', 'on-track', 'on-track'],
      [480, 'met', 'at-risk', 'at-risk'],
    ]);
    const snoozed = run(waiting, { type: 'SNOOZE', at: T0 + 500 * MIN, until: T0 + 700 * MIN });
    assert.deepEqual(standingsAt(snoozed, [600, 601]), [
      [600, 'met', 'at-risk', 'at-risk'],
      [601, 'met', 'breached', 'breached'],
    ]);
  });

  test('resolved in time stays met at any later moment; late stays breached', () => {
    const answered = run(active, { type: 'AGENT_REPLY', at: T0 + 10 * MIN });
    const onTime = run(answered, { type: 'RESOLVE', at: T0 + 2 * HOUR, by: 'agent' });
    assert.deepEqual(standingsAt(onTime, [120, 10_000]), [
      [120, 'met', 'met', 'met'],
      [10_000, 'met', 'met', 'met'],
    ]);
    const late = run(answered, { type: 'RESOLVE', at: T0 + 11 * HOUR, by: 'agent' });
    assert.equal(messagingSlaStatus(late, POLICY, T0 + 11 * HOUR).resolution, 'breached');
    // Resolved without a reply (nothing to answer): no reply is due any more.
    const closed = run(queued, { type: 'RESOLVE', at: T0 + 5 * MIN, by: 'agent' });
    assert.equal(messagingSlaStatus(closed, POLICY, T0 + 2 * HOUR).firstResponse, 'met');
  });

  test('a reopened conversation starts a new episode with fresh targets', () => {
    const resolved = run(
      active,
      { type: 'AGENT_REPLY', at: T0 + 10 * MIN },
      { type: 'RESOLVE', at: T0 + 20 * MIN, by: 'agent' },
    );
    const reopened = run(resolved, { type: 'CUSTOMER_MESSAGE', at: T0 + 24 * HOUR });
    const status = messagingSlaStatus(reopened, POLICY, T0 + 24 * HOUR + 50 * MIN);
    assert.equal(status.firstResponseDueAt, T0 + 25 * HOUR);
    assert.equal(status.firstResponse, 'at-risk');
    assert.equal(status.resolution, 'on-track');
  });

  test('changesAt is the next moment the clock alone changes a standing', () => {
    const at = (minutes: number) => messagingSlaStatus(active, POLICY, T0 + minutes * MIN).changesAt;
    assert.equal(at(0), T0 + 48 * MIN);
    assert.equal(at(48), T0 + 60 * MIN + 1);
    assert.equal(at(61), T0 + 480 * MIN);
    assert.equal(at(601), undefined);
  });

  test('property: the standing never changes between now and changesAt, and does change at it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 700 * 60 }),
        fc.integer({ min: 1, max: 1000 }),
        (seconds, step) => {
          const now = T0 + seconds * 1000;
          const status = messagingSlaStatus(active, POLICY, now);
          const standing = (at: number) => {
            const s = messagingSlaStatus(active, POLICY, at);
            return `${s.firstResponse}/${s.resolution}`;
          };
          if (status.changesAt === undefined) return standing(now + step * MIN) === standing(now);
          const before = Math.min(status.changesAt - 1, now + step);
          return standing(before) === standing(now) && standing(status.changesAt) !== standing(now);
        },
      ),
    );
  });
});

describe('SLA targets of a queue', () => {
  test("a queue's own target per channel, else the channel's default", () => {
    const queue = { messagingSla: { email: { firstResponseSeconds: 60, resolutionSeconds: 600 } } };
    assert.deepEqual(messagingSlaPolicyOf(queue, 'email'), {
      firstResponseSeconds: 60,
      resolutionSeconds: 600,
    });
    assert.deepEqual(messagingSlaPolicyOf(queue, 'sms'), DEFAULT_MESSAGING_SLA.sms);
    assert.deepEqual(messagingSlaPolicyOf({}, 'email'), {
      firstResponseSeconds: 4 * 3600,
      resolutionSeconds: 24 * 3600,
    });
  });
});
