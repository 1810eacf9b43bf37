// `npm run chaos`: the fault suite's scenario with a longer schedule than `npm test` runs — more messages, more
// faults, black holes ten times longer. HELPLINE_CHAOS_SEED replays a schedule; HELPLINE_CHAOS_MESSAGES sizes it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './lib/test-files.mjs';

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(repoRoot, 'tests', 'faults', 'chaos.long.ts')],
  { stdio: 'inherit', cwd: repoRoot, env: process.env },
);
process.exit(result.status ?? 1);
