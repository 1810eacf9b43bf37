import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  assessQuality,
  estimateMos,
  INITIAL_QUALITY,
  type QualityState,
  readStats,
  type StatsReading,
} from './quality';

const reading = (overrides: Partial<StatsReading> & { at: number }): StatsReading => ({
  bytesSent: 0,
  packetsSent: 0,
  bytesReceived: 0,
  packetsReceived: 0,
  packetsLost: 0,
  jitterMs: 5,
  rttMs: 40,
  ...overrides,
});

/** Feeds readings one per second, with `packets` received per second and `lost` lost per second. */
function run(samples: { rttMs?: number; jitterMs?: number; lost?: number }[]) {
  let state: QualityState = INITIAL_QUALITY;
  let received = 0;
  let lost = 0;
  const changes: string[] = [];
  const qualities = [];
  for (const [i, sample] of samples.entries()) {
    received += 50 - (sample.lost ?? 0);
    lost += sample.lost ?? 0;
    const result = assessQuality(
      state,
      reading({
        at: i * 1000,
        packetsReceived: received,
        packetsLost: lost,
        bytesReceived: received * 40,
        bytesSent: (i + 1) * 2000,
        ...(sample.rttMs === undefined ? {} : { rttMs: sample.rttMs }),
        ...(sample.jitterMs === undefined ? {} : { jitterMs: sample.jitterMs }),
      }),
    );
    state = result.state;
    qualities.push(result.quality);
    for (const change of result.changes) changes.push(`${i}:${change.raised ? '+' : '-'}${change.metric}`);
  }
  return { changes, qualities, state };
}

describe('voice quality: readStats', () => {
  test('sums audio RTP counters, takes jitter in ms and the selected pair RTT', () => {
    const report = new Map<string, unknown>([
      ['o', { type: 'outbound-rtp', kind: 'audio', bytesSent: 1000, packetsSent: 20 }],
      ['v', { type: 'outbound-rtp', kind: 'video', bytesSent: 99_999, packetsSent: 999 }],
      [
        'i',
        {
          type: 'inbound-rtp',
          kind: 'audio',
          bytesReceived: 800,
          packetsReceived: 18,
          packetsLost: 2,
          jitter: 0.012,
        },
      ],
      ['p1', { type: 'candidate-pair', nominated: false, state: 'succeeded', currentRoundTripTime: 0.9 }],
      ['p2', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.05 }],
      ['r', { type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.2 }],
    ]);
    assert.deepEqual(readStats(report, 7), {
      at: 7,
      bytesSent: 1000,
      packetsSent: 20,
      bytesReceived: 800,
      packetsReceived: 18,
      packetsLost: 2,
      jitterMs: 12,
      rttMs: 50,
    });
  });

  test('falls back to the RTCP round trip when no pair is selected; empty reports read as zero', () => {
    const rtcp = readStats(
      new Map([['r', { type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.2 }]]),
      1,
    );
    assert.equal(rtcp.rttMs, 200);
    const empty = readStats(new Map(), 1);
    assert.deepEqual([empty.bytesSent, empty.rttMs, empty.jitterMs], [0, undefined, undefined]);
  });
});

describe('voice quality: MOS estimate', () => {
  test('a clean line scores above 4.3, a bad one below the 3.5 warning', () => {
    assert.ok(estimateMos(40, 5, 0) > 4.3);
    assert.ok(estimateMos(600, 40, 5) < 3.5);
    assert.ok(estimateMos(100, 10, 10) < 3.5, '10 % loss alone is bad');
    assert.equal(estimateMos(10_000, 500, 100), 1);
  });

  test('MOS stays in 1–4.5 and never improves when delay, jitter or loss grow', () => {
    const arb = fc.tuple(
      fc.double({ min: 0, max: 5000, noNaN: true }),
      fc.double({ min: 0, max: 500, noNaN: true }),
      fc.double({ min: 0, max: 100, noNaN: true }),
    );
    fc.assert(
      fc.property(arb, fc.double({ min: 0, max: 100, noNaN: true }), ([rtt, jitter, loss], extra) => {
        const mos = estimateMos(rtt, jitter, loss);
        assert.ok(mos >= 1 && mos <= 4.5);
        assert.ok(estimateMos(rtt + extra, jitter, loss) <= mos + 1e-9);
        assert.ok(estimateMos(rtt, jitter + extra, loss) <= mos + 1e-9);
        assert.ok(estimateMos(rtt, jitter, Math.min(100, loss + extra)) <= mos + 1e-9);
      }),
    );
  });
});

describe('voice quality: warnings', () => {
  test('each threshold raises after two bad readings and clears after two good ones', () => {
    const good = {};
    const { changes } = run([
      good,
      { rttMs: 450 },
      { rttMs: 450 },
      { rttMs: 450, jitterMs: 35 },
      { jitterMs: 35 },
      good,
      good,
      { lost: 2 },
      { lost: 2 },
      good,
      good,
    ]);
    assert.deepEqual(changes, ['2:+rtt', '4:+jitter', '5:-rtt', '6:-jitter', '8:+loss', '10:-loss']);
  });

  test('one bad reading alone does not flap the warning', () => {
    assert.deepEqual(run([{}, { rttMs: 900 }, {}, { rttMs: 900 }, {}]).changes, []);
  });

  test('a poor line raises MOS with its causes; quality carries the figures', () => {
    const { changes, qualities } = run([
      {},
      { rttMs: 800, jitterMs: 60, lost: 4 },
      { rttMs: 800, jitterMs: 60, lost: 4 },
    ]);
    assert.deepEqual(changes.sort(), ['2:+jitter', '2:+loss', '2:+mos', '2:+rtt']);
    const last = qualities.at(-1);
    assert.equal(last?.lossPercent, 8);
    assert.deepEqual(last?.warnings, ['rtt', 'jitter', 'loss', 'mos']);
    assert.ok((last?.mos ?? 5) < 3.5);
  });

  test('loss needs two readings; byte totals survive a new peer connection', () => {
    let state = INITIAL_QUALITY;
    const first = assessQuality(
      state,
      reading({ at: 0, bytesSent: 5000, bytesReceived: 4000, packetsReceived: 100 }),
    );
    assert.equal(first.quality.lossPercent, undefined);
    state = first.state;
    // A reload on the far end: a new RTCPeerConnection starts counting from zero.
    const second = assessQuality(
      state,
      reading({ at: 1000, bytesSent: 300, bytesReceived: 200, packetsReceived: 5 }),
    );
    assert.deepEqual([second.quality.bytesSent, second.quality.bytesReceived], [5300, 4200]);
    assert.equal(second.quality.lossPercent, undefined, 'no loss across counters that restarted');
    const third = assessQuality(
      second.state,
      reading({ at: 2000, bytesSent: 900, bytesReceived: 700, packetsReceived: 15, packetsLost: 0 }),
    );
    assert.deepEqual([third.quality.bytesSent, third.quality.lossPercent], [5900, 0]);
  });
});
