import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { voiceSnapshot } from '../voice/voice.machine';
import type { Intent } from './lifecycles';
import { createTurns } from './turns';
import type { CallStep, VoiceInteraction } from './voice.calls';
import { createCallRestore } from './voice.restore';
import { caller, inState } from './voice.testing';

function setup(options: { hasCall?: boolean } = {}) {
  const committed: { cid: string; calls: readonly CallStep[]; intent?: Intent }[] = [];
  const watched: string[] = [];
  const drafted: string[] = [];
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
  });
  return { restored, committed, watched, drafted };
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
