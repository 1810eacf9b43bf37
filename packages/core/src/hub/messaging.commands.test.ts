import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CAPACITY } from '../agent/agent.types';
import { flush } from '../testing';
import { alice, available, mail, setup } from './channels.testing';
import { createMemoryStorage } from './memory.storage';

const HOUR = 3_600_000;

describe('messaging conversation commands', () => {
  it('pending frees the capacity, the customer answer takes it back; a snooze wakes at its time', async () => {
    // One email at a time: only what alice works on counts.
    const { hub, clock } = setup(createMemoryStorage(), { capacity: { ...DEFAULT_CAPACITY, email: 1 } });
    await available(hub);
    const a = await hub.channels.receive(mail({ threadKey: 'a' }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid: a.cid });
    const b = await hub.channels.receive(mail({ threadKey: 'b' }));
    await flush();
    assert.equal(hub.interaction(b.cid)?.state, 'queued', 'no room while A is worked on');

    await hub.execute(alice, 'conversation.pending', { cid: a.cid });
    await flush();
    assert.equal(hub.interaction(a.cid)?.state, 'pending');
    assert.equal(hub.interaction(a.cid)?.agentId, 'alice', 'still hers');
    assert.equal(hub.interaction(b.cid)?.state, 'offered', 'A waiting for the customer frees her room');

    await hub.execute(alice, 'offer.accept', { cid: b.cid });
    await hub.channels.receive(mail({ threadKey: 'a', text: 'Here is the number.' }));
    assert.equal(hub.interaction(a.cid)?.state, 'active', "the customer's answer brings A back to her");
    assert.equal(hub.interaction(a.cid)?.agentId, 'alice');

    await hub.execute(alice, 'conversation.snooze', { cid: b.cid, until: clock.now() + HOUR });
    assert.equal(hub.interaction(b.cid)?.state, 'snoozed');
    await clock.advance(HOUR);
    await flush();
    assert.equal(hub.interaction(b.cid)?.state, 'active', 'woken at its time, with the same agent');
    assert.equal(hub.interaction(b.cid)?.agentId, 'alice');
  });

  it('resolves with a disposition of the queue, and reopens for the agent', async () => {
    const { hub } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail({ threadKey: 'r' }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    await assert.rejects(hub.execute(alice, 'conversation.resolve', { cid, disposition: 'nope' }), {
      code: 'validation/field',
    });
    await hub.execute(alice, 'conversation.resolve', { cid, disposition: 'resolved', notes: 'sent a label' });
    assert.equal(hub.interaction(cid)?.state, 'resolved');
    assert.equal(hub.interaction(cid)?.disposition, 'resolved');
    await hub.execute(alice, 'conversation.reopen', { cid });
    assert.equal(hub.interaction(cid)?.state, 'active');
    assert.equal(hub.interaction(cid)?.agentId, 'alice');
    const alices = hub
      .interaction(cid)
      ?.participants.filter((p) => p.id === 'alice' && p.leftAt === undefined);
    assert.equal(alices?.length, 1, 'she takes part once');
  });

  it('reports first response, resolution and replies per resolution per channel on the supervisor board', async () => {
    const { hub, clock } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail({ threadKey: 'kpi' }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    await clock.advance(60_000);
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-0000000000a1',
      text: 'Hi',
    });
    await clock.advance(60_000);
    await hub.execute(alice, 'conversation.resolve', { cid, disposition: 'resolved' });
    const sam = { id: 'sam', role: 'supervisor' as const, name: 'Sam' };
    const board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual(board.messaging?.email, {
      episodes: 1,
      responded: 1,
      firstResponseSeconds: 60,
      resolved: 1,
      resolutionSeconds: 120,
      repliesPerResolution: 1,
    });
  });

  it('refuses a snooze in the past, a step the state does not allow, and a chat', async () => {
    const { hub, clock } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail({ threadKey: 's' }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    await assert.rejects(hub.execute(alice, 'conversation.snooze', { cid, until: clock.now() }), {
      code: 'validation/field',
    });
    await assert.rejects(hub.execute(alice, 'conversation.reopen', { cid }), { code: 'conflict/state' });
    const before = hub.interaction(cid);
    const visitor = { id: 'v1', role: 'visitor' as const, name: 'Ada' };
    const chat = await hub.execute(visitor, 'chat.start', { channel: 'chat' });
    await flush();
    await hub.execute(alice, 'offer.accept', { cid: chat.cid });
    await assert.rejects(hub.execute(alice, 'conversation.pending', { cid: chat.cid }), {
      code: 'conflict/state',
    });
    assert.deepEqual(hub.interaction(cid), before, 'a refusal changes nothing');
  });
});
