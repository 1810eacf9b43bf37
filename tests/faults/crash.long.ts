// The long crash run behind `npm run chaos` (not part of `npm test`): more chats, callbacks and kills than the
// fault suite's run, on PGlite, and on PostgreSQL too when HELPLINE_TEST_DATABASE_URL is set — one instance, then
// two in cluster mode with the leader killed; prints the kills as they land, then checks the same invariants.
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../../packages/server/src/testing/databases';
import { judgeCrash } from './crash.assert';
import { type CrashDatabase, runCrash } from './crash.scenario';

const seed = Number(process.env.HELPLINE_CHAOS_SEED ?? Date.now() % 1_000_000);
const chats = Number(process.env.HELPLINE_CRASH_CHATS ?? 200);
console.log(`crash: seed ${seed}, ${chats} chats (replay with HELPLINE_CHAOS_SEED=${seed})`);

async function run(database: CrashDatabase): Promise<boolean> {
  const report = await runCrash({
    seed,
    chats,
    callbacks: Math.max(1, Math.round(chats / 10)),
    kills: 10,
    uptimeMs: { min: 2_000, spread: 6_000 },
    database,
    timeoutMs: 600_000,
    log: (line) => console.log(line),
  });
  const { problems, tally } = judgeCrash(report);
  if (problems.length === 0 && tally.restarts === 10) {
    console.log(`crash (${database.kind}): ok — ${JSON.stringify(tally)}; ${report.elapsedMs} ms`);
    return true;
  }
  console.error(`crash (${database.kind}): FAILED (seed ${seed}) — ${JSON.stringify(tally)}`);
  for (const problem of problems) console.error(`  ${problem}`);
  return false;
}

let ok = await run({ kind: 'pglite', dataDir: await freshPgliteDir() });
const available = await testPostgresUrl();
if ('skip' in available) console.log(`crash (postgres): skipped — ${available.skip}`);
else {
  const target = postgresTarget(available.url);
  try {
    ok = (await run({ kind: 'postgres', url: available.url, schema: target.schema ?? '' })) && ok;
  } finally {
    await target.drop();
  }
  ok = (await run({ kind: 'cluster', adminUrl: available.url, instances: 2 })) && ok;
}
process.exitCode = ok ? 0 : 1;
