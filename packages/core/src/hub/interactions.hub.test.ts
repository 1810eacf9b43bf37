import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { createTestClock, flush } from '../testing';
import type { Subject } from './hub.types';
import { createLiveInteractions } from './interactions.hub';
import { DEFAULT_LIFECYCLES } from './lifecycles';
import { waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createTurns } from './turns';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const other: Subject = { id: 'v2', role: 'visitor', name: 'Otto' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

function setup() {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const turns = createTurns();
  const live = createLiveInteractions({
    clock,
    storage,
    lifecycles: DEFAULT_LIFECYCLES,
    queuesOf: (agentId) => (agentId === 'alice' ? new Set(['support']) : undefined),
    serialized: turns.serialized,
    busy: turns.busy,
    finishedRetentionMs: 60_000,
  });
  return { clock, storage, turns, live };
}

const refused = (code: string) => (error: unknown) => isHelplineError(error) && error.code === code;

describe('live interactions: access', () => {
  it('the customer reaches their conversation; another visitor is told it does not exist; the wrong role, that it is forbidden', async () => {
    const { clock, live } = setup();
    live.remember(waitingChat('c1', clock.now(), 'v1'));
    assert.equal((await live.getLive(vera, 'c1', 'message.send')).interaction.id, 'c1');
    await assert.rejects(live.getLive(other, 'c1', 'message.send'), refused('not-found'));
    await assert.rejects(live.getLive(vera, 'c1', 'offer.accept'), refused('auth/forbidden'));
    await assert.rejects(live.getLive(vera, 'nowhere', 'message.send'), refused('not-found'));
    // An agent of the queue who does not hold it is told no more than a stranger.
    assert.equal(live.relationTo(alice, live.get('c1') ?? assert.fail()), 'queue-agent');
    await assert.rejects(live.getLive(alice, 'c1', 'message.send'), refused('not-found'));
  });

  it("inTurn checks again in the conversation's turn", async () => {
    const { clock, live, turns } = setup();
    const current = waitingChat('c1', clock.now(), 'v1');
    live.remember(current);
    let release: () => void = () => {};
    // An earlier command hands the conversation to another customer's record before this one's turn comes.
    void turns.serialized('c1', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      current.interaction = {
        ...current.interaction,
        customer: { ...current.interaction.customer, id: 'v2' },
      };
    });
    const task = live.inTurn(vera, 'c1', 'message.send', 'write', async () => 'ran');
    await flush();
    release();
    await assert.rejects(task, (error: unknown) => isHelplineError(error));
  });
});

describe('live interactions: memory', () => {
  it('reads a finished interaction back from storage; sweeps finished ones nobody used, unless busy', async () => {
    const { clock, storage, live, turns } = setup();
    const current = waitingChat('c1', clock.now(), 'v1');
    const ended = { ...current, snapshot: { ...current.snapshot, value: 'ended' } };
    await storage.putInteraction({ interaction: ended.interaction, snapshot: ended.snapshot, open: false });
    const loaded = await live.load('c1');
    assert.equal(loaded?.snapshot.value, 'ended');
    assert.equal(live.has('c1'), true);
    live.remember(waitingChat('c2', clock.now(), 'v1'));
    await clock.advance(60_000);
    let release: () => void = () => {};
    void turns.serialized('c1', () => new Promise<void>((resolve) => (release = resolve)));
    await flush();
    live.sweep(clock.now());
    assert.deepEqual([live.has('c1'), live.has('c2')], [true, true]);
    release();
    await flush();
    live.sweep(clock.now());
    // Finished and unused: gone from memory (storage keeps it). Still waiting: kept.
    assert.deepEqual([live.has('c1'), live.has('c2')], [false, true]);
    assert.deepEqual(
      live.ofCustomer('v1').map((own) => own.interaction.id),
      ['c2'],
      'swept from the customer index too',
    );
  });

  it("finds a customer's interactions, and follows a record that moves to another customer", () => {
    const { clock, live } = setup();
    const first = waitingChat('c1', clock.now(), 'v1');
    live.remember(first);
    live.remember(waitingChat('c2', clock.now(), 'v1'));
    live.remember(waitingChat('c3', clock.now(), 'v2'));
    const ids = (customerId: string) => live.ofCustomer(customerId).map((own) => own.interaction.id);
    assert.deepEqual([ids('v1'), ids('v2'), ids('nobody')], [['c1', 'c2'], ['c3'], []]);
    // The conversation log changes a record in place, then keeps it.
    first.interaction = { ...first.interaction, customer: { ...first.interaction.customer, id: 'v2' } };
    live.remember(first);
    assert.deepEqual([ids('v1'), ids('v2')], [['c2'], ['c3', 'c1']]);
  });
});
