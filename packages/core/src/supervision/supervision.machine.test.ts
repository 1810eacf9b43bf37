import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transition } from '../machine';
import {
  describeTransitionTable,
  run,
  type SampleEvents,
  type TransitionTable,
  ILLEGAL as x,
} from '../machine/machine.testing';
import {
  modeEvent,
  modeOf,
  SUPERVISION_MODES,
  type SupervisionEvent,
  type SupervisionState,
  supervisionAudio,
  supervisionMachine,
  supervisionSnapshot,
} from './supervision.machine';

const T0 = 1_700_000_000_000;
const LATER = T0 + 60_000;

const idle = supervisionSnapshot({ target: 'call', at: T0 });
const monitoring = run(supervisionMachine, idle, { type: 'MONITOR', at: T0 + 1 } as SupervisionEvent);
const whispering = run(supervisionMachine, monitoring, { type: 'WHISPER', at: T0 + 2 } as SupervisionEvent);
const barging = run(supervisionMachine, whispering, { type: 'BARGE', at: T0 + 3 } as SupervisionEvent);
const ended = run(supervisionMachine, barging, { type: 'STOP', at: T0 + 4 } as SupervisionEvent);

const events: SampleEvents<SupervisionEvent> = {
  MONITOR: { type: 'MONITOR', at: LATER },
  WHISPER: { type: 'WHISPER', at: LATER },
  BARGE: { type: 'BARGE', at: LATER },
  STOP: { type: 'STOP', at: LATER },
  INTERACTION_ENDED: { type: 'INTERACTION_ENDED', at: LATER },
  FAIL: { type: 'FAIL', at: LATER },
  REPLACE: { type: 'REPLACE', at: LATER },
};

// Rows: state; columns: event. A switch to the state the leg is in is refused (nothing to do, nothing audited).
const table: TransitionTable<SupervisionState, SupervisionEvent> = {
  idle: {
    MONITOR: 'monitoring',
    WHISPER: 'whispering',
    BARGE: 'barging',
    STOP: 'ended',
    INTERACTION_ENDED: 'ended',
    FAIL: 'ended',
    REPLACE: 'ended',
  },
  monitoring: {
    MONITOR: x,
    WHISPER: 'whispering',
    BARGE: 'barging',
    STOP: 'ended',
    INTERACTION_ENDED: 'ended',
    FAIL: 'ended',
    REPLACE: 'ended',
  },
  whispering: {
    MONITOR: 'monitoring',
    WHISPER: x,
    BARGE: 'barging',
    STOP: 'ended',
    INTERACTION_ENDED: 'ended',
    FAIL: 'ended',
    REPLACE: 'ended',
  },
  barging: {
    MONITOR: 'monitoring',
    WHISPER: 'whispering',
    BARGE: x,
    STOP: 'ended',
    INTERACTION_ENDED: 'ended',
    FAIL: 'ended',
    REPLACE: 'ended',
  },
  ended: {
    MONITOR: x,
    WHISPER: x,
    BARGE: x,
    STOP: x,
    INTERACTION_ENDED: x,
    FAIL: x,
    REPLACE: x,
  },
};

describeTransitionTable({
  machine: supervisionMachine,
  table,
  snapshots: { idle, monitoring, whispering, barging, ended },
  events,
});

describe('supervision legs', () => {
  test('a chat leg only monitors: whisper and barge need a call', () => {
    const chat = supervisionSnapshot({ target: 'chat', at: T0 });
    assert.equal(transition(supervisionMachine, chat, events.WHISPER).ok, false);
    assert.equal(transition(supervisionMachine, chat, events.BARGE).ok, false);
    const reading = run(supervisionMachine, chat, events.MONITOR);
    assert.equal(reading.value, 'monitoring');
    assert.equal(transition(supervisionMachine, reading, events.BARGE).ok, false);
  });

  test('keeps when the leg joined, when the mode changed, how often, and why it ended', () => {
    assert.equal(barging.context.joinedAt, T0 + 1);
    assert.equal(barging.context.modeSince, T0 + 3);
    assert.equal(barging.context.switches, 2);
    assert.equal(ended.context.endReason, 'stopped');
    assert.equal(ended.context.endedAt, T0 + 4);
    const gone = run(supervisionMachine, monitoring, {
      type: 'INTERACTION_ENDED',
      at: T0 + 9,
    } as SupervisionEvent);
    assert.equal(gone.context.endReason, 'interaction-ended');
  });

  test('modeEvent and modeOf are inverse over the three modes', () => {
    for (const mode of SUPERVISION_MODES) {
      assert.equal(modeOf(run(supervisionMachine, idle, modeEvent(mode, T0 + 1))), mode);
    }
    assert.equal(modeOf(idle), undefined);
    assert.equal(modeOf(ended), undefined);
  });

  test('who hears whom: nobody hears a monitor, only the agent a whisper, both a barge', () => {
    assert.deepEqual(supervisionAudio('monitoring'), {
      supervisor: ['customer', 'agent'],
      agent: [],
      customer: [],
    });
    assert.deepEqual(supervisionAudio('whispering').agent, ['supervisor']);
    assert.deepEqual(supervisionAudio('whispering').customer, []);
    assert.deepEqual(supervisionAudio('barging').agent, ['supervisor']);
    assert.deepEqual(supervisionAudio('barging').customer, ['supervisor']);
    for (const state of ['idle', 'ended'] as const) {
      assert.deepEqual(supervisionAudio(state), { supervisor: [], agent: [], customer: [] });
    }
  });
});
