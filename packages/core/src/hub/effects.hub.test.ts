import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel, Interaction } from '../interaction/interaction.types';
import type { Queue } from '../queue/queue.types';
import { createTestClock, flush, salesQueue, supportQueue } from '../testing';
import type { InteractionStepped } from './conversation.log';
import { createStepEffects } from './effects.hub';
import { DEFAULT_LIFECYCLES, type Intent, type InteractionSnapshot, type Lifecycle } from './lifecycles';
import type { Live } from './live';
import { liveOver, quietLog } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';

const chat = DEFAULT_LIFECYCLES.chat as Lifecycle;
const callback = DEFAULT_LIFECYCLES.callback as Lifecycle;
const timedQueue: Queue = { ...salesQueue, id: 'timed', acw: { kind: 'timed', seconds: 30 } };
const OFFER_MS = 20_000;
const GRACE_MS = 5_000;

function liveIn(
  lifecycle: Lifecycle,
  state: string,
  context: Readonly<Record<string, unknown>>,
  timestamps: Interaction['timestamps'],
): Live {
  const interaction: Interaction = {
    id: 'c1',
    channel: lifecycle === chat ? 'chat' : 'callback',
    state,
    queueId: 'support',
    customer: { id: 'v1', identified: false, attributes: {} },
    participants: [],
    agentId: 'alice',
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps,
  };
  const snapshot = { value: state, context: { timestamps, ...context } } as InteractionSnapshot;
  return { interaction, snapshot, lifecycle };
}

/**
 * The step effects over their own dependencies: the test clock, real timer groups and turns, and a real conversation
 * log over memory storage whose steps go through the machines; the router and the routing glue record what they hear.
 */
function setup() {
  const clock = createTestClock();
  const calls: string[] = [];
  const turns = createTurns();
  const storage = createMemoryStorage();
  const live = liveOver(clock, storage);
  const log = quietLog(clock, storage, live);
  const timers = createHubTimers({
    clock,
    serialized: turns.serialized,
    reportFailure: (what) => calls.push(`failed ${what}`),
    isClosed: () => false,
  });
  const effects = createStepEffects({
    clock,
    router: {
      release: (cid) => calls.push(`release ${cid}`),
      remove: (cid) => {
        calls.push(`remove ${cid}`);
        return [];
      },
      recordHandleTime: (queueId, seconds) => calls.push(`handle time ${queueId} ${seconds}`),
      restoreAssigned: (cid, agentId) => void calls.push(`restore ${cid} to ${agentId}`),
    },
    routing: {
      leftLine: (cid) => calls.push(`left line ${cid}`),
      schedule: async () => {
        calls.push('schedule');
      },
      enqueue: (current) => calls.push(`enqueue ${current.interaction.id}`),
      tick: async () => {
        calls.push('tick');
      },
    },
    async drive(current, intent) {
      calls.push(`drive ${intent.kind}`);
      await log.drive(current, intent);
    },
    deadlines: timers.group(),
  });
  log.subscribe(effects.stepped);
  const step = (current: Live, stateBefore: string): InteractionStepped => ({
    current,
    previous: current.interaction,
    stateBefore,
    reports: [],
    calls: [],
    stored: [],
  });

  /** A new interaction of `channel` in `queue`, taken through `intents` by the log (whose steps the effects hear). */
  async function started(channel: Channel, queue: Queue, ...intents: Intent[]): Promise<Live> {
    const lifecycle = channel === 'callback' ? callback : chat;
    const draft: Interaction = {
      id: 'c1',
      channel,
      state: lifecycle.machine.initial,
      queueId: queue.id,
      customer: { id: 'v1', identified: false, attributes: {}, phone: '+31201234567' },
      participants: [],
      priority: 0,
      requiredSkills: [],
      prechat: {},
      timestamps: { createdAt: clock.now() },
    };
    const current: Live = {
      interaction: draft,
      snapshot: lifecycle.create(clock.now(), queue, draft),
      lifecycle,
    };
    for (const intent of intents) await log.drive(current, intent);
    return current;
  }
  /** What the deadlines set off: machine steps, the router woken, work put in line (not the end's clean-up). */
  const fired = () => calls.filter((call) => /^(drive|enqueue|tick)\b/.test(call));
  return { clock, turns, effects, calls, fired, step, started, log };
}

const offer = (at: number): Intent => ({ kind: 'offer', agentId: 'alice', expiresAt: at + OFFER_MS });
const accept: Intent = { kind: 'accept', agentId: 'alice' };
const enqueue: Intent = { kind: 'enqueue', prechat: {} };

describe('step effects: the chat lifecycle’s deadlines', () => {
  it('offered: the offer’s expiry wakes the router, which owns offers; an answer cancels it', async () => {
    const { clock, calls, fired, started, log } = setup();
    const current = await started('chat', supportQueue, enqueue, offer(clock.now()));
    await clock.advance(OFFER_MS - 1);
    assert.deepEqual(fired(), []);
    await clock.advance(1);
    assert.deepEqual(fired(), ['tick']);
    assert.equal(current.snapshot.value, 'offered', 'the machine waits for the router’s decision');

    calls.length = 0;
    await log.drive(current, { kind: 'offer-timeout' });
    await log.drive(current, offer(clock.now()));
    await log.drive(current, accept);
    await clock.advance(2 * OFFER_MS);
    assert.deepEqual(fired(), []);
  });

  it('wrap-up: a timed wrap-up ends with WRAP_UP_TIMEOUT at its deadline plus the grace', async () => {
    const { clock, fired, started } = setup();
    const current = await started('chat', timedQueue, enqueue, offer(clock.now()), accept, {
      kind: 'agent-ends',
    });
    const endedAt = clock.now();
    assert.equal(current.snapshot.value, 'wrap-up');
    await clock.advance(30_000 + GRACE_MS - 1);
    assert.deepEqual(fired(), []);
    await clock.advance(1);
    await flush();
    assert.deepEqual(fired(), ['drive deadline']);
    assert.equal(current.snapshot.value, 'ended');
    assert.equal(current.interaction.timestamps.wrapUpEndedAt, endedAt + 30_000 + GRACE_MS);
    assert.equal(current.interaction.disposition, undefined);
  });

  it('wrap-up: the agent’s form first cancels it, also when it already waits for the conversation’s turn', async () => {
    const early = setup();
    const first = await early.started('chat', timedQueue, enqueue, offer(early.clock.now()), accept, {
      kind: 'agent-ends',
    });
    await early.log.drive(first, { kind: 'wrap-up', disposition: 'sold' });
    await early.clock.advance(60_000);
    assert.deepEqual(early.fired(), []);

    const late = setup();
    const second = await late.started('chat', timedQueue, enqueue, offer(late.clock.now()), accept, {
      kind: 'agent-ends',
    });
    // The form is being stored in the conversation's turn as the deadline falls due.
    let submitted!: () => void;
    const form = late.turns.serialized('c1', async () => {
      await new Promise<void>((resolve) => {
        submitted = resolve;
      });
      await late.log.drive(second, { kind: 'wrap-up', disposition: 'sold' });
    });
    await late.clock.advance(30_000 + GRACE_MS);
    submitted();
    await form;
    await flush();
    assert.deepEqual(late.fired(), [], 'the deadline found its state gone and took no step');
    assert.equal(second.interaction.disposition, 'sold');
  });

  it('wrap-up: a required wrap-up has no deadline', async () => {
    const { clock, fired, started } = setup();
    const current = await started('chat', supportQueue, enqueue, offer(clock.now()), accept, {
      kind: 'agent-ends',
    });
    assert.equal(current.snapshot.value, 'wrap-up');
    await clock.advance(86_400_000);
    assert.deepEqual(fired(), []);
  });
});

describe('step effects: the callback lifecycle’s deadlines', () => {
  it('scheduled: DUE when the slot starts, then in line; arm follows a new slot in the same state', async () => {
    const { clock, fired, started, effects, log } = setup();
    const start = clock.now() + 60_000;
    const current = await started('callback', supportQueue, {
      kind: 'schedule',
      start,
      end: start + 1_800_000,
    });
    // Moved to a later slot without leaving `scheduled`: the new deadline replaces the old.
    const later = start + 3_600_000;
    await log.drive(current, { kind: 'schedule', start: later, end: later + 1_800_000 });
    effects.arm(current);
    await clock.advance(60_000);
    assert.deepEqual(fired(), []);
    await clock.advance(3_600_000);
    await flush();
    assert.deepEqual(fired(), ['drive deadline', 'enqueue c1']);
    assert.equal(current.snapshot.value, 'queued');
    assert.equal(current.snapshot.context.dueSince, later);
  });

  it('retry-wait: DUE when the back-off is over, then in line', async () => {
    const { clock, fired, started } = setup();
    const current = await started('callback', supportQueue, enqueue, offer(clock.now()), accept, {
      kind: 'no-answer',
    });
    assert.equal(current.snapshot.value, 'retry-wait');
    const nextAttemptAt = current.snapshot.context.nextAttemptAt ?? Number.NaN;
    await clock.advance(nextAttemptAt - clock.now() - 1);
    assert.deepEqual(fired(), []);
    await clock.advance(1);
    await flush();
    assert.deepEqual(fired(), ['drive deadline', 'enqueue c1']);
    assert.equal(current.snapshot.value, 'queued');
  });

  it('offered: the offer’s expiry wakes the router', async () => {
    const { clock, fired, started } = setup();
    await started('callback', supportQueue, enqueue, offer(clock.now()));
    await clock.advance(OFFER_MS);
    assert.deepEqual(fired(), ['tick']);
  });

  it('wrap-up: a timed wrap-up ends with WRAP_UP_TIMEOUT, completed', async () => {
    const { clock, fired, started } = setup();
    const current = await started(
      'callback',
      timedQueue,
      enqueue,
      offer(clock.now()),
      accept,
      { kind: 'answered' },
      { kind: 'agent-ends' },
    );
    assert.equal(current.snapshot.value, 'wrap-up');
    await clock.advance(30_000 + GRACE_MS);
    await flush();
    assert.deepEqual(fired(), ['drive deadline']);
    assert.equal(current.snapshot.value, 'completed');
  });
});

describe('step effects: capacity and the end', () => {
  it('leaving the handling states frees capacity; a final state leaves the router and records the handle time', () => {
    const { effects, calls, step } = setup();
    const ended = liveIn(
      chat,
      'ended',
      {},
      { createdAt: 0, answeredAt: 1_000, endedAt: 61_000, wrapUpEndedAt: 91_000 },
    );
    effects.stepped(step(ended, 'wrap-up'));
    assert.deepEqual(calls, [
      'release c1',
      'remove c1',
      'release c1',
      'handle time support 90',
      'left line c1',
      'schedule',
    ]);
  });

  it('a step that keeps the state sets nothing off', () => {
    const { effects, calls, step } = setup();
    effects.stepped(step(liveIn(chat, 'active', {}, { createdAt: 0 }), 'active'));
    assert.deepEqual(calls, []);
  });
});
