import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError, isHelplineError } from '../protocol/errors';
import type { CallSignal } from '../protocol/protocol.types';
import { createTestClock } from '../testing';
import type { Subject } from './hub.types';
import { createTurns } from './turns';
import { type CallStep, createCallBook, type VoiceInteraction } from './voice.calls';
import { createCallCommands } from './voice.commands';
import type { CallSignaling } from './voice.signaling';
import { alice, caller, connOf, inState } from './voice.testing';

const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };
const signal: CallSignal = { kind: 'restart', peer: 'p_x' };

function setup(start: VoiceInteraction = inState('chat', 'active')) {
  const clock = createTestClock();
  let current = start;
  const online = new Set([caller.id, alice.id]);
  const book = createCallBook({ clock, randomBytes: (length) => new Uint8Array(length).fill(7) });
  const committed: string[][] = [];
  const log: string[] = [];
  let refuse: 'storage' | 'budget' | undefined;
  const signaling: CallSignaling = {
    spend(conn) {
      if (refuse === 'budget') throw helplineError('limit/rate', { seconds: 1 }, { retryAfterMs: 500 });
      log.push(`spend ${conn.id}`);
    },
    bind: (call, side, connectionId) => log.push(`bind ${call.callId} ${side} ${connectionId}`),
    relay: (call, interaction, from, relayed) =>
      log.push(`relay ${call.callId} ${interaction.id} from ${from} ${relayed.kind}`),
  };
  const handlers = createCallCommands({
    clock,
    getLive: async (_subject, cid) => {
      if (cid !== current.interaction.id)
        throw helplineError('not-found', { entity: 'Conversation', id: cid });
      return current;
    },
    serialized: createTurns().serialized,
    calls: book,
    signaling,
    async commit(_cid, steps) {
      const stored = steps.filter((step): step is CallStep => step !== undefined);
      if (stored.length === 0) return;
      if (refuse === 'storage') throw helplineError('unavailable');
      committed.push(stored.map((step) => step.next.value));
      for (const step of stored) book.apply(step);
    },
    isOnline: (subjectId) => online.has(subjectId),
    attached: (subjectId) => log.push(`attached ${subjectId}`),
  });
  const visitor = connOf(caller);
  const agent = connOf(alice);
  return {
    clock,
    book,
    handlers,
    committed,
    log,
    online,
    visitor,
    agent,
    refuse(what: typeof refuse) {
      refuse = what;
    },
    become(next: VoiceInteraction) {
      current = next;
    },
  };
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isHelplineError(error) && error.code === code);
}

/** A call the visitor placed in a chat, answered by alice: `connecting`. */
async function answered(context: ReturnType<typeof setup>) {
  const { call } = await context.handlers['call.start'](context.visitor, { cid: 'c1' });
  await context.handlers['call.answer'](context.agent, { cid: 'c1', callId: call.callId });
  return { cid: 'c1', callId: call.callId };
}

describe('call commands: starting a call', () => {
  it('either party of a handled chat calls the other, bound to the connection that called', async () => {
    const context = setup();
    const { call } = await context.handlers['call.start'](context.visitor, { cid: 'c1' });
    assert.deepEqual([call.state, call.startedBy], ['ringing', 'visitor']);
    assert.equal(context.book.get('c1')?.callId, call.callId);
    assert.deepEqual(context.committed, [['ringing']]);
    assert.deepEqual(context.log, ['spend k-v1', `bind ${call.callId} visitor k-v1`]);
    await refused(context.handlers['call.start'](context.agent, { cid: 'c1' }), 'conflict/state');
  });

  it('refuses a callee who is offline, and anyone outside the call', async () => {
    const context = setup();
    context.online.delete(caller.id);
    await refused(context.handlers['call.start'](context.agent, { cid: 'c1' }), 'voice/unreachable');
    await refused(context.handlers['call.start'](connOf(sue), { cid: 'c1' }), 'auth/forbidden');
    await refused(
      context.handlers['call.start'](connOf({ ...caller, id: 'v2' }), { cid: 'c1' }),
      'auth/forbidden',
    );
    assert.deepEqual(context.committed, []);
  });

  for (const [channel, state] of [
    ['voice', 'active'],
    ['chat', 'queued'],
    ['chat', 'wrap-up'],
    ['offline-message', 'active'],
  ] as const) {
    it(`no call is started in a ${channel} ${state}`, async () => {
      const context = setup(inState(channel, state));
      await refused(context.handlers['call.start'](context.visitor, { cid: 'c1' }), 'conflict/state');
    });
  }
});

describe('call commands: answering, hanging up, holding', () => {
  it('the callee answers; the caller cannot answer their own call; a stale call is not found', async () => {
    const context = setup();
    const { call } = await context.handlers['call.start'](context.visitor, { cid: 'c1' });
    await refused(
      context.handlers['call.answer'](context.visitor, { cid: 'c1', callId: call.callId }),
      'auth/forbidden',
    );
    await refused(
      context.handlers['call.answer'](context.agent, { cid: 'c1', callId: 'v_stale' }),
      'not-found',
    );
    const answered = await context.handlers['call.answer'](context.agent, { cid: 'c1', callId: call.callId });
    assert.equal(answered.call.state, 'connecting');
    assert.equal(context.log.at(-1), `bind ${call.callId} agent k-alice`);
  });

  it('the callee hanging up a ringing call rejects it; hanging up a connected call completes it', async () => {
    const context = setup();
    const ringing = await context.handlers['call.start'](context.agent, { cid: 'c1' });
    const { call: declined } = await context.handlers['call.hangup'](context.visitor, {
      cid: 'c1',
      callId: ringing.call.callId,
    });
    assert.deepEqual([declined.endReason, declined.endedBy], ['rejected', 'visitor']);
    const { callId } = await answered(context);
    await context.handlers['call.media'](context.agent, { cid: 'c1', callId, media: 'connected' });
    const { call: ended } = await context.handlers['call.hangup'](context.agent, { cid: 'c1', callId });
    assert.deepEqual([ended.state, ended.endReason, ended.endedBy], ['ended', 'completed', 'agent']);
  });

  it('holds for both, and only the holder resumes', async () => {
    const context = setup();
    const { cid, callId } = await answered(context);
    await context.handlers['call.media'](context.visitor, { cid, callId, media: 'connected' });
    const { call } = await context.handlers['call.hold'](context.agent, { cid, callId });
    assert.deepEqual([call.state, call.heldBy], ['held', 'agent']);
    await refused(context.handlers['call.resume'](context.visitor, { cid, callId }), 'conflict/state');
    const { call: resumed } = await context.handlers['call.resume'](context.agent, { cid, callId });
    assert.deepEqual([resumed.state, resumed.heldBy], ['active', undefined]);
  });

  it('a step storage refused changes nothing', async () => {
    const context = setup();
    const { cid, callId } = await answered(context);
    context.refuse('storage');
    await refused(context.handlers['call.hangup'](context.agent, { cid, callId }), 'unavailable');
    assert.equal(context.book.get(cid)?.snapshot.value, 'connecting');
  });

  it('every call command spends the connection’s budget first: a spent budget refuses it unchanged', async () => {
    const context = setup();
    const { cid, callId } = await answered(context);
    context.refuse('budget');
    await refused(context.handlers['call.hangup'](context.agent, { cid, callId }), 'limit/rate');
    await refused(context.handlers['call.signal'](context.agent, { cid, callId, signal }), 'limit/rate');
    await refused(context.handlers['call.attach'](context.agent, { cid }), 'limit/rate');
    assert.equal(context.book.get(cid)?.snapshot.value, 'connecting');
    assert.deepEqual(
      context.log.filter((line) => line.startsWith('spend')),
      ['spend k-v1', 'spend k-alice'],
    );
  });
});

describe('call commands: media reports', () => {
  it('media that flows connects the call, or restores it, in one commit', async () => {
    const context = setup();
    const { cid, callId } = await answered(context);
    await context.handlers['call.media'](context.agent, { cid, callId, media: 'reconnecting' });
    await context.handlers['call.media'](context.visitor, { cid, callId, media: 'connected' });
    assert.deepEqual(context.committed.slice(-2), [['connecting'], ['active', 'active']]);
    assert.equal(context.book.get(cid)?.snapshot.context.media, 'ok');
    await context.handlers['call.media'](context.visitor, { cid, callId, media: 'failed' });
    assert.equal(context.book.get(cid)?.snapshot.context.media, 'failed');
  });

  it('a report about a call not yet picked up or already ended changes nothing', async () => {
    const context = setup();
    const { call } = await context.handlers['call.start'](context.visitor, { cid: 'c1' });
    const before = context.committed.length;
    assert.deepEqual(
      await context.handlers['call.media'](context.visitor, {
        cid: 'c1',
        callId: call.callId,
        media: 'failed',
      }),
      {},
    );
    assert.equal(context.committed.length, before);
  });
});

describe('call commands: signals and reattaching', () => {
  it('relays a signal of a picked-up call from the sender’s side, over the sender’s connection', async () => {
    const context = setup();
    const { cid, callId } = await answered(context);
    await context.handlers['call.signal'](context.visitor, { cid, callId, signal });
    assert.deepEqual(context.log.slice(-2), [
      `bind ${callId} visitor k-v1`,
      `relay ${callId} c1 from visitor restart`,
    ]);
    await refused(context.handlers['call.signal'](connOf(sue), { cid, callId, signal }), 'auth/forbidden');
    await refused(
      context.handlers['call.signal'](context.visitor, { cid, callId: 'v_stale', signal }),
      'not-found',
    );
  });

  it('refuses signals before the call is picked up and after it ended', async () => {
    const context = setup();
    const { call } = await context.handlers['call.start'](context.visitor, { cid: 'c1' });
    const args = { cid: 'c1', callId: call.callId, signal };
    await refused(context.handlers['call.signal'](context.visitor, args), 'conflict/state');
    await context.handlers['call.hangup'](context.visitor, { cid: 'c1', callId: call.callId });
    await refused(context.handlers['call.signal'](context.visitor, args), 'conflict/state');
    assert.ok(!context.log.some((line) => line.startsWith('relay')));
  });

  it('a reloaded page takes its live call back over its new connection; an ended call is only shown', async () => {
    const context = setup();
    assert.deepEqual(await context.handlers['call.attach'](context.visitor, { cid: 'c1' }), {});
    const { cid, callId } = await answered(context);
    const reloaded = connOf(caller, 'k-reloaded');
    const { call } = await context.handlers['call.attach'](reloaded, { cid });
    assert.equal(call?.state, 'connecting');
    assert.deepEqual(context.log.slice(-2), [`bind ${callId} visitor k-reloaded`, `attached ${caller.id}`]);
    await context.handlers['call.hangup'](context.agent, { cid, callId });
    const lines = context.log.length;
    const { call: ended } = await context.handlers['call.attach'](reloaded, { cid });
    assert.equal(ended?.state, 'ended');
    assert.deepEqual(context.log.slice(lines), ['spend k-reloaded']);
  });
});
