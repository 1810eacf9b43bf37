// `npm run chaos`: the fault suite's scenarios with longer schedules than `npm test` runs — the chaos run (more
// messages, more faults, black holes ten times longer), then the crash run (more chats, callbacks and kill -9s),
// then, on PostgreSQL (HELPLINE_TEST_DATABASE_URL), the cluster scenarios: three instances behind a balancer while
// instances are killed, frozen, cut off and restarted (tests/cluster/cluster.long.ts).
// HELPLINE_CHAOS_SEED replays a schedule; HELPLINE_CHAOS_MESSAGES and HELPLINE_CRASH_CHATS size them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib/test-files.mjs';

const runs = [join('faults', 'chaos.long.ts'), join('faults', 'crash.long.ts')];
if (process.env.HELPLINE_TEST_DATABASE_URL) runs.push(join('cluster', 'cluster.long.ts'));
else
  console.log(
    'cluster: skipped — HELPLINE_TEST_DATABASE_URL is not set (the cluster scenarios need PostgreSQL)',
  );

let status = 0;
for (const run of runs) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'tests', run)], {
    stdio: 'inherit',
    cwd: repoRoot,
    env: process.env,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
