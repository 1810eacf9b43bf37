import { after, describe, it } from 'node:test';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../../packages/server/src/testing/databases';
import { assertCrash, judgeCrash } from './crash.assert';
import { type CrashDatabase, runCrash } from './crash.scenario';

const SEED = Number(process.env.HELPLINE_CRASH_SEED ?? 20261206);
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** One compressed run: 50 chats, 6 callbacks, 4 kills with a few seconds of uptime between them. */
async function crashRun(database: CrashDatabase): Promise<void> {
  const lines: string[] = [];
  const report = await runCrash({
    seed: SEED,
    chats: 50,
    callbacks: 6,
    kills: 4,
    uptimeMs: { min: 2_500, spread: 3_000 },
    database,
    timeoutMs: 80_000,
    log: (line) => lines.push(line),
  });
  try {
    const tally = assertCrash(report);
    console.log(`crash (${database.kind}, seed ${SEED}): ${report.elapsedMs} ms, ${JSON.stringify(tally)}`);
  } catch (error) {
    console.error(lines.join('\n'));
    console.error(`crash (${database.kind}, seed ${SEED}): ${JSON.stringify(judgeCrash(report).tally)}`);
    throw error;
  }
}

describe('kill -9 and restart while 50 chats talk, offers time out and callbacks come due', () => {
  it(`PGlite: no hole, nothing lost or doubled, each offer ends once, each callback rings once (seed ${SEED})`, {
    timeout: 150_000,
  }, async () => {
    await crashRun({ kind: 'pglite', dataDir: await freshPgliteDir() });
  });

  it(`PostgreSQL: the same (seed ${SEED})`, { timeout: 150_000 }, async (t) => {
    const available = await testPostgresUrl();
    if ('skip' in available) {
      t.skip(available.skip);
      return;
    }
    const target = postgresTarget(available.url);
    cleanups.push(() => target.drop());
    await crashRun({ kind: 'postgres', url: available.url, schema: target.schema ?? '' });
  });

  // Cluster mode (docs/cluster.md): the kills fall on the leader (the other instance takes over) and on the follower
  // in turn; the clients are spread over both instances between kills (crash.deployment.ts).
  it(`2 instances on PostgreSQL, the leader and the follower killed in turn: the same (seed ${SEED})`, {
    timeout: 180_000,
  }, async (t) => {
    const available = await testPostgresUrl();
    if ('skip' in available) {
      t.skip(`2 instances on PostgreSQL: ${available.skip}`);
      return;
    }
    await crashRun({ kind: 'cluster', adminUrl: available.url, instances: 2 });
  });
});
