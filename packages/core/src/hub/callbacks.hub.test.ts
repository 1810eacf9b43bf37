import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import type { WireCall, WireInteraction } from '../protocol/protocol.types';
import { createTestClock, supportQueue } from '../testing';
import { createCallbacksHub } from './callbacks.hub';
import { runAfterReply } from './dispatch';
import type { Subject } from './hub.types';
import { createIntake } from './intake.hub';
import { DEFAULT_LIFECYCLES } from './lifecycles';
import type { Live } from './live';
import { callerOf, liveOver, quietLog } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createTurns } from './turns';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const phone = '+31201234567';
const timeZone = 'Europe/Amsterdam';

function setup(options: { ringing?: boolean } = {}) {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const live = liveOver(clock, storage);
  const turns = createTurns();
  const queues = new Map([[supportQueue.id, supportQueue]]);
  const log = quietLog(clock, storage, live);
  const seen: string[] = [];
  const wireFor = (interaction: WireInteraction | Live['interaction']) => interaction as WireInteraction;
  const intake = createIntake({
    clock,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    queues,
    routingRules: [],
    lifecycles: { callback: DEFAULT_LIFECYCLES.callback },
    storage,
    load: (cid) => live.load(cid),
    log,
    serialized: turns.serialized,
    wireFor,
    enqueue: (current) => seen.push(`enqueue ${current.interaction.id}`),
  });
  const callbacks = createCallbacksHub({
    clock,
    queues,
    callbackSlotMs: 30 * 60_000,
    intake,
    getLive: live.getLive,
    serialized: turns.serialized,
    log,
    callOf: () => (options.ringing ? ({ state: 'ringing' } as WireCall) : undefined),
    router: {
      remove: (cid) => {
        seen.push(`remove ${cid}`);
        return [];
      },
    },
    routing: {
      enqueue: (current) => seen.push(`enqueue ${current.interaction.id}`),
      leftLine: (cid) => seen.push(`left line ${cid}`),
      publishPositions: () => {},
      schedule: async () => {},
    },
    armDeadline: (current) => seen.push(`arm ${current.snapshot.value}`),
    boardChanged: () => {},
    wireFor,
  });
  return { clock, storage, live, callbacks, seen };
}

const refused = (promise: Promise<unknown>, code: string, field?: string) =>
  assert.rejects(
    promise,
    (error: unknown) =>
      isHelplineError(error) && error.code === code && (field === undefined || error.field === field),
  );

describe('callbacks: request', () => {
  it('as soon as possible while the queue is open: queued, and in line after the reply', async () => {
    const { callbacks, seen } = setup();
    const caller = callerOf(vera);
    const { cid, interaction } = await callbacks.handlers['callback.request'](caller, {
      slot: 'asap',
      phone,
      timeZone,
    });
    assert.equal(interaction.state, 'queued');
    assert.equal(interaction.customer.phone, phone);
    assert.deepEqual(seen, []);
    runAfterReply(caller);
    assert.deepEqual(seen, [`enqueue ${cid}`]);
  });

  it('in a slot: scheduled, not in line; a slot in the past or more than a year ahead is refused', async () => {
    const { clock, callbacks, seen } = setup();
    const caller = callerOf(vera);
    const slot = clock.now() + 3_600_000;
    const { interaction } = await callbacks.handlers['callback.request'](caller, { slot, phone, timeZone });
    assert.equal(interaction.state, 'scheduled');
    assert.deepEqual(interaction.callback?.slot, { start: slot, end: slot + 30 * 60_000 });
    runAfterReply(caller);
    assert.deepEqual(seen, []);
    await refused(
      callbacks.handlers['callback.request'](caller, { slot: clock.now() - 1, phone, timeZone }),
      'validation/field',
      'slot',
    );
    await refused(
      callbacks.handlers['callback.request'](caller, {
        slot: clock.now() + 400 * 86_400_000,
        phone,
        timeZone,
      }),
      'validation/field',
      'slot',
    );
  });
});

describe('callbacks: moving and ending', () => {
  it('the customer moves a scheduled callback: the parties hear the new time, its deadline moves with it', async () => {
    const { clock, storage, callbacks, seen } = setup();
    const caller = callerOf(vera);
    const { cid } = await callbacks.handlers['callback.request'](caller, {
      slot: clock.now() + 3_600_000,
      phone,
      timeZone,
    });
    const at = clock.now() + 7_200_000;
    const { interaction } = await callbacks.handlers['callback.reschedule'](caller, { cid, at });
    assert.equal(interaction.callback?.slot?.start, at);
    assert.deepEqual(seen, ['arm scheduled']);
    const states = (await storage.events(cid, 0, 10)).filter((e) => e.ev.type === 'state');
    assert.equal(states.length, 2);
  });

  it('a callback waiting in line leaves the line while it moves to its new slot', async () => {
    const { clock, callbacks, seen } = setup();
    const caller = callerOf(vera);
    const { cid } = await callbacks.handlers['callback.request'](caller, { slot: 'asap', phone, timeZone });
    await callbacks.handlers['callback.reschedule'](caller, { cid, at: clock.now() + 3_600_000 });
    assert.deepEqual(seen, [`remove ${cid}`, `left line ${cid}`]);
  });

  it('a callback that already rings in the browser is hung up, not moved; an agent may move only one they dial', async () => {
    const { clock, callbacks } = setup({ ringing: true });
    const { cid } = await callbacks.handlers['callback.request'](callerOf(vera), {
      slot: 'asap',
      phone,
      timeZone,
    });
    await refused(
      callbacks.handlers['callback.reschedule'](callerOf(vera), { cid, at: clock.now() + 3_600_000 }),
      'conflict/state',
    );
    const quiet = setup();
    const other = await quiet.callbacks.handlers['callback.request'](callerOf(vera), {
      slot: 'asap',
      phone,
      timeZone,
    });
    await assert.rejects(
      quiet.callbacks.handlers['callback.reschedule'](callerOf(alice), {
        cid: other.cid,
        at: clock.now() + 3_600_000,
      }),
      (error: unknown) => isHelplineError(error),
    );
  });

  it('the customer cancels: the callback ends, cancelled by the visitor', async () => {
    const { callbacks, live } = setup();
    const caller = callerOf(vera);
    const { cid } = await callbacks.handlers['callback.request'](caller, { slot: 'asap', phone, timeZone });
    await callbacks.handlers['callback.cancel'](caller, { cid });
    const current = live.get(cid);
    assert.equal(current?.snapshot.value, 'cancelled');
    assert.equal(current?.interaction.endedBy, 'visitor');
  });
});
