import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertDelivered } from './chaos.assert';
import { chaosSchedule, runChaos } from './chaos.scenario';

const SEED = Number(process.env.HELPLINE_CHAOS_SEED ?? 20261123);

describe('chaos: 1,000 messages through resets, black holes, latency and restarts', () => {
  it('the schedule is a function of the seed', () => {
    const options = {
      seed: 7,
      messages: 100,
      sendEveryMs: 10,
      faults: { reset: 2, blackhole: 2, latency: 1, restart: 1 },
      msPerNominalSecond: 10,
    };
    assert.deepEqual(chaosSchedule(options), chaosSchedule(options));
    assert.notDeepEqual(chaosSchedule(options), chaosSchedule({ ...options, seed: 8 }));
    const blackholes = chaosSchedule(options).filter((f) => f.kind === 'blackhole');
    assert.equal(blackholes.length, 2);
    for (const fault of blackholes) assert.ok('forMs' in fault && fault.forMs >= 50 && fault.forMs <= 600);
  });

  it(`loses, duplicates and reorders nothing (seed ${SEED})`, { timeout: 150_000 }, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      seed: SEED,
      messages: 1_000,
      sendEveryMs: 12,
      faults: { reset: 4, blackhole: 2, latency: 2, restart: 2 },
      // Black holes of 5–60 nominal seconds last 0.1–1.2 s here; `npm run chaos` runs them 10× longer.
      msPerNominalSecond: 20,
      log: (line) => lines.push(line),
    });
    try {
      console.log(`chaos: ${report.elapsedMs} ms, drops ${JSON.stringify(report.drops)}`);
      assertDelivered(report);
    } catch (error) {
      console.error(lines.join('\n'));
      throw error;
    }
    assert.equal(report.storedLog.length, 1_000);
  });
});
