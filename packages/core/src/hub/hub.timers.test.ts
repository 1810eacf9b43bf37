import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_CAPACITY } from '../agent/agent.types';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { helplineError } from '../protocol/errors';
import type { CommandOp, Notice, ServerFrame } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { createTestClock, salesQueue, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import type { HubStorage } from './hub.types';
import { createMemoryStorage } from './memory.storage';

// No deadline is ever lost: offers time out exactly once, due callbacks join the queue exactly once and never
// before their slot, timed wrap-ups end. The clock here fires every timer a little off its mark — up to a few
// milliseconds early, up to 50 late, at random — as real timers do, and storage drops out for whole seconds at a
// time; each deadline must still be met once, within the timer's lateness (or the outage and one retry) of its
// due time.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  refusals = () => 0;
});

/** Timers fire up to this much early ... */
const EARLY_MS = 5;
/** ... and up to this much late. */
const LATE_MS = 50;
/** What the outage tells the hub: try again after this. */
const RETRY_MS = 250;
const OFFER_MS = supportQueue.offerTimeoutSeconds * 1000;
const WRAP_UP_GRACE_MS = 5_000;
const timedQueue: Queue = { ...salesQueue, id: 'timed', name: 'Timed', acw: { kind: 'timed', seconds: 60 } };

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A manual clock whose timers fire `ms` + a seeded random -EARLY_MS..+LATE_MS after they were set. */
function jitteryClock(seed: number): TestClock & { readonly early: number } {
  const clock = createTestClock();
  const random = mulberry32(seed);
  let early = 0;
  return {
    now: clock.now,
    setTimeout(callback, ms) {
      const jitter = Math.floor(random() * (EARLY_MS + LATE_MS + 1)) - EARLY_MS;
      if (jitter < 0 && ms > 0) early++;
      return clock.setTimeout(callback, Math.max(0, ms + jitter));
    },
    clearTimeout: clock.clearTimeout,
    advance: clock.advance,
    get pendingTimers() {
      return clock.pendingTimers;
    },
    /** Timers that were set to fire early. */
    get early() {
      return early;
    },
  };
}

/** Memory storage that refuses everything while `down` (a database that is away); `refused` counts refusals. */
function outageStorage(): HubStorage & { down: boolean; readonly refused: number } {
  const inner = createMemoryStorage();
  const state = { down: false, refused: 0 };
  const wrapped = Object.fromEntries(
    Object.entries(inner).map(([name, method]) => [
      name,
      async (...args: unknown[]) => {
        if (state.down) {
          state.refused++;
          throw helplineError('unavailable', { detail: 'test' }, { retryAfterMs: RETRY_MS });
        }
        return (method as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
      },
    ]),
  ) as unknown as HubStorage;
  Object.defineProperty(wrapped, 'refused', { get: () => state.refused });
  return Object.defineProperty(wrapped, 'down', {
    get: () => state.down,
    set: (value: boolean) => {
      state.down = value;
    },
  }) as HubStorage & { down: boolean; readonly refused: number };
}

interface RawClient {
  readonly frames: ServerFrame[];
  notices(): Notice[];
  ok(op: CommandOp, args: unknown): Promise<Record<string, unknown>>;
}

let ids = 0;
async function rawClient(hub: Hub, token: string): Promise<RawClient> {
  const frames: ServerFrame[] = [];
  const connection = hub.connect({ send: (raw) => frames.push(JSON.parse(raw) as ServerFrame), close() {} });
  connection.receive(JSON.stringify({ t: 'hello', v: 1, token }));
  await waitFor(() => frames.some((f) => f.t === 'welcome'), 'welcome');
  return {
    frames,
    notices: () => frames.flatMap((f) => (f.t === 'notice' ? [f.notice] : [])),
    async ok(op, args) {
      const id = `c${++ids}`;
      connection.receive(JSON.stringify({ t: 'cmd', id, op, args }));
      const answered = () => frames.find((f) => (f.t === 'ack' || f.t === 'nack') && f.id === id);
      await waitFor(() => answered() !== undefined, `answer to ${op}`);
      const reply = answered();
      if (reply?.t !== 'ack') throw new Error(`${op} refused: ${JSON.stringify(reply)}`);
      return reply.result as Record<string, unknown>;
    },
  };
}

/** Storage refusals in the worlds of the current test (a property that never met an outage proves little). */
let refusals: () => number = () => 0;

/** A hub on a jittery clock and a storage that can go down, with its KPI log. */
function jitteryHub(seed: number, agents = [testAgent('alice'), testAgent('bob')]) {
  const clock = jitteryClock(seed);
  const storage = outageStorage();
  const log: KpiLogEvent[] = [];
  const hub = createHub({
    queues: [supportQueue, timedQueue],
    agents,
    authenticate: devAuthenticate,
    clock,
    storage,
    // Pings would only slow the walk through hours of virtual time.
    heartbeatMs: 24 * 3_600_000,
    onLog: (event) => log.push(event),
    logger: { error: (what, error) => console.error(what, error) },
  });
  cleanups.push(() => hub.close());
  const earlier = refusals;
  refusals = () => earlier() + storage.refused;
  return { clock, storage, log, hub };
}

/** Outage windows [start, end) in ms after a reference time, sorted, not overlapping. */
type Windows = readonly (readonly [number, number])[];

/** Sorted, non-overlapping windows covering the same time as `list`. */
function merged(list: readonly (readonly [number, number])[]): Windows {
  const out: [number, number][] = [];
  for (const [start, end] of [...list].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Outages of up to 8 s anywhere in the first `horizonMs`. */
const windowsArbitrary = (horizonMs: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: horizonMs }), fc.integer({ min: 1, max: 8_000 })), {
      maxLength: 4,
    })
    .map((list) => merged(list.map(([start, length]) => [start, start + length] as const)));

/** An outage around a deadline `at`: starting up to 3 s before it, lasting up to 8 s. */
const outageAround = fc.option(
  fc.record({ lead: fc.integer({ min: 0, max: 3_000 }), length: fc.integer({ min: 1, max: 8_000 }) }),
  { nil: undefined },
);
const around = (at: number, outage: { lead: number; length: number } | undefined) =>
  outage ? [[at - outage.lead, at - outage.lead + outage.length] as const] : [];

/**
 * The latest a step due at `due` may happen: the timer's lateness, or, when storage is down at that point, the
 * end of the outage plus one retry (and that retry's lateness).
 */
function latest(due: number, windows: Windows, origin: number): number {
  let by = due + LATE_MS;
  for (const [start, end] of windows) {
    if (origin + start <= by && origin + end > due) by = Math.max(by, origin + end + RETRY_MS + LATE_MS);
  }
  return by;
}

/**
 * Walks the clock to `until` in random steps, turning storage off and on at the windows' edges, and calls `check`
 * after every step.
 */
async function walk(
  world: ReturnType<typeof jitteryHub>,
  random: () => number,
  until: number,
  windows: Windows,
  origin: number,
  check: () => void,
  maxStepMs = 3_000,
): Promise<void> {
  const { clock, storage } = world;
  const edges = windows.flatMap(([start, end]) => [origin + start, origin + end]);
  while (clock.now() < until) {
    const step = 1 + Math.floor(random() * maxStepMs);
    const nextEdge = edges.find((edge) => edge > clock.now());
    const to = Math.min(until, clock.now() + step, nextEdge ?? Number.POSITIVE_INFINITY);
    await clock.advance(to - clock.now());
    const at = clock.now() - origin;
    storage.down = windows.some(([start, end]) => at >= start && at < end);
    check();
  }
  storage.down = false;
}

/** Offers and their revocations to one agent, per conversation, in the order they arrived. */
function offerHistory(notices: readonly Notice[]): Map<string, ('offer' | 'revoked')[]> {
  const history = new Map<string, ('offer' | 'revoked')[]>();
  for (const notice of notices) {
    const cid =
      notice.type === 'offer'
        ? notice.offer.interaction.id
        : notice.type === 'offer.revoked'
          ? notice.cid
          : undefined;
    if (cid === undefined) continue;
    const list = history.get(cid) ?? [];
    list.push(notice.type === 'offer' ? 'offer' : 'revoked');
    history.set(cid, list);
  }
  return history;
}

describe('hub timers: an agent who never answers', () => {
  it('loses every pending offer when set away after missed offers: each is revoked and routed again', async () => {
    const capacity = { ...DEFAULT_CAPACITY, chat: 40 };
    const world = jitteryHub(7, [testAgent('alice', { capacity }), testAgent('bob', { capacity })]);
    const { clock, hub, log } = world;
    const visitor = await rawClient(hub, 'dev:visitor:v1:Ada');
    const alice = await rawClient(hub, 'dev:agent:alice:Alice');
    const bob = await rawClient(hub, 'dev:agent:bob:Bob');
    await alice.ok('presence.set', { status: 'available' });
    const cids: string[] = [];
    for (let i = 0; i < 33; i++) {
      const { cid } = (await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' })) as {
        cid: string;
      };
      cids.push(cid);
    }
    await waitFor(() => cids.every((cid) => hub.interaction(cid)?.state === 'offered'), 'all 33 offered');
    assert.ok(cids.every((cid) => hub.interaction(cid)?.agentId === 'alice'));

    // The offers run out: three misses send alice away, and the thirty offers still pending go with her.
    await clock.advance(OFFER_MS + LATE_MS + 1);
    assert.equal(hub.presenceOf('alice')?.value, 'away');
    assert.equal(hub.presenceOf('alice')?.context.reasonCode, 'missed-offers');
    assert.deepEqual(
      cids.map((cid) => hub.interaction(cid)?.state),
      cids.map(() => 'queued'),
      'nothing stays offered to an agent who is away',
    );
    const history = offerHistory(alice.notices());
    for (const cid of cids)
      assert.deepEqual(history.get(cid), ['offer', 'revoked'], `alice told about ${cid}`);
    // Nobody offers them to alice again, however long they wait.
    await clock.advance(10 * OFFER_MS);
    assert.ok(cids.every((cid) => hub.interaction(cid)?.state === 'queued'));
    assert.equal(alice.notices().filter((n) => n.type === 'offer').length, 33);

    // Bob comes in and takes everything.
    await bob.ok('presence.set', { status: 'available' });
    const accepted = new Set<string>();
    for (let round = 0; round < 10 && accepted.size < cids.length; round++) {
      await waitFor(
        () => bob.notices().some((n) => n.type === 'offer' && !accepted.has(n.offer.interaction.id)),
        'an offer to bob',
      );
      for (const notice of bob.notices()) {
        if (notice.type !== 'offer' || accepted.has(notice.offer.interaction.id)) continue;
        accepted.add(notice.offer.interaction.id);
        await bob.ok('offer.accept', { cid: notice.offer.interaction.id });
      }
    }
    assert.deepEqual(
      cids.map((cid) => [hub.interaction(cid)?.state, hub.interaction(cid)?.agentId]),
      cids.map(() => ['active', 'bob']),
    );
    // Every offer was logged once, every answer once.
    assert.equal(log.filter((e) => e.type === 'offered').length, 66);
    assert.equal(log.filter((e) => e.type === 'answered').length, 33);
  });
});

describe('hub timers: no deadline is lost on a clock that fires early and late', () => {
  it('times out every unanswered offer exactly once, and re-offers or re-queues it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 6 }),
        windowsArbitrary(240_000),
        // Offers made at the start run out every 20 s or so: outages around some of those moments.
        fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), outageAround), { maxLength: 4 }),
        async (seed, chats, elsewhere, expiries) => {
          const windows = merged([
            ...elsewhere,
            ...expiries.flatMap(([round, outage]) => around(round * OFFER_MS, outage)),
          ]);
          const world = jitteryHub(seed);
          const { clock, hub, log } = world;
          const random = mulberry32(seed ^ 0x5eed);
          const visitor = await rawClient(hub, 'dev:visitor:v1:Ada');
          const agents = {
            alice: await rawClient(hub, 'dev:agent:alice:Alice'),
            bob: await rawClient(hub, 'dev:agent:bob:Bob'),
          };
          for (const agent of Object.values(agents)) await agent.ok('presence.set', { status: 'available' });
          const cids: string[] = [];
          for (let i = 0; i < chats; i++) {
            const { cid } = (await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' })) as {
              cid: string;
            };
            cids.push(cid);
          }
          const origin = clock.now();
          const check = () => {
            const now = clock.now();
            for (const cid of cids) {
              const interaction = hub.interaction(cid);
              if (interaction?.state !== 'offered') continue;
              // The deadline of the last offer its agent was told of.
              const agent = agents[interaction.agentId as keyof typeof agents];
              const expiresAt = agent
                ?.notices()
                .flatMap((n) =>
                  n.type === 'offer' && n.offer.interaction.id === cid ? [n.offer.expiresAt] : [],
                )
                .at(-1);
              assert.ok(expiresAt !== undefined, `${cid} is offered without an offer notice`);
              assert.ok(
                now <= latest(expiresAt, windows, origin),
                `${cid} still offered at +${now - expiresAt} ms past its deadline`,
              );
            }
          };
          // Agents that went away after missed offers come back now and then, so the offers go round.
          for (let round = 0; round < 4; round++) {
            await walk(world, random, origin + (round + 1) * 60_000, windows, origin, check, 5_000);
            for (const [id, agent] of Object.entries(agents)) {
              if (hub.presenceOf(id)?.value !== 'available')
                await agent.ok('presence.set', { status: 'available' });
            }
          }
          // Then nobody comes back: the offers run out for good.
          await walk(world, random, origin + 600_000, windows, origin, check, 15_000);

          for (const [id, agent] of Object.entries(agents)) {
            assert.equal(hub.presenceOf(id)?.value, 'away', `${id} away after missing offers`);
            for (const [cid, history] of offerHistory(agent.notices())) {
              // Offer, revoked, offer, revoked … : every offer ends once, none twice.
              assert.deepEqual(
                history,
                history.map((_, i) => (i % 2 === 0 ? 'offer' : 'revoked')),
                `${id}'s offers of ${cid}`,
              );
              assert.equal(history.length % 2, 0, `${id}'s last offer of ${cid} was revoked`);
            }
          }
          assert.ok(cids.every((cid) => hub.interaction(cid)?.state === 'queued'));
          const offers = Object.values(agents).flatMap((a) => a.notices().filter((n) => n.type === 'offer'));
          assert.equal(
            log.filter((e) => e.type === 'offered').length,
            offers.length,
            'each offer logged once',
          );
        },
      ),
      { numRuns: 15, seed: 20260105 },
    );
    assert.ok(refusals() > 0, 'storage was down when it mattered');
  });

  it('puts every due callback in line exactly once, never before its slot', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(
          fc.record({
            // Slots at an odd millisecond too, so that timers firing early land just before them.
            at: fc.integer({ min: 60_000, max: 2 * 3_600_000 }),
            outage: outageAround,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        windowsArbitrary(2 * 3_600_000),
        async (seed, callbacks, elsewhere) => {
          const windows = merged([
            ...elsewhere,
            ...callbacks.flatMap(({ at, outage }) => around(at, outage)),
          ]);
          const world = jitteryHub(seed);
          const { clock, hub, log, storage } = world;
          const random = mulberry32(seed ^ 0xca11);
          const visitor = await rawClient(hub, 'dev:visitor:v1:Ada');
          const origin = clock.now();
          const slots = new Map<string, number>();
          for (const { at } of callbacks) {
            const start = origin + at;
            const { cid } = (await visitor.ok('callback.request', {
              queueId: 'support',
              phone: '+31201234567',
              timeZone: 'UTC',
              slot: start,
            })) as { cid: string };
            slots.set(cid, start);
          }
          // Long strides between checks: the log below says when each one was put in line, to the millisecond.
          await walk(
            world,
            random,
            origin + 2 * 3_600_000 + 60_000,
            windows,
            origin,
            () => {
              for (const [cid, start] of slots) {
                const state = hub.interaction(cid)?.state;
                if (clock.now() < start) assert.equal(state, 'scheduled', `${cid} due before its slot`);
                else if (clock.now() > latest(start, windows, origin))
                  assert.equal(state, 'queued', `${cid} not due ${clock.now() - start} ms after its slot`);
              }
            },
            120_000,
          );
          for (const [cid, start] of slots) {
            const queued = log.filter((e) => e.type === 'queued' && e.interactionId === cid);
            assert.equal(queued.length, 1, `${cid} queued once`);
            const at = queued[0]?.at ?? 0;
            assert.ok(
              at >= start && at <= latest(start, windows, origin),
              `${cid} queued at +${at - start} ms`,
            );
            const events = await storage.events(cid, 0, 100);
            assert.equal(events.filter((e) => e.ev.type === 'state' && e.ev.state === 'queued').length, 1);
          }
        },
      ),
      { numRuns: 25, seed: 20260106 },
    );
    assert.ok(refusals() > 0, 'storage was down when it mattered');
  });

  it('ends every timed wrap-up once, at its deadline, unless the agent finished first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(
          fc.record({
            endAfter: fc.integer({ min: 0, max: 120_000 }),
            submits: fc.boolean(),
            outage: outageAround,
          }),
          { minLength: 1, maxLength: 3 },
        ),
        windowsArbitrary(300_000),
        async (seed, plans, elsewhere) => {
          // The chats end at `endAfter`, their wrap-ups run out 65 s later.
          const windows = merged([
            ...elsewhere,
            ...plans.flatMap(({ endAfter, outage }) => around(endAfter + 60_000 + WRAP_UP_GRACE_MS, outage)),
          ]);
          const world = jitteryHub(seed);
          const { clock, hub, log } = world;
          const random = mulberry32(seed ^ 0xac3);
          const visitor = await rawClient(hub, 'dev:visitor:v1:Ada');
          const alice = await rawClient(hub, 'dev:agent:alice:Alice');
          await alice.ok('presence.set', { status: 'available' });
          const cids: string[] = [];
          for (const _plan of plans) {
            const { cid } = (await visitor.ok('chat.start', { channel: 'chat', queueId: 'timed' })) as {
              cid: string;
            };
            await waitFor(
              () => alice.notices().some((n) => n.type === 'offer' && n.offer.interaction.id === cid),
              'offer',
            );
            await alice.ok('offer.accept', { cid });
            cids.push(cid);
          }
          const origin = clock.now();
          const endedAt = new Map<string, number>();
          const pending = plans.map((plan, i) => ({ ...plan, cid: cids[i] as string }));
          const check = () => {
            for (const [cid, ended] of endedAt) {
              const deadline = ended + 60_000 + WRAP_UP_GRACE_MS;
              const state = hub.interaction(cid)?.state;
              if (clock.now() > latest(deadline, windows, origin))
                assert.equal(
                  state,
                  'ended',
                  `${cid} still in wrap-up ${clock.now() - deadline} ms past its deadline`,
                );
            }
          };
          // The agent ends each chat at its time (storage is up for that: a refused end is the atomic test's
          // business), and submits the form before the deadline for some.
          for (const plan of [...pending].sort((a, b) => a.endAfter - b.endAfter)) {
            await walk(world, random, origin + plan.endAfter, windows, origin, check, 8_000);
            const down = world.storage.down;
            world.storage.down = false;
            await alice.ok('chat.end', { cid: plan.cid });
            endedAt.set(plan.cid, clock.now());
            if (plan.submits) await alice.ok('wrapup.submit', { cid: plan.cid });
            world.storage.down = down;
          }
          await walk(world, random, origin + 400_000, windows, origin, check, 8_000);
          for (const { cid, submits } of pending) {
            assert.equal(hub.interaction(cid)?.state, 'ended');
            const done = log.filter((e) => e.type === 'wrap-up-done' && e.interactionId === cid);
            assert.equal(done.length, 1, `${cid} wrapped up once`);
            const at = done[0]?.at ?? 0;
            const deadline = (endedAt.get(cid) ?? 0) + 60_000 + WRAP_UP_GRACE_MS;
            if (submits) assert.equal(at, endedAt.get(cid), `${cid}: the agent's form, not the timer`);
            else
              assert.ok(
                at >= deadline && at <= latest(deadline, windows, origin),
                `${cid} at +${at - deadline} ms`,
              );
          }
        },
      ),
      { numRuns: 15, seed: 20260107 },
    );
    assert.ok(refusals() > 0, 'storage was down when it mattered');
  });

  it('the clock really does fire early', () => {
    // A guard on the test itself: the properties above mean little if no timer ever fired early.
    const clock = jitteryClock(1);
    for (let i = 0; i < 100; i++) clock.setTimeout(() => {}, 1_000);
    assert.ok(clock.early > 0);
  });
});
