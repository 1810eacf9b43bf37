import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, rssMb, runLoadgen } from '../load/load.run';
import type { BenchRow } from './bench.types';

/*
 * Server on loopback (DESIGN §6): the server runs in one child process on a PGlite data directory, the load
 * generator (scripts/load/loadgen.ts) in another; 10,000 visitor sockets and 500 agent sockets, every visitor
 * in an active chat, one message per visitor every 10 s for 60 s. Fan-out latency is visitor send → agent
 * receives the event. HELPLINE_BENCH_VISITORS / _AGENTS / _DURATION_MS shrink it for a quick look.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const VISITORS = Number(process.env.HELPLINE_BENCH_VISITORS ?? 10_000);
const AGENTS = Number(process.env.HELPLINE_BENCH_AGENTS ?? 500);
const DURATION_MS = Number(process.env.HELPLINE_BENCH_DURATION_MS ?? 60_000);
const SECRET = 'bench-secret-bench-secret-bench-secret';

/** Runs `node` under bash with the file-descriptor limit raised to the hard limit (10k+ sockets). */
function spawnNode(args: string[], env: Record<string, string>) {
  const command = `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" ${args.map((a) => `'${a}'`).join(' ')}`;
  return spawn('bash', ['-c', command], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export default async function serverBench(): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'helpline-server-bench-'));
  const configPath = join(work, 'config.json');
  writeFileSync(configPath, JSON.stringify(loadConfig(VISITORS, AGENTS)));
  const server = spawnNode(
    [
      '--import',
      'tsx',
      'packages/server/src/cli.ts',
      'serve',
      '--config',
      configPath,
      '--data',
      join(work, 'data'),
      '--port',
      '0',
    ],
    { HELPLINE_JWT_SECRET: SECRET, HELPLINE_DATABASE_URL: '' },
  );
  try {
    let serverOutput = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${serverOutput}`)), 60_000);
      server.stdout.on('data', (chunk: Buffer) => {
        serverOutput += chunk.toString();
        const match = /"event":"listening","url":"([^"]+)"/.exec(serverOutput);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      server.once('exit', (code) => reject(new Error(`server exited ${code}: ${serverOutput}`)));
    });
    // Keep reading the logs so the pipe never fills.
    server.stdout.resume();
    server.stderr.resume();

    let peakRss = 0;
    const serverPid = await childPid(server.pid ?? 0);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(serverPid));
    }, 1_000);
    const result = await runLoadgen({
      urls: [url],
      visitors: VISITORS,
      agents: AGENTS,
      durationMs: DURATION_MS,
      secret: SECRET,
    });
    clearInterval(sampler);
    const scale = `${VISITORS.toLocaleString('en')} visitors + ${AGENTS} agents, 1 msg/visitor/10 s, ${DURATION_MS / 1000} s`;
    const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a');
    const complete = result.reason === 'done';
    return [
      {
        what: `server fan-out latency p50 (${scale})`,
        measured: fmt(result.p50),
        budget: '—',
        competitors: '—',
        ok: null,
      },
      {
        what: `server fan-out latency p99 (${scale})`,
        measured: fmt(result.p99),
        budget: '≤ 100 ms',
        competitors: 'soketi gates on p95 < 100 ms',
        ok: complete && result.p99 <= 100,
      },
      {
        what: 'server messages lost (sent − delivered to the agent; duplicates counted apart)',
        measured: `${result.lost} of ${result.sent.toLocaleString('en')} (${result.nacked} refused, ${result.duplicates} duplicates, ${result.closedUnexpectedly} sockets dropped)`,
        budget: '0',
        competitors: '—',
        ok: complete && result.lost === 0 && result.duplicates === 0,
      },
      {
        what: `server RSS at peak (PGlite in a worker thread of the server process; opening all chats took ${(result.setupMs / 1000).toFixed(1)} s)`,
        measured: `${peakRss.toFixed(0)} MB`,
        budget: '—',
        competitors: '—',
        ok: null,
      },
    ];
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        resolve(undefined);
      }, 15_000);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    rmSync(work, { recursive: true, force: true });
  }
}

/** The node process bash exec'd into has the same pid as bash; kept as a function in case a shell wraps it. */
async function childPid(pid: number): Promise<number> {
  return pid;
}
