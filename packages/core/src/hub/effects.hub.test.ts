import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Interaction } from '../interaction/interaction.types';
import { createTestClock, flush } from '../testing';
import type { InteractionStepped } from './conversation.log';
import { createStepEffects } from './effects.hub';
import { DEFAULT_LIFECYCLES, type InteractionSnapshot, type Lifecycle } from './lifecycles';
import type { Live } from './live';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';

const chat = DEFAULT_LIFECYCLES.chat as Lifecycle;
const callback = DEFAULT_LIFECYCLES.callback as Lifecycle;

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

function setup() {
  const clock = createTestClock();
  const calls: string[] = [];
  const timers = createHubTimers({
    clock,
    serialized: createTurns().serialized,
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
    },
    routing: {
      offerSettled: (cid) => calls.push(`offer settled ${cid}`),
      leftLine: (cid) => calls.push(`left line ${cid}`),
      schedule: async () => {
        calls.push('schedule');
      },
      enqueue: (current) => calls.push(`enqueue ${current.interaction.id}`),
    },
    async drive(_current, intent) {
      calls.push(`drive ${intent.kind}`);
    },
    deadlines: timers.group(),
  });
  const step = (current: Live, stateBefore: string): InteractionStepped => ({
    current,
    previous: current.interaction,
    stateBefore,
    reports: [],
    calls: [],
    stored: [],
  });
  return { clock, effects, calls, step };
}

describe('step effects: deadlines declared per state', () => {
  it('a timed wrap-up ends at its deadline plus the grace; leaving wrap-up first cancels it', async () => {
    const { clock, effects, calls, step } = setup();
    const endedAt = clock.now();
    const wrapUp = liveIn(
      chat,
      'wrap-up',
      { acw: { kind: 'timed', seconds: 30 } },
      { createdAt: 0, endedAt },
    );
    effects.stepped(step(wrapUp, 'active'));
    // Still handling: the agent's capacity stays in use.
    assert.equal(calls.length, 0);
    await clock.advance(34_999);
    assert.equal(calls.includes('drive wrap-up-timeout'), false);
    await clock.advance(1);
    await flush();
    assert.deepEqual(calls, ['drive wrap-up-timeout']);

    calls.length = 0;
    effects.stepped(step(wrapUp, 'active'));
    const ended = liveIn(chat, 'ended', {}, { createdAt: 0, answeredAt: 1_000, endedAt: 61_000 });
    effects.stepped(step(ended, 'wrap-up'));
    await clock.advance(60_000);
    assert.equal(calls.includes('drive wrap-up-timeout'), false);
  });

  it('a required wrap-up has no deadline', async () => {
    const { clock, effects, calls, step } = setup();
    const wrapUp = liveIn(
      chat,
      'wrap-up',
      { acw: { kind: 'required' } },
      { createdAt: 0, endedAt: clock.now() },
    );
    effects.stepped(step(wrapUp, 'active'));
    await clock.advance(86_400_000);
    assert.deepEqual(calls, []);
  });

  it('a scheduled callback joins the queue when its slot starts; arm follows a new slot in the same state', async () => {
    const { clock, effects, calls, step } = setup();
    const start = clock.now() + 60_000;
    const scheduled = liveIn(
      callback,
      'scheduled',
      { slot: { start, end: start + 1_800_000 } },
      { createdAt: 0 },
    );
    effects.stepped(step(scheduled, 'requested'));
    // Moved to a later slot without leaving `scheduled`: the new deadline replaces the old.
    const later = start + 3_600_000;
    scheduled.snapshot = {
      ...scheduled.snapshot,
      context: { ...scheduled.snapshot.context, slot: { start: later, end: later } },
    };
    effects.arm(scheduled);
    await clock.advance(60_000);
    assert.deepEqual(calls, []);
    await clock.advance(3_600_000);
    await flush();
    assert.deepEqual(calls, ['drive due', 'enqueue c1']);
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
      'offer settled c1',
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
