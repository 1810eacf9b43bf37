import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transition } from '../machine';
import { voiceMachine, voiceSnapshot } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import type { Intent } from './lifecycles';
import { createTurns } from './turns';
import type { CallStep, VoiceInteraction } from './voice.calls';
import { createCallRestore } from './voice.restore';
import { caller, inState } from './voice.testing';

function setup(options: { hasCall?: boolean } = {}) {
  const committed: { cid: string; calls: readonly CallStep[]; intent?: Intent }[] = [];
  const watched: string[] = [];
  const drafted: string[] = [];
  const takenBack: string[] = [];
  const restored = createCallRestore({
    serialized: createTurns().serialized,
    hasCall: () => options.hasCall ?? false,
    draft(current: VoiceInteraction, startedBy) {
      drafted.push(`${current.interaction.id} by ${startedBy}`);
      const next = voiceSnapshot({ direction: 'inbound', at: 0 });
      return {
        call: { callId: 'v-new', cid: current.interaction.id, startedBy, snapshot: next },
        before: undefined,
        next,
      };
    },
    async commit(cid, step) {
      committed.push({ cid, ...step });
    },
    watchParties: (subjectId) => watched.push(subjectId),
    takeBack: (current, call) => takenBack.push(`${current.interaction.id} ${call.callId}`),
  });
  return { restored, committed, watched, drafted, takenBack };
}

describe('calls after a restart', () => {
  // An offer outlives a restart (it stays with its agent until its expiry), so an offered call rings again too.
  for (const [state, agentId] of [
    ['queued', null],
    ['offered', 'alice'],
  ] as const) {
    it(`a caller still ${state} gets a new ringing call, and is watched in case they never come back`, async () => {
      const { restored, committed, watched, drafted } = setup();
      await restored(inState('voice', state, { agentId }));
      assert.deepEqual(drafted, ['c1 by visitor']);
      assert.deepEqual(
        committed.map(({ cid, calls, intent }) => [cid, calls.map((step) => step.call.callId), intent]),
        [['c1', ['v-new'], undefined]],
      );
      assert.deepEqual(watched, [caller.id]);
    });
  }

  it('a voice interaction active when its call was lost fails (the agent wraps up)', async () => {
    const { restored, committed, watched, drafted } = setup();
    await restored(inState('voice', 'active'));
    assert.deepEqual(committed, [{ cid: 'c1', calls: [], intent: { kind: 'fail' } }]);
    assert.deepEqual([watched, drafted], [[], []]);
  });

  /** A browser call picked up and talking, as the record stores it. */
  function talking(cid = 'c1'): CallRecord {
    let snapshot = voiceSnapshot({ direction: 'inbound', at: 0 });
    for (const type of ['ANSWER', 'CONNECTED'] as const)
      snapshot = transition(voiceMachine, snapshot, { type, at: 1 }).snapshot;
    assert.equal(snapshot.value, 'active');
    return { callId: 'v-talking', cid, startedBy: 'visitor', snapshot };
  }

  it('a browser call stored with its interaction goes on, its parties watched until they attach again', async () => {
    const { restored, committed, watched, drafted, takenBack } = setup();
    await restored(inState('voice', 'active'), talking());
    assert.deepEqual(takenBack, ['c1 v-talking']);
    assert.deepEqual([committed, drafted], [[], []]);
    assert.deepEqual(watched, [caller.id, 'alice']);
    // A call escalated from a chat goes on with it too.
    const chat = setup();
    await chat.restored(inState('chat', 'active'), talking());
    assert.deepEqual(chat.takenBack, ['c1 v-talking']);
  });

  it('a stored call whose interaction can no longer have one is not taken back', async () => {
    const { restored, committed, takenBack } = setup();
    await restored(inState('voice', 'wrap-up'), talking());
    assert.deepEqual([takenBack, committed], [[], []]);
  });

  it('leaves alone a voice interaction past its call, one with a call already, and other channels', async () => {
    const { restored, committed } = setup();
    await restored(inState('voice', 'wrap-up'));
    await restored(inState('chat', 'active'));
    await restored(inState('callback', 'active'));
    assert.deepEqual(committed, []);
    const held = setup({ hasCall: true });
    await held.restored(inState('voice', 'active'));
    assert.deepEqual(held.committed, []);
  });
});
