import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeMessagingKpis, messagingKpisToCsv } from './messaging.kpis';
import type { KpiLogEvent } from './metrics.types';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;
const HOUR_MS = 60 * MIN;

const created = (id: string, at: number, channel: 'email' | 'sms' | 'chat' = 'email'): KpiLogEvent => ({
  type: 'created',
  interactionId: id,
  at,
  channel,
});
const event = (type: 'replied' | 'resolved' | 'reopened', id: string, at: number): KpiLogEvent => ({
  type,
  interactionId: id,
  at,
});

describe('messaging KPIs per channel', () => {
  it('times first response and resolution per episode, and counts replies per resolution', () => {
    const log: KpiLogEvent[] = [
      created('e1', T0),
      event('replied', 'e1', T0 + 10 * MIN),
      event('replied', 'e1', T0 + 20 * MIN),
      event('resolved', 'e1', T0 + 60 * MIN),
      // Reopened a day later: a new episode, timed from the reopening.
      event('reopened', 'e1', T0 + 1440 * MIN),
      event('replied', 'e1', T0 + 1450 * MIN),
      event('resolved', 'e1', T0 + 1460 * MIN),
      created('e2', T0 + MIN),
      created('s1', T0, 'sms'),
      event('replied', 's1', T0 + 2 * MIN),
      // Chats are not messaging conversations.
      created('c1', T0, 'chat'),
      event('replied', 'c1', T0 + MIN),
    ];
    const kpis = computeMessagingKpis(log, { from: T0, to: T0 + 2 * 1440 * MIN });
    assert.deepEqual(kpis.email, {
      episodes: 3,
      responded: 2,
      firstResponseSeconds: (600 + 600) / 2,
      resolved: 2,
      resolutionSeconds: (3600 + 1200) / 2,
      repliesPerResolution: 3 / 2,
    });
    assert.deepEqual(kpis.sms, {
      episodes: 1,
      responded: 1,
      firstResponseSeconds: 120,
      resolved: 0,
      resolutionSeconds: undefined,
      repliesPerResolution: undefined,
    });
    assert.equal(kpis.whatsapp.episodes, 0);
    assert.equal(kpis.whatsapp.firstResponseSeconds, undefined);
  });

  it('counts the episodes that started in the window', () => {
    const log = [
      created('e1', T0),
      event('reopened', 'e1', T0 + 1440 * MIN),
      event('resolved', 'e1', T0 + 1441 * MIN),
    ];
    const day2 = computeMessagingKpis(log, { from: T0 + 1440 * MIN, to: T0 + 2 * 1440 * MIN });
    assert.equal(day2.email.episodes, 1);
    assert.equal(day2.email.resolutionSeconds, 60);
  });
});

// ─── property: the reducer against an independent computation ─────────────────────────────────────

/** One generated conversation: its channel, queues, and a life of steps a minute or more apart. */
interface GeneratedConversation {
  readonly channel: 'email' | 'sms' | 'whatsapp' | 'messenger' | 'chat';
  readonly queueId: 'q1' | 'q2';
  readonly startMinute: number;
  readonly steps: readonly {
    readonly kind: 'reply' | 'resolve' | 'reopen' | 'transfer';
    readonly gap: number;
  }[];
}

const conversationArb: fc.Arbitrary<GeneratedConversation> = fc.record({
  channel: fc.constantFrom('email', 'sms', 'whatsapp', 'messenger', 'chat'),
  queueId: fc.constantFrom('q1', 'q2'),
  startMinute: fc.integer({ min: 0, max: 3000 }),
  steps: fc.array(
    fc.record({
      kind: fc.constantFrom('reply', 'resolve', 'reopen', 'transfer'),
      gap: fc.integer({ min: 1, max: 600 }),
    }),
    { maxLength: 12 },
  ),
});

/**
 * The log a conversation writes, and — computed on its own, walking the steps with a state of its own — the
 * episodes it has: `[start, first reply, replies, resolution, queue]`. Steps impossible in the state are skipped.
 */
function lifeOf(id: string, c: GeneratedConversation) {
  const log: KpiLogEvent[] = [];
  type Ep = { start: number; firstReply?: number; replies: number; resolved?: number; queue: string };
  const episodes: Ep[] = [];
  let at = T0 + c.startMinute * MIN;
  let queue: string = c.queueId;
  let resolved = false;
  log.push({ type: 'created', interactionId: id, at, channel: c.channel, queueId: queue });
  let current: Ep = { start: at, replies: 0, queue };
  episodes.push(current);
  for (const step of c.steps) {
    at += step.gap * MIN;
    if (step.kind === 'reopen' && resolved) {
      resolved = false;
      current = { start: at, replies: 0, queue };
      episodes.push(current);
      log.push({ type: 'reopened', interactionId: id, at });
    } else if (resolved) {
    } else if (step.kind === 'reply') {
      current.firstReply ??= at;
      current.replies += 1;
      log.push({ type: 'replied', interactionId: id, at });
    } else if (step.kind === 'resolve') {
      resolved = true;
      current.resolved = at;
      log.push({ type: 'resolved', interactionId: id, at });
    } else if (step.kind === 'transfer') {
      queue = queue === 'q1' ? 'q2' : 'q1';
      current.queue = queue;
      log.push({ type: 'queued', interactionId: id, at, queueId: queue });
    }
  }
  return { log, episodes };
}

describe('messaging KPIs: property against an independent computation', () => {
  it('per channel and per queue, on generated histories in any log order', () => {
    fc.assert(
      fc.property(
        fc.array(conversationArb, { maxLength: 25 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.constantFrom(undefined, 'q1', 'q2'),
        (conversations, fromMinute, lengthMinutes, queueId) => {
          const lives = conversations.map((c, i) => ({ c, ...lifeOf(`i${i}`, c) }));
          // The reducer orders the log itself: hand it shuffled by a stable rule (odd entries reversed to the end).
          const log = lives.flatMap((life) => life.log);
          const shuffled = [
            ...log.filter((_, i) => i % 2 === 0),
            ...log.filter((_, i) => i % 2 === 1).reverse(),
          ];
          const window = {
            from: T0 + fromMinute * MIN,
            to: T0 + (fromMinute + lengthMinutes) * MIN,
            queueId,
          };
          const kpis = computeMessagingKpis(shuffled, window);
          for (const channel of ['email', 'sms', 'whatsapp', 'messenger'] as const) {
            const eps = lives
              .filter((life) => life.c.channel === channel)
              .flatMap((life) => life.episodes)
              .filter((e) => e.start >= window.from && e.start < window.to)
              .filter((e) => queueId === undefined || e.queue === queueId);
            const responded = eps.filter((e) => e.firstReply !== undefined);
            const done = eps.filter((e) => e.resolved !== undefined);
            const avg = (values: number[]) =>
              values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
            const expected = {
              episodes: eps.length,
              responded: responded.length,
              firstResponseSeconds: avg(responded.map((e) => ((e.firstReply as number) - e.start) / 1000)),
              resolved: done.length,
              resolutionSeconds: avg(done.map((e) => ((e.resolved as number) - e.start) / 1000)),
              repliesPerResolution: avg(done.map((e) => e.replies)),
            };
            const actual = kpis[channel];
            assert.equal(actual.episodes, expected.episodes, channel);
            assert.equal(actual.responded, expected.responded, channel);
            assert.equal(actual.resolved, expected.resolved, channel);
            for (const key of [
              'firstResponseSeconds',
              'resolutionSeconds',
              'repliesPerResolution',
            ] as const) {
              const a = actual[key];
              const b = expected[key];
              assert.ok(
                a === b || (a !== undefined && b !== undefined && Math.abs(a - b) < 1e-6),
                `${channel} ${key}: ${a} vs ${b}`,
              );
            }
          }
        },
      ),
    );
  });

  it('exports CSV rows per scope and channel, empty cells where there is no data', () => {
    const kpis = computeMessagingKpis([created('e1', T0), event('replied', 'e1', T0 + MIN)], {
      from: T0,
      to: T0 + HOUR_MS,
    });
    const csv = messagingKpisToCsv({ all: kpis, support: { email: kpis.email } });
    const lines = csv.trim().split('\r\n');
    assert.equal(
      lines[0],
      'scope,channel,episodes,responded,first_response_seconds,resolved,resolution_seconds,replies_per_resolution',
    );
    assert.equal(lines[1], 'all,email,1,1,60,0,,');
    assert.equal(lines.length, 1 + 4 + 1);
    assert.equal(lines[5], 'support,email,1,1,60,0,,');
  });
});
