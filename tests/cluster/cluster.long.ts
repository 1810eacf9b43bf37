// The cluster scenarios behind `npm run chaos` (not part of `npm test`): each runs on a fresh three-instance cluster
// on this machine's PostgreSQL (HELPLINE_TEST_DATABASE_URL), then one table gives every run's counts and times,
// and the evidence of each violation follows. HELPLINE_CHAOS_SEED replays a run; HELPLINE_CLUSTER_SCENARIOS
// (names, comma-separated) runs only some. Exits 1 when any count is not 0 or a time is over its budget.
import { testPostgresUrl } from '../../packages/server/src/testing/databases';
import { BUDGETS, type ClusterCounts, judgeCluster, verdict } from './cluster.assert';
import { CLUSTER_SCENARIOS, runClusterScenario } from './cluster.scenario';

const seed = Number(process.env.HELPLINE_CHAOS_SEED ?? Date.now() % 1_000_000);
const only = process.env.HELPLINE_CLUSTER_SCENARIOS?.split(',').map((name) => name.trim());
const scenarios = CLUSTER_SCENARIOS.filter((scenario) => !only || only.includes(scenario.name));

const available = await testPostgresUrl();
if ('skip' in available) {
  console.log(`cluster: skipped — ${available.skip}`);
  process.exit(0);
}
console.log(
  `cluster: seed ${seed}, ${scenarios.length} scenarios (replay with HELPLINE_CHAOS_SEED=${seed}; pick with HELPLINE_CLUSTER_SCENARIOS=${scenarios.map((s) => s.name).join(',')})`,
);

interface Row {
  readonly name: string;
  readonly counts?: ClusterCounts;
  readonly failed?: string;
  readonly seconds: number;
}
const rows: Row[] = [];
const details: string[] = [];
for (const scenario of scenarios) {
  console.log(`\n── ${scenario.name}: ${scenario.summary}`);
  const started = Date.now();
  try {
    const report = await runClusterScenario(scenario, {
      seed,
      adminUrl: available.url,
      log: (line) => console.log(line),
    });
    const { counts, evidence } = judgeCluster(report);
    rows.push({ name: scenario.name, counts, seconds: Math.round((Date.now() - started) / 1000) });
    details.push(
      `── ${scenario.name} (leader: instance ${report.leader}, ${report.leaderFrom === 'lease' ? 'the lease holder' : 'assumed'})`,
      ...report.notes.map((line) => `  note: ${line}`),
      `  stale-epoch audit: ${report.staleEpoch.accepted} stale rows committed, ${report.staleEpoch.refused} writes refused by the fence (logged); ${report.staleEpoch.note}`,
      ...evidence.map((line) => `  ${line}`),
    );
  } catch (error) {
    rows.push({
      name: scenario.name,
      failed: String(error instanceof Error ? error.message : error).split('\n')[0] ?? '',
      seconds: Math.round((Date.now() - started) / 1000),
    });
    details.push(
      `── ${scenario.name}: the run failed: ${String(error instanceof Error ? error.stack : error)}`,
    );
  }
}

const columns: [string, (counts: ClusterCounts) => string][] = [
  ['acked', (c) => String(c.messagesAcked)],
  ['lost', (c) => String(c.lostAcked)],
  ['undeliv', (c) => String(c.undelivered)],
  ['dup', (c) => String(c.duplicated)],
  ['order', (c) => String(c.outOfOrder)],
  ['holes', (c) => String(c.seqHoles)],
  ['missing', (c) => String(c.missing)],
  ['2×offer', (c) => String(c.doubleOffers)],
  ['2×take', (c) => String(c.doubleAccepts)],
  ['>cap', (c) => String(c.overCapacity)],
  ['timer×2', (c) => String(c.timersTwice)],
  ['stale', (c) => String(c.staleEpochAccepted)],
  ['stranded', (c) => String(c.stranded)],
  ['!resume', (c) => String(c.notResumed)],
  ['!takeover', (c) => String(c.notTakenOver)],
  ['!start', (c) => String(c.startFailures)],
  ['errors', (c) => String(c.serverErrors)],
  ['resume p50/max s', (c) => (c.resumeMs ? `${seconds(c.resumeMs.p50)}/${seconds(c.resumeMs.max)}` : '—')],
  ['takeover s', (c) => (c.takeoverMs === undefined ? '—' : seconds(c.takeoverMs))],
];
function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
const header = ['scenario', ...columns.map(([name]) => name), 'run s'];
const body = rows.map((row) =>
  row.counts
    ? [row.name, ...columns.map(([, cell]) => cell(row.counts as ClusterCounts)), String(row.seconds)]
    : [row.name, `failed: ${row.failed}`],
);
const full = body.filter((cells) => cells.length === header.length);
const widths = header.map((title, i) =>
  Math.max(title.length, ...full.map((cells) => (cells[i] ?? '').length)),
);
const line = (cells: readonly string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');

console.log(`\n${details.join('\n')}`);
console.log(
  `\ncluster (seed ${seed}; budgets: resume ≤ ${seconds(BUDGETS.resumeMs)} s, takeover ≤ ${seconds(BUDGETS.takeoverMs)} s)`,
);
console.log(line(header));
for (const cells of body) console.log(cells.length === header.length ? line(cells) : cells.join('  '));

const failing = rows.filter((row) => {
  if (!row.counts) return true;
  const { violations, withinBudget } = verdict(row.counts);
  return violations > 0 || !withinBudget;
});
console.log(
  failing.length === 0
    ? 'cluster: ok — every count 0, every time within budget'
    : `cluster: FAILED — ${failing.map((row) => row.name).join(', ')}`,
);
process.exitCode = failing.length === 0 ? 0 : 1;
