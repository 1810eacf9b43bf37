// The crash scenario behind `crash.test.ts` (a compressed run in `npm test`) and `crash.long.ts` (`npm run chaos`):
// `helpline serve` runs as a child process on a persistent database and is killed with SIGKILL at seeded moments,
// then started again on the same data, while visitors chat with agents through core's real sessions, offers run
// out and scheduled callbacks come due. The clients reach the server through a TCP proxy, so they survive each
// restart by reconnecting and resuming. In a cluster (two instances on one PostgreSQL behind the round-robin
// balancer), each kill is of the leader, and the other instance takes over (crash.deployment.ts). The run reports what every client saw and what the database holds;
// crash.assert.ts judges it.
//
// The seed fixes the plan (message counts, callback slots, the moments of the kills); which frames are in flight at
// a kill also depends on how the two processes are scheduled, so a failure names its evidence, not just its seed.

import type {
  AgentSession,
  ConversationEvent,
  ConversationView,
  DeliveredEvent,
  ServerFrame,
  Transport,
  VisitorSession,
  WebSocketConstructor,
} from '@helpline/core';
import { createAgentSession, createVisitorSession, createWebSocketTransport } from '@helpline/core';
import type { StoredEvent, StoredInteraction } from '@helpline/core/hub';
import WebSocket from 'ws';
import type { ConfigInput } from '../../packages/server/src/config/config';
import { openStorage } from '../../packages/server/src/storage/sql.storage';
import { SITE_ORIGIN, staffToken, TEST_CONFIG } from '../../packages/server/src/testing/harness';
import { seededRandom, until } from './chaos.scenario';
import { type CrashDatabase, type CrashDeployment, startCrashDeployment } from './crash.deployment';

export type { CrashDatabase } from './crash.deployment';

/** Agents who accept every offer; `carl` never answers, so each offer made to him runs out. */
export const ACCEPTING_AGENTS = ['alice', 'bob'] as const;
export const SILENT_AGENT = 'carl';

/**
 * Short timers so that offers really time out during the run: an offer lasts one second (the shortest the
 * configuration allows), the heartbeat one second. No wrap-up, so a chat ends when its visitor leaves.
 */
export const CRASH_CONFIG: ConfigInput = {
  queues: [
    { id: 'support', name: 'Support', acw: { kind: 'none' }, offerTimeoutSeconds: 1 },
    { id: 'callbacks', name: 'Callbacks', acw: { kind: 'none' }, offerTimeoutSeconds: 1 },
  ],
  agents: [
    { id: 'alice', name: 'Alice', capacity: { chat: 3, callback: 1 } },
    { id: 'bob', name: 'Bob', capacity: { chat: 3, callback: 1 } },
    { id: SILENT_AGENT, name: 'Carl', capacity: { chat: 3, callback: 1 } },
  ],
  sites: [{ id: 'shop', origins: [SITE_ORIGIN] }],
  limits: TEST_CONFIG.limits,
  heartbeatSeconds: 1,
};

/** Parameters of one run. */
export interface CrashOptions {
  readonly seed: number;
  readonly chats: number;
  readonly callbacks: number;
  readonly kills: number;
  /** Uptime between a restart and the next kill, in ms: at least `min`, at most `min + spread`. */
  readonly uptimeMs: { readonly min: number; readonly spread: number };
  readonly database: CrashDatabase;
  /** The whole run gives up (and reports what is stuck) after this long. */
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

/** What one chat does: messages sent while waiting, then by the visitor and by the agent once accepted. */
export interface ChatPlan {
  readonly waiting: number;
  readonly visitor: number;
  readonly agent: number;
}

/** The seeded part of a run. */
export interface CrashPlan {
  readonly chats: readonly ChatPlan[];
  /** Callback slot starts, in ms after the chats started. The first falls while the server is down. */
  readonly callbackSlotsMs: readonly number[];
  /** When the first kill comes (ms after the chats started); later ones follow each restart after `uptimesMs`. */
  readonly firstKillMs: number;
  readonly uptimesMs: readonly number[];
}

/** The plan a seed gives. */
export function crashPlan(
  options: Pick<CrashOptions, 'seed' | 'chats' | 'callbacks' | 'kills' | 'uptimeMs'>,
): CrashPlan {
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chats = Array.from({ length: options.chats }, () => ({
    waiting: between(1, 2),
    visitor: between(3, 6),
    agent: between(2, 5),
  }));
  const firstKillMs = between(2_500, 4_500);
  const uptimesMs = Array.from({ length: Math.max(0, options.kills - 1) }, () =>
    between(options.uptimeMs.min, options.uptimeMs.min + options.uptimeMs.spread),
  );
  // One slot comes due while the server is down (a restart takes seconds), the others while it runs or not.
  const callbackSlotsMs = Array.from({ length: options.callbacks }, (_, i) =>
    i === 0 ? firstKillMs + 600 : between(1_500, 1_500 + 4_000 * options.callbacks),
  );
  return { chats, callbackSlotsMs, firstKillMs, uptimesMs };
}

/** One client's view of one conversation at the end. */
export interface ClientConversation {
  readonly lastSeq: number;
  /** Confirmed messages as `seq:text`, in order. */
  readonly messages: readonly string[];
  /** Messages still `sending` or `failed`. */
  readonly unconfirmed: number;
  /** Events the connection delivered, in delivery order. */
  readonly delivered: readonly DeliveredEvent[];
  /** Events that history pages brought (the store folds them in before it follows the conversation). */
  readonly paged: ReadonlyMap<number, ConversationEvent>;
}

/** What one client (visitor or agent) saw. */
export interface ClientReport {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  readonly subjectId: string | undefined;
  readonly conversations: ReadonlyMap<string, ClientConversation>;
  /** How often its connection went from up to down. */
  readonly drops: number;
  /** When its connection came up (connected) and went down, in order. */
  readonly links: readonly LinkChange[];
}

/** The connection came up or went down, at `at` (epoch ms). */
export interface LinkChange {
  readonly at: number;
  readonly up: boolean;
}

/** One message a client sent and what came of it. */
export interface SentMessage {
  readonly cid: string;
  readonly by: string;
  readonly text: string;
  /** The server acknowledged it. */
  acked: boolean;
  /** The server refused it for good. */
  refused?: string;
}

/** The database after the run, per conversation. */
export interface StoredConversation {
  readonly record: StoredInteraction;
  readonly events: readonly StoredEvent[];
}

/** What a run observed. */
export interface CrashReport {
  readonly seed: number;
  readonly plan: CrashPlan;
  readonly kills: number;
  /** When each kill and each restart happened (epoch ms): the server was down in between. */
  readonly downtimes: readonly { readonly from: number; readonly to: number }[];
  readonly chats: readonly string[];
  readonly callbacks: readonly { readonly cid: string; readonly slot: number }[];
  /** Conversations each visitor has in the database (a retried start must not open a second one). */
  readonly conversationsPerVisitor: ReadonlyMap<string, number>;
  readonly stored: ReadonlyMap<string, StoredConversation>;
  readonly clients: readonly ClientReport[];
  readonly sent: readonly SentMessage[];
  /** Scripts that did not finish in time, with what they waited for. */
  readonly stuck: readonly string[];
  /** Error lines the server processes logged. */
  readonly serverErrors: readonly string[];
  readonly elapsedMs: number;
}

/** A `ws` class that presents `origin`, as a browser on the shop's page would (none for the agents' console). */
function wsFrom(origin: string | undefined): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, origin ? { origin } : {});
    }
  } as unknown as WebSocketConstructor;
}

/**
 * A transport that also hands each history page the client receives to `onPage`: the conversations store folds
 * those pages in directly, so they and the delivered events together are what the client's view was built from.
 */
function tapHistory(
  inner: Transport,
  onPage: (cid: string, events: readonly StoredEvent[]) => void,
): Transport {
  return {
    open(handlers) {
      const asked = new Map<string, string>();
      const link = inner.open({
        onOpen: () => handlers.onOpen(),
        onFrame(raw) {
          const frame = JSON.parse(raw) as ServerFrame;
          const cid = frame.t === 'ack' ? asked.get(frame.id) : undefined;
          if (frame.t === 'ack' && cid !== undefined) {
            asked.delete(frame.id);
            const { events } = frame.result as {
              events: { seq: number; at: number; ev: ConversationEvent }[];
            };
            onPage(
              cid,
              events.map((e) => ({ cid, ...e })),
            );
          }
          handlers.onFrame(raw);
        },
        onClose: (info) => handlers.onClose(info),
      });
      return {
        send(raw) {
          const frame = JSON.parse(raw) as { t?: string; id?: string; op?: string; args?: { cid?: string } };
          if (frame.t === 'cmd' && frame.op === 'history' && frame.id && frame.args?.cid)
            asked.set(frame.id, frame.args.cid);
          link.send(raw);
        },
        close: (code, reason) => link.close(code, reason),
      };
    },
  };
}

/** Records what a session's connection delivered and what history pages it read, by conversation. */
class Observer {
  readonly delivered = new Map<string, DeliveredEvent[]>();
  readonly paged = new Map<string, Map<number, ConversationEvent>>();
  drops = 0;
  readonly links: LinkChange[] = [];

  constructor(
    readonly name: string,
    readonly role: 'visitor' | 'agent',
  ) {}

  page(cid: string, events: readonly StoredEvent[]): void {
    const pages = this.paged.get(cid) ?? new Map<number, ConversationEvent>();
    for (const { seq, ev } of events) pages.set(seq, ev);
    this.paged.set(cid, pages);
  }

  watch(session: VisitorSession | AgentSession): () => void {
    const stopEvents = session.connection.onEvent((event) => {
      const list = this.delivered.get(event.cid) ?? [];
      list.push(event);
      this.delivered.set(event.cid, list);
    });
    let up = false;
    const stopState = session.$connection.subscribe((snapshot) => {
      const nowUp = snapshot.value === 'connected' || snapshot.value === 'caught-up';
      if (up && !nowUp) this.drops++;
      if (nowUp !== up) this.links.push({ at: Date.now(), up: nowUp });
      up = nowUp;
    });
    return () => {
      stopEvents();
      stopState();
    };
  }

  report(views: Readonly<Record<string, ConversationView>>, subjectId: string | undefined): ClientReport {
    const conversations = new Map<string, ClientConversation>();
    for (const [cid, view] of Object.entries(views)) {
      conversations.set(cid, {
        lastSeq: view.lastSeq,
        messages: view.messages
          .filter((m) => m.status === 'sent' && m.seq !== undefined)
          .map((m) => `${m.seq}:${m.text}`),
        unconfirmed: view.messages.filter((m) => m.status !== 'sent').length,
        delivered: this.delivered.get(cid) ?? [],
        paged: this.paged.get(cid) ?? new Map(),
      });
    }
    return {
      name: this.name,
      role: this.role,
      subjectId,
      conversations,
      drops: this.drops,
      links: this.links,
    };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isUp = (session: VisitorSession | AgentSession) => {
  const state = session.$connection.get().value;
  return state === 'connected' || state === 'caught-up';
};
const errorText = (error: unknown) =>
  error && typeof error === 'object' && 'code' in error ? String(error.code) : String(error);

/** Runs the scenario and reports what the clients and the database hold; cleans up after itself. */
export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => {});
  const plan = crashPlan(options);
  const random = seededRandom(options.seed ^ 0xc4a5);
  const jitter = (min: number, max: number) => min + Math.floor(random() * (max - min));
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const elapsed = () => `${String(Date.now() - started).padStart(6)} ms`;
  const serverErrors: string[] = [];
  const stuck: string[] = [];
  const sent: SentMessage[] = [];
  const cleanups: (() => void)[] = [];
  let finished = false;
  const deployment: CrashDeployment = await startCrashDeployment(options.database, CRASH_CONFIG, (line) =>
    serverErrors.push(line),
  );
  const { socketUrl } = deployment;
  const connection = {
    random: seededRandom(options.seed ^ 0x5eed),
    // Back-off capped low: the contract's 30 s cap would make the run wait on timers, not on restarts.
    backoff: { initialMs: 50, maxMs: 500 },
    commandTimeoutMs: 3_000,
    environment: null,
  };
  const observers: { observer: Observer; session: VisitorSession | AgentSession }[] = [];

  async function visitorSession(name: string): Promise<VisitorSession> {
    const response = await fetch(`${deployment.httpUrl}/v1/sessions/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'shop' }),
    });
    if (response.status !== 201) throw new Error(`visitor session: ${response.status}`);
    const { token } = (await response.json()) as { token: string };
    const observer = new Observer(name, 'visitor');
    const session = createVisitorSession({
      ...connection,
      transport: tapHistory(
        createWebSocketTransport({ url: socketUrl, site: 'shop', WebSocketImpl: wsFrom(SITE_ORIGIN) }),
        (cid, events) => observer.page(cid, events),
      ),
      token,
      storageKey: false,
    });
    cleanups.push(observer.watch(session), () => session.close());
    observers.push({ observer, session });
    return session;
  }

  async function agentSession(agentId: string): Promise<AgentSession> {
    const observer = new Observer(agentId, 'agent');
    const session = createAgentSession({
      ...connection,
      transport: tapHistory(
        createWebSocketTransport({ url: socketUrl, WebSocketImpl: wsFrom(undefined) }),
        (cid, events) => observer.page(cid, events),
      ),
      token: await staffToken(agentId, { expiresIn: 3_600 }),
    });
    cleanups.push(observer.watch(session), () => session.close());
    observers.push({ observer, session });
    return session;
  }

  /** Sends through a session and records what came of it; resolves either way. */
  function track(cid: string, by: string, text: string, sending: Promise<void>): Promise<void> {
    const message: SentMessage = { cid, by, text, acked: false };
    sent.push(message);
    return sending.then(
      () => {
        message.acked = true;
      },
      (error: unknown) => {
        message.refused = errorText(error);
        log(`${elapsed()}: ${by} ${text} refused: ${message.refused}`);
      },
    );
  }

  /** Waits for `done`; rejects with what it waited for at the run's deadline (the script is then stuck). */
  async function waitUntil(done: () => boolean, what: () => string): Promise<void> {
    await until(done, what, Math.max(0, deadline - Date.now()), 20);
  }

  // ─── agents ───────────────────────────────────────────────────────────────────────────────────

  const agentChats = new Map<string, Promise<void>>();

  /** An agent's part in one chat: a few replies, spaced out. */
  async function agentChat(agent: AgentSession, agentId: string, cid: string, index: number): Promise<void> {
    const chat = plan.chats[index];
    if (!chat) return;
    for (let k = 0; k < chat.agent; k++) {
      await track(
        cid,
        agentId,
        `${agentId}.${index}.${k}`,
        agent.sendMessage(cid, `${agentId}.${index}.${k}`),
      );
      await sleep(jitter(150, 500));
    }
  }

  /**
   * Drives one agent: back to `available` whenever the server forgot it (a restart) or set it away (missed
   * offers); accepting agents take every offer, chat, and dial, answer and end every callback they get.
   */
  async function agentLoop(
    agent: AgentSession,
    agentId: string,
    chatIndex: Map<string, number>,
  ): Promise<void> {
    const accepting = agentId !== SILENT_AGENT;
    const tried = new Set<string>();
    const busy = new Set<string>();
    let awaySince: number | undefined;
    const once = (key: string, work: () => Promise<unknown>) => {
      if (busy.has(key)) return;
      busy.add(key);
      void work()
        .catch(() => undefined)
        .finally(() => busy.delete(key));
    };
    while (!finished && Date.now() < deadline) {
      if (isUp(agent)) {
        const { status } = agent.$presence.get();
        if (status !== 'available') {
          awaySince ??= Date.now();
          // The silent agent stays away a moment, so that offers wait for the others too.
          if (accepting || Date.now() - awaySince > 400)
            once('presence', () => agent.setPresence('available'));
        } else awaySince = undefined;
        if (accepting) {
          for (const [cid, offer] of Object.entries(agent.$offers.get())) {
            const key = `${cid}@${offer.expiresAt}`;
            if (tried.has(key)) continue;
            tried.add(key);
            once(`accept ${cid}`, async () => {
              await sleep(jitter(0, 200));
              await agent.accept(cid);
            });
          }
          for (const interaction of Object.values(agent.$interactions.get())) {
            const cid = interaction.id;
            if (interaction.channel === 'chat' && interaction.state === 'active' && !agentChats.has(cid)) {
              const index = chatIndex.get(cid);
              if (index !== undefined) agentChats.set(cid, agentChat(agent, agentId, cid, index));
            } else if (interaction.channel === 'callback' && interaction.state === 'dialing') {
              once(`dial ${cid}`, () => agent.callbackOutcome(cid, 'answered'));
            } else if (interaction.channel === 'callback' && interaction.state === 'active') {
              once(`hang up ${cid}`, () => agent.end(cid));
            }
          }
        }
      }
      await sleep(40);
    }
  }

  // ─── visitors ─────────────────────────────────────────────────────────────────────────────────

  /** A visitor's part in one chat: writes while waiting and once accepted, waits for the replies, leaves. */
  async function visitorChat(visitor: VisitorSession, index: number, cid: string): Promise<void> {
    const chat = plan.chats[index];
    if (!chat) return;
    const name = `v${index}`;
    const sends: Promise<void>[] = [];
    const state = () => visitor.$interaction.get()?.state;
    for (let k = 0; k < chat.waiting; k++) {
      sends.push(track(cid, name, `${name}.w${k}`, visitor.sendMessage(`${name}.w${k}`)));
      await sleep(jitter(100, 400));
    }
    await waitUntil(
      () => state() === 'active',
      () => `${name} (${cid}) waits to be accepted; state ${state()}`,
    );
    for (let k = 0; k < chat.visitor; k++) {
      sends.push(track(cid, name, `${name}.${k}`, visitor.sendMessage(`${name}.${k}`)));
      await sleep(jitter(150, 500));
    }
    await Promise.all(sends);
    const replies = () =>
      visitor.$messages.get().filter((m) => m.from.role === 'agent' && m.status === 'sent').length;
    await waitUntil(
      () => replies() >= chat.agent,
      () => `${name} (${cid}) waits for ${chat.agent} replies; has ${replies()}`,
    );
    // Leaving is not a persistent command: a link that drops under it is tried again until the log says ended.
    while (state() !== 'ended' && Date.now() < deadline) {
      await visitor.endChat().catch(() => undefined);
      await until(
        () => state() === 'ended',
        () => '',
        1_000,
      ).catch(() => undefined);
    }
    if (state() !== 'ended') throw new Error(`${name} (${cid}) could not leave; state ${state()}`);
  }

  let kills = 0;
  const downtimes: { from: number; to: number }[] = [];
  try {
    // Setup, before any kill: agents online, every chat started and every callback requested.
    const chatIndex = new Map<string, number>();
    const agents = await Promise.all(
      [...ACCEPTING_AGENTS, SILENT_AGENT].map(async (id) => ({ id, session: await agentSession(id) })),
    );
    for (const { session } of agents) await session.setPresence('available');
    const visitors = await Promise.all(
      Array.from({ length: options.chats }, (_, i) => visitorSession(`v${i}`)),
    );
    const requesters = await Promise.all(
      Array.from({ length: options.callbacks }, (_, i) => visitorSession(`cb${i}`)),
    );
    const agentLoops = agents.map(({ id, session }) => agentLoop(session, id, chatIndex));
    const chats: string[] = [];
    for (const [i, visitor] of visitors.entries()) {
      const cid = await visitor.startChat({ queueId: 'support' });
      chats.push(cid);
      chatIndex.set(cid, i);
    }
    const t0 = Date.now();
    const callbacks = await Promise.all(
      requesters.map(async (requester, i) => {
        const slot = t0 + (plan.callbackSlotsMs[i] ?? 0);
        const cid = await requester.requestCallback({
          phone: `+3120123450${i % 10}`,
          timeZone: 'Europe/Amsterdam',
          slot,
          queueId: 'callbacks',
        });
        return { cid, slot };
      }),
    );
    log(
      `${elapsed()}: ${chats.length} chats started, ${callbacks.length} callbacks scheduled; plan ${JSON.stringify({ firstKillMs: plan.firstKillMs, uptimesMs: plan.uptimesMs, callbackSlotsMs: plan.callbackSlotsMs })}`,
    );

    const visitorScripts = visitors.map((visitor, i) =>
      visitorChat(visitor, i, chats[i] ?? '').catch((error: unknown) => {
        stuck.push(String(error instanceof Error ? error.message : error));
      }),
    );
    const callbackScripts = requesters.map((requester, i) =>
      waitUntil(
        () => requester.$interaction.get()?.state === 'completed',
        () =>
          `callback cb${i} (${callbacks[i]?.cid}) waits to be completed; state ${requester.$interaction.get()?.state}`,
      ).catch((error: unknown) => {
        stuck.push(String(error instanceof Error ? error.message : error));
      }),
    );

    // The kills: the first at a seeded moment, each later one a seeded while after the previous restart, and then
    // as soon as some offer is out (for at most two seconds), so that restarts have offers to take over. The first
    // needs no wait: every chat is still in line then.
    const offerOut = () => agents.some(({ session }) => Object.keys(session.$offers.get()).length > 0);
    const killing = (async () => {
      let at = t0 + plan.firstKillMs;
      for (let k = 0; k < options.kills; k++) {
        await sleep(Math.max(0, at - Date.now()));
        if (k > 0) await until(offerOut, () => '', 2_000, 10).catch(() => undefined);
        if (Date.now() > deadline) return;
        log(`${elapsed()}: kill -9 (#${k + 1})`);
        const from = Date.now();
        const done = await deployment.crash();
        kills++;
        downtimes.push({ from, to: Date.now() });
        log(`${elapsed()}: ${done}`);
        at = Date.now() + (plan.uptimesMs[k] ?? 0);
      }
    })();

    await killing;
    await Promise.all([...visitorScripts, ...callbackScripts]);
    await Promise.all(agentChats.values());
    log(`${elapsed()}: scripts done${stuck.length > 0 ? `, ${stuck.length} stuck` : ''}`);
    finished = true;
    await Promise.all(agentLoops);

    // Every conversation is over and its final state is its last event: once a client shows that state for each
    // conversation it follows, it has caught up with the log.
    const final = new Set(['ended', 'completed', 'cancelled', 'failed']);
    const viewsOf = ({ observer, session }: (typeof observers)[number]): Record<string, ConversationView> => {
      if (observer.role === 'agent') return (session as AgentSession).$conversations.get();
      const view = (session as VisitorSession).$conversation.get();
      return view ? { [view.cid]: view } : {};
    };
    const behind = () =>
      observers.flatMap((entry) =>
        Object.values(viewsOf(entry))
          .filter((view) => view.lastSeq > 0 && !final.has(view.interaction?.state ?? ''))
          .map(
            (view) =>
              `${entry.observer.name}: ${view.cid} at seq ${view.lastSeq}, ${view.interaction?.state}`,
          ),
      );
    await until(
      () => behind().length === 0,
      () => `clients catching up: ${behind().slice(0, 5).join('; ')}`,
      10_000,
    ).catch((error: unknown) => stuck.push(String(error instanceof Error ? error.message : error)));
    const clients = observers.map((entry) =>
      entry.observer.report(viewsOf(entry), entry.session.connection.$subject.get()?.id),
    );
    for (const stop of cleanups) stop();
    cleanups.length = 0;
    await deployment.stop();

    // The database as the last server left it.
    const storage = await openStorage(deployment.storage);
    const stored = new Map<string, StoredConversation>();
    const conversationsPerVisitor = new Map<string, number>();
    try {
      for (const cid of [...chats, ...callbacks.map((c) => c.cid)]) {
        const record = await storage.getInteraction(cid);
        if (record) stored.set(cid, { record, events: await storage.events(cid, 0, 1_000_000) });
      }
      for (const client of clients) {
        if (client.role === 'visitor' && client.subjectId)
          conversationsPerVisitor.set(
            client.name,
            (await storage.interactionsOfCustomer(client.subjectId)).length,
          );
      }
    } finally {
      await storage.close();
    }
    return {
      seed: options.seed,
      plan,
      kills,
      downtimes,
      chats,
      callbacks,
      conversationsPerVisitor,
      stored,
      clients,
      sent,
      stuck,
      serverErrors,
      elapsedMs: Date.now() - started,
    };
  } finally {
    finished = true;
    for (const stop of cleanups) stop();
    await deployment.close();
  }
}
