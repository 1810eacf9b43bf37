// `helpline serve` as a child process, for tests that kill, freeze and restart real servers (the crash scenario,
// the cluster harness). Every process started here is killed when the test process exits, however it exits.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './harness';

/** Options of {@link spawnServe}. */
export interface ServeProcessOptions {
  /** The JSON configuration file. */
  readonly configPath: string;
  /** Environment on top of this process's own (`HELPLINE_DATABASE_URL`…); `HELPLINE_JWT_SECRET` is the tests'. */
  readonly env?: Readonly<Record<string, string>>;
  /** More arguments of `serve` (`--data <dir>`). */
  readonly args?: readonly string[];
  /** Every line the process writes, stdout and stderr alike. */
  readonly onLine?: (line: string) => void;
  /** The lines logged at level `error`. */
  readonly onError?: (line: string) => void;
  /** Default 60 s: a cold `tsx` start on a busy machine takes seconds. */
  readonly startTimeoutMs?: number;
}

/** How a process ended. */
export interface ServeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `helpline serve` child process. */
export interface ServeProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ServeExit>;
  /** Not exited yet (a stopped process is still running). */
  readonly running: boolean;
  /** Sends a signal and returns at once (SIGSTOP, SIGCONT). */
  signal(name: NodeJS.Signals): void;
  /** SIGKILL: no chance to flush, close sockets or say goodbye. */
  kill(): Promise<void>;
  /** SIGTERM, the ordinary shutdown; SIGKILL after `forceAfterMs` (default 15 s). */
  stop(forceAfterMs?: number): Promise<void>;
}

const cliEntry = fileURLToPath(new URL('../cli.ts', import.meta.url));
const children = new Set<ChildProcessByStdio<null, Readable, Readable>>();
// A test that fails, times out or is interrupted still leaves no server behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `helpline serve --port 0`; resolves once it listens, rejects with its last lines if it cannot. */
export async function spawnServe(options: ServeProcessOptions): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      // Extra Node flags for every instance a bench or scenario spawns, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
      // to profile them (NODE_OPTIONS refuses --cpu-prof).
      ...(process.env.HELPLINE_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      cliEntry,
      'serve',
      '--config',
      options.configPath,
      '--port',
      '0',
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, HELPLINE_JWT_SECRET: TEST_SECRET, HELPLINE_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<ServeExit>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  // The last lines, for a server that will not start.
  const tail: string[] = [];
  let partial = '';
  let onLine = (_line: string) => {};
  const read = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 50) tail.shift();
      if (line.includes('"level":"error"')) options.onError?.(line);
      options.onLine?.(line);
      onLine(line);
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${tail.join('\n')}`));
    }, startTimeoutMs);
    onLine = (line) => {
      const match = /"event":"listening","url":"[^"]+","port":(\d+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${signal ?? `code ${code}`}):\n${tail.join('\n')}`));
    });
  });
  onLine = () => {};
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = async (name: NodeJS.Signals) => {
    if (running()) child.kill(name);
    await exited;
  };
  return {
    pid: child.pid ?? 0,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    get running() {
      return running();
    },
    signal(name) {
      if (running()) child.kill(name);
    },
    kill: () => signal('SIGKILL'),
    async stop(forceAfterMs = 15_000) {
      const forced = setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
      await signal('SIGTERM');
      clearTimeout(forced);
    },
  };
}
