import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presenceSnapshot } from '../agent/presence.machine';
import { helplineError, isHelplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import type { RoutingOffer } from '../routing/routing.types';
import { createTestClock, salesQueue, supportQueue, testAgent } from '../testing';
import type { Subject } from './hub.types';
import { callerOf, liveOver, quietLog, waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createWorkHub } from './work.hub';

const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const bob: Subject = { id: 'bob', role: 'agent', name: 'Bob' };
const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };

async function setup(state: 'queued' | 'offered' = 'offered') {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const live = liveOver(clock, storage);
  const log = quietLog(clock, storage, live);
  const calls: string[] = [];
  const queues = new Map([supportQueue, salesQueue].map((q) => [q.id, q]));
  const work = createWorkHub({
    queues,
    agents: new Map([testAgent('alice'), testAgent('bob')].map((a) => [a.id, a])),
    router: {
      offerOf: (cid) =>
        ({ interactionId: cid, agentId: 'alice', expiresAt: clock.now() + 20_000 }) as RoutingOffer,
      accept: (cid, agentId) => {
        calls.push(`router accept ${cid} ${agentId}`);
        return [];
      },
      reject: (cid, agentId) => {
        calls.push(`router reject ${cid} ${agentId}`);
        return [];
      },
      release: (cid) => {
        calls.push(`router release ${cid}`);
      },
      remove: (cid) => {
        calls.push(`router remove ${cid}`);
        return [];
      },
      refusalOfOfferTo: (_item, agentId) =>
        agentId === 'bob'
          ? undefined
          : helplineError('conflict/state', { operation: 'offer', entity: 'agent', state: 'away' }),
      transfer: (cid, queueId) => {
        calls.push(`router transfer ${cid} ${queueId}`);
        return [];
      },
    },
    routing: {
      transferSettled: (cid, agentId, outcome) => calls.push(`transfer settled ${cid} ${agentId} ${outcome}`),
      leftLine: (cid) => calls.push(`left line ${cid}`),
      schedule: async () => {},
      run: async (step) => {
        step();
      },
      itemOf: (interaction) => ({
        id: interaction.id,
        queueId: interaction.queueId,
        channel: interaction.channel,
        priority: 0,
        requiredSkills: [],
        waitingSince: 0,
      }),
      enqueue: (current) => calls.push(`enqueue ${current.interaction.id}`),
      transferTo: (current, from, to) => calls.push(`transfer ${current.interaction.id} ${from} → ${to}`),
      restoreOffer: (current) => {
        calls.push(`restore offer ${current.interaction.id}`);
        return true;
      },
    },
    live,
    log,
    pickQueue: (queueId) => {
      const queue = queues.get(queueId ?? 'support');
      if (!queue) throw helplineError('not-found', { entity: 'Queue', id: String(queueId) });
      return queue;
    },
    presenceOf: () => presenceSnapshot({ at: clock.now() }),
    wireFor: (interaction) => interaction as WireInteraction,
  });
  const current = waitingChat('c1', clock.now(), 'v1');
  live.remember(current);
  if (state === 'offered')
    await log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: clock.now() + 20_000 });
  return { work, current, calls };
}

const refusedWith = (code: string, field?: string) => (error: unknown) =>
  isHelplineError(error) && error.code === code && (field === undefined || error.field === field);

describe('work hub: offers', () => {
  it('the offered agent accepts: active, joined, the router and the routing glue hear of it', async () => {
    const { work, current, calls } = await setup();
    const { interaction } = await work.handlers['offer.accept'](callerOf(alice), { cid: 'c1' });
    assert.equal(interaction.state, 'active');
    assert.ok(current.interaction.participants.some((p) => p.id === 'alice' && p.role === 'agent'));
    assert.deepEqual(calls, ['router accept c1 alice', 'transfer settled c1 alice accepted', 'left line c1']);
  });

  it('the offered agent declines: back in line, and the router hears who declined', async () => {
    const { work, current, calls } = await setup();
    await work.handlers['offer.reject'](callerOf(alice), { cid: 'c1' });
    assert.equal(current.snapshot.value, 'queued');
    assert.ok(calls.includes('router reject c1 alice'));
    assert.ok(calls.includes('transfer settled c1 alice declined'));
  });
});

describe('work hub: wrap-up and transfers', () => {
  it('wrap-up names a disposition of the queue, and one when the queue requires it', async () => {
    const { work } = await setup();
    await work.handlers['offer.accept'](callerOf(alice), { cid: 'c1' });
    await assert.rejects(
      work.handlers['wrapup.submit'](callerOf(alice), { cid: 'c1', disposition: 'sold' }),
      refusedWith('validation/field', 'disposition'),
    );
  });

  it('a transfer names a queue or an agent who can take it, never oneself; the named agent is offered it', async () => {
    const { work, calls } = await setup();
    await work.handlers['offer.accept'](callerOf(alice), { cid: 'c1' });
    await assert.rejects(
      work.handlers.transfer(callerOf(alice), { cid: 'c1' }),
      refusedWith('validation/field'),
    );
    await assert.rejects(
      work.handlers.transfer(callerOf(alice), { cid: 'c1', toAgentId: 'alice' }),
      refusedWith('validation/field', 'toAgentId'),
    );
    await work.handlers.transfer(callerOf(alice), { cid: 'c1', toAgentId: 'bob', note: 'VIP' });
    assert.equal(calls.at(-1), 'transfer c1 alice → bob');
  });

  it('a supervisor moves waiting work to another queue; an agent may not', async () => {
    const { work, current, calls } = await setup('queued');
    await assert.rejects(
      work.handlers['supervisor.reassign'](callerOf(bob), { cid: 'c1', toQueueId: 'sales' }),
      (error: unknown) => isHelplineError(error),
    );
    await work.handlers['supervisor.reassign'](callerOf(sue), { cid: 'c1', toQueueId: 'sales' });
    assert.equal(current.interaction.queueId, 'sales');
    assert.equal(current.snapshot.context.queueId, 'sales');
    assert.deepEqual(calls, ['router transfer c1 sales']);
  });

  it('only waiting work moves: the machine refuses a reassignment once it is offered', async () => {
    const { work, current } = await setup('offered');
    await assert.rejects(
      work.handlers['supervisor.reassign'](callerOf(sue), { cid: 'c1', toQueueId: 'sales' }),
      refusedWith('conflict/state'),
    );
    assert.equal(current.interaction.queueId, 'support');
  });
});
