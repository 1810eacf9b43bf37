// Load generator for the server benchmark (scripts/bench/server.bench.ts). Loopback only, bounded in count and
// time, stops by itself: V visitor sockets and A agent sockets; each visitor starts a chat that an agent accepts,
// then sends one message every `interval` ms for `duration` ms. Measures fan-out latency (visitor send → agent
// receives the event), and counts what was sent, acknowledged and delivered. Prints one JSON line at the end.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    visitors: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '500' },
    interval: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '60000' },
    site: { type: 'string', default: 'bench' },
    concurrency: { type: 'string', default: '100' },
    'setup-timeout': { type: 'string', default: '240000' },
  },
});

const base = new URL(values.url ?? 'http://127.0.0.1:8787');
if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost') throw new Error('loopback targets only');
const VISITORS = Math.min(Number(values.visitors), 20_000);
const AGENTS = Math.min(Number(values.agents), 2_000);
const INTERVAL = Number(values.interval);
const DURATION = Math.min(Number(values.duration), 300_000);
const CONCURRENCY = Number(values.concurrency);
const SETUP_TIMEOUT = Number(values['setup-timeout']);
const secret = process.env.HELPLINE_JWT_SECRET ?? '';
const socketUrl = `ws://${base.host}/v1/ws?site=${values.site}`;
const hardStop = setTimeout(() => finish('hard time limit'), SETUP_TIMEOUT + DURATION + 60_000);

type Frame = {
  t: string;
  id?: string;
  cid?: string;
  ts?: number;
  ev?: { type: string; clientMsgId?: string; from?: { role: string } };
  notice?: { type: string; offer?: { interaction: { id: string } } };
  result?: { cid?: string };
};

interface Peer {
  ws: WebSocket;
  pending: Map<string, (frame: Frame) => void>;
  nextId: number;
}

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const counts = {
  sent: 0,
  acked: 0,
  nacked: 0,
  delivered: 0,
  duplicates: 0,
  closedUnexpectedly: 0,
  errors: 0,
};
const delivered = new Set<string>();
const joined = new Map<string, () => void>();
const worstBySecond = new Map<number, number>();
let steadyStartedAt = 0;
let stopping = false;

function open(onFrame: (peer: Peer, frame: Frame) => void): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(socketUrl, ['helpline.v1'], { perMessageDeflate: false });
    const peer: Peer = { ws, pending: new Map(), nextId: 1 };
    ws.once('open', () => resolve(peer));
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

async function inBatches<T>(count: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

function onAgentFrame(peer: Peer, frame: Frame): void {
  if (frame.t === 'notice' && frame.notice?.type === 'offer' && frame.notice.offer) {
    void call(peer, 'offer.accept', { cid: frame.notice.offer.interaction.id });
  } else if (frame.t === 'evt' && frame.ev?.type === 'message' && frame.ev.from?.role === 'visitor') {
    const id = frame.ev.clientMsgId ?? '';
    const at = sentAt.get(id);
    if (at === undefined) return;
    if (delivered.has(id)) {
      counts.duplicates++;
      return;
    }
    delivered.add(id);
    counts.delivered++;
    const latency = performance.now() - at;
    latencies.push(latency);
    // The slowest delivery per second of the run, to tell a steady tail from periodic stalls.
    const second = Math.floor((at - steadyStartedAt) / 1000);
    worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, latency));
  }
}

function onVisitorFrame(_peer: Peer, frame: Frame): void {
  if (frame.t === 'evt' && frame.ev?.type === 'joined' && frame.cid) joined.get(frame.cid)?.();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

let setupMs = 0;
let peers: Peer[] = [];
function finish(reason: string): void {
  stopping = true;
  clearTimeout(hardStop);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    reason,
    visitors: VISITORS,
    agents: AGENTS,
    setupMs: Math.round(setupMs),
    ...counts,
    lost: counts.sent - counts.delivered,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    p95: percentile(sorted, 95),
    p999: percentile(sorted, 99.9),
    worstSeconds: [...worstBySecond]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([second, ms]) => `${second}s:${Math.round(ms)}ms`),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  for (const peer of peers) peer.ws.terminate();
  setTimeout(() => process.exit(0), 200).unref();
}

async function main(): Promise<void> {
  const setupStarted = performance.now();
  const key = new TextEncoder().encode(secret);
  const agents = await inBatches(AGENTS, async (i) => {
    const id = `agent-${String(i).padStart(4, '0')}`;
    const token = await new SignJWT({ role: 'agent' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setExpirationTime('2h')
      .sign(key);
    const peer = await open(onAgentFrame);
    const welcome = await hello(peer, token);
    if (welcome.t !== 'welcome') throw new Error(`agent ${id} refused`);
    await call(peer, 'presence.set', { status: 'available' });
    return peer;
  });
  const visitors = await inBatches(VISITORS, async () => {
    const response = await fetch(`${base.origin}/v1/sessions/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: values.site }),
    });
    const { token } = (await response.json()) as { token: string };
    const peer = await open(onVisitorFrame);
    const welcome = await hello(peer, token);
    if (welcome.t !== 'welcome') throw new Error('visitor refused');
    const started = await call(peer, 'chat.start', { channel: 'chat' });
    const cid = started.result?.cid;
    if (!cid) throw new Error(`chat.start refused: ${JSON.stringify(started)}`);
    await new Promise<void>((resolve) => {
      joined.set(cid, resolve);
    });
    joined.delete(cid);
    return { peer, cid };
  });
  peers = [...agents, ...visitors.map((v) => v.peer)];
  setupMs = performance.now() - setupStarted;
  clearTimeout(setupGuard);
  process.stderr.write(`setup done in ${Math.round(setupMs)} ms\n`);

  // Steady state: each visitor sends every INTERVAL ms, phases spread evenly over the interval.
  steadyStartedAt = performance.now();
  const endAt = steadyStartedAt + DURATION;
  const timers = visitors.map(({ peer, cid }, i) => {
    const send = () => {
      if (performance.now() >= endAt) return;
      const clientMsgId = randomUUID();
      sentAt.set(clientMsgId, performance.now());
      counts.sent++;
      void call(peer, 'message.send', { cid, clientMsgId, text: `load ${counts.sent}` }).then((reply) => {
        if (reply.t === 'ack') counts.acked++;
        else counts.nacked++;
      });
    };
    const phase = setTimeout(
      () => {
        send();
        timers[i] = setInterval(send, INTERVAL);
      },
      (i / visitors.length) * INTERVAL,
    );
    return phase;
  });
  await new Promise((resolve) => setTimeout(resolve, DURATION));
  for (const timer of timers) clearInterval(timer);
  // Let in-flight messages land, bounded.
  const drainUntil = performance.now() + 10_000;
  while (counts.delivered < counts.sent && performance.now() < drainUntil)
    await new Promise((r) => setTimeout(r, 100));
  finish('done');
}

const setupGuard = setTimeout(() => finish('setup did not finish in time'), SETUP_TIMEOUT);
main()
  .catch((error: unknown) => {
    counts.errors++;
    process.stderr.write(`load generator failed: ${String(error)}\n`);
    finish('error');
  })
  .finally(() => clearTimeout(setupGuard));
