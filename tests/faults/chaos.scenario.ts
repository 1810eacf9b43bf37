// The chaos scenario shared by `chaos.test.ts` (a compressed schedule in `npm test`) and `scripts/chaos.mjs`
// (a longer one): a visitor in two tabs and an agent, core's real sessions over WebSockets through a fault proxy,
// a seeded schedule of resets, black holes, latency and server restarts on the same PGlite directory.

import type { AgentSession, ChatMessage, VisitorSession, WebSocketConstructor } from '@helpline/core';
import { createAgentSession, createVisitorSession, createWebSocketTransport } from '@helpline/core';
import WebSocket from 'ws';
import type { HelplineServer } from '../../packages/server/src/server';
import { freshPgliteDir } from '../../packages/server/src/testing/databases';
import { http, SITE_ORIGIN, staffToken, startTestServer } from '../../packages/server/src/testing/harness';
import { type FaultProxy, startFaultProxy } from '../../packages/server/src/testing/proxy';

/** One fault of the schedule, at `atMs` after the first message. */
export type ChaosFault =
  | { readonly atMs: number; readonly kind: 'reset' }
  | { readonly atMs: number; readonly kind: 'blackhole'; readonly forMs: number }
  | { readonly atMs: number; readonly kind: 'latency'; readonly forMs: number }
  | { readonly atMs: number; readonly kind: 'restart' };

/** Parameters of one run. */
export interface ChaosOptions {
  readonly seed: number;
  readonly messages: number;
  /** Real milliseconds between two sends. */
  readonly sendEveryMs: number;
  /** How many faults of each kind. */
  readonly faults: {
    readonly reset: number;
    readonly blackhole: number;
    readonly latency: number;
    readonly restart: number;
  };
  /**
   * Real milliseconds per nominal second of a black hole or latency window (black holes are nominally 5–60 s;
   * 1,000 is real time, 20 compresses a minute into 1.2 s).
   */
  readonly msPerNominalSecond: number;
  readonly log?: (line: string) => void;
}

/** What a run observed. */
export interface ChaosReport {
  readonly schedule: readonly ChaosFault[];
  /** Message texts in the database, by sender prefix (`t1-`, `t2-`, `a-`), in `seq` order. */
  readonly storedBySender: Readonly<Record<string, readonly string[]>>;
  readonly expectedBySender: Readonly<Record<string, readonly string[]>>;
  /** `seq` of every stored event, in order. */
  readonly storedSeqs: readonly number[];
  /** Stored messages as `seq:text`, in order. */
  readonly storedLog: readonly string[];
  /** What each session's store shows (confirmed messages as `seq:text`, in order). */
  readonly views: Readonly<Record<'tab1' | 'tab2' | 'agent', readonly string[]>>;
  /** Messages still `sending` or `failed` in each session's store. */
  readonly unconfirmed: Readonly<Record<'tab1' | 'tab2' | 'agent', number>>;
  /** How often each session's connection went from up to down (the faults must have landed). */
  readonly drops: Readonly<Record<'tab1' | 'tab2' | 'agent', number>>;
  readonly elapsedMs: number;
}

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeded fault schedule over the sending window; faults never overlap. */
export function chaosSchedule(options: ChaosOptions): ChaosFault[] {
  const random = seededRandom(options.seed);
  const kinds: ChaosFault['kind'][] = [];
  for (const [kind, count] of Object.entries(options.faults) as [ChaosFault['kind'], number][])
    for (let i = 0; i < count; i++) kinds.push(kind);
  // Shuffle (Fisher–Yates) so the order of fault kinds depends on the seed too.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as ChaosFault['kind'], kinds[i] as ChaosFault['kind']];
  }
  const window = options.messages * options.sendEveryMs;
  const slot = window / (kinds.length + 1);
  return kinds.map((kind, i): ChaosFault => {
    const atMs = Math.round(slot * (i + 0.5 + random() * 0.5));
    const nominalSeconds = 5 + Math.floor(random() * 56); // 5–60 s
    switch (kind) {
      case 'blackhole':
        return { atMs, kind, forMs: nominalSeconds * options.msPerNominalSecond };
      case 'latency':
        return { atMs, kind, forMs: nominalSeconds * options.msPerNominalSecond };
      default:
        return { atMs, kind };
    }
  });
}

/** A `ws` class that presents the site's origin, as a browser on the shop's page would. */
function wsFrom(origin: string | undefined): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, origin ? { origin } : {});
    }
  } as unknown as WebSocketConstructor;
}

/** Resolves when `done()` holds, checked every `everyMs`; rejects after `timeoutMs` with `describe()`. */
export async function until(
  done: () => boolean,
  describe: () => string,
  timeoutMs: number,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const confirmed = (messages: readonly ChatMessage[]) =>
  messages.filter((m) => m.status === 'sent' && m.seq !== undefined).map((m) => `${m.seq}:${m.text}`);

/** Runs the scenario and reports what the database and the sessions hold; cleans up after itself. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const schedule = chaosSchedule(options);
  const dataDir = await freshPgliteDir();
  const serverOptions = { storage: { kind: 'pglite' as const, dataDir }, heartbeatMs: 250, drainMs: 200 };
  let server: HelplineServer = await startTestServer(serverOptions);
  const proxy: FaultProxy = await startFaultProxy(server.port);
  const url = `ws://127.0.0.1:${proxy.port}/v1/ws`;
  const random = seededRandom(options.seed ^ 0x5eed);
  // Back-off capped low: the contract's 30 s cap would make a compressed schedule wait on timers, not on faults.
  const connection = {
    random,
    backoff: { initialMs: 50, maxMs: 400 },
    commandTimeoutMs: 3_000,
    environment: null,
  };
  const visitorToken = (
    (await http(server, '/v1/sessions/visitor', { body: { site: 'shop' } })).body as { token: string }
  ).token;
  const visitorTab = (): VisitorSession =>
    createVisitorSession({
      ...connection,
      transport: createWebSocketTransport({ url, site: 'shop', WebSocketImpl: wsFrom(SITE_ORIGIN) }),
      token: visitorToken,
      storageKey: false,
    });
  const agentJwt = await staffToken('alice', { expiresIn: 3600 });
  const agent: AgentSession = createAgentSession({
    ...connection,
    transport: createWebSocketTransport({ url, WebSocketImpl: wsFrom(undefined) }),
    token: agentJwt,
  });
  const tab1 = visitorTab();
  const tab2 = visitorTab();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const intervals = new Set<ReturnType<typeof setInterval>>();
  const started = Date.now();
  try {
    const unsubscribe = [agent.$offers, agent.$conversations, tab1.$messages, tab2.$messages].map((store) =>
      store.listen(() => {}),
    );
    const drops = { tab1: 0, tab2: 0, agent: 0 };
    for (const [who, session] of [
      ['tab1', tab1],
      ['tab2', tab2],
      ['agent', agent],
    ] as const) {
      let up = false;
      unsubscribe.push(
        session.$connection.subscribe((snapshot) => {
          const nowUp = snapshot.value === 'connected' || snapshot.value === 'caught-up';
          if (up && !nowUp) drops[who]++;
          up = nowUp;
        }),
      );
    }
    await agent.setPresence('available');
    const cid = await tab1.startChat({ queueId: 'support' });
    await until(
      () => agent.$offers.get()[cid] !== undefined,
      () => 'offer reached the agent',
      10_000,
    );
    await agent.accept(cid);
    await until(
      () => tab1.$interaction.get()?.state === 'active',
      () => 'chat active',
      10_000,
    );
    // The second tab of the same visitor finds the conversation in progress, as after opening a new tab.
    await tab2.restore();
    log(`conversation ${cid}; schedule ${JSON.stringify(schedule)}`);

    let restarting: Promise<void> = Promise.resolve();
    const later = (ms: number, run: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, ms);
      timers.add(timer);
    };
    for (const fault of schedule) {
      later(fault.atMs, () => {
        log(`${Date.now() - started} ms: ${fault.kind}${'forMs' in fault ? ` for ${fault.forMs} ms` : ''}`);
        if (fault.kind === 'reset') proxy.cut();
        else if (fault.kind === 'latency') {
          proxy.setDelay(300);
          later(fault.forMs, () => proxy.setDelay(0));
        } else if (fault.kind === 'blackhole') {
          // Everything open now goes silent, and so does every connection opened during the window.
          proxy.blackhole();
          const interval = setInterval(() => proxy.blackhole(), 10);
          intervals.add(interval);
          later(fault.forMs, () => {
            clearInterval(interval);
            intervals.delete(interval);
          });
        } else {
          restarting = restarting.then(async () => {
            await server.close();
            proxy.cut();
            server = await startTestServer(serverOptions);
            proxy.setTarget(server.port);
            log(`${Date.now() - started} ms: server back on port ${server.port}`);
          });
        }
      });
    }

    const expectedBySender: Record<string, string[]> = { 't1-': [], 't2-': [], 'a-': [] };
    const sends: Promise<void>[] = [];
    const senders = ['t1-', 't2-', 'a-'] as const;
    for (let i = 0; i < options.messages; i++) {
      const prefix = senders[Math.floor(random() * senders.length)] ?? 'a-';
      const text = `${prefix}${i}`;
      expectedBySender[prefix]?.push(text);
      const sent =
        prefix === 't1-'
          ? tab1.sendMessage(text)
          : prefix === 't2-'
            ? tab2.sendMessage(text)
            : agent.sendMessage(cid, text);
      // A send may reject only if the server refused it for good; that is a finding, reported below.
      sends.push(sent.catch((error: unknown) => log(`send ${text} rejected: ${String(error)}`)));
      await new Promise((resolve) => setTimeout(resolve, options.sendEveryMs));
    }
    await until(
      () => timers.size === 0,
      () => `${timers.size} faults still pending`,
      120_000,
    );
    await restarting;
    await Promise.all(sends);

    const head = async () => (await server.storage.events(cid, 0, 100_000)).length;
    const total = options.messages + 0;
    const settled = (messages: readonly ChatMessage[]) =>
      messages.filter((m) => m.status === 'sent').length >= total &&
      messages.every((m) => m.status === 'sent');
    await until(
      () =>
        settled(tab1.$messages.get()) &&
        settled(tab2.$messages.get()) &&
        settled(agent.$conversations.get()[cid]?.messages ?? []),
      () =>
        `convergence: tab1 ${confirmed(tab1.$messages.get()).length}, tab2 ${confirmed(tab2.$messages.get()).length}, agent ${confirmed(agent.$conversations.get()[cid]?.messages ?? []).length} of ${total}`,
      60_000,
    );
    log(`${Date.now() - started} ms: converged; ${await head()} events stored`);

    const stored = await server.storage.events(cid, 0, 100_000);
    const storedMessages = stored.flatMap((e) =>
      e.ev.type === 'message' ? [{ seq: e.seq, text: e.ev.text }] : [],
    );
    const storedBySender: Record<string, string[]> = {};
    for (const prefix of senders)
      storedBySender[prefix] = storedMessages.filter((m) => m.text.startsWith(prefix)).map((m) => m.text);
    const agentMessages = agent.$conversations.get()[cid]?.messages ?? [];
    const unconfirmedIn = (messages: readonly ChatMessage[]) =>
      messages.filter((m) => m.status !== 'sent').length;
    for (const stop of unsubscribe) stop();
    return {
      schedule,
      storedBySender,
      expectedBySender,
      storedSeqs: stored.map((e) => e.seq),
      storedLog: storedMessages.map((m) => `${m.seq}:${m.text}`),
      views: {
        tab1: confirmed(tab1.$messages.get()),
        tab2: confirmed(tab2.$messages.get()),
        agent: confirmed(agentMessages),
      },
      unconfirmed: {
        tab1: unconfirmedIn(tab1.$messages.get()),
        tab2: unconfirmedIn(tab2.$messages.get()),
        agent: unconfirmedIn(agentMessages),
      },
      drops,
      elapsedMs: Date.now() - started,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const interval of intervals) clearInterval(interval);
    tab1.close();
    tab2.close();
    agent.close();
    await proxy.close();
    await server.close();
  }
}
