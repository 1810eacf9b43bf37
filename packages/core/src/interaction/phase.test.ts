import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIFECYCLES } from '../hub/lifecycles';
import type { StateConfig } from '../machine';
import { callbackMachine } from './callback.machine';
import { asChatState, chatMachine } from './chat.machine';
import { CHANNELS } from './interaction.types';
import { phaseOf } from './phase';

type AnyStateConfig = StateConfig<string, { readonly type: string }>;

/** The targets of `event` from one state of a machine table. */
function targetsOf(config: AnyStateConfig, event: string): string[] {
  const transitions = (config.on as Record<string, unknown> | undefined)?.[event];
  if (transitions === undefined) return [];
  return (Array.isArray(transitions) ? transitions : [transitions]).map((t: { target: string }) => t.target);
}

describe('phaseOf against every lifecycle table', () => {
  for (const channel of CHANNELS) {
    const lifecycle = DEFAULT_LIFECYCLES[channel];
    if (!lifecycle) continue;
    const states = Object.entries(lifecycle.machine.states as Record<string, AnyStateConfig>);

    test(`${channel}: a state's phase is final exactly when the table ends there, or only a reopening leaves it`, () => {
      // A new state without a phase reads as 'final', so a new open state fails here. A resolved conversation on a
      // messaging channel is over until the customer writes again (a reopening, as a new contact would be).
      const reopenings = new Set(['CUSTOMER_MESSAGE', 'REOPEN']);
      for (const [state, config] of states) {
        const leftBy = Object.keys(config.on ?? {});
        const over =
          config.final === true || (leftBy.length > 0 && leftBy.every((event) => reopenings.has(event)));
        assert.equal(phaseOf(channel, state) === 'final', over, `${channel} ${state}`);
      }
    });

    test(`${channel}: the table's transitions agree with the phases`, () => {
      for (const [state, config] of states) {
        for (const target of targetsOf(config, 'OFFER')) {
          assert.equal(phaseOf(channel, state), 'waiting', `${channel} ${state} offers`);
          assert.equal(phaseOf(channel, target), 'offered', `${channel} ${state} → ${target}`);
        }
        for (const target of targetsOf(config, 'ACCEPT')) {
          assert.equal(phaseOf(channel, target), 'handling', `${channel} ${state} → ${target}`);
        }
        if (targetsOf(config, 'WRAP_UP_DONE').length > 0) assert.equal(phaseOf(channel, state), 'wrap-up');
      }
    });

    test(`${channel}: the hub's sets of states are the phases'`, () => {
      const withPhase = (...phases: string[]) =>
        states.map(([state]) => state).filter((state) => phases.includes(phaseOf(channel, state)));
      assert.deepEqual([...lifecycle.waiting].sort(), withPhase('waiting', 'offered').sort());
      assert.deepEqual([...lifecycle.handling].sort(), withPhase('handling', 'wrap-up').sort());
      assert.deepEqual([...lifecycle.final].sort(), withPhase('final').sort());
    });
  }

  test('a callback being retried is open, a completed one is not', () => {
    assert.equal(phaseOf('callback', 'retry-wait'), 'scheduled');
    assert.equal(phaseOf('callback', 'dialing'), 'handling');
    assert.equal(phaseOf('callback', 'completed'), 'final');
  });

  test('a state no machine knows reads as final', () => {
    assert.equal(phaseOf('chat', 'held'), 'final');
    assert.equal(phaseOf('callback', 'toString'), 'final');
  });
});

describe('asChatState', () => {
  test('a chat state is itself; any other state reads as the chat state of its phase', () => {
    for (const state of Object.keys(chatMachine.states)) assert.equal(asChatState(state), state);
    for (const state of Object.keys(callbackMachine.states)) {
      const phase = phaseOf('callback', state);
      // A callback asked for or scheduled waits for its turn like a queued chat (chats have no such phases).
      const expected = phase === 'intake' || phase === 'scheduled' ? 'waiting' : phase;
      assert.equal(phaseOf('chat', asChatState(state)), expected, state);
    }
    assert.equal(asChatState('dialing'), 'active');
    assert.equal(asChatState('retry-wait'), 'queued');
    assert.equal(asChatState('toString'), 'ended');
  });
});
