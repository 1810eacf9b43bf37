// `npm run chaos`: the fault suite's scenarios with longer schedules than `npm test` runs — the chaos run (more
// messages, more faults, black holes ten times longer), then the crash run (more chats, callbacks and kill -9s).
// HELPLINE_CHAOS_SEED replays a schedule; HELPLINE_CHAOS_MESSAGES and HELPLINE_CRASH_CHATS size them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib/test-files.mjs';

let status = 0;
for (const run of ['chaos.long.ts', 'crash.long.ts']) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'tests', 'faults', run)], {
    stdio: 'inherit',
    cwd: repoRoot,
    env: process.env,
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
