import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMessagingKpis } from './messaging.kpis';
import type { KpiLogEvent } from './metrics.types';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;

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
