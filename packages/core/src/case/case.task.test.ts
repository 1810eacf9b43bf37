import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeTransitionTable,
  run,
  type SampleEvents,
  type TransitionTable,
  ILLEGAL as x,
} from '../machine/machine.testing';
import {
  type CaseTask,
  type CaseTaskEvent,
  type CaseTaskFacts,
  type CaseTaskStatus,
  caseTaskMachine,
  stepCaseTask,
} from './case.task';

const T0 = 1_700_000_000_000;
const facts: CaseTaskFacts = {
  id: 't1',
  caseId: 'case1',
  kind: 'reminder',
  dueAt: T0,
  note: 'Call back',
  createdBy: 'alice',
  createdAt: T0 - 60_000,
};
const scheduled = { value: 'scheduled' as const, context: facts };
const done = run(caseTaskMachine, scheduled, { type: 'FIRE', at: T0 });
const cancelled = run(caseTaskMachine, scheduled, { type: 'CANCEL', at: T0 - 1, actorId: 'sue' });

const events: SampleEvents<CaseTaskEvent> = {
  FIRE: { type: 'FIRE', at: T0 + 1 },
  CANCEL: { type: 'CANCEL', at: T0 + 1, actorId: 'alice' },
};

// biome-ignore format: the table reads best as a grid
const table: TransitionTable<CaseTaskStatus, CaseTaskEvent> = {
  scheduled: { FIRE: 'done', CANCEL: 'cancelled' },
  done: { FIRE: x, CANCEL: x },
  cancelled: { FIRE: x, CANCEL: x },
};

describeTransitionTable({
  machine: caseTaskMachine,
  table,
  snapshots: { scheduled, done, cancelled },
  events,
});

describe('case task machine', () => {
  const task: CaseTask = { ...facts, status: 'scheduled' };

  it('fires only at or after its due time, recording when and the callback it created', () => {
    assert.equal(stepCaseTask(task, { type: 'FIRE', at: T0 - 1 }), undefined);
    assert.deepEqual(stepCaseTask(task, { type: 'FIRE', at: T0, interactionId: 'cb1' }), {
      ...task,
      status: 'done',
      endedAt: T0,
      interactionId: 'cb1',
    });
  });

  it('records who cancelled; an ended task accepts nothing', () => {
    const ended = stepCaseTask(task, { type: 'CANCEL', at: T0 - 5, actorId: 'sue' });
    assert.deepEqual(ended, { ...task, status: 'cancelled', endedAt: T0 - 5, cancelledBy: 'sue' });
    assert.ok(ended);
    assert.equal(stepCaseTask(ended, { type: 'FIRE', at: T0 }), undefined);
  });
});
