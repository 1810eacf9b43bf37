// The cluster scenarios behind `cluster.long.ts` (`npm run chaos`): three `helpline serve` instances on one
// PostgreSQL behind the round-robin balancer (packages/server/src/testing/cluster.harness.ts), visitors and agents
// as raw-protocol clients (cluster.client.ts) that chat, accept, decline, let offers run out and ask for callbacks,
// while a fault strikes: kill -9, a freeze, a cut to the database, a dropped LISTEN session, a rolling restart.
// Each run reports what every client sent and received and what the database holds; cluster.assert.ts counts the
// violations.
//
// "The leader" is the instance that holds the routing lease (an advisory lock, see the harness's `leader()`); while
// no instance holds one, a scenario takes instance 0 and says so in its notes.
//
// The seed fixes the plan (chat sizes, start times, the agents' answers in the order offers come, the moments of the
// faults); what is in flight at a fault also depends on how the processes are scheduled, so a report names its
// evidence, not only its seed.
import { randomUUID } from 'node:crypto';
import type { ConversationEvent, ServerFrame } from '@helpline/core';
import type { StoredEvent, StoredInteraction } from '@helpline/core/hub';
import type { ConfigInput } from '../../packages/server/src/config/config';
import { openPostgres } from '../../packages/server/src/storage/sql.client';
import { createSqlStorage } from '../../packages/server/src/storage/sql.storage';
import {
  type Cluster,
  type ClusterEvent,
  type ClusterInstance,
  startCluster,
} from '../../packages/server/src/testing/cluster.harness';
import { SITE_ORIGIN, staffToken, TEST_CONFIG } from '../../packages/server/src/testing/harness';
import { seededRandom } from '../faults/chaos.scenario';
import { type ClientRecord, ClusterClient, visitorSessionToken } from './cluster.client';
import {
  installStaleEpochAudit,
  readStaleEpochAudit,
  STALE_WRITER_AGENT,
  type StaleEpochReading,
  type StaleWriterRecord,
  startStaleWriter,
} from './cluster.stale';

// ─── plans ─────────────────────────────────────────────────────────────────────────────────────

/** What the visitors and agents of a scenario do. */
export interface Workload {
  /** Agents `a0`, `a1`…, each taking up to `chatCapacity` chats and one callback at a time. */
  readonly agents: number;
  readonly chatCapacity: number;
  readonly chats: number;
  /** The chats start spread over this long from the start of the run. */
  readonly startWindowMs: number;
  /** Messages per chat, [least, most]: while waiting, by the visitor once accepted, by the agent. */
  readonly waitingMessages: readonly [number, number];
  readonly visitorMessages: readonly [number, number];
  readonly agentMessages: readonly [number, number];
  /** How agents answer chat offers: the share they accept, the share they decline; the rest they let run out. */
  readonly answers: { readonly accept: number; readonly decline: number };
  /** Callback slots, in ms from the start of the run (one requester each); agents accept every callback offer. */
  readonly callbackSlotsMs?: readonly number[];
  /** A timed wrap-up on the chat queue, in seconds (visitors leave, the wrap-up ends by its timer); else none. */
  readonly wrapUpSeconds?: number;
  /** When the fault strikes, in ms from the start of the run, for scenarios that plan it. */
  readonly faultAtMs?: number;
  /** The run gives up (and reports what is stuck) this long after its start. */
  readonly timeoutMs: number;
}

/** A fault script's view of the run. */
export interface FaultContext {
  readonly cluster: Cluster;
  /** The instance taken for the routing leader. */
  readonly leader: number;
  readonly workload: Workload;
  readonly random: () => number;
  /** Ms since the run's start (the agents are online; the first chats start). */
  elapsed(): number;
  sleep(ms: number): Promise<void>;
  /** Waits until `done()` or `timeoutMs`; says which. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean>;
  /** Offers agents hold now. */
  offersOutstanding(): number;
  /** Chats an agent has taken and the visitor has not left. */
  activeChats(): number;
  /** Resolves when some agent next sends `offer.accept` (the accept is then in flight). */
  nextAccept(): Promise<void>;
  /** The instance with the most client connections among `among`. */
  busiest(among: readonly number[]): number;
  note(text: string): void;
  /** The faults, each recorded with its moment (resume and takeover are measured from it). */
  kill(index: number): Promise<void>;
  /** Starts the instance again; a start that fails is noted, not thrown. */
  start(index: number): Promise<void>;
  /** kill -9, then start again 3 s later, as a supervisor (systemd, Kubernetes) would. */
  crash(index: number): Promise<void>;
  stop(index: number): void;
  cont(index: number): void;
  partition(index: number): void;
  heal(index: number): void;
  dropListen(index: number): Promise<void>;
  rollingRestart(): Promise<void>;
  /**
   * Connects a client straight to instance `index` that writes (presence changes) until the returned function is
   * called: a former leader then tries to write once another has taken over (cluster.stale.ts).
   */
  writeFrom(index: number): Promise<() => Promise<void>>;
}

/** A named scenario: its workload for a seed, and its fault script. */
export interface ClusterScenario {
  readonly name: string;
  readonly summary: string;
  readonly workload: (random: () => number) => Workload;
  readonly fault: (context: FaultContext) => Promise<void>;
}

/** A fault as it struck. */
export interface FaultMark {
  readonly at: number;
  readonly kind:
    | 'kill'
    | 'start'
    | 'start-failed'
    | 'stop'
    | 'cont'
    | 'partition'
    | 'heal'
    | 'drop-listen'
    | 'terminate';
  readonly instance: number;
  readonly leader: boolean;
}

// ─── reports ───────────────────────────────────────────────────────────────────────────────────

/** A chat of the run. */
export interface RunChat {
  readonly cid: string;
  readonly index: number;
  readonly visitor: string;
}

/** A callback of the run. */
export interface RunCallback {
  readonly cid: string;
  readonly slot: number;
  readonly requester: string;
}

/** What the database holds of one conversation after the run. */
export interface StoredConversation {
  readonly record: StoredInteraction | undefined;
  readonly events: readonly StoredEvent[];
}

/** What a run observed. */
export interface ClusterReport {
  readonly scenario: string;
  readonly seed: number;
  readonly leader: number;
  readonly leaderFrom: 'lease' | 'assumed';
  readonly startedAt: number;
  readonly faults: readonly FaultMark[];
  readonly notes: readonly string[];
  readonly clients: readonly ClientRecord[];
  readonly chats: readonly RunChat[];
  readonly callbacks: readonly RunCallback[];
  readonly stored: ReadonlyMap<string, StoredConversation>;
  readonly capacity: { readonly chat: number; readonly callback: number };
  readonly instances: readonly ClusterInstance[];
  readonly events: readonly ClusterEvent[];
  /** Scripts that did not finish, with what they waited for. */
  readonly stuck: readonly string[];
  /** Writes committed under an epoch another instance had won (cluster.stale.ts). */
  readonly staleEpoch: StaleEpochReading;
  readonly elapsedMs: number;
}

// ─── the configuration ─────────────────────────────────────────────────────────────────────────

const OFFER_TIMEOUT_SECONDS = 2;
/** The restart that follows a kill, a few seconds later, as a supervisor (systemd, Kubernetes) would. */
const RESTART_AFTER_MS = 3_000;
/** A run in which no client has received anything for this long (offers run out every 2 s) is stuck. */
const STALL_MS = 20_000;
const HEARTBEAT_SECONDS = 1;

/** Agent ids of a workload. */
export const agentIds = (workload: Workload) => Array.from({ length: workload.agents }, (_, i) => `a${i}`);

/** The deployment's configuration for a workload: a chat queue and a callback queue, offers that run out in 2 s. */
export function clusterConfig(workload: Workload): ConfigInput {
  return {
    queues: [
      {
        id: 'support',
        name: 'Support',
        acw:
          workload.wrapUpSeconds === undefined
            ? { kind: 'none' }
            : { kind: 'timed', seconds: workload.wrapUpSeconds },
        offerTimeoutSeconds: OFFER_TIMEOUT_SECONDS,
      },
      {
        id: 'callbacks',
        name: 'Callbacks',
        acw: { kind: 'none' },
        offerTimeoutSeconds: OFFER_TIMEOUT_SECONDS,
      },
    ],
    agents: [
      ...agentIds(workload).map((id) => ({
        id,
        name: id.toUpperCase(),
        capacity: { chat: workload.chatCapacity, callback: 1 },
      })),
      // The stale-epoch writer: only ever away or offline, so never offered anything.
      { id: STALE_WRITER_AGENT, name: 'Probe' },
    ],
    sites: [{ id: 'shop', origins: [SITE_ORIGIN] }],
    limits: TEST_CONFIG.limits,
    heartbeatSeconds: HEARTBEAT_SECONDS,
  };
}

// ─── the run ───────────────────────────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const FINAL_STATES = new Set(['ended', 'completed', 'cancelled', 'failed']);
/** States in which a visitor has left a chat (a timed wrap-up may still run). */
const LEFT_STATES = new Set(['wrap-up', ...FINAL_STATES]);

const lastState = (client: ClusterClient, cid: string): string | undefined =>
  client
    .events(cid)
    .flatMap(({ ev }) => (ev.type === 'state' ? [ev.state] : []))
    .at(-1);
const isAgentMessage = (ev: ConversationEvent) => ev.type === 'message' && ev.from.role === 'agent';

interface AgentHooks {
  onFrame(frame: ServerFrame): void;
  onWelcome(): void;
}

/** Options of {@link runClusterScenario}. */
export interface ClusterRunOptions {
  readonly seed: number;
  /** A PostgreSQL URL whose user may create databases. */
  readonly adminUrl: string;
  /** Default 3; one instance gives a baseline that must show no violation at all. */
  readonly instances?: number;
  readonly log?: (line: string) => void;
}

/** Runs one scenario on a fresh cluster (three instances) and reports what happened; cleans up after itself. */
export async function runClusterScenario(
  scenario: ClusterScenario,
  options: ClusterRunOptions,
): Promise<ClusterReport> {
  const random = seededRandom(options.seed);
  const workload = scenario.workload(random);
  const between = ([min, max]: readonly [number, number]) => min + Math.floor(random() * (max - min + 1));
  const plans = Array.from({ length: workload.chats }, () => ({
    startMs: Math.floor(random() * workload.startWindowMs),
    waiting: between(workload.waitingMessages),
    visitor: between(workload.visitorMessages),
    agent: between(workload.agentMessages),
  }));
  const startedAt = Date.now();
  /** The run's clock starts once the agents are online (the cluster takes a while to start). */
  let t0 = startedAt;
  const elapsed = () => Date.now() - t0;
  const log = (line: string) =>
    options.log?.(`${String(Date.now() - startedAt).padStart(6)} ms  ${scenario.name}: ${line}`);
  const serverLines: string[] = [];
  const cluster = await startCluster({
    adminUrl: options.adminUrl,
    instances: options.instances ?? 3,
    config: clusterConfig(workload),
    prepare: installStaleEpochAudit,
    log,
    onServerLine: (index, line) => {
      if (line.includes('"level":"error"') || line.includes('"level":"warn"') || line.includes('stale-epoch'))
        serverLines.push(`[${index}] ${line}`);
    },
  });
  const clients: ClusterClient[] = [];
  const notes: string[] = [];
  const faults: FaultMark[] = [];
  const stuck: string[] = [];
  const chats: RunChat[] = [];
  const callbacks: RunCallback[] = [];
  const writers: StaleWriterRecord[] = [];
  const chatIndex = new Map<string, number>();
  let finished = false;
  const note = (text: string) => {
    notes.push(text);
    log(text);
  };

  try {
    // The leader: the lease holder, once the instances have had a moment to contend for it.
    let leader: number | undefined;
    for (let k = 0; k < 20 && leader === undefined; k++) {
      leader = await cluster.leader();
      if (leader === undefined) await sleep(100);
    }
    const leaderFrom = leader === undefined ? 'assumed' : 'lease';
    if (leader === undefined) note('no instance holds the routing lease: instance 0 stands for the leader');
    const leaderIndex = leader ?? 0;
    let deadline = startedAt + workload.timeoutMs;

    /** When a client last received anything but a ping: a run where nothing moves for long is stuck. */
    let lastActivity = Date.now();
    const newClient = (
      name: string,
      role: 'visitor' | 'agent',
      token: string,
      hooks: Partial<AgentHooks> = {},
    ) => {
      const client = new ClusterClient({
        name,
        role,
        token,
        socketUrl: cluster.socketUrl,
        balancer: cluster.balancer,
        heartbeatMs: HEARTBEAT_SECONDS * 1000,
        random: seededRandom(options.seed ^ (clients.length * 7919)),
        onFrame(frame) {
          lastActivity = Date.now();
          hooks.onFrame?.(frame);
        },
        ...(hooks.onWelcome ? { onWelcome: hooks.onWelcome } : {}),
      });
      clients.push(client);
      return client;
    };

    const visitorToken = () => visitorSessionToken(cluster.httpUrl, 'shop', deadline);

    // ─── agents ───────────────────────────────────────────────────────────────────────────────
    const acceptWaiters: (() => void)[] = [];
    const outstanding = new Map<string, Map<string, number>>();
    const taking = new Map<string, Map<string, string>>();

    /** How an agent reacts: to offers and its conversations' events, and after each welcome. */
    function agentScript(agentId: string, client: ClusterClient): AgentHooks {
      const offers = new Map<string, number>();
      /** The interactions the agent has, with their channel. */
      const taken = new Map<string, string>();
      const done = new Set<string>();
      outstanding.set(agentId, offers);
      taking.set(agentId, taken);
      const once = (key: string, work: () => Promise<unknown>) => {
        if (done.has(key)) return;
        done.add(key);
        void work();
      };

      async function reply(cid: string): Promise<void> {
        while (!chatIndex.has(cid) && Date.now() < deadline) await sleep(50);
        const index = chatIndex.get(cid) ?? -1;
        const count = plans[index]?.agent ?? 1;
        const sends: Promise<unknown>[] = [];
        for (let k = 0; k < count && !LEFT_STATES.has(lastState(client, cid) ?? ''); k++) {
          const text = `${agentId}.${index}.${k}`;
          sends.push(
            client.command('message.send', { cid, clientMsgId: randomUUID(), text }, { persistent: true }),
          );
          await sleep(200 + random() * 400);
        }
        await Promise.all(sends);
      }

      function answer(cid: string, channel: string, expiresAt: number): void {
        if (offers.get(cid) === expiresAt || taken.has(cid)) return;
        offers.set(cid, expiresAt);
        const roll = random();
        const verdict =
          channel === 'callback' || roll < workload.answers.accept
            ? 'accept'
            : roll < workload.answers.accept + workload.answers.decline
              ? 'decline'
              : 'ignore';
        if (verdict === 'ignore') return;
        void (async () => {
          await sleep(random() * 300);
          if (offers.get(cid) !== expiresAt) return;
          if (verdict === 'decline') {
            offers.delete(cid);
            await client.command('offer.reject', { cid });
            return;
          }
          for (const wake of acceptWaiters.splice(0)) wake();
          const accepted = await client.command('offer.accept', { cid });
          offers.delete(cid);
          if (accepted.ok) take(cid, channel);
        })();
      }

      /** The agent has the interaction: it follows it and, for a chat, writes its replies. */
      function take(cid: string, channel: string): void {
        taken.set(cid, channel);
        client.follow(cid);
        if (channel === 'chat') once(`reply ${cid}`, () => reply(cid));
        else advance(cid);
      }

      /** A callback the agent has: dial, reach the customer, hang up — whichever its state calls for now. */
      function advance(cid: string): void {
        const state = lastState(client, cid);
        if (state === 'dialing')
          once(`dial ${cid}`, () =>
            client.command('callback.outcome', { cid, outcome: 'answered' }, { persistent: true }),
          );
        else if (state === 'active') once(`end ${cid}`, () => client.command('chat.end', { cid }));
      }

      function onFrame(frame: ServerFrame): void {
        if (frame.t === 'notice') {
          const { notice } = frame;
          if (notice.type === 'offer')
            answer(notice.offer.interaction.id, notice.offer.interaction.channel, notice.offer.expiresAt);
          else if (notice.type === 'offer.revoked') offers.delete(notice.cid);
          else if (notice.type === 'presence' && notice.status !== 'available' && !finished)
            void sleep(300).then(() => client.command('presence.set', { status: 'available' }));
        } else if (frame.t === 'evt' && taken.get(frame.cid) === 'callback') {
          advance(frame.cid);
        }
      }

      function onWelcome(): void {
        void (async () => {
          const snapshot = await client.command('agent.snapshot', {});
          if (!snapshot.ok) return;
          const {
            status,
            offers: held,
            interactions,
          } = snapshot.result as {
            status: string;
            offers: { interaction: { id: string; channel: string }; expiresAt: number }[];
            interactions: { id: string; channel: string; state: string }[];
          };
          // As a console does after a reload: the work the server says is the agent's (an accept whose ack was
          // lost included) is followed and caught up with.
          for (const interaction of interactions) {
            if (FINAL_STATES.has(interaction.state) || taken.has(interaction.id)) continue;
            take(interaction.id, interaction.channel);
            void client.backfill(interaction.id);
          }
          if (status !== 'available' && !finished)
            await client.command('presence.set', { status: 'available' });
          for (const offer of held) answer(offer.interaction.id, offer.interaction.channel, offer.expiresAt);
        })();
      }
      return { onFrame, onWelcome };
    }

    const agents = await Promise.all(
      agentIds(workload).map(async (agentId) => {
        let script: AgentHooks | undefined;
        const client = newClient(agentId, 'agent', await staffToken(agentId, { expiresIn: 3_600 }), {
          onFrame: (frame) => script?.onFrame(frame),
          onWelcome: () => script?.onWelcome(),
        });
        script = agentScript(agentId, client);
        await client.start();
        return client;
      }),
    );
    t0 = Date.now();
    deadline = t0 + workload.timeoutMs;
    log(`${agents.length} agents online; the run starts`);

    // ─── visitors ─────────────────────────────────────────────────────────────────────────────
    /** Waits for `done()`; gives up at the deadline, or once no client has heard anything for a while. */
    async function waitFor(done: () => boolean, what: () => string): Promise<void> {
      while (!done()) {
        if (Date.now() > deadline) throw new Error(what());
        if (Date.now() - lastActivity > STALL_MS)
          throw new Error(`${what()} (nothing moved for ${STALL_MS / 1000} s)`);
        await sleep(50);
      }
    }

    async function visitorChat(index: number): Promise<void> {
      const plan = plans[index];
      if (!plan) return;
      await sleep(plan.startMs);
      const name = `v${index}`;
      const client = newClient(name, 'visitor', await visitorToken());
      await client.start();
      const started = await client.command(
        'chat.start',
        { channel: 'chat', queueId: 'support', requestId: randomUUID() },
        { persistent: true },
      );
      if (!started.ok) throw new Error(`${name} could not start a chat: ${started.code}`);
      const { cid } = started.result as { cid: string };
      chats.push({ cid, index, visitor: name });
      chatIndex.set(cid, index);
      client.follow(cid);
      const sends: Promise<unknown>[] = [];
      const send = (text: string) =>
        sends.push(
          client.command('message.send', { cid, clientMsgId: randomUUID(), text }, { persistent: true }),
        );
      for (let k = 0; k < plan.waiting; k++) {
        send(`${name}.w${k}`);
        await sleep(100 + random() * 300);
      }
      const state = () => lastState(client, cid);
      await waitFor(
        () => client.events(cid).some(({ ev }) => ev.type === 'joined'),
        () => `${name} (${cid}) was never accepted; state ${state()}`,
      );
      for (let k = 0; k < plan.visitor; k++) {
        send(`${name}.${k}`);
        await sleep(150 + random() * 400);
      }
      await Promise.all(sends);
      const replies = () => client.events(cid).filter(({ ev }) => isAgentMessage(ev)).length;
      await waitFor(
        () => replies() >= plan.agent,
        () => `${name} (${cid}) waits for ${plan.agent} replies; has ${replies()}`,
      );
      while (!LEFT_STATES.has(state() ?? '')) {
        if (Date.now() > deadline) throw new Error(`${name} (${cid}) could not leave; state ${state()}`);
        await client.command('chat.end', { cid });
        await sleep(500);
      }
    }

    async function requestCallback(index: number, slotMs: number): Promise<void> {
      const name = `cb${index}`;
      const client = newClient(name, 'visitor', await visitorToken());
      await client.start();
      const slot = t0 + slotMs;
      const requested = await client.command(
        'callback.request',
        {
          requestId: randomUUID(),
          queueId: 'callbacks',
          phone: `+3120123450${index % 10}`,
          timeZone: 'Europe/Amsterdam',
          slot,
        },
        { persistent: true },
      );
      if (!requested.ok) throw new Error(`${name} could not request a callback: ${requested.code}`);
      const { cid } = requested.result as { cid: string };
      callbacks.push({ cid, slot, requester: name });
      client.follow(cid);
      await waitFor(
        () => lastState(client, cid) === 'completed',
        () => `callback ${name} (${cid}) waits to be completed; state ${lastState(client, cid)}`,
      );
    }

    // ─── faults ───────────────────────────────────────────────────────────────────────────────
    const mark = (kind: FaultMark['kind'], instance: number) =>
      faults.push({ at: Date.now(), kind, instance, leader: instance === leaderIndex });
    const context: FaultContext = {
      cluster,
      leader: leaderIndex,
      workload,
      random,
      elapsed,
      sleep,
      async until(done, timeoutMs) {
        const end = Date.now() + timeoutMs;
        while (!done() && Date.now() < end) await sleep(25);
        return done();
      },
      offersOutstanding: () => [...outstanding.values()].reduce((sum, offers) => sum + offers.size, 0),
      activeChats: () =>
        agents.reduce(
          (sum, agent) =>
            sum +
            [...(taking.get(agent.name)?.keys() ?? [])].filter(
              (cid) => !LEFT_STATES.has(lastState(agent, cid) ?? ''),
            ).length,
          0,
        ),
      nextAccept: () => new Promise((resolve) => acceptWaiters.push(resolve)),
      busiest(among) {
        const open = cluster.balancer.connections();
        return [...among].sort((a, b) => (open[b] ?? 0) - (open[a] ?? 0))[0] ?? 0;
      },
      note,
      async kill(index) {
        mark('kill', index);
        await cluster.kill(index);
      },
      async start(index) {
        mark('start', index);
        try {
          await cluster.start(index);
        } catch (error) {
          mark('start-failed', index);
          const why = String(error instanceof Error ? error.message : error)
            .split('\n')
            .find((line) => line.includes('"level":"error"'));
          note(
            `instance ${index} could not start again: ${why?.slice(0, 400) ?? String(error).slice(0, 400)}`,
          );
        }
      },
      async crash(index) {
        await context.kill(index);
        await sleep(RESTART_AFTER_MS);
        await context.start(index);
      },
      stop(index) {
        mark('stop', index);
        cluster.stop(index);
      },
      cont(index) {
        mark('cont', index);
        cluster.cont(index);
      },
      partition(index) {
        mark('partition', index);
        cluster.partition(index);
      },
      heal(index) {
        mark('heal', index);
        cluster.heal(index, { reset: true });
      },
      async dropListen(index) {
        mark('drop-listen', index);
        const ended = await cluster.dropListen(index);
        if (ended === 0) note(`instance ${index} has no LISTEN session to drop`);
      },
      async rollingRestart() {
        for (const instance of cluster.instances) {
          mark('terminate', instance.index);
          await cluster.kill(instance.index, 'SIGTERM');
          await context.start(instance.index);
          await cluster
            .waitHealthy(instance.index)
            .catch(() => note(`instance ${instance.index} never healthy`));
        }
      },
      async writeFrom(index) {
        const writer = await startStaleWriter(
          cluster,
          index,
          await staffToken(STALE_WRITER_AGENT, { expiresIn: 3_600 }),
        );
        writers.push(writer.record);
        return () => writer.stop();
      },
    };

    const scripts = [
      ...plans.map((_, index) => visitorChat(index)),
      ...(workload.callbackSlotsMs ?? []).map((slotMs, index) => requestCallback(index, slotMs)),
    ].map((script) =>
      script.catch((error: unknown) => {
        stuck.push(String(error instanceof Error ? error.message : error));
      }),
    );
    const faulting = scenario.fault(context).catch((error: unknown) => {
      note(`the fault script failed: ${String(error instanceof Error ? error.stack : error)}`);
    });
    await Promise.all(scripts);
    await faulting;
    log(`scripts done${stuck.length > 0 ? `, ${stuck.length} stuck` : ''}`);

    // Timed wrap-ups of the last chats end on their own; then every client catches up with the log (the heads say
    // how far it goes) before what they hold is read.
    if (workload.wrapUpSeconds !== undefined) await sleep(workload.wrapUpSeconds * 1000 + 500);
    const cids = [...chats.map((c) => c.cid), ...callbacks.map((c) => c.cid)];
    const behind = async () => {
      const heads = new Map(
        (
          await cluster.query<{ cid: string; last_seq: string }>(
            'SELECT cid, last_seq FROM conversation_heads WHERE cid = ANY($1)',
            [cids],
          )
        ).map((row) => [row.cid, Number(row.last_seq)]),
      );
      return clients.some((client) =>
        [...client.held.keys()].some((cid) => client.contiguous(cid) < (heads.get(cid) ?? 0)),
      );
    };
    const settleUntil = Date.now() + 10_000;
    while (Date.now() < settleUntil && (await behind().catch(() => true))) await sleep(250);
    finished = true;

    const staleEpoch = await readStaleEpochAudit(cluster, serverLines, writers);
    // The instances migrated the database: reading it needs no migration (and a tree that gained one while the run
    // went on must not stop it).
    const storage = createSqlStorage(await openPostgres(cluster.database.url, { maxConnections: 2 }));
    const stored = new Map<string, StoredConversation>();
    try {
      for (const cid of cids)
        stored.set(cid, {
          record: await storage.getInteraction(cid),
          events: await storage.events(cid, 0, 1_000_000),
        });
    } finally {
      await storage.close();
    }
    return {
      scenario: scenario.name,
      seed: options.seed,
      leader: leaderIndex,
      leaderFrom,
      startedAt: t0,
      faults,
      notes,
      clients,
      chats,
      callbacks,
      stored,
      capacity: { chat: workload.chatCapacity, callback: 1 },
      instances: cluster.instances.map((instance) => ({ ...instance })),
      events: [...cluster.events],
      stuck,
      staleEpoch,
      elapsedMs: Date.now() - startedAt,
    };
  } finally {
    finished = true;
    for (const client of clients) client.close();
    await cluster.close();
  }
}

// ─── the scenarios ─────────────────────────────────────────────────────────────────────────────

/** Thirty chats between six agents who take every offer. */
const steadyChats = (): Workload => ({
  agents: 6,
  chatCapacity: 3,
  chats: 30,
  startWindowMs: 5_000,
  waitingMessages: [1, 2],
  visitorMessages: [3, 5],
  agentMessages: [2, 4],
  answers: { accept: 1, decline: 0 },
  timeoutMs: 90_000,
});

/** Forty chats between eight agents who accept most offers, decline some and let some run out. */
const busyOffers = (): Workload => ({
  agents: 8,
  chatCapacity: 2,
  chats: 40,
  startWindowMs: 8_000,
  waitingMessages: [1, 2],
  visitorMessages: [2, 4],
  agentMessages: [2, 3],
  answers: { accept: 0.7, decline: 0.15 },
  timeoutMs: 100_000,
});

/** Every scenario of issue 17's list, in order. */
export const CLUSTER_SCENARIOS: readonly ClusterScenario[] = [
  {
    name: 'follower-kill',
    summary: 'kill -9 a follower (the one with the most clients) mid-chat, start it again 3 s later',
    workload: steadyChats,
    async fault(context) {
      await context.until(() => context.activeChats() >= 6, 20_000);
      const followers = context.cluster.instances.map((i) => i.index).filter((i) => i !== context.leader);
      const victim = context.busiest(followers);
      await context.crash(victim);
    },
  },
  {
    name: 'leader-kill',
    summary:
      'kill -9 the leader while offers are out, the moment an accept is sent; start it again 3 s later',
    workload: busyOffers,
    async fault(context) {
      await context.until(() => context.offersOutstanding() >= 2, 20_000);
      await Promise.race([context.nextAccept(), context.sleep(5_000)]);
      await context.crash(context.leader);
    },
  },
  {
    name: 'leader-freeze',
    summary: 'SIGSTOP the leader for 10 s while offers are out, then SIGCONT',
    workload: busyOffers,
    async fault(context) {
      await context.until(() => context.offersOutstanding() >= 2, 20_000);
      const stopWriting = await context.writeFrom(context.leader);
      context.stop(context.leader);
      await context.sleep(10_000);
      context.cont(context.leader);
      await context.sleep(3_000);
      await stopWriting();
    },
  },
  {
    name: 'leader-partition',
    summary:
      'cut the leader off from PostgreSQL for 8 s (black hole), then heal (its dead connections are reset)',
    workload: busyOffers,
    async fault(context) {
      await context.until(() => context.activeChats() >= 4 && context.offersOutstanding() >= 1, 20_000);
      const stopWriting = await context.writeFrom(context.leader);
      context.partition(context.leader);
      await context.sleep(8_000);
      context.heal(context.leader);
      await context.sleep(3_000);
      await stopWriting();
    },
  },
  {
    name: 'drop-listen',
    summary: "terminate each instance's LISTEN session in turn, 1.5 s apart, mid-chat",
    workload: steadyChats,
    async fault(context) {
      await context.until(() => context.activeChats() >= 6, 20_000);
      for (const instance of context.cluster.instances) {
        await context.dropListen(instance.index);
        await context.sleep(1_500);
      }
    },
  },
  {
    name: 'rolling-restart',
    summary: 'SIGTERM and start each instance in turn (the next once the last is healthy) mid-chat',
    workload: () => ({ ...steadyChats(), chats: 40, startWindowMs: 10_000, visitorMessages: [4, 6] }),
    async fault(context) {
      await context.until(() => context.activeChats() >= 6, 20_000);
      await context.rollingRestart();
    },
  },
  {
    name: 'timers-failover',
    summary:
      'kill -9 the leader while timed wrap-ups (2 s) run and callback slots fall due around the kill; start it again 3 s later',
    workload: (random) => {
      const killAtMs = 9_000 + Math.floor(random() * 2_000);
      return {
        agents: 6,
        chatCapacity: 3,
        chats: 24,
        startWindowMs: 4_000,
        waitingMessages: [1, 1],
        visitorMessages: [1, 3],
        agentMessages: [1, 2],
        answers: { accept: 1, decline: 0 },
        wrapUpSeconds: 2,
        faultAtMs: killAtMs,
        // Slots from just before the kill to while the leader is still down.
        callbackSlotsMs: [-500, 0, 500, 1_000, 2_000, 3_000].map((offset) => killAtMs + offset),
        timeoutMs: 90_000,
      };
    },
    async fault(context) {
      await context.sleep((context.workload.faultAtMs ?? 0) - context.elapsed());
      await context.crash(context.leader);
    },
  },
  {
    name: 'load-leader-kill',
    summary:
      '200 chats, 50 agents accepting 60 %, declining 20 %, letting 20 % run out; kill -9 the leader mid-run, start it again 3 s later',
    workload: (random) => ({
      agents: 50,
      chatCapacity: 3,
      chats: 200,
      startWindowMs: 20_000,
      waitingMessages: [1, 2],
      visitorMessages: [2, 3],
      agentMessages: [1, 3],
      answers: { accept: 0.6, decline: 0.2 },
      faultAtMs: 8_000 + Math.floor(random() * 4_000),
      timeoutMs: 150_000,
    }),
    async fault(context) {
      await context.sleep((context.workload.faultAtMs ?? 0) - context.elapsed());
      await context.until(() => context.offersOutstanding() >= 1, 5_000);
      await context.crash(context.leader);
    },
  },
];
