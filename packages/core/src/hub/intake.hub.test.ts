import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import type { RoutingRule } from '../routing/rules';
import { createTestClock, salesQueue, supportQueue } from '../testing';
import { runAfterReply } from './dispatch';
import type { Subject } from './hub.types';
import { createIntake } from './intake.hub';
import { DEFAULT_LIFECYCLES } from './lifecycles';
import { callerOf, liveOver, quietLog } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createTurns } from './turns';

const closedQueue: Queue = { ...salesQueue, id: 'closed', businessHours: { timeZone: 'UTC', weekly: {} } };
const vip: RoutingRule = {
  name: 'VIP tier',
  when: { claim: { tier: ['gold'] } },
  set: { priority: 10, queueId: 'sales' },
};

function setup() {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const live = liveOver(clock, storage);
  const turns = createTurns();
  const log = quietLog(clock, storage, live);
  const enqueued: string[] = [];
  const intake = createIntake({
    clock,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    queues: new Map([supportQueue, salesQueue, closedQueue].map((q) => [q.id, q])),
    routingRules: [vip],
    lifecycles: { chat: DEFAULT_LIFECYCLES.chat, 'offline-message': DEFAULT_LIFECYCLES['offline-message'] },
    storage,
    load: (cid) => live.load(cid),
    log,
    serialized: turns.serialized,
    wireFor: (interaction) => interaction as WireInteraction,
    enqueue: (current) => enqueued.push(current.interaction.id),
  });
  return { storage, intake, enqueued };
}

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };

describe('intake: chat.start', () => {
  it('stores the new chat whole (created, then queued) and puts it in line only after the reply', async () => {
    const { storage, intake, enqueued } = setup();
    const caller = callerOf(vera);
    const { cid, interaction } = await intake.handlers['chat.start'](caller, {
      channel: 'chat',
      prechat: { name: 'Vera' },
    });
    assert.equal(interaction.state, 'queued');
    assert.equal(interaction.queueId, 'support');
    assert.deepEqual(
      (await storage.events(cid, 0, 10)).map((e) => e.ev.type),
      ['created', 'state'],
    );
    assert.deepEqual(enqueued, []);
    runAfterReply(caller);
    assert.deepEqual(enqueued, [cid]);
  });

  it('a retried request gets the interaction the first attempt created', async () => {
    const { intake } = setup();
    const caller = callerOf(vera);
    const [first, second] = await Promise.all([
      intake.handlers['chat.start'](caller, { channel: 'chat', requestId: 'q1' }),
      intake.handlers['chat.start'](caller, { channel: 'chat', requestId: 'q1' }),
    ]);
    const third = await intake.handlers['chat.start'](caller, { channel: 'chat', requestId: 'q1' });
    assert.equal(second.cid, first.cid);
    assert.equal(third.cid, first.cid);
    const other = await intake.handlers['chat.start'](caller, { channel: 'chat', requestId: 'q2' });
    assert.notEqual(other.cid, first.cid);
  });

  it('the routing rules set the queue and priority, and say why; card numbers in pre-chat answers are redacted', async () => {
    const { intake } = setup();
    const gold: Subject = { ...vera, customer: { attributes: { tier: 'gold' } } };
    const { interaction } = await intake.handlers['chat.start'](callerOf(gold), {
      channel: 'chat',
      prechat: { note: 'card 4111 1111 1111 1111' },
    });
    assert.deepEqual(
      [interaction.queueId, interaction.priority, interaction.routingReasons],
      ['sales', 10, ['VIP tier']],
    );
    assert.equal(interaction.prechat.note?.includes('4111 1111 1111 1111'), false);
  });

  it('refuses a closed queue, an unknown queue, a channel this hub does not run, and staff', async () => {
    const { intake } = setup();
    const refused = async (promise: Promise<unknown>, code: string) =>
      assert.rejects(promise, (error: unknown) => isHelplineError(error) && error.code === code);
    await refused(
      intake.handlers['chat.start'](callerOf(vera), { channel: 'chat', queueId: 'closed' }),
      'queue/closed',
    );
    await refused(
      intake.handlers['chat.start'](callerOf(vera), { channel: 'chat', queueId: 'nowhere' }),
      'not-found',
    );
    await refused(intake.handlers['chat.start'](callerOf(vera), { channel: 'voice' }), 'validation/field');
    await refused(
      intake.handlers['chat.start'](callerOf({ id: 'alice', role: 'agent', name: 'Alice' }), {
        channel: 'chat',
      }),
      'auth/forbidden',
    );
  });
});

describe('intake: offline.leave', () => {
  it('keeps the message in a new offline-message interaction, even when the queue is closed', async () => {
    const { storage, intake } = setup();
    const { cid, interaction } = await intake.handlers['offline.leave'](callerOf(vera), {
      queueId: 'closed',
      text: 'Please call me back',
    });
    assert.equal(interaction.channel, 'offline-message');
    const events = await storage.events(cid, 0, 10);
    const message = events.find((e) => e.ev.type === 'message');
    assert.equal(message?.ev.type === 'message' && message.ev.text, 'Please call me back');
  });
});
