import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError, isHelplineError } from '../protocol/errors';
import { createTestClock, supportQueue } from '../testing';
import { createConversationLog, type InteractionStepped, partiesOf } from './conversation.log';
import type { HubStorage, StoredEvent } from './hub.types';
import type { Live } from './live';
import { waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';

function setup(options: { refuse?: boolean } = {}) {
  const clock = createTestClock();
  const memory = createMemoryStorage();
  // What happened, in order: storage, memory, fan-out, subscribers.
  const order: string[] = [];
  const storage: Pick<HubStorage, 'commit' | 'appendEvent'> = {
    async commit(cid, events, recordOf, commitOptions) {
      if (options.refuse) throw helplineError('unavailable');
      const stored = await memory.commit(cid, events, recordOf, commitOptions);
      order.push('stored');
      return stored;
    },
    appendEvent: (cid, at, ev) => memory.appendEvent(cid, at, ev),
  };
  const live = new Map<string, Live>();
  const sent: { to: string; event: StoredEvent }[] = [];
  const replayed: string[] = [];
  const log = createConversationLog({
    clock,
    storage,
    live: (cid) => live.get(cid),
    remember(current) {
      order.push('remembered');
      live.set(current.interaction.id, current);
    },
    reportsOf: (_before, after, intent) => [
      { at: clock.now(), interactionId: after.id, type: 'queued', queueId: intent.kind, channel: 'chat' },
    ],
    displayNameOf: (agentId) => agentId.toUpperCase(),
    calls: { plan: () => [], eventOf: () => undefined, carriedOn: () => undefined },
    fanOut(stored, recipients) {
      order.push('fanned out');
      stored.forEach((event, index) => {
        for (const to of recipients[index] ?? []) sent.push({ to, event });
      });
    },
    async replay(subjectId, cid) {
      replayed.push(`${subjectId} ${cid}`);
    },
  });
  const stepped: InteractionStepped[] = [];
  log.subscribe((step) => {
    order.push('stepped');
    stepped.push(step);
  });
  return { clock, memory, log, live, sent, replayed, stepped, order };
}

describe('conversation log: a step', () => {
  it('is stored first, then made current, fanned out, and heard once by subscribers', async () => {
    const { memory, log, sent, stepped, order } = setup();
    const current = waitingChat('c1', Date.now(), 'v1');
    await log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: Date.now() + 1_000 });
    assert.deepEqual(order, ['stored', 'remembered', 'fanned out', 'stepped']);
    assert.equal(current.snapshot.value, 'offered');
    assert.equal((await memory.getInteraction('c1'))?.snapshot.value, 'offered');
    assert.deepEqual(
      sent.map(({ to, event }) => [to, event.seq, event.ev.type]),
      [['v1', 1, 'state']],
    );
    assert.equal(stepped.length, 1);
    assert.equal(stepped[0]?.stateBefore, 'queued');
    assert.equal(stepped[0]?.previous.state, 'queued');
    assert.deepEqual(
      stepped[0]?.reports.map((r) => r.type === 'queued' && r.queueId),
      ['offer'],
    );
  });

  it('that storage refuses changes nothing: not memory, not the parties, not the subscribers', async () => {
    const { log, live, sent, stepped } = setup({ refuse: true });
    const current = waitingChat('c1', Date.now(), 'v1');
    const before = current.interaction;
    await assert.rejects(
      log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: Date.now() + 1_000 }),
      (error: unknown) => isHelplineError(error) && error.code === 'unavailable',
    );
    assert.equal(current.interaction, before);
    assert.equal(current.snapshot.value, 'queued');
    assert.deepEqual([live.size, sent.length, stepped.length], [0, 0, 0]);
  });

  it('that the machine refuses is a conflict, and nothing is stored', async () => {
    const { log, order } = setup();
    const current = waitingChat('c1', Date.now(), 'v1');
    await assert.rejects(
      log.drive(current, { kind: 'wrap-up' }),
      (error: unknown) => isHelplineError(error) && error.code === 'conflict/state',
    );
    assert.deepEqual(order, []);
  });
});

describe('conversation log: participants', () => {
  it('an agent who joins gets the whole conversation instead of the change; one who leaves keeps where they left', async () => {
    const { log, sent, replayed } = setup();
    const current = waitingChat('c1', Date.now(), 'v1');
    await log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: Date.now() + 1_000 });
    const accept = log.changeOf(current);
    log.step(current, accept, { kind: 'accept', agentId: 'alice' });
    log.join(accept, 'alice');
    await log.commit(current, accept, { replayTo: 'alice' });
    assert.deepEqual(replayed, ['alice c1']);
    assert.equal(
      sent.some(({ to }) => to === 'alice'),
      false,
    );
    assert.equal(current.interaction.participants[1]?.displayName, 'ALICE');
    assert.deepEqual(partiesOf(current.interaction), ['v1', 'alice']);

    const transfer = log.changeOf(current);
    log.addEvent(transfer, { type: 'note', text: 'over to billing' });
    log.leave(transfer, 'alice');
    log.step(current, transfer, { kind: 'transfer', queue: supportQueue });
    const stored = await log.commit(current, transfer);
    const left = stored.find((event) => event.ev.type === 'left');
    const alice = current.interaction.participants.find((p) => p.id === 'alice');
    assert.equal(alice?.leftSeq, left?.seq);
    // The leaving agent hears the note and their own `left`, nothing after.
    assert.deepEqual(
      sent.filter(({ to }) => to === 'alice').map(({ event }) => event.ev.type),
      ['note', 'left'],
    );
    assert.deepEqual(partiesOf(current.interaction), ['v1']);
  });

  it('an event appended on its own reaches the parties of the live interaction', async () => {
    const { log, live, sent } = setup();
    const current = waitingChat('c1', Date.now(), 'v1');
    await log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: Date.now() + 1_000 });
    assert.ok(live.has('c1'));
    const stored = await log.append('c1', { type: 'read', participantId: 'v1', seq: 1 });
    assert.equal(stored.seq, 2);
    assert.deepEqual(sent.at(-1), { to: 'v1', event: stored });
  });

  it('a subscriber that unsubscribed hears nothing more', async () => {
    const { log } = setup();
    const heard: string[] = [];
    const unsubscribe = log.subscribe(({ current }) => heard.push(current.snapshot.value));
    const current = waitingChat('c1', Date.now(), 'v1');
    await log.drive(current, { kind: 'offer', agentId: 'alice', expiresAt: Date.now() + 1_000 });
    unsubscribe();
    await log.drive(current, { kind: 'offer-withdrawn' });
    assert.deepEqual(heard, ['offered']);
  });
});
