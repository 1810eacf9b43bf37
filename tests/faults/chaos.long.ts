// The long chaos run behind `npm run chaos` (not part of `npm test`): prints the schedule and every fault as it
// lands, then checks the same delivery contract as the fault suite.
import { assertDelivered } from './chaos.assert';
import { runChaos } from './chaos.scenario';

const seed = Number(process.env.HELPLINE_CHAOS_SEED ?? Date.now() % 1_000_000);
const messages = Number(process.env.HELPLINE_CHAOS_MESSAGES ?? 5_000);
console.log(`chaos: seed ${seed}, ${messages} messages (replay with HELPLINE_CHAOS_SEED=${seed})`);
const report = await runChaos({
  seed,
  messages,
  sendEveryMs: 20,
  faults: { reset: 12, blackhole: 6, latency: 6, restart: 4 },
  msPerNominalSecond: 200,
  log: (line) => console.log(line),
});
try {
  assertDelivered(report);
  console.log(
    `chaos: ok — ${report.storedLog.length} messages, 0 lost, 0 duplicated, in order; drops ${JSON.stringify(report.drops)}; ${report.elapsedMs} ms`,
  );
} catch (error) {
  console.error(`chaos: FAILED (seed ${seed})`);
  console.error(error);
  process.exitCode = 1;
}
