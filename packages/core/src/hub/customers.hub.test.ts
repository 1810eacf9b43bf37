import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Interaction } from '../interaction/interaction.types';
import { isHelplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import { createTestClock } from '../testing';
import { createCustomersHub } from './customers.hub';
import type { Subject } from './hub.types';
import { callerOf, liveOver, waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const bob: Subject = { id: 'bob', role: 'agent', name: 'Bob' };
const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };

function setup() {
  const live = liveOver(createTestClock(), createMemoryStorage());
  // Vera's chat in progress with Alice, and two of her earlier ones (stored only).
  const current = waitingChat('c3', 3_000, 'v1');
  current.interaction = { ...current.interaction, agentId: 'alice', state: 'active' };
  live.remember(current);
  const earlier = (id: string, createdAt: number): Interaction => ({
    ...current.interaction,
    id,
    state: 'ended',
    timestamps: { createdAt },
  });
  const stored = [earlier('c1', 1_000), earlier('c2', 2_000), { ...current.interaction, state: 'queued' }];
  const customers = createCustomersHub({
    clock: createTestClock(),
    storage: {
      interactionsOfCustomer: async (customerId) => (customerId === 'v1' ? stored : []),
      getInteraction: async () => undefined,
    },
    interactions: () => live.values(),
    load: async (cid) => live.get(cid),
    liveRecord: (cid) => live.get(cid)?.interaction,
    relationTo: live.relationTo,
    queuesOf: () => new Set(['support']),
    wireFor: (interaction) => interaction as WireInteraction,
    reportFailure: (what, error) => assert.fail(`${what}: ${String(error)}`),
  });
  return { customers };
}

describe('customers hub', () => {
  it('a visitor lists their own conversations, each as it is now; an agent, what they hold', async () => {
    const { customers } = setup();
    const mine = await customers.handlers['conversation.list'](callerOf(vera), {});
    assert.deepEqual(
      mine.interactions.map((i) => [i.id, i.state]),
      [
        ['c1', 'ended'],
        ['c2', 'ended'],
        ['c3', 'active'],
      ],
    );
    const held = await customers.handlers['conversation.list'](callerOf(alice), {});
    assert.deepEqual(
      held.interactions.map((i) => i.id),
      ['c3'],
    );
  });

  it("a customer's history, newest first, to the agent working with them or a supervisor; to nobody else", async () => {
    const { customers } = setup();
    const history = await customers.handlers['customer.history'](callerOf(alice), { customerId: 'v1' });
    assert.deepEqual(
      history.interactions.map((i) => i.id),
      ['c3', 'c2', 'c1'],
    );
    const board = await customers.handlers['customer.history'](callerOf(sue), { customerId: 'v1' });
    assert.equal(board.interactions.length, 3);
    await assert.rejects(
      customers.handlers['customer.history'](callerOf(bob), { customerId: 'v1' }),
      (error: unknown) => isHelplineError(error) && error.code === 'not-found',
    );
    await assert.rejects(
      customers.handlers['customer.history'](callerOf(vera), { customerId: 'v1' }),
      (error: unknown) => isHelplineError(error) && error.code === 'auth/forbidden',
    );
  });
});
