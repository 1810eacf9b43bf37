import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { helplineError } from '../protocol/errors';
import type { CommandOp, ConversationEvent, ServerFrame } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { createTestClock, salesQueue, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import type { HubStorage, PresenceChange, StoredInteraction, Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';

// Every command that writes is all or nothing: when storage refuses its write, the caller gets `unavailable` with a
// `retryAfterMs`, and memory, storage, the KPI log and every connected client are exactly as before; the same
// command sent again once storage is back does what it would have done had the outage never happened.
//
// Each row of the table below names a command and the state it runs in. For each row two worlds are built the same
// way (same clock, same seeded ids): in the first the command meets an outage, is refused, and is retried after
// the outage; in the second it simply runs. The first world must not move during the outage, and must end exactly
// where the second does.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const RETRY_AFTER_MS = 10;
const AGENTS = ['alice', 'bob'] as const;
const CLIENTS = {
  v1: 'dev:visitor:v1:Ada',
  alice: 'dev:agent:alice:Alice',
  bob: 'dev:agent:bob:Bob',
  sam: 'dev:supervisor:sam:Sam',
} as const;
type ClientName = keyof typeof CLIENTS;
const SAM: Subject = { id: 'sam', role: 'supervisor', name: 'Sam' };

/** A queue whose wrap-up ends on its own after a minute. */
const timedQueue: Queue = { ...salesQueue, id: 'timed', name: 'Timed', acw: { kind: 'timed', seconds: 60 } };

/** What a storage outage looks like: refused before anything is written, with a hint when to try again. */
const outage = () => helplineError('unavailable', { detail: 'test' }, { retryAfterMs: RETRY_AFTER_MS });

/** Deterministic ids: two worlds built alike name everything alike. */
function seededBytes(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return bytes;
  };
}

/**
 * The memory storage behind a switch. While it is on, every write (and, in `everything` mode, every read too)
 * rejects with `unavailable` before reaching the memory storage; `failAfter(n)` lets n more writes through first.
 * Every write that went through is kept in `journal`, so "the database did not change" is checked on what was
 * written, not only on what can be read back.
 */
interface FlakyStorage extends HubStorage {
  /** Refuse from now on (after `spare` more writes). */
  fail(spare?: number): void;
  heal(): void;
  /** Writes that storage took, in order. */
  readonly journal: unknown[];
  /** Calls refused so far. */
  readonly refused: number;
  /** Everything the memory storage holds, read past the switch. */
  dump(): Promise<unknown>;
}

type Mode = 'writes' | 'everything';

const WRITES = new Set(['commit', 'appendEvent', 'recordPresence', 'putInteraction', 'saveResumeToken']);

function flakyStorage(mode: Mode): FlakyStorage {
  const inner = createMemoryStorage();
  const presence: PresenceChange[] = [];
  const tokens = new Map<string, string>();
  const journal: unknown[] = [];
  let failing = false;
  let spare = 0;
  let refused = 0;
  const gate = (name: string): void => {
    if (!failing) return;
    const write = WRITES.has(name);
    if (!write && mode === 'writes') return;
    if (write && spare > 0) {
      spare--;
      return;
    }
    refused++;
    throw outage();
  };
  const guarded = <A extends unknown[], R>(name: string, method: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      gate(name);
      return method(...args);
    };
  };
  const storage: HubStorage = {
    putInteraction: guarded('putInteraction', async (record: StoredInteraction) => {
      await inner.putInteraction(record);
      journal.push({ putInteraction: record });
    }),
    getInteraction: guarded('getInteraction', (id: string) => inner.getInteraction(id)),
    openInteractions: guarded('openInteractions', () => inner.openInteractions()),
    appendEvent: guarded('appendEvent', async (cid: string, at: number, ev: ConversationEvent) => {
      const stored = await inner.appendEvent(cid, at, ev);
      journal.push({ appendEvent: stored });
      return stored;
    }),
    commit: guarded('commit', async (cid, events, recordOf, options) => {
      let record: StoredInteraction | undefined;
      const stored = await inner.commit(
        cid,
        events,
        (placed) => {
          record = recordOf(placed);
          return record;
        },
        options,
      );
      journal.push({ commit: { cid, stored, record, options } });
      return stored;
    }),
    recordPresence: guarded('recordPresence', async (change: PresenceChange) => {
      presence.push(change);
      journal.push({ recordPresence: change });
    }),
    events: guarded('events', (cid: string, after: number, limit: number) => inner.events(cid, after, limit)),
    lastSeq: guarded('lastSeq', (cid: string) => inner.lastSeq(cid)),
    messageByClientId: guarded('messageByClientId', (cid: string, id: string) =>
      inner.messageByClientId(cid, id),
    ),
    interactionsOfCustomer: guarded('interactionsOfCustomer', (id: string) =>
      inner.interactionsOfCustomer(id),
    ),
    interactionsSince: guarded(
      'interactionsSince',
      (from: number) => inner.interactionsSince?.(from) ?? Promise.resolve([]),
    ),
    saveResumeToken: guarded('saveResumeToken', async (token: string, subjectId: string, at: number) => {
      tokens.set(token, subjectId);
      journal.push({ saveResumeToken: { token, subjectId, at } });
    }),
    startedBy: guarded(
      'startedBy',
      (subjectId: string, requestId: string) =>
        inner.startedBy?.(subjectId, requestId) ?? Promise.resolve(undefined),
    ),
  };
  return {
    ...storage,
    fail(count = 0) {
      failing = true;
      spare = count;
    },
    heal() {
      failing = false;
    },
    journal,
    get refused() {
      return refused;
    },
    async dump() {
      const records = (await inner.interactionsSince?.(0)) ?? [];
      const conversations = [];
      for (const { id } of records) {
        const lastSeq = await inner.lastSeq(id);
        conversations.push({
          record: await inner.getInteraction(id),
          lastSeq,
          events: await inner.events(id, 0, lastSeq),
        });
      }
      return { conversations, presence: [...presence], tokens: [...tokens] };
    },
  };
}

/** A raw protocol client on the hub: every frame it receives is kept, in order. */
interface RawClient {
  readonly frames: ServerFrame[];
  /** Frames received and commands sent, in order. */
  readonly timeline: (
    | { readonly in: ServerFrame }
    | { readonly out: { op: CommandOp; args: unknown; id: string } }
  )[];
  send(op: CommandOp, args: unknown, id: string): void;
  answer(id: string): Promise<Extract<ServerFrame, { t: 'ack' | 'nack' }>>;
}

function rawClient(hub: Hub, token: string): RawClient {
  const frames: ServerFrame[] = [];
  const timeline: RawClient['timeline'] = [];
  const connection = hub.connect({
    send(raw) {
      const frame = JSON.parse(raw) as ServerFrame;
      frames.push(frame);
      timeline.push({ in: frame });
    },
    close() {},
  });
  connection.receive(JSON.stringify({ t: 'hello', v: 1, token }));
  const replyTo = (id: string) =>
    frames.find(
      (f): f is Extract<ServerFrame, { t: 'ack' | 'nack' }> =>
        (f.t === 'ack' || f.t === 'nack') && f.id === id,
    );
  return {
    frames,
    timeline,
    send(op, args, id) {
      timeline.push({ out: { op, args, id } });
      connection.receive(JSON.stringify({ t: 'cmd', id, op, args }));
    },
    async answer(id) {
      await waitFor(() => replyTo(id) !== undefined, `answer to ${id}`);
      return replyTo(id) as Extract<ServerFrame, { t: 'ack' | 'nack' }>;
    },
  };
}

interface World {
  readonly clock: TestClock;
  readonly hub: Hub;
  readonly storage: FlakyStorage;
  readonly log: KpiLogEvent[];
  readonly clients: Record<ClientName, RawClient>;
  /** Runs a command and resolves with its result; throws on a nack. */
  ok(by: ClientName, op: CommandOp, args: unknown): Promise<Record<string, unknown>>;
  /** Lets routing and fan-out that follow a reply run (and timers due now fire). */
  settle(): Promise<void>;
}

let commandCount = 0;

async function world(mode: Mode): Promise<World> {
  const clock = createTestClock();
  const storage = flakyStorage(mode);
  const log: KpiLogEvent[] = [];
  const hub = createHub({
    queues: [supportQueue, salesQueue, timedQueue],
    agents: AGENTS.map((id) => testAgent(id)),
    authenticate: devAuthenticate,
    clock,
    storage,
    randomBytes: seededBytes(42),
    // No pings in the middle of a comparison.
    heartbeatMs: 3_600_000,
    onLog: (event) => log.push(event),
  });
  cleanups.push(() => hub.close());
  const clients = {} as Record<ClientName, RawClient>;
  for (const [name, token] of Object.entries(CLIENTS) as [ClientName, string][]) {
    clients[name] = rawClient(hub, token);
    await waitFor(() => clients[name].frames.some((f) => f.t === 'welcome'), `${name} welcomed`);
  }
  const settle = async () => {
    for (let i = 0; i < 5; i++) await clock.advance(0);
  };
  return {
    clock,
    hub,
    storage,
    log,
    clients,
    settle,
    async ok(by, op, args) {
      const id = `setup-${++commandCount}`;
      clients[by].send(op, args, id);
      const reply = await clients[by].answer(id);
      if (reply.t === 'nack') throw new Error(`${by} ${op}: ${reply.error.code} ${reply.error.message}`);
      await settle();
      return reply.result as Record<string, unknown>;
    },
  };
}

const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** Everything anyone can observe of a world. */
async function observe(w: World) {
  const desk = async (agentId: string) =>
    clone(await w.hub.execute({ id: agentId, role: 'agent', name: agentId }, 'agent.snapshot', {}));
  // The boards first: reading them gives an agent never seen before a presence (offline since now).
  const board = clone(await w.hub.execute(SAM, 'supervisor.snapshot', {}));
  const desks = { alice: await desk('alice'), bob: await desk('bob') };
  return {
    interactions: clone(w.hub.interactions()),
    presence: Object.fromEntries(AGENTS.map((id) => [id, clone(w.hub.presenceOf(id))])),
    storage: clone(await w.storage.dump()),
    journal: clone(w.storage.journal),
    log: clone(w.log),
    frames: Object.fromEntries(Object.entries(w.clients).map(([name, c]) => [name, clone(c.frames)])),
    board,
    desks,
    timers: w.clock.pendingTimers,
  };
}
type Observation = Awaited<ReturnType<typeof observe>>;

/** Ids are random: two worlds are compared with each id replaced by its order of first appearance. */
function normalized(observation: Observation): unknown {
  const names = new Map<string, string>();
  const text = JSON.stringify(observation).replace(/\b([a-z])_[0-9a-f]{32}\b/g, (id, prefix: string) => {
    let name = names.get(id);
    if (!name) {
      name = `${prefix}#${names.size}`;
      names.set(id, name);
    }
    return name;
  });
  return JSON.parse(text);
}

/** The observation without the frames answering command `id` (the refused attempt's nack). */
function withoutReplyTo(observation: Observation, id: string): Observation {
  const frames = Object.fromEntries(
    Object.entries(observation.frames).map(([name, list]) => [
      name,
      list.filter((f) => !((f.t === 'ack' || f.t === 'nack') && f.id === id)),
    ]),
  );
  return { ...observation, frames };
}

// ─── states a command runs in ─────────────────────────────────────────────────────────────────────

/** What a row's setup made: the conversation, and its call when there is one. */
interface Context {
  readonly cid?: string;
  readonly callId?: string;
}
const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function offerOf(w: World, agent: ClientName, cid: string) {
  return w.clients[agent].frames.some(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
  );
}

async function queuedChat(w: World, queueId = 'support') {
  const { cid } = (await w.ok('v1', 'chat.start', { channel: 'chat', queueId })) as { cid: string };
  return { cid };
}

async function offeredChat(w: World, queueId = 'support', channel: 'chat' | 'voice' = 'chat') {
  await w.ok('alice', 'presence.set', { status: 'available' });
  const { cid } = (await w.ok('v1', 'chat.start', { channel, queueId })) as { cid: string };
  await waitFor(() => offerOf(w, 'alice', cid), 'offer to alice');
  return { cid };
}

async function activeChat(w: World, queueId = 'support') {
  const { cid } = await offeredChat(w, queueId);
  await w.ok('alice', 'offer.accept', { cid });
  return { cid };
}

async function wrappingUp(w: World, queueId = 'support') {
  const { cid } = await activeChat(w, queueId);
  await w.ok('alice', 'chat.end', { cid });
  return { cid };
}

async function completedChat(w: World) {
  const { cid } = await wrappingUp(w);
  await w.ok('alice', 'wrapup.submit', { cid, disposition: 'resolved' });
  return { cid };
}

async function callbackIn(w: World, slot: 'asap' | number) {
  const { cid } = (await w.ok('v1', 'callback.request', {
    queueId: 'support',
    phone: '+31201234567',
    timeZone: 'Europe/Amsterdam',
    slot,
  })) as { cid: string };
  return { cid };
}

async function dialingCallback(w: World) {
  await w.ok('alice', 'presence.set', { status: 'available' });
  const { cid } = await callbackIn(w, 'asap');
  await waitFor(() => offerOf(w, 'alice', cid), 'callback offered');
  await w.ok('alice', 'offer.accept', { cid });
  return { cid };
}

/** An active chat with a call the agent placed: `ringing` until the visitor answers. */
async function ringingCall(w: World) {
  const { cid } = await activeChat(w);
  const { call } = (await w.ok('alice', 'call.start', { cid })) as { call: { callId: string } };
  return { cid, callId: call.callId };
}

async function talkingCall(w: World) {
  const context = await ringingCall(w);
  await w.ok('v1', 'call.answer', { cid: context.cid, callId: context.callId });
  await w.ok('alice', 'call.media', { cid: context.cid, callId: context.callId, media: 'connected' });
  return context;
}

/** A voice interaction (the call is the interaction) answered by alice. */
async function voiceCall(w: World) {
  const { cid } = await offeredChat(w, 'support', 'voice');
  await w.ok('alice', 'offer.accept', { cid });
  const { call } = (await w.ok('v1', 'call.attach', { cid })) as { call: { callId: string } };
  return { cid, callId: call.callId };
}

// ─── the table ────────────────────────────────────────────────────────────────────────────────────

interface Row {
  readonly name: string;
  readonly by: ClientName;
  readonly op: CommandOp;
  readonly setup?: (w: World) => Promise<Context>;
  readonly args: (context: Context, w: World) => unknown;
  /** What the command did, checked after the retry. */
  readonly effect: (w: World, context: Context, before: Observation, result: Record<string, unknown>) => void;
}

const stateOf = (w: World, cid: string | undefined) => (cid ? w.hub.interaction(cid)?.state : undefined);

function newEvents(w: World, before: Observation, by: ClientName): ConversationEvent[] {
  return w.clients[by].frames
    .slice(before.frames[by]?.length ?? 0)
    .flatMap((f) => (f.t === 'evt' ? [f.ev] : []));
}

function newNotices(w: World, before: Observation, by: ClientName) {
  return w.clients[by].frames
    .slice(before.frames[by]?.length ?? 0)
    .flatMap((f) => (f.t === 'notice' ? [f.notice] : []));
}

const logged = (w: World, before: Observation) => w.log.slice(before.log.length).map((e) => e.type);

const ROWS: Row[] = [
  {
    name: 'chat.start: a new chat is queued and then offered',
    by: 'v1',
    op: 'chat.start',
    setup: async (w) => {
      await w.ok('alice', 'presence.set', { status: 'available' });
      return {};
    },
    args: () => ({ channel: 'chat', queueId: 'support', requestId: uuid(1) }),
    effect(w, _context, before, result) {
      const cid = result.cid as string;
      assert.equal(stateOf(w, cid), 'offered');
      assert.deepEqual(logged(w, before), ['created', 'queued', 'offered']);
      assert.ok(offerOf(w, 'alice', cid));
    },
  },
  {
    name: 'chat.start (voice): the interaction and its ringing call',
    by: 'v1',
    op: 'chat.start',
    args: () => ({ channel: 'voice', queueId: 'support' }),
    effect(w, _context, before, result) {
      const cid = result.cid as string;
      assert.equal(stateOf(w, cid), 'queued');
      const calls = newNotices(w, before, 'v1').filter((n) => n.type === 'call');
      assert.equal(calls.at(-1)?.type === 'call' && calls.at(-1)?.call.state, 'ringing');
    },
  },
  {
    name: 'callback.request (as soon as possible): queued',
    by: 'v1',
    op: 'callback.request',
    args: () => ({
      queueId: 'support',
      phone: '+31201234567',
      timeZone: 'UTC',
      slot: 'asap',
      requestId: uuid(2),
    }),
    effect(w, _context, _before, result) {
      assert.equal(stateOf(w, result.cid as string), 'queued');
    },
  },
  {
    name: 'callback.request (in a slot): scheduled, with its due timer',
    by: 'v1',
    op: 'callback.request',
    args: (_context, w) => ({
      queueId: 'support',
      phone: '+31201234567',
      timeZone: 'UTC',
      slot: w.clock.now() + 3_600_000,
    }),
    effect(w, _context, before, result) {
      assert.equal(stateOf(w, result.cid as string), 'scheduled');
      assert.ok(w.clock.pendingTimers > before.timers, 'the slot is timed');
    },
  },
  {
    name: 'offline.leave: the message is kept and queued',
    by: 'v1',
    op: 'offline.leave',
    args: () => ({ queueId: 'support', text: 'Please call me back', requestId: uuid(3) }),
    effect(w, _context, _before, result) {
      const cid = result.cid as string;
      assert.equal(stateOf(w, cid), 'queued');
    },
  },
  {
    name: 'message.send by the visitor: the agent receives it',
    by: 'v1',
    op: 'message.send',
    setup: activeChat,
    args: ({ cid }) => ({ cid, clientMsgId: uuid(10), text: 'Hello?' }),
    effect(w, _context, before) {
      assert.deepEqual(
        newEvents(w, before, 'alice').map((ev) => ev.type === 'message' && ev.text),
        ['Hello?'],
      );
    },
  },
  {
    name: 'message.send by the agent: the visitor receives it',
    by: 'alice',
    op: 'message.send',
    setup: activeChat,
    args: ({ cid }) => ({ cid, clientMsgId: uuid(11), text: 'How can I help?' }),
    effect(w, _context, before) {
      assert.deepEqual(
        newEvents(w, before, 'v1').map((ev) => ev.type),
        ['message'],
      );
    },
  },
  {
    name: 'message.send while waiting: kept in the log',
    by: 'v1',
    op: 'message.send',
    setup: (w) => queuedChat(w),
    args: ({ cid }) => ({ cid, clientMsgId: uuid(12), text: 'Anyone there?' }),
    effect(w, { cid }, before) {
      assert.deepEqual(
        newEvents(w, before, 'v1').map((ev) => ev.type),
        ['message'],
      );
      assert.equal(stateOf(w, cid), 'queued');
    },
  },
  {
    name: 'read: the other party sees the receipt',
    by: 'alice',
    op: 'read',
    setup: activeChat,
    args: ({ cid }) => ({ cid, seq: 1 }),
    effect(w, _context, before) {
      assert.deepEqual(
        newEvents(w, before, 'v1').map((ev) => ev.type),
        ['read'],
      );
    },
  },
  {
    name: 'chat.end by the visitor: wrap-up for the agent',
    by: 'v1',
    op: 'chat.end',
    setup: activeChat,
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'wrap-up');
      assert.ok(logged(w, before).includes('ended'));
    },
  },
  {
    name: 'chat.end by the agent',
    by: 'alice',
    op: 'chat.end',
    setup: activeChat,
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'wrap-up');
    },
  },
  {
    name: 'chat.end while waiting: abandoned',
    by: 'v1',
    op: 'chat.end',
    setup: (w) => queuedChat(w),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'ended');
      assert.equal(w.hub.interaction(cid as string)?.endReason, 'abandoned');
    },
  },
  {
    name: 'chat.end with a timed wrap-up: the wrap-up timer starts',
    by: 'alice',
    op: 'chat.end',
    setup: (w) => activeChat(w, 'timed'),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'wrap-up');
      assert.ok(w.clock.pendingTimers > before.timers, 'the wrap-up is timed');
    },
  },
  {
    name: 'csat.submit',
    by: 'v1',
    op: 'csat.submit',
    setup: completedChat,
    args: ({ cid }) => ({ cid, score: 5, comment: 'Great' }),
    effect(w, { cid }, before) {
      assert.equal(w.hub.interaction(cid as string)?.csat?.score, 5);
      assert.deepEqual(logged(w, before), ['csat']);
    },
  },
  {
    name: 'presence.set available: the waiting chat is offered',
    by: 'alice',
    op: 'presence.set',
    setup: (w) => queuedChat(w),
    args: () => ({ status: 'available' }),
    effect(w, { cid }) {
      assert.equal(w.hub.presenceOf('alice')?.value, 'available');
      assert.equal(stateOf(w, cid), 'offered');
    },
  },
  {
    name: 'presence.set away with an offer pending: the offer is revoked and the chat waits again',
    by: 'alice',
    op: 'presence.set',
    setup: (w) => offeredChat(w),
    args: () => ({ status: 'away', reason: 'lunch' }),
    effect(w, { cid }, before) {
      assert.equal(w.hub.presenceOf('alice')?.value, 'away');
      assert.equal(stateOf(w, cid), 'queued');
      assert.ok(newNotices(w, before, 'alice').some((n) => n.type === 'offer.revoked' && n.cid === cid));
    },
  },
  {
    name: 'presence.set offline',
    by: 'bob',
    op: 'presence.set',
    setup: async (w) => {
      await w.ok('bob', 'presence.set', { status: 'available' });
      return {};
    },
    args: () => ({ status: 'offline' }),
    effect(w) {
      assert.equal(w.hub.presenceOf('bob')?.value, 'offline');
    },
  },
  {
    name: 'offer.accept: the agent joins and receives the conversation',
    by: 'alice',
    op: 'offer.accept',
    setup: (w) => offeredChat(w),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'active');
      assert.ok(newEvents(w, before, 'v1').some((ev) => ev.type === 'joined'));
      assert.deepEqual(logged(w, before), ['answered']);
    },
  },
  {
    name: 'offer.accept of a callback: dialing',
    by: 'alice',
    op: 'offer.accept',
    setup: async (w) => {
      await w.ok('alice', 'presence.set', { status: 'available' });
      const context = await callbackIn(w, 'asap');
      await waitFor(() => offerOf(w, 'alice', context.cid), 'callback offered');
      return context;
    },
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'dialing');
    },
  },
  {
    name: 'offer.reject: offered to the next agent',
    by: 'alice',
    op: 'offer.reject',
    setup: async (w) => {
      const context = await offeredChat(w);
      await w.ok('bob', 'presence.set', { status: 'available' });
      return context;
    },
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'offered');
      assert.equal(w.hub.interaction(cid as string)?.agentId, 'bob');
    },
  },
  {
    name: 'wrapup.submit with a disposition and a note',
    by: 'alice',
    op: 'wrapup.submit',
    setup: (w) => wrappingUp(w),
    args: ({ cid }) => ({ cid, disposition: 'resolved', notes: 'Sorted out' }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'ended');
      assert.equal(w.hub.interaction(cid as string)?.notes, 'Sorted out');
      assert.deepEqual(logged(w, before), ['wrap-up-done']);
    },
  },
  {
    name: 'transfer to another queue with a note',
    by: 'alice',
    op: 'transfer',
    setup: (w) => activeChat(w),
    args: ({ cid }) => ({ cid, toQueueId: 'sales', note: 'Wants a quote' }),
    effect(w, { cid }, before) {
      const interaction = w.hub.interaction(cid as string);
      assert.equal(interaction?.queueId, 'sales');
      // Back in line, and (alice being the one who served it) offered to her last, but offered all the same.
      assert.ok(['queued', 'offered'].includes(interaction?.state ?? ''));
      assert.deepEqual(
        newEvents(w, before, 'v1').map((ev) => ev.type),
        ['withheld', 'left', 'state', ...(interaction?.state === 'offered' ? ['state'] : [])],
      );
    },
  },
  {
    name: 'transfer to a named agent: offered to them',
    by: 'alice',
    op: 'transfer',
    setup: async (w) => {
      const context = await activeChat(w);
      await w.ok('bob', 'presence.set', { status: 'available' });
      return context;
    },
    args: ({ cid }) => ({ cid, toAgentId: 'bob' }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'offered');
      assert.equal(w.hub.interaction(cid as string)?.agentId, 'bob');
      assert.ok(offerOf(w, 'bob', cid as string));
    },
  },
  {
    name: 'callback.cancel by the customer while it waits',
    by: 'v1',
    op: 'callback.cancel',
    setup: (w) => callbackIn(w, 'asap'),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'cancelled');
    },
  },
  {
    name: 'callback.cancel by a supervisor while it is scheduled',
    by: 'sam',
    op: 'callback.cancel',
    setup: (w) => callbackIn(w, w.clock.now() + 3_600_000),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'cancelled');
      assert.ok(w.clock.pendingTimers < before.timers, 'the due timer is gone');
    },
  },
  {
    name: 'callback.outcome answered',
    by: 'alice',
    op: 'callback.outcome',
    setup: dialingCallback,
    args: ({ cid }) => ({ cid, outcome: 'answered' }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'active');
      assert.deepEqual(logged(w, before), ['answered']);
    },
  },
  {
    name: 'callback.outcome no-answer: a retry is timed',
    by: 'alice',
    op: 'callback.outcome',
    setup: dialingCallback,
    args: ({ cid }) => ({ cid, outcome: 'no-answer' }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'retry-wait');
      assert.ok(w.clock.pendingTimers > before.timers, 'the retry is timed');
    },
  },
  {
    name: 'callback.reschedule by the customer while scheduled',
    by: 'v1',
    op: 'callback.reschedule',
    setup: (w) => callbackIn(w, w.clock.now() + 3_600_000),
    args: ({ cid }, w) => ({ cid, at: w.clock.now() + 7_200_000 }),
    effect(w, { cid }, before) {
      const slot = w.hub.interaction(cid as string)?.callback?.slot;
      assert.equal(slot?.start, before.board.at + 7_200_000);
    },
  },
  {
    name: 'callback.reschedule by the customer while queued: out of the line',
    by: 'v1',
    op: 'callback.reschedule',
    setup: (w) => callbackIn(w, 'asap'),
    args: ({ cid }, w) => ({ cid, at: w.clock.now() + 7_200_000 }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'scheduled');
      assert.ok(before.board.waiting.some((item) => item.cid === cid));
    },
  },
  {
    name: 'callback.reschedule by the agent while dialing: out of their hands',
    by: 'alice',
    op: 'callback.reschedule',
    setup: dialingCallback,
    args: ({ cid }, w) => ({ cid, at: w.clock.now() + 7_200_000 }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'scheduled');
      assert.ok(newEvents(w, before, 'v1').some((ev) => ev.type === 'left'));
    },
  },
  {
    name: 'supervisor.reassign of a waiting chat',
    by: 'sam',
    op: 'supervisor.reassign',
    setup: (w) => queuedChat(w),
    args: ({ cid }) => ({ cid, toQueueId: 'sales' }),
    effect(w, { cid }) {
      assert.equal(w.hub.interaction(cid as string)?.queueId, 'sales');
    },
  },
  {
    name: 'supervisor.force-presence away: the pending offer is revoked',
    by: 'sam',
    op: 'supervisor.force-presence',
    setup: (w) => offeredChat(w),
    args: () => ({ agentId: 'alice', status: 'away', reason: 'meeting' }),
    effect(w, { cid }, before) {
      assert.equal(w.hub.presenceOf('alice')?.value, 'away');
      assert.equal(stateOf(w, cid), 'queued');
      assert.ok(newNotices(w, before, 'alice').some((n) => n.type === 'offer.revoked'));
    },
  },
  {
    name: 'call.start in an active chat: the visitor rings',
    by: 'alice',
    op: 'call.start',
    setup: (w) => activeChat(w),
    args: ({ cid }) => ({ cid }),
    effect(w, _context, before) {
      const call = newNotices(w, before, 'v1').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'ringing');
    },
  },
  {
    name: 'call.answer',
    by: 'v1',
    op: 'call.answer',
    setup: ringingCall,
    args: ({ cid, callId }) => ({ cid, callId }),
    effect(w, _context, before) {
      const call = newNotices(w, before, 'alice').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'connecting');
    },
  },
  {
    name: 'call.media connected: the call is active',
    by: 'v1',
    op: 'call.media',
    setup: async (w) => {
      const context = await ringingCall(w);
      await w.ok('v1', 'call.answer', { cid: context.cid, callId: context.callId });
      return context;
    },
    args: ({ cid, callId }) => ({ cid, callId, media: 'connected' }),
    effect(w, _context, before) {
      const call = newNotices(w, before, 'alice').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'active');
    },
  },
  {
    name: 'call.hold',
    by: 'alice',
    op: 'call.hold',
    setup: talkingCall,
    args: ({ cid, callId }) => ({ cid, callId }),
    effect(w, _context, before) {
      const call = newNotices(w, before, 'v1').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'held');
    },
  },
  {
    name: 'call.resume',
    by: 'alice',
    op: 'call.resume',
    setup: async (w) => {
      const context = await talkingCall(w);
      await w.ok('alice', 'call.hold', { cid: context.cid, callId: context.callId });
      return context;
    },
    args: ({ cid, callId }) => ({ cid, callId }),
    effect(w, _context, before) {
      const call = newNotices(w, before, 'v1').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'active');
    },
  },
  {
    name: 'call.hangup in a chat: the chat goes on',
    by: 'v1',
    op: 'call.hangup',
    setup: talkingCall,
    args: ({ cid, callId }) => ({ cid, callId }),
    effect(w, { cid }, before) {
      const call = newNotices(w, before, 'alice').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'ended');
      assert.equal(stateOf(w, cid), 'active');
    },
  },
  {
    name: 'offer.accept of a voice interaction: the call is picked up',
    by: 'alice',
    op: 'offer.accept',
    setup: (w) => offeredChat(w, 'support', 'voice'),
    args: ({ cid }) => ({ cid }),
    effect(w, { cid }, before) {
      assert.equal(stateOf(w, cid), 'active');
      const call = newNotices(w, before, 'v1').find((n) => n.type === 'call');
      assert.equal(call?.type === 'call' && call.call.state, 'connecting');
    },
  },
  {
    name: 'call.hangup of a voice interaction: the interaction ends with it',
    by: 'v1',
    op: 'call.hangup',
    setup: voiceCall,
    args: ({ cid, callId }) => ({ cid, callId }),
    effect(w, { cid }) {
      assert.equal(stateOf(w, cid), 'wrap-up');
    },
  },
];

// ─── running the table ────────────────────────────────────────────────────────────────────────────

/** Builds a world in the row's state and observes it. */
async function prepared(row: Row, mode: Mode) {
  commandCount = 0;
  const w = await world(mode);
  const context = row.setup ? await row.setup(w) : {};
  await w.settle();
  // The arguments are settled once: the retry sends exactly what was refused.
  return { w, context, args: row.args(context, w), before: await observe(w) };
}

async function run(w: World, row: Row, args: unknown, id: string) {
  w.clients[row.by].send(row.op, args, id);
  const reply = await w.clients[row.by].answer(id);
  await w.settle();
  return reply;
}

for (const mode of ['writes', 'everything'] as const) {
  describe(`hub: a command storage refuses changes nothing, and its retry works (${mode === 'writes' ? 'writes refused' : 'storage unreachable'})`, () => {
    for (const row of ROWS) {
      it(row.name, async () => {
        // The world in which the command simply runs.
        const straight = await prepared(row, mode);
        await straight.w.clock.advance(RETRY_AFTER_MS);
        const plain = await run(straight.w, row, straight.args, 'cmd');
        assert.equal(plain.t, 'ack', `without an outage: ${JSON.stringify(plain)}`);
        await straight.w.settle();
        const expected = await observe(straight.w);

        // The world in which it meets an outage first.
        const { w, context, args, before } = await prepared(row, mode);
        w.storage.fail();
        const refused = await run(w, row, args, 'refused');
        assert.equal(refused.t, 'nack');
        if (refused.t === 'nack') {
          assert.equal(refused.error.code, 'unavailable', refused.error.message);
          assert.equal(refused.error.retryAfterMs, RETRY_AFTER_MS);
        }
        assert.ok(w.storage.refused > 0, 'storage was asked');
        const during = await observe(w);
        // The nack is the one frame the outage produced, and only its sender received it.
        assert.deepEqual(
          Object.fromEntries(Object.entries(during.frames).map(([n, f]) => [n, f.length])),
          Object.fromEntries(
            Object.entries(before.frames).map(([n, f]) => [n, f.length + (n === row.by ? 1 : 0)]),
          ),
          'frames fanned out during the outage',
        );
        assert.deepEqual(withoutReplyTo(during, 'refused'), before, 'something moved during the outage');

        // Storage is back: the same command, retried when the nack said, does what it would have done.
        w.storage.heal();
        await w.clock.advance(RETRY_AFTER_MS);
        const retried = await run(w, row, args, 'cmd');
        assert.equal(retried.t, 'ack', `the retry: ${JSON.stringify(retried)}`);
        await w.settle();
        const after = await observe(w);
        assert.ok(after.journal.length > before.journal.length, 'the command wrote');
        assert.deepEqual(
          normalized(withoutReplyTo(after, 'refused')),
          normalized(expected),
          'the retried command ends elsewhere than the plain one',
        );
        row.effect(
          w,
          context,
          before,
          retried.t === 'ack' ? (retried.result as Record<string, unknown>) : {},
        );
      });
    }
  });
}

/** Where everything stands, without times: interactions, presence, and what each agent believes is offered to them. */
function standing(w: World) {
  const interactions = w.hub.interactions();
  const views = Object.fromEntries(
    AGENTS.map((agentId) => {
      // The offers an agent's console shows: offered, and since then neither revoked nor accepted or rejected.
      const { frames, timeline } = w.clients[agentId];
      const acked = (id: string) => frames.some((f) => f.t === 'ack' && f.id === id);
      const shown = new Set<string>();
      for (const entry of timeline) {
        if ('out' in entry) {
          const { op, args, id } = entry.out;
          if ((op === 'offer.accept' || op === 'offer.reject') && acked(id))
            shown.delete((args as { cid: string }).cid);
          continue;
        }
        if (entry.in.t !== 'notice') continue;
        const { notice } = entry.in;
        if (notice.type === 'offer') shown.add(notice.offer.interaction.id);
        else if (notice.type === 'offer.revoked') shown.delete(notice.cid);
      }
      return [agentId, [...shown].sort()];
    }),
  );
  const held = Object.fromEntries(
    AGENTS.map((agentId) => [
      agentId,
      interactions
        .filter((i) => i.agentId === agentId && i.state === 'offered')
        .map((i) => i.id)
        .sort(),
    ]),
  );
  // What transferring agents were told about their transfers to a named colleague.
  const transfers = AGENTS.map((agentId) =>
    w.clients[agentId].frames.flatMap((f) =>
      f.t === 'notice' && f.notice.type === 'transfer.result' ? [[f.notice.toAgentId, f.notice.outcome]] : [],
    ),
  );
  return {
    transfers,
    interactions: interactions.map((i) => [i.channel, i.state, i.agentId, i.queueId, i.endReason]),
    presence: AGENTS.map((id) => [w.hub.presenceOf(id)?.value, w.hub.presenceOf(id)?.context.reasonCode]),
    views,
    held,
  };
}

describe('hub: an outage in the middle of what a command sets off', () => {
  // A command's own step is one write; what it sets off (an offer to an agent, offers withdrawn from one who went
  // away, the next agent's offer) are further steps, each written on its own. Storage may go away between any two:
  // then the command is either refused having changed nothing, or answered, and once storage is back everything
  // ends where it would have without the outage, and every agent's offers are exactly the ones the hub holds.
  for (const row of ROWS) {
    it(row.name, async () => {
      const straight = await prepared(row, 'writes');
      const writesBefore = straight.w.storage.journal.length;
      await straight.w.clock.advance(RETRY_AFTER_MS);
      assert.equal((await run(straight.w, row, straight.args, 'cmd')).t, 'ack');
      await straight.w.clock.advance(1_000);
      const writes = straight.w.storage.journal.length - writesBefore;
      const expected = standing(straight.w);
      assert.deepEqual(expected.views, expected.held, 'without an outage, agents see what they are offered');

      for (let spare = 1; spare < writes; spare++) {
        const { w, args, before } = await prepared(row, 'writes');
        w.storage.fail(spare);
        const first = await run(w, row, args, 'refused');
        const outcome = await observe(w);
        w.storage.heal();
        if (first.t === 'nack') {
          assert.equal(first.error.code, 'unavailable', first.error.message);
          assert.deepEqual(
            withoutReplyTo(outcome, 'refused'),
            before,
            `refused at write ${spare + 1}, yet moved`,
          );
          await w.clock.advance(RETRY_AFTER_MS);
          const retried = await run(w, row, args, 'cmd');
          assert.equal(retried.t, 'ack', `the retry after ${spare} write(s): ${JSON.stringify(retried)}`);
        } else {
          await w.clock.advance(RETRY_AFTER_MS);
        }
        // Steps storage refused are repaired once it is back.
        await w.clock.advance(1_000);
        const now = standing(w);
        const message = `after an outage from write ${spare + 1} of ${writes}`;
        assert.deepEqual(now.views, now.held, `${message}, agents see other offers than they have`);
        assert.deepEqual(
          now.interactions.map(([channel, state]) => [channel, state]),
          expected.interactions.map(([channel, state]) => [channel, state]),
          message,
        );
        assert.deepEqual(now, expected, message);
      }
    });
  }
});
