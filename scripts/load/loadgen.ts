// Load generator for the server benchmarks (scripts/bench/server.bench.ts, cluster.bench.ts). Loopback only,
// bounded in count and time, stops by itself: V visitor sockets and A agent sockets; each visitor starts a chat that
// an agent accepts, then sends one message every `interval` ms for `duration` ms. Measures fan-out latency (visitor
// send → agent receives the event), and counts what was sent, acknowledged and delivered. Prints one JSON line at
// the end (`RESULT {…}`, see LoadResult in load.run.ts).
//
// Started with an IPC channel (load.run.ts), it asks its parent on which instance a load balancer put each socket
// and splits its figures by where a chat's visitor and agent are: on the same instance or on two. A chat counts as
// open once its agent's accept is acknowledged or its visitor hears `joined`, whichever comes first, so a
// deployment that cannot deliver across instances still gets measured; chats not accepted within `join-timeout`
// (or before `setup-timeout`) are left out of the steady phase and reported.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { LoadgenMessage, LoadgenReply, LoadResult, Placement, PlacementFigures } from './load.run';

const { values } = parseArgs({
  options: {
    url: { type: 'string', multiple: true },
    visitors: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '500' },
    interval: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '60000' },
    site: { type: 'string', default: 'bench' },
    concurrency: { type: 'string', default: '100' },
    'setup-timeout': { type: 'string', default: '240000' },
    'join-timeout': { type: 'string', default: '30000' },
  },
});

// Several URLs (the processes of one balancer): the sockets take them in turn.
const bases = (values.url ?? ['http://127.0.0.1:8787']).map((url) => new URL(url));
if (bases.some((base) => base.hostname !== '127.0.0.1' && base.hostname !== 'localhost'))
  throw new Error('loopback targets only');
const base = bases[0] ?? new URL('http://127.0.0.1:8787');
const VISITORS = Math.min(Number(values.visitors), 20_000);
const AGENTS = Math.min(Number(values.agents), 2_000);
const INTERVAL = Number(values.interval);
const DURATION = Math.min(Number(values.duration), 300_000);
const CONCURRENCY = Number(values.concurrency);
const SETUP_TIMEOUT = Number(values['setup-timeout']);
const JOIN_TIMEOUT = Number(values['join-timeout']);
const secret = process.env.HELPLINE_JWT_SECRET ?? '';
const socketUrls = bases.map((url) => `ws://${url.host}/v1/ws?site=${values.site}`);
let nextSocketUrl = 0;
const hardStop = setTimeout(
  () => finish('hard time limit'),
  SETUP_TIMEOUT + JOIN_TIMEOUT + DURATION + 60_000,
);

type Frame = {
  t: string;
  id?: string;
  cid?: string;
  ts?: number;
  /** An event's time on the server (wall clock, the same machine's): splits a delivery into its two halves. */
  at?: number;
  ev?: { type: string; clientMsgId?: string; from?: { role: string } };
  notice?: { type: string; offer?: { interaction: { id: string } } };
  result?: { cid?: string };
};

interface Peer {
  ws: WebSocket;
  pending: Map<string, (frame: Frame) => void>;
  nextId: number;
  /** The instance the balancer put the socket on; undefined when there is no one to ask. */
  instance: number | undefined;
}

interface Chat {
  /** Unknown for a moment when the agent's accept is acknowledged before the visitor's chat.start. */
  visitor: Peer | undefined;
  agent: Peer | undefined;
}

interface Sent {
  readonly at: number;
  /** Wall-clock time of the send, beside the event's `at` on the server. */
  readonly wallAt: number;
  readonly cid: string;
  acked: boolean;
  delivered: boolean;
  latency?: number;
  /** Send → the server timed the event (the way in: balancer, the server's read, its queue for the conversation). */
  inbound?: number;
  /** The server timed the event → the agent read it (the append's statement, fan-out, balancer, this process). */
  outbound?: number;
}

const messages = new Map<string, Sent>();
const chats = new Map<string, Chat>();
const counts = {
  sent: 0,
  acked: 0,
  nacked: 0,
  delivered: 0,
  duplicates: 0,
  closedUnexpectedly: 0,
  errors: 0,
};
/** Chats whose agent accepted (or whose visitor heard `joined`), and who waits for that. */
const accepted = new Set<string>();
const acceptWaiters = new Map<string, () => void>();
const worstBySecond = new Map<number, number>();
let steadyStartedAt = 0;
let stopping = false;
let unrouted = 0;

// ─── where each socket landed (asked of the parent over IPC) ───────────────────────────────────
const locating = new Map<number, (instance: number | undefined) => void>();
let nextLocate = 1;
let settled: (() => void) | undefined;
process.on('message', (reply: LoadgenReply) => {
  if (reply.t === 'settled') {
    settled?.();
    return;
  }
  locating.get(reply.id)?.(reply.instance ?? undefined);
  locating.delete(reply.id);
});

/** Asks the parent to say when the deployment has settled after the setup; at once without a parent. */
function settle(): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    settled = resolve;
    tell({ t: 'settle' });
  });
}

function tell(message: LoadgenMessage): void {
  process.send?.(message);
}

function locate(via: number, port: number | undefined): Promise<number | undefined> {
  if (!process.send || port === undefined) return Promise.resolve(undefined);
  const id = nextLocate++;
  return new Promise((resolve) => {
    locating.set(id, resolve);
    tell({ t: 'locate', id, via, port });
  });
}

function open(onFrame: (peer: Peer, frame: Frame) => void): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const via = nextSocketUrl++ % socketUrls.length;
    const ws = new WebSocket(socketUrls[via] ?? '', ['helpline.v1'], { perMessageDeflate: false });
    const peer: Peer = { ws, pending: new Map(), nextId: 1, instance: undefined };
    let localPort: number | undefined;
    ws.once('upgrade', (response) => {
      localPort = response.socket.localPort;
    });
    ws.once('open', () => {
      void locate(via, localPort).then((instance) => {
        peer.instance = instance;
        resolve(peer);
      });
    });
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.t === 'ping') ws.send(JSON.stringify({ t: 'pong', ts: frame.ts }));
      if (
        (frame.t === 'ack' || frame.t === 'nack' || frame.t === 'welcome' || frame.t === 'bye') &&
        frame.id !== undefined
      ) {
        peer.pending.get(frame.id)?.(frame);
        peer.pending.delete(frame.id);
      }
      if (frame.t === 'welcome' || frame.t === 'bye') peer.pending.get('hello')?.(frame);
      onFrame(peer, frame);
    });
    ws.on('close', () => {
      if (!stopping) counts.closedUnexpectedly++;
    });
  });
}

function call(peer: Peer, op: string, args: object): Promise<Frame> {
  const id = `c${peer.nextId++}`;
  return new Promise((resolve) => {
    peer.pending.set(id, resolve);
    peer.ws.send(JSON.stringify({ t: 'cmd', id, op, args }));
  });
}

function hello(peer: Peer, token: string): Promise<Frame> {
  return new Promise((resolve) => {
    peer.pending.set('hello', resolve);
    peer.ws.send(JSON.stringify({ t: 'hello', v: 1, token }));
  });
}

/** Runs `work` for 0..count-1, CONCURRENCY at a time; indexes not started by `until` stay undefined. */
async function inBatches<T>(
  count: number,
  work: (i: number) => Promise<T>,
  until = Number.POSITIVE_INFINITY,
): Promise<(T | undefined)[]> {
  const results: (T | undefined)[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count && performance.now() < until) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

function markAccepted(cid: string): void {
  accepted.add(cid);
  acceptWaiters.get(cid)?.();
}

/** Resolves true once `cid` is accepted, false after `timeoutMs`. */
function whenAccepted(cid: string, timeoutMs: number): Promise<boolean> {
  if (accepted.has(cid)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      acceptWaiters.delete(cid);
      resolve(false);
    }, timeoutMs);
    acceptWaiters.set(cid, () => {
      clearTimeout(timer);
      acceptWaiters.delete(cid);
      resolve(true);
    });
  });
}

function placementOf(chat: Chat | undefined): Placement {
  const visitor = chat?.visitor?.instance;
  const agent = chat?.agent?.instance;
  if (visitor === undefined || agent === undefined) return 'unknown';
  return visitor === agent ? 'same' : 'cross';
}

function onAgentFrame(peer: Peer, frame: Frame): void {
  if (frame.t === 'notice' && frame.notice?.type === 'offer' && frame.notice.offer) {
    const cid = frame.notice.offer.interaction.id;
    void call(peer, 'offer.accept', { cid }).then((reply) => {
      if (reply.t !== 'ack') return;
      const chat = chats.get(cid);
      if (chat) chat.agent = peer;
      else chats.set(cid, { visitor: undefined, agent: peer });
      markAccepted(cid);
    });
  } else if (frame.t === 'evt' && frame.ev?.type === 'message' && frame.ev.from?.role === 'visitor') {
    const message = messages.get(frame.ev.clientMsgId ?? '');
    if (message === undefined) return;
    if (message.delivered) {
      counts.duplicates++;
      return;
    }
    message.delivered = true;
    counts.delivered++;
    const latency = performance.now() - message.at;
    message.latency = latency;
    if (frame.at !== undefined) {
      message.inbound = frame.at - message.wallAt;
      message.outbound = Date.now() - frame.at;
    }
    // The slowest delivery per second of the run, to tell a steady tail from periodic stalls.
    const second = Math.floor((message.at - steadyStartedAt) / 1000);
    worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, latency));
  }
}

function onVisitorFrame(_peer: Peer, frame: Frame): void {
  if (frame.t === 'evt' && frame.ev?.type === 'joined' && frame.cid) markAccepted(frame.cid);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function figures(of: Sent[]): PlacementFigures {
  const latencies = of.flatMap((m) => (m.latency === undefined ? [] : [m.latency])).sort((a, b) => a - b);
  return {
    sent: of.length,
    acked: of.filter((m) => m.acked).length,
    delivered: latencies.length,
    lost: of.filter((m) => m.acked && !m.delivered).length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** p50 / p99 of each half of the deliveries (ms, whole: the wall clock's grain). */
function halves(of: Sent[]): { inbound: [number, number]; outbound: [number, number] } {
  const sortedBy = (half: 'inbound' | 'outbound') =>
    of.flatMap((m) => (m[half] === undefined ? [] : [m[half]])).sort((a, b) => a - b);
  const inbound = sortedBy('inbound');
  const outbound = sortedBy('outbound');
  return {
    inbound: [percentile(inbound, 50), percentile(inbound, 99)],
    outbound: [percentile(outbound, 50), percentile(outbound, 99)],
  };
}

/** How many of `peers` each instance holds. */
function perInstance(peers: Peer[]): number[] {
  const tally: number[] = [];
  for (const { instance } of peers) if (instance !== undefined) tally[instance] = (tally[instance] ?? 0) + 1;
  return Array.from(tally, (n) => n ?? 0);
}

let setupMs = 0;
let routed = 0;
/** Every socket opened, for the tally per instance and to close them all at the end. */
const agentPeers: Peer[] = [];
const visitorPeers: Peer[] = [];
function finish(reason: string): void {
  stopping = true;
  clearTimeout(hardStop);
  const all = [...messages.values()];
  const sorted = all.flatMap((m) => (m.latency === undefined ? [] : [m.latency])).sort((a, b) => a - b);
  const byPlacement: Record<Placement, Sent[]> = { same: [], cross: [], unknown: [] };
  for (const message of all) byPlacement[placementOf(chats.get(message.cid))].push(message);
  const result: LoadResult & Record<string, unknown> = {
    reason:
      reason === 'done' && unrouted > 0 ? `${unrouted} of ${VISITORS} chats were never accepted` : reason,
    visitors: VISITORS,
    agents: AGENTS,
    setupMs: Math.round(setupMs),
    routed,
    unrouted,
    ...counts,
    lost: counts.sent - counts.delivered,
    lostAcked: all.filter((m) => m.acked && !m.delivered).length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    p95: percentile(sorted, 95),
    p999: percentile(sorted, 99.9),
    ...halves(all),
    byPlacement: {
      same: figures(byPlacement.same),
      cross: figures(byPlacement.cross),
      unknown: figures(byPlacement.unknown),
    },
    visitorsPerInstance: perInstance(visitorPeers),
    agentsPerInstance: perInstance(agentPeers),
    worstSeconds: [...worstBySecond]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([second, ms]) => `${second}s:${Math.round(ms)}ms`),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  for (const peer of [...agentPeers, ...visitorPeers]) peer.ws.terminate();
  setTimeout(() => process.exit(0), 200).unref();
}

async function main(): Promise<void> {
  const setupStarted = performance.now();
  const setupDeadline = setupStarted + SETUP_TIMEOUT;
  const key = new TextEncoder().encode(secret);
  await inBatches(AGENTS, async (i) => {
    const id = `agent-${String(i).padStart(4, '0')}`;
    const token = await new SignJWT({ role: 'agent' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setExpirationTime('2h')
      .sign(key);
    const peer = await open(onAgentFrame);
    agentPeers.push(peer);
    const welcome = await hello(peer, token);
    if (welcome.t !== 'welcome') throw new Error(`agent ${id} refused`);
    await call(peer, 'presence.set', { status: 'available' });
  });
  const visitors = await inBatches(
    VISITORS,
    async () => {
      const response = await fetch(`${base.origin}/v1/sessions/visitor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site: values.site }),
      });
      const { token } = (await response.json()) as { token: string };
      const peer = await open(onVisitorFrame);
      visitorPeers.push(peer);
      const welcome = await hello(peer, token);
      if (welcome.t !== 'welcome') throw new Error('visitor refused');
      const started = await call(peer, 'chat.start', { channel: 'chat' });
      const cid = started.result?.cid;
      if (!cid) throw new Error(`chat.start refused: ${JSON.stringify(started)}`);
      const chat = chats.get(cid);
      // An accept acknowledged before chat.start's own ack left the agent there.
      chats.set(cid, { visitor: peer, agent: chat?.agent });
      const waitMs = Math.max(0, Math.min(JOIN_TIMEOUT, setupDeadline - performance.now()));
      return (await whenAccepted(cid, waitMs)) ? { peer, cid } : undefined;
    },
    setupDeadline,
  );
  const ready = visitors.filter((visitor) => visitor !== undefined);
  // Visitors not started before the deadline count as never accepted too.
  unrouted = VISITORS - ready.length;
  routed = ready.length;
  setupMs = performance.now() - setupStarted;
  clearTimeout(setupGuard);
  process.stderr.write(
    `setup done in ${Math.round(setupMs)} ms (${routed} chats, ${unrouted} never accepted)\n`,
  );
  // What opening the chats left the deployment to do (the last accepts' writes and replays) is done before the
  // steady phase is measured; how long that took is the parent's to report.
  await settle();
  tell({ t: 'steady' });

  // Steady state: each visitor sends every INTERVAL ms, phases spread evenly over the interval.
  steadyStartedAt = performance.now();
  const endAt = steadyStartedAt + DURATION;
  const timers = ready.map(({ peer, cid }, i) => {
    const send = () => {
      if (performance.now() >= endAt) return;
      const clientMsgId = randomUUID();
      const message: Sent = {
        at: performance.now(),
        wallAt: Date.now(),
        cid,
        acked: false,
        delivered: false,
      };
      messages.set(clientMsgId, message);
      counts.sent++;
      void call(peer, 'message.send', { cid, clientMsgId, text: `load ${counts.sent}` }).then((reply) => {
        if (reply.t === 'ack') {
          counts.acked++;
          message.acked = true;
        } else counts.nacked++;
      });
    };
    const phase = setTimeout(
      () => {
        send();
        timers[i] = setInterval(send, INTERVAL);
      },
      (i / ready.length) * INTERVAL,
    );
    return phase;
  });
  await new Promise((resolve) => setTimeout(resolve, DURATION));
  for (const timer of timers) clearInterval(timer);
  // Let in-flight messages and their acks land (an agent may get a message before its sender's ack), bounded.
  const drainUntil = performance.now() + 10_000;
  const inFlight = () => counts.delivered < counts.sent || counts.acked + counts.nacked < counts.sent;
  while (inFlight() && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  finish('done');
}

const setupGuard = setTimeout(
  () => finish('setup did not finish in time'),
  SETUP_TIMEOUT + JOIN_TIMEOUT + 30_000,
);
main()
  .catch((error: unknown) => {
    counts.errors++;
    process.stderr.write(`load generator failed: ${String(error)}\n`);
    finish('error');
  })
  .finally(() => clearTimeout(setupGuard));
