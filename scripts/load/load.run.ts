// Runs the load generator (loadgen.ts) in a child process for the server benches, with the configuration it needs
// and readings of the server processes it loads (/proc). With `locate`, the generator asks this process on which
// instance a load balancer put each of its sockets (by the balancer and the socket's local port) and splits what it
// measures into same-instance and cross-instance chats; startLoadBalancer runs such a balancer.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../packages/server/src/config/config';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where a chat's visitor and agent sockets are: on one instance, on two, or not known (no balancer to ask). */
export type Placement = 'same' | 'cross' | 'unknown';

/** Fan-out figures of the messages of one placement. */
export interface PlacementFigures {
  readonly sent: number;
  readonly acked: number;
  readonly delivered: number;
  /** Acknowledged and never delivered to the agent. */
  readonly lost: number;
  readonly p50: number;
  readonly p99: number;
}

/** The generator's `RESULT` line. */
export interface LoadResult {
  /** `done`, or why the run is incomplete (chats never accepted, setup or generator failure). */
  readonly reason: string;
  readonly setupMs: number;
  /** Chats accepted in time and part of the steady phase, and those never accepted. */
  readonly routed: number;
  readonly unrouted: number;
  readonly sent: number;
  readonly acked: number;
  readonly nacked: number;
  readonly delivered: number;
  readonly duplicates: number;
  /** Sent − delivered (refused and unacknowledged sends included). */
  readonly lost: number;
  /** Acknowledged by the server and never delivered to the agent. */
  readonly lostAcked: number;
  readonly closedUnexpectedly: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /**
   * p50 and p99 of each half of a delivery, split at the event's time on the server: `inbound` send → the server
   * timed the event (balancer, the server's read, its turn for the conversation), `outbound` → the agent read it
   * (the append's statement, fan-out, balancer, the generator's own turn).
   */
  readonly inbound: readonly [number, number];
  readonly outbound: readonly [number, number];
  readonly byPlacement: Readonly<Record<Placement, PlacementFigures>>;
  /** Sockets per instance (index → count), visitors and agents apart; empty without `locate`. */
  readonly visitorsPerInstance: readonly number[];
  readonly agentsPerInstance: readonly number[];
}

/** What the generator and its parent say to each other over the IPC channel (`via`: the index of its URL). */
export type LoadgenMessage =
  | { readonly t: 'locate'; readonly id: number; readonly via: number; readonly port: number }
  | { readonly t: 'settle' }
  | { readonly t: 'steady' };
export type LoadgenReply =
  | { readonly t: 'located'; readonly id: number; readonly instance: number | null }
  | { readonly t: 'settled' };
/** What a balancer process (balancer.process.ts) and its parent say to each other. */
export type BalancerMessage = { readonly t: 'locate'; readonly id: number; readonly port: number };
export type BalancerReply =
  | { readonly t: 'listening'; readonly port: number }
  | { readonly t: 'located'; readonly id: number; readonly instance: number | null };

/**
 * The configuration the load runs against: one queue `support` worked by `agents` agents with room for every
 * visitor's chat at once, a site `bench` for any loopback origin, and limits far above the load.
 */
export function loadConfig(
  visitors: number,
  agents: number,
): ConfigInput & Required<Pick<ConfigInput, 'agents'>> {
  const generous = { burst: 100_000, perMinute: 6_000_000 };
  return {
    queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' }, offerTimeoutSeconds: 60 }],
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `agent-${String(i).padStart(4, '0')}`,
      name: `Agent ${i}`,
      queues: ['support'],
      // Enough chat capacity that every visitor is in an active chat at once.
      capacity: { chat: Math.ceil(visitors / agents) + 1 },
    })),
    sites: [{ id: 'bench', origins: ['http://127.0.0.1:*'] }],
    limits: {
      newConversations: generous,
      messages: generous,
      typing: generous,
      commands: generous,
      http: generous,
      visitorSessions: generous,
      connectionsPerIp: visitors + agents + 100,
    },
  };
}

/** Options of {@link runLoadgen}. */
export interface LoadgenOptions {
  /** The server's HTTP URL, or a balancer's; with several, the sockets take them in turn. */
  readonly urls: readonly string[];
  readonly visitors: number;
  readonly agents: number;
  readonly durationMs: number;
  /** The secret agents' tokens are signed with: the server's `HELPLINE_JWT_SECRET`. */
  readonly secret: string;
  /** The instance a socket went to, by the index of the URL it used and its local port. */
  readonly locate?: (via: number, port: number) => Promise<number | undefined>;
  /**
   * Once every chat is open: resolves when the deployment has done what the setup left it, and the steady phase
   * may start. Absent: it starts at once.
   */
  readonly settle?: () => Promise<void>;
  /** Called once every chat is open (and the deployment settled) and the steady phase starts. */
  readonly onSteady?: () => void;
}

/** Runs the load generator to its end and returns its result (rejects when it printed none). */
export function runLoadgen(options: LoadgenOptions): Promise<LoadResult> {
  const args = [
    // Extra Node flags for the generator, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (as HELPLINE_SERVE_NODE_ARGS
    // does for the instances).
    ...(process.env.HELPLINE_LOADGEN_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    'scripts/load/loadgen.ts',
    ...options.urls.flatMap((url) => ['--url', url]),
    '--visitors',
    String(options.visitors),
    '--agents',
    String(options.agents),
    '--duration',
    String(options.durationMs),
  ];
  // Under bash with the file-descriptor limit raised to the hard limit (10k+ sockets); bash execs node, which
  // keeps the IPC channel's descriptor.
  const command = `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const load = spawn('bash', ['-c', command], {
    cwd: repoRoot,
    env: { ...process.env, HELPLINE_JWT_SECRET: options.secret },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  load.on('message', (message: LoadgenMessage) => {
    if (message.t === 'steady') options.onSteady?.();
    else if (message.t === 'settle')
      void (options.settle?.() ?? Promise.resolve()).then(() => {
        const reply: LoadgenReply = { t: 'settled' };
        if (load.connected) load.send(reply);
      });
    else if (message.t === 'locate')
      void (options.locate?.(message.via, message.port) ?? Promise.resolve(undefined)).then((instance) => {
        const reply: LoadgenReply = { t: 'located', id: message.id, instance: instance ?? null };
        if (load.connected) load.send(reply);
      });
  });
  load.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[load] ${chunk}`));
  let output = '';
  load.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    load.once('exit', () => {
      const line = /RESULT (.+)/.exec(output)?.[1];
      if (line) resolve(JSON.parse(line) as LoadResult);
      else reject(new Error(`load generator gave no result: ${output.slice(-500)}`));
    });
  });
}

/** The load's round-robin balancer, in as many processes as its descriptors need. */
export interface LoadBalancer {
  /** One HTTP URL per balancer process. */
  readonly urls: readonly string[];
  /** The instance a socket that came through `urls[via]` went to, by the socket's local port. */
  locate(via: number, port: number): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Descriptors one balancer process may use for connections (two each) under this machine's 20,000. */
const DESCRIPTORS_PER_BALANCER = 16_000;

/** Starts the balancer (balancer.process.ts) in front of `instancePorts` for `sockets` client sockets. */
export async function startLoadBalancer(
  instancePorts: readonly number[],
  sockets: number,
): Promise<LoadBalancer> {
  const count = Math.max(1, Math.ceil((2 * sockets) / DESCRIPTORS_PER_BALANCER));
  const shards = await Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'scripts/load/balancer.process.ts', ...instancePorts.map(String)],
        { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      );
      const waiting = new Map<number, (instance: number | undefined) => void>();
      const port = await new Promise<number>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`balancer process exited (${code})`)));
        child.on('message', (message: BalancerReply) => {
          if (message.t === 'listening') resolve(message.port);
          else {
            waiting.get(message.id)?.(message.instance ?? undefined);
            waiting.delete(message.id);
          }
        });
      });
      return { child, port, waiting };
    }),
  );
  let nextId = 1;
  return {
    urls: shards.map(({ port }) => `http://127.0.0.1:${port}`),
    locate(via, port) {
      const shard = shards[via];
      if (!shard?.child.connected) return Promise.resolve(undefined);
      const id = nextId++;
      return new Promise((resolve) => {
        shard.waiting.set(id, resolve);
        const message: BalancerMessage = { t: 'locate', id, port };
        shard.child.send(message);
      });
    },
    async close() {
      await Promise.all(shards.map(({ child }) => stopChild(child)));
    },
  };
}

/** Ends a child that stops when its IPC channel closes; SIGKILL if it has not after 5 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.disconnect();
  });
}

/** A process's resident set size in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
