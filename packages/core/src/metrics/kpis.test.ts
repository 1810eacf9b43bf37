import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EndReason } from '../interaction/interaction.types';
import { HelplineError } from '../protocol/errors';
import {
  computeKpiSeries,
  computeKpis,
  createKpiAccumulator,
  csvCell,
  kpiBreakdownToCsv,
  kpisToCsv,
  toCsv,
} from './kpis';
import type { KpiLogEvent } from './metrics.types';

const T = Date.UTC(2024, 5, 3, 9, 0, 0);
const s = (seconds: number) => T + seconds * 1000;
const DAY = 86_400_000;

/*
 * A hand-computed morning. Times in seconds after 09:00Z. SLA targets: support 20 s, sales 30 s.
 *
 * A support chat, c1/billing: queued 0, answered 10 (a1), held 70–100, ended 190, wrap-up 220 (refund, resolved), CSAT 5, NPS 10
 *   wait 10 ≤ 20 ✓; hold 30; talk 190 − 10 − 30 = 150; wrap 30; handle 210
 * B support call, c2/delivery: queued 60, answered 100 (a2), ended 400, wrap-up 430 (info, unresolved), CSAT 3, NPS 6
 *   wait 40 > 20 ✗; talk 300; wrap 30; handle 330
 * C support chat, c3: queued 120, abandoned 130 — waited 10 ≤ 20: a short abandon, left out of the service level
 * D support chat, c4: queued 200, abandoned 260 — waited 60 > 20: counts against the service level
 * E sales call, c1/billing: queued 3600, answered 3615 (a1), ended 3735, wrap-up 3745 (refund, resolved), CSAT 4
 *   wait 15 ≤ 30 ✓; talk 120; wrap 10; handle 130. Same customer + topic as A, one hour later: A was not resolved first time.
 * F support chat, c5/billing: queued 300, still waiting.
 * Presence: a1 available 0–1800, away, available again from 3600; a2 available 0–600.
 */
const LOG: KpiLogEvent[] = [
  { type: 'presence', at: s(0), agentId: 'a1', presence: 'available' },
  { type: 'presence', at: s(0), agentId: 'a2', presence: 'available' },
  { type: 'created', at: s(0), interactionId: 'A', channel: 'chat', customerId: 'c1', topic: 'billing' },
  { type: 'queued', at: s(0), interactionId: 'A', queueId: 'support' },
  { type: 'offered', at: s(5), interactionId: 'A', agentId: 'a1' },
  { type: 'answered', at: s(10), interactionId: 'A', agentId: 'a1' },
  { type: 'created', at: s(60), interactionId: 'B', channel: 'voice', customerId: 'c2', topic: 'delivery' },
  { type: 'queued', at: s(60), interactionId: 'B', queueId: 'support' },
  { type: 'held', at: s(70), interactionId: 'A' },
  { type: 'resumed', at: s(100), interactionId: 'A' },
  { type: 'answered', at: s(100), interactionId: 'B', agentId: 'a2' },
  { type: 'created', at: s(120), interactionId: 'C', channel: 'chat', customerId: 'c3' },
  { type: 'queued', at: s(120), interactionId: 'C', queueId: 'support' },
  { type: 'ended', at: s(130), interactionId: 'C', endReason: 'abandoned', endedBy: 'visitor' },
  { type: 'ended', at: s(190), interactionId: 'A', endReason: 'completed', endedBy: 'visitor' },
  { type: 'created', at: s(200), interactionId: 'D', channel: 'chat', customerId: 'c4' },
  { type: 'queued', at: s(200), interactionId: 'D', queueId: 'support' },
  { type: 'wrap-up-done', at: s(220), interactionId: 'A', disposition: 'refund', resolved: true },
  { type: 'csat', at: s(230), interactionId: 'A', score: 5, nps: 10 },
  { type: 'ended', at: s(260), interactionId: 'D', endReason: 'abandoned', endedBy: 'visitor' },
  { type: 'created', at: s(300), interactionId: 'F', channel: 'chat', customerId: 'c5', topic: 'billing' },
  { type: 'queued', at: s(300), interactionId: 'F', queueId: 'support' },
  { type: 'ended', at: s(400), interactionId: 'B', endReason: 'completed', endedBy: 'agent' },
  { type: 'wrap-up-done', at: s(430), interactionId: 'B', disposition: 'info', resolved: false },
  { type: 'csat', at: s(440), interactionId: 'B', score: 3, nps: 6 },
  { type: 'presence', at: s(600), agentId: 'a2', presence: 'offline' },
  { type: 'presence', at: s(1800), agentId: 'a1', presence: 'away' },
  { type: 'presence', at: s(3600), agentId: 'a1', presence: 'available' },
  { type: 'created', at: s(3600), interactionId: 'E', channel: 'voice', customerId: 'c1', topic: 'billing' },
  { type: 'queued', at: s(3600), interactionId: 'E', queueId: 'sales' },
  { type: 'answered', at: s(3615), interactionId: 'E', agentId: 'a1' },
  { type: 'ended', at: s(3735), interactionId: 'E', endReason: 'completed', endedBy: 'visitor' },
  { type: 'wrap-up-done', at: s(3745), interactionId: 'E', disposition: 'refund', resolved: true },
  { type: 'csat', at: s(3750), interactionId: 'E', score: 4 },
];
const SETTINGS = { fcrWindowMs: DAY, slaTargetByQueue: { support: 20, sales: 30 } };
const WINDOW = { ...SETTINGS, from: T, to: s(7200) };

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

describe('computeKpis on a hand-computed fixture', () => {
  const all = computeKpis(LOG, WINDOW);

  it('volumes and rates', () => {
    assert.equal(all.interactions, 6);
    assert.equal(all.queued, 6);
    assert.equal(all.answered, 3); // A, B, E
    assert.equal(all.abandoned, 2); // C, D
    close(all.answerRate, 3 / 6);
    close(all.abandonmentRate, 2 / 6);
  });

  it('service level: answered within target / (answered + unanswered beyond target)', () => {
    // Met: A (10 ≤ 20), E (15 ≤ 30). Outcomes: A, B, E, D (abandoned after 60 > 20). C is a short abandon; F still waits.
    close(all.serviceLevel, 2 / 4);
  });

  it('ASA and AHT (talk + hold + wrap-up)', () => {
    close(all.asaSeconds, (10 + 40 + 15) / 3); // 21.67 s
    assert.equal(all.handled, 3);
    close(all.talkSeconds, (150 + 300 + 120) / 3); // 190 s
    close(all.holdSeconds, (30 + 0 + 0) / 3); // 10 s
    close(all.wrapUpSeconds, (30 + 30 + 10) / 3); // 23.33 s
    close(all.ahtSeconds, (210 + 330 + 130) / 3); // 223.33 s
  });

  it('first-contact resolution with a repeat window', () => {
    // Contacts of known customers that were answered: A, B, E. A was repeated by E (same c1/billing within a day),
    // B was unresolved, E stands → 1/3.
    assert.equal(all.fcrContacts, 3);
    close(all.fcr, 1 / 3);
    // With a 30-minute window, E (one hour later) is no longer a repeat of A → A and E count: 2/3.
    close(computeKpis(LOG, { ...WINDOW, fcrWindowMs: 30 * 60_000 }).fcr, 2 / 3);
  });

  it('CSAT and NPS', () => {
    assert.equal(all.csatResponses, 3);
    close(all.csatAverage, (5 + 3 + 4) / 3); // 4
    close(all.csatSatisfied, 2 / 3); // 5 and 4
    assert.equal(all.npsResponses, 2);
    close(all.nps, 0); // one promoter (10), one detractor (6): 50 % − 50 %
  });

  it('occupancy: handling time / staffed time, per agent, clipped to the window', () => {
    // a1 busy 10–220 and 3615–3745 = 340 s; staffed 0–1800 and 3600–7200 = 5400 s.
    // a2 busy 100–430 = 330 s; staffed 0–600 = 600 s.  (340 + 330) / (5400 + 600) = 670 / 6000.
    close(all.occupancy, 670 / 6000);
    // Only the first 5 minutes: a1 busy 10–220 = 210 of 300; a2 busy 100–300 = 200 of 300 → 410 / 600.
    close(computeKpis(LOG, { ...WINDOW, to: s(300) }).occupancy, 410 / 600);
  });

  it('counts by disposition, topic and end reason', () => {
    assert.deepEqual(all.byDisposition, { info: 1, refund: 2 });
    assert.deepEqual(all.byTopic, { billing: 3, delivery: 1 });
    assert.deepEqual(all.byEndReason, { abandoned: 2, completed: 3 });
  });

  it('filters by queue; repeats in other queues still count for FCR', () => {
    const support = computeKpis(LOG, { ...WINDOW, queueId: 'support' });
    assert.equal(support.interactions, 5);
    assert.equal(support.answered, 2);
    close(support.serviceLevel, 1 / 3); // A met; B and D missed
    close(support.asaSeconds, (10 + 40) / 2);
    close(support.ahtSeconds, (210 + 330) / 2);
    close(support.fcr, 0); // A repeated in sales, B unresolved
  });

  it('windows by creation time; empty windows give undefined, not NaN', () => {
    const late = computeKpis(LOG, { ...WINDOW, from: s(3000) });
    assert.equal(late.interactions, 1);
    const empty = computeKpis(LOG, { ...WINDOW, from: s(8000), to: s(9000) });
    assert.equal(empty.interactions, 0);
    for (const key of [
      'answerRate',
      'serviceLevel',
      'asaSeconds',
      'ahtSeconds',
      'fcr',
      'csatAverage',
      'nps',
    ] as const) {
      assert.equal(empty[key], undefined, key);
    }
  });

  it('a transfer keeps the first queue time for the wait but reports in the answering queue', () => {
    const log: KpiLogEvent[] = [
      { type: 'created', at: s(0), interactionId: 'X', channel: 'chat' },
      { type: 'queued', at: s(0), interactionId: 'X', queueId: 'support' },
      { type: 'queued', at: s(50), interactionId: 'X', queueId: 'sales' },
      { type: 'answered', at: s(70), interactionId: 'X', agentId: 'a1' },
    ];
    const sales = computeKpis(log, { ...WINDOW, queueId: 'sales' });
    close(sales.asaSeconds, 70); // waited 70 s in total, not 20 s in sales
    close(sales.serviceLevel, 0); // 70 > 30
    assert.equal(computeKpis(log, { ...WINDOW, queueId: 'support' }).interactions, 0);
  });

  it('rejects malformed events with typed errors', () => {
    assert.throws(
      () => computeKpis([{ type: 'csat', at: T, interactionId: 'x', score: 7 }], WINDOW),
      (e: unknown) => e instanceof HelplineError && e.field === 'score',
    );
    assert.throws(
      () => computeKpis([{ type: 'csat', at: T, interactionId: 'x', score: 4, nps: 11 }], WINDOW),
      (e: unknown) => e instanceof HelplineError && e.field === 'nps',
    );
  });
});

/** Random logs: interactions with waits, answers, transfers, holds, wrap-ups, CSAT, plus presence changes. */
const eventsArb = fc
  .array(
    fc.record({
      start: fc.integer({ min: 0, max: 3600 }),
      queue: fc.constantFrom('support', 'sales'),
      transferTo: fc.option(fc.constantFrom('support', 'sales'), { nil: undefined }),
      customer: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: undefined }),
      topic: fc.option(fc.constantFrom('billing', 'delivery'), { nil: undefined }),
      wait: fc.integer({ min: 0, max: 120 }),
      answered: fc.boolean(),
      agent: fc.constantFrom('a1', 'a2'),
      hold: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
      talk: fc.integer({ min: 1, max: 600 }),
      ends: fc.boolean(),
      endReason: fc.constantFrom<EndReason>('abandoned', 'missed', 'failed'),
      wrap: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      resolved: fc.option(fc.boolean(), { nil: undefined }),
      csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      nps: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    }),
    { maxLength: 25, size: 'max' },
  )
  .chain((specs) =>
    fc
      .array(
        fc.tuple(
          fc.constantFrom('a1', 'a2'),
          fc.constantFrom('available', 'away', 'offline') as fc.Arbitrary<'available' | 'away' | 'offline'>,
          fc.integer({ min: 0, max: 5000 }),
        ),
        { maxLength: 10, size: 'max' },
      )
      .map((presence) => {
        const events: KpiLogEvent[] = [];
        specs.forEach((spec, i) => {
          const id = `i${i}`;
          const at = (seconds: number) => s(spec.start + seconds);
          events.push({
            type: 'created',
            at: at(0),
            interactionId: id,
            channel: 'chat',
            ...(spec.customer === undefined ? {} : { customerId: spec.customer }),
            ...(spec.topic === undefined ? {} : { topic: spec.topic }),
          });
          events.push({ type: 'queued', at: at(0), interactionId: id, queueId: spec.queue });
          if (spec.transferTo !== undefined)
            events.push({
              type: 'queued',
              at: at(spec.wait / 2),
              interactionId: id,
              queueId: spec.transferTo,
            });
          if (!spec.answered) {
            if (spec.ends)
              events.push({
                type: 'ended',
                at: at(spec.wait),
                interactionId: id,
                endReason: spec.endReason,
              });
            return;
          }
          events.push({ type: 'answered', at: at(spec.wait), interactionId: id, agentId: spec.agent });
          if (spec.hold !== undefined) {
            events.push({ type: 'held', at: at(spec.wait + 1), interactionId: id });
            events.push({ type: 'resumed', at: at(spec.wait + 1 + spec.hold), interactionId: id });
          }
          if (!spec.ends) return;
          const end = spec.wait + 2 + (spec.hold ?? 0) + spec.talk;
          events.push({ type: 'ended', at: at(end), interactionId: id, endReason: 'completed' });
          if (spec.wrap !== undefined) {
            events.push({
              type: 'wrap-up-done',
              at: at(end + spec.wrap),
              interactionId: id,
              ...(spec.resolved === undefined ? {} : { resolved: spec.resolved }),
            });
          }
          if (spec.csat !== undefined) {
            events.push({
              type: 'csat',
              at: at(end + 61),
              interactionId: id,
              score: spec.csat,
              ...(spec.nps === undefined ? {} : { nps: spec.nps }),
            });
          }
        });
        for (const [agentId, status, atSeconds] of presence) {
          events.push({ type: 'presence', at: s(atSeconds), agentId, presence: status });
        }
        return events
          .map((event, index) => ({ event, index }))
          .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
          .map((x) => x.event);
      }),
  );

describe('createKpiAccumulator', () => {
  it('matches computeKpis on the fixture, event by event', () => {
    const live = createKpiAccumulator({ ...SETTINGS, from: T });
    for (const event of LOG) live.add(event);
    assert.deepEqual(live.snapshot(s(7200)), computeKpis(LOG, WINDOW));
  });

  it('property: incremental and historical reducers agree (any log, queue filter, FCR window)', () => {
    fc.assert(
      fc.property(
        eventsArb,
        fc.option(fc.constantFrom('support', 'sales'), { nil: undefined }),
        fc.integer({ min: 0, max: 7200_000 }),
        (events, queueId, fcrWindowMs) => {
          const settings = {
            fcrWindowMs,
            slaTargetByQueue: { support: 20, sales: 30 },
            ...(queueId === undefined ? {} : { queueId }),
          };
          const live = createKpiAccumulator({ ...settings, from: T });
          for (const event of events) live.add(event);
          const now = s(10_000);
          const batch = computeKpis(events, { ...settings, from: T, to: now });
          assert.deepEqual(live.snapshot(now), batch);
          for (const value of [
            batch.serviceLevel,
            batch.answerRate,
            batch.fcr,
            batch.occupancy,
            batch.csatSatisfied,
          ]) {
            assert.ok(value === undefined || (value >= 0 && value <= 1));
          }
          assert.ok(batch.nps === undefined || (batch.nps >= -100 && batch.nps <= 100));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('computeKpiSeries', () => {
  it('cuts the window into buckets, the last one shorter, counting each interaction in its creation bucket', () => {
    const hours = computeKpiSeries(LOG, { ...WINDOW, bucketMs: 45 * 60_000 });
    assert.deepEqual(
      hours.map((bucket) => [bucket.from, bucket.to]),
      [
        [WINDOW.from, WINDOW.from + 45 * 60_000],
        [WINDOW.from + 45 * 60_000, WINDOW.from + 90 * 60_000],
        [WINDOW.from + 90 * 60_000, WINDOW.to],
      ],
    );
    const all = computeKpis(LOG, WINDOW);
    assert.equal(
      hours.reduce((sum, bucket) => sum + bucket.interactions, 0),
      all.interactions,
    );
    assert.deepEqual(computeKpiSeries(LOG, { ...WINDOW, to: WINDOW.from, bucketMs: 60_000 }), []);
  });

  it('refuses a bucket that is not a positive, finite length', () => {
    for (const bucketMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => computeKpiSeries(LOG, { ...WINDOW, bucketMs }),
        (e: unknown) => (e as { code: string }).code === 'validation/field',
      );
    }
  });

  it('property: every bucket says what computeKpis says of its window (any log, bucket size, queue filter)', () => {
    fc.assert(
      fc.property(
        eventsArb,
        fc.integer({ min: 60_000, max: 4 * 3600_000 }),
        fc.option(fc.constantFrom('support', 'sales'), { nil: undefined }),
        (events, bucketMs, queueId) => {
          const options = {
            from: T,
            to: s(10_000),
            fcrWindowMs: 30 * 60_000,
            slaTargetByQueue: { support: 20, sales: 30 },
            ...(queueId === undefined ? {} : { queueId }),
          };
          const series = computeKpiSeries(events, { ...options, bucketMs });
          assert.equal(series.length, Math.ceil((options.to - options.from) / bucketMs));
          for (const bucket of series) {
            assert.deepEqual(bucket, computeKpis(events, { ...options, from: bucket.from, to: bucket.to }));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('CSV export', () => {
  it('writes RFC 4180 with CRLF and quotes only where needed', () => {
    assert.equal(
      toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', 1.5, undefined]]),
      'a,"b,c","say ""hi""","two\nlines",1.5,\r\n',
    );
  });

  it('neutralises spreadsheet formulas in text cells, not in numbers', () => {
    for (const formula of ['=SUM(A1:A2)', '+1', '-2+3', '@cmd', '\tx', '\rx']) {
      assert.ok(csvCell(formula).replace(/^"/, '').startsWith("'"), formula);
    }
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell(-50), '-50');
    assert.equal(csvCell(Number.NaN), '');
  });

  it('kpisToCsv writes a header and one row per report', () => {
    const csv = kpisToCsv([computeKpis(LOG, WINDOW), computeKpis(LOG, { ...WINDOW, queueId: 'support' })]);
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 4); // header, two rows, trailing empty string
    assert.ok(lines[0]?.startsWith('from,to,queue,interactions,queued,answered,abandoned,answer_rate'));
    assert.ok(
      lines[1]?.startsWith('2024-06-03T09:00:00.000Z,2024-06-03T11:00:00.000Z,,6,6,3,2,0.5,0.333333,0.5,'),
    );
    assert.ok(lines[2]?.includes(',support,5,'));
  });

  it('kpiBreakdownToCsv lists counts, most frequent first, with hostile names neutralised', () => {
    const log: KpiLogEvent[] = [
      ...LOG,
      {
        type: 'created',
        at: s(10),
        interactionId: 'Z',
        channel: 'chat',
        customerId: 'c9',
        topic: '=cmd|calc',
      },
    ];
    const csv = kpiBreakdownToCsv(computeKpis(log, WINDOW));
    assert.ok(
      csv.startsWith('kind,name,count\r\ndisposition,refund,2\r\ndisposition,info,1\r\ntopic,billing,3\r\n'),
    );
    assert.ok(csv.includes("topic,'=cmd|calc,1\r\n"));
  });
});

describe('KPIs: outbound calls (click-to-dial)', () => {
  const opts = { ...SETTINGS, from: T, to: T + DAY };
  // An inbound call answered after 10 s, then the agent calls the same customer back: once connected (60 s of talk),
  // once unanswered.
  const events: KpiLogEvent[] = [
    {
      type: 'created',
      at: s(0),
      interactionId: 'in',
      channel: 'voice',
      queueId: 'support',
      customerId: 'ada',
    },
    { type: 'queued', at: s(0), interactionId: 'in', queueId: 'support' },
    { type: 'answered', at: s(10), interactionId: 'in', agentId: 'a1' },
    { type: 'ended', at: s(40), interactionId: 'in', endReason: 'completed' },
    ...(['out1', 'out2'] as const).flatMap((id, n): KpiLogEvent[] => [
      {
        type: 'created',
        at: s(100 + n * 200),
        interactionId: id,
        channel: 'voice',
        queueId: 'support',
        customerId: 'ada',
        direction: 'outbound',
      },
    ]),
    { type: 'answered', at: s(110), interactionId: 'out1', agentId: 'a1' },
    { type: 'ended', at: s(170), interactionId: 'out1', endReason: 'completed' },
    { type: 'ended', at: s(330), interactionId: 'out2', endReason: 'abandoned' },
  ];

  it('counts them apart: inbound answer, abandonment, ASA and FCR keep their meaning; talk time includes them', () => {
    const report = computeKpis(events, opts);
    assert.equal(report.outboundCalls, 2);
    assert.equal(report.outboundConnected, 1);
    assert.equal(report.queued, 1);
    assert.equal(report.answered, 1);
    assert.equal(report.answerRate, 1);
    assert.equal(report.abandoned, 0);
    assert.equal(report.asaSeconds, 10);
    // The inbound call is not "repeated" by the agent calling back.
    assert.equal(report.fcr, 1);
    assert.equal(report.fcrContacts, 1);
    assert.equal(report.handled, 2);
    assert.equal(report.talkSeconds, (30 + 60) / 2);
    assert.match(kpisToCsv(report), /outbound_calls,outbound_connected\r\n.*,2,1\r\n$/);
  });

  it('the live accumulator agrees', () => {
    const live = createKpiAccumulator({ ...SETTINGS, from: T });
    for (const event of events) live.add(event);
    assert.deepEqual(live.snapshot(T + DAY), computeKpis(events, opts));
  });
});
