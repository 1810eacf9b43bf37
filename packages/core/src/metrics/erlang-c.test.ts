import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HelplineError } from '../protocol/errors';
import {
  agentsNeeded,
  averageSpeedOfAnswer,
  erlangB,
  erlangC,
  estimatedWait,
  serviceLevel,
  staffingEstimate,
  trafficErlangs,
} from './erlang-c';

/**
 * The textbook Erlang C formula (Cooper, "Introduction to Queueing Theory" §3.4; Gross & Harris,
 * "Fundamentals of Queueing Theory" §2.3), evaluated exactly with BigInt rationals for an integer traffic A:
 *   Pw = X / (S + X),  X = A^N/N! · N/(N−A),  S = Σ_{k<N} A^k/k!
 * Multiplying numerator and denominator by N!·(N−A) keeps everything integral:
 *   X' = A^N · N,  S' = (N−A) · Σ_{k<N} A^k · N!/k!
 * This is independent of the production code (which uses the Erlang B recursion).
 */
function exactErlangC(agents: number, traffic: number): number {
  const n = BigInt(agents);
  const a = BigInt(traffic);
  // u_k = A^k · N!/k!, built upward: u_0 = N!, u_k = u_(k−1) · A / k (an exact integer division).
  let u = 1n;
  for (let j = 1n; j <= n; j++) u *= j;
  let sum = 0n;
  for (let k = 0n; k < n; k++) {
    if (k > 0n) u = (u * a) / k;
    sum += u;
  }
  const x = ((u * a) / n) * n; // u_N · N = A^N · N
  sum *= n - a;
  const scale = 10n ** 15n;
  return Number((x * scale) / (sum + x)) / 1e15;
}

describe('erlangC', () => {
  it('matches the exact BigInt formula on small systems', () => {
    for (const [agents, traffic] of [
      [2, 1],
      [5, 3],
      [11, 10],
      [14, 10],
      [20, 15],
      [40, 33],
    ] as const) {
      assert.ok(
        Math.abs(erlangC(agents, traffic) - exactErlangC(agents, traffic)) < 1e-12,
        `C(${agents}, ${traffic})`,
      );
    }
  });

  it('matches closed forms for one and two agents', () => {
    // M/M/1: Pw = ρ.  M/M/2: Pw = A² / (2 + A)  (both follow from the formula above by hand).
    assert.ok(Math.abs(erlangC(1, 0.3) - 0.3) < 1e-12);
    assert.ok(Math.abs(erlangC(2, 1.5) - 2.25 / 3.5) < 1e-12);
  });

  it('reproduces the published worked example (callcentrehelper.com, "Erlang C Formula – Made Simple")', () => {
    // 100 calls per 30 minutes, AHT 180 s → A = 100 × 180 / 1800 = 10 Erlangs; target 80 % within 20 s.
    // Published: with 14 agents Pw ≈ 0.1741, and 14 is the smallest staffing meeting 80/20.
    const traffic = trafficErlangs(200, 180);
    assert.equal(traffic, 10);
    assert.ok(Math.abs(erlangC(14, traffic) - 0.1741) < 5e-5);
    assert.equal(
      agentsNeeded({ trafficErlangs: traffic, ahtSeconds: 180, targetSeconds: 20, targetServiceLevel: 0.8 }),
      14,
    );
    // Service level = 1 − Pw · e^(−(N−A)·t/AHT) = 1 − 0.174131 · e^(−4·20/180) = 1 − 0.174131 · 0.641180 = 0.888351.
    // (A figure of 0.8862 is sometimes quoted for this example; the formula does not reproduce it.)
    const expected = 1 - exactErlangC(14, 10) * Math.exp((-4 * 20) / 180);
    assert.ok(Math.abs(serviceLevel(14, 10, 180, 20) - expected) < 1e-12);
    assert.ok(Math.abs(serviceLevel(14, 10, 180, 20) - 0.8884) < 5e-5);
    // 13 agents: Pw = 0.2853 → SL = 1 − 0.2853·e^(−3·20/180) = 0.7956 < 0.8, so 13 is not enough.
    assert.ok(
      Math.abs(serviceLevel(13, 10, 180, 20) - (1 - exactErlangC(13, 10) * Math.exp(-60 / 180))) < 1e-12,
    );
    assert.ok(serviceLevel(13, 10, 180, 20) < 0.8);
    // ASA = Pw · AHT / (N − A) = 0.174131 × 180 / 4 = 7.836 s.
    assert.ok(Math.abs(averageSpeedOfAnswer(14, 10, 180) - (exactErlangC(14, 10) * 180) / 4) < 1e-9);
  });

  it('matches the standard Erlang B table value for 10 trunks at 5 Erlangs', () => {
    // Erlang B tables (e.g. ITU-T E.501-era traffic tables) list a grade of service of 0.0184 for N = 10, A = 5.
    assert.ok(Math.abs(erlangB(10, 5) - 0.01838) < 1e-5);
  });

  it('stays finite and in [0, 1] for 1,000 agents (no factorial overflow)', () => {
    const pw = erlangC(1000, 980);
    assert.ok(Number.isFinite(pw) && pw > 0 && pw < 1, String(pw));
    assert.ok(Math.abs(pw - exactErlangC(1000, 980)) < 1e-9);
    assert.ok(Math.abs(erlangC(1000, 900) - exactErlangC(1000, 900)) < 1e-9);
  });

  it('saturates: Pw = 1, SL = 0, ASA = ∞ when traffic ≥ agents; Pw = 0 without traffic', () => {
    assert.equal(erlangC(10, 10), 1);
    assert.equal(erlangC(10, 12), 1);
    assert.equal(serviceLevel(10, 12, 180, 20), 0);
    assert.equal(averageSpeedOfAnswer(10, 10, 180), Number.POSITIVE_INFINITY);
    assert.equal(erlangC(0, 0), 0);
    assert.equal(erlangC(3, 0), 0);
    assert.equal(
      agentsNeeded({ trafficErlangs: 0, ahtSeconds: 180, targetSeconds: 20, targetServiceLevel: 0.8 }),
      0,
    );
  });

  it('rejects bad input with typed validation errors', () => {
    assert.throws(
      () => erlangC(2.5, 1),
      (e: unknown) => e instanceof HelplineError && e.code === 'validation/field',
    );
    assert.throws(
      () => erlangC(3, -1),
      (e: unknown) => e instanceof HelplineError && e.field === 'trafficErlangs',
    );
    assert.throws(
      () => agentsNeeded({ ahtSeconds: 180, targetSeconds: 20, targetServiceLevel: 0.8 }),
      HelplineError,
    );
    assert.throws(
      () => agentsNeeded({ trafficErlangs: 5, ahtSeconds: 180, targetSeconds: 20, targetServiceLevel: 1 }),
      HelplineError,
    );
  });

  it('agentsNeeded honours a maximum occupancy', () => {
    // 10 Erlangs at ≤ 70 % occupancy needs ≥ 10 / 0.7 = 14.3 → 15 agents, though 80/20 alone needs 14.
    assert.equal(
      agentsNeeded({
        trafficErlangs: 10,
        ahtSeconds: 180,
        targetSeconds: 20,
        targetServiceLevel: 0.8,
        maxOccupancy: 0.7,
      }),
      15,
    );
  });

  it('properties: Pw falls and SL rises as agents are added; agentsNeeded is the smallest that meets the target', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 200, noNaN: true }),
        fc.integer({ min: 10, max: 900 }),
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.5, max: 0.95, noNaN: true }),
        (traffic, aht, target, level) => {
          const n = agentsNeeded({
            trafficErlangs: traffic,
            ahtSeconds: aht,
            targetSeconds: target,
            targetServiceLevel: level,
          });
          assert.ok(n > traffic);
          assert.ok(serviceLevel(n, traffic, aht, target) >= level);
          assert.ok(n - 1 <= traffic || serviceLevel(n - 1, traffic, aht, target) < level);
          assert.ok(erlangC(n + 1, traffic) <= erlangC(n, traffic));
          const estimate = staffingEstimate(n, traffic, aht, target);
          assert.ok(estimate.averageSpeedOfAnswerSeconds >= 0 && estimate.occupancy <= 1);
        },
      ),
    );
  });
});

describe('estimatedWait', () => {
  it('is k · AHT / servers, never negative, and unknown without data or servers', () => {
    assert.equal(estimatedWait(3, 6, 240), 120);
    assert.equal(estimatedWait(1, 1, 0), 0);
    assert.equal(estimatedWait(-2, 4, 100), 0);
    assert.equal(estimatedWait(2, 0, 100), undefined);
    assert.equal(estimatedWait(2, 3, undefined), undefined);
  });
});
