import type { CallQuality, QualityMetric, QualityThresholds } from './voice.types';

/** The warning limits of the design: RTT > 400 ms, jitter > 30 ms, loss > 3 %, MOS < 3.5. */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = {
  rttMs: 400,
  jitterMs: 30,
  lossPercent: 3,
  mos: 3.5,
};

/** Counters of one `getStats` reading of an audio call. */
export interface StatsReading {
  readonly at: number;
  readonly bytesSent: number;
  readonly packetsSent: number;
  readonly bytesReceived: number;
  readonly packetsReceived: number;
  /** Cumulative; may go down when the far end reports late packets as recovered. */
  readonly packetsLost: number;
  readonly jitterMs: number | undefined;
  readonly rttMs: number | undefined;
}

type Stat = Readonly<Record<string, unknown>>;
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Reads the audio counters out of an `RTCStatsReport` (any map of stats objects): outbound and inbound RTP,
 * jitter, and the round-trip time of the selected candidate pair (or RTCP's when there is none).
 *
 * @example
 * ```ts
 * const reading = readStats(await pc.getStats(), Date.now());
 * ```
 */
export function readStats(report: ReadonlyMap<string, unknown>, at: number): StatsReading {
  let bytesSent = 0;
  let packetsSent = 0;
  let bytesReceived = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let jitterMs: number | undefined;
  let pairRtt: number | undefined;
  let rtcpRtt: number | undefined;
  for (const value of report.values()) {
    const stat = value as Stat;
    const audio = stat.kind === 'audio' || stat.mediaType === 'audio';
    if (stat.type === 'outbound-rtp' && audio) {
      bytesSent += num(stat.bytesSent) ?? 0;
      packetsSent += num(stat.packetsSent) ?? 0;
    } else if (stat.type === 'inbound-rtp' && audio) {
      bytesReceived += num(stat.bytesReceived) ?? 0;
      packetsReceived += num(stat.packetsReceived) ?? 0;
      packetsLost += num(stat.packetsLost) ?? 0;
      const jitter = num(stat.jitter);
      if (jitter !== undefined) jitterMs = Math.max(jitterMs ?? 0, jitter * 1000);
    } else if (stat.type === 'candidate-pair' && (stat.nominated === true || stat.selected === true)) {
      const rtt = num(stat.currentRoundTripTime);
      if (rtt !== undefined && stat.state === 'succeeded') pairRtt = rtt * 1000;
    } else if (stat.type === 'remote-inbound-rtp' && audio) {
      const rtt = num(stat.roundTripTime);
      if (rtt !== undefined) rtcpRtt = rtt * 1000;
    }
  }
  return {
    at,
    bytesSent,
    packetsSent,
    bytesReceived,
    packetsReceived,
    packetsLost,
    jitterMs,
    rttMs: pairRtt ?? rtcpRtt,
  };
}

/**
 * Estimates the mean opinion score with the simplified ITU-T G.107 E-model used by VoIP monitors: one-way delay
 * (half the RTT, twice the jitter for the jitter buffer, 10 ms of codec) and packet loss lower the R factor,
 * which maps to MOS 1–4.5.
 *
 * @example
 * ```ts
 * estimateMos(50, 5, 0); // ≈ 4.4
 * estimateMos(600, 40, 5); // < 3.5
 * ```
 */
export function estimateMos(rttMs: number, jitterMs: number, lossPercent: number): number {
  const latency = rttMs / 2 + jitterMs * 2 + 10;
  const delayed = latency < 160 ? 93.2 - latency / 40 : 93.2 - (latency - 120) / 10;
  const r = delayed - lossPercent * 2.5;
  if (r <= 0) return 1;
  const mos = 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
  return Math.min(4.5, Math.max(1, mos));
}

/** What {@link assessQuality} remembers between readings. */
export interface QualityState {
  readonly reading: StatsReading | undefined;
  /** Consecutive readings past (positive) or within (negative) each threshold. */
  readonly streaks: Readonly<Record<QualityMetric, number>>;
  readonly raised: readonly QualityMetric[];
  /** Bytes counted before the current peer connection (a reload or a new peer restarts the counters). */
  readonly base: { readonly bytesSent: number; readonly bytesReceived: number };
}

/** A warning that was raised or cleared by one reading. */
export interface QualityChange {
  readonly metric: QualityMetric;
  readonly raised: boolean;
  readonly value: number;
}

/** Options of {@link assessQuality}. */
export interface AssessOptions {
  readonly thresholds?: QualityThresholds | undefined;
  /** Consecutive bad readings before a warning is raised, and good ones before it clears. Default 2. */
  readonly hysteresis?: number | undefined;
}

const METRICS: readonly QualityMetric[] = ['rtt', 'jitter', 'loss', 'mos'];

/** The state before the first reading. */
export const INITIAL_QUALITY: QualityState = {
  reading: undefined,
  streaks: { rtt: 0, jitter: 0, loss: 0, mos: 0 },
  raised: [],
  base: { bytesSent: 0, bytesReceived: 0 },
};

/**
 * Folds one stats reading into the quality of a call: loss over the interval since the previous reading, MOS, and
 * warnings raised or cleared with hysteresis (a single bad second does not flap the UI). Pure.
 *
 * @example
 * ```ts
 * const { state, quality, changes } = assessQuality(previous, readStats(report, Date.now()));
 * for (const change of changes) emit({ type: 'warning', ...change });
 * ```
 */
export function assessQuality(
  previous: QualityState,
  reading: StatsReading,
  options: AssessOptions = {},
): { state: QualityState; quality: CallQuality; changes: QualityChange[] } {
  const thresholds = options.thresholds ?? DEFAULT_QUALITY_THRESHOLDS;
  const hysteresis = options.hysteresis ?? 2;
  const last = previous.reading;
  // Counters going backwards mean a new peer connection: carry the old totals over.
  const restarted =
    last !== undefined && (reading.bytesSent < last.bytesSent || reading.bytesReceived < last.bytesReceived);
  const base = restarted
    ? {
        bytesSent: previous.base.bytesSent + (last?.bytesSent ?? 0),
        bytesReceived: previous.base.bytesReceived + (last?.bytesReceived ?? 0),
      }
    : previous.base;
  const reference = restarted ? undefined : last;
  let lossPercent: number | undefined;
  if (reference) {
    const lost = Math.max(0, reading.packetsLost - reference.packetsLost);
    const received = Math.max(0, reading.packetsReceived - reference.packetsReceived);
    if (lost + received > 0) lossPercent = (lost / (lost + received)) * 100;
  }
  const mos =
    reading.rttMs === undefined && reading.jitterMs === undefined && lossPercent === undefined
      ? undefined
      : estimateMos(reading.rttMs ?? 0, reading.jitterMs ?? 0, lossPercent ?? 0);
  const values: Record<QualityMetric, number | undefined> = {
    rtt: reading.rttMs,
    jitter: reading.jitterMs,
    loss: lossPercent,
    mos,
  };
  const bad: Record<QualityMetric, (value: number) => boolean> = {
    rtt: (value) => value > thresholds.rttMs,
    jitter: (value) => value > thresholds.jitterMs,
    loss: (value) => value > thresholds.lossPercent,
    mos: (value) => value < thresholds.mos,
  };
  const streaks = { ...previous.streaks };
  const raised = new Set(previous.raised);
  const changes: QualityChange[] = [];
  for (const metric of METRICS) {
    const value = values[metric];
    if (value === undefined) continue;
    const streak = streaks[metric];
    streaks[metric] = bad[metric](value) ? Math.max(0, streak) + 1 : Math.min(0, streak) - 1;
    if (!raised.has(metric) && streaks[metric] >= hysteresis) {
      raised.add(metric);
      changes.push({ metric, raised: true, value });
    } else if (raised.has(metric) && streaks[metric] <= -hysteresis) {
      raised.delete(metric);
      changes.push({ metric, raised: false, value });
    }
  }
  const warnings = METRICS.filter((metric) => raised.has(metric));
  return {
    state: { reading, streaks, raised: warnings, base },
    quality: {
      at: reading.at,
      rttMs: reading.rttMs,
      jitterMs: reading.jitterMs,
      lossPercent,
      mos,
      bytesSent: base.bytesSent + reading.bytesSent,
      bytesReceived: base.bytesReceived + reading.bytesReceived,
      warnings,
    },
    changes,
  };
}
