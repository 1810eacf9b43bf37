import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pendingDeadline } from '../machine';
import { run } from '../machine/machine.testing';
import { caseMachine, caseSnapshot } from './case.machine';
import { caseSlaMilestones, caseSlaStatus } from './case.sla';
import type { CaseEvent, CaseSnapshot } from './case.types';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
// First response within 100 minutes, resolution within 1000: the warnings start at 80 and 800 minutes.
const SLA = { firstResponseSeconds: 100 * 60, resolutionSeconds: 1000 * 60 };
const fresh = caseSnapshot({ at: T0, subject: 'Broken', queueId: 'support', interactionId: 'i1', sla: SLA });

/** A fake clock that moves only when told, and fires the case's SLA timer when it falls due (as the hub does). */
function fakeClock(start: CaseSnapshot) {
  let now = T0;
  let snapshot = start;
  return {
    get snapshot() {
      return snapshot;
    },
    advanceTo(minutes: number) {
      now = T0 + minutes * MIN;
      for (let deadline = pendingDeadline(caseMachine, snapshot); deadline && deadline.at <= now; ) {
        snapshot = run(caseMachine, snapshot, deadline.event(deadline.at));
        deadline = pendingDeadline(caseMachine, snapshot);
      }
      return caseSlaStatus(snapshot, now);
    },
    send(...events: CaseEvent[]) {
      snapshot = run(caseMachine, snapshot, ...events);
    },
  };
}

describe('case SLA standing on a fake clock', () => {
  test('on track, warned in the last 20%, breached after the due time, as the timer records it', () => {
    const clock = fakeClock(fresh);
    assert.equal(clock.advanceTo(10).standing, 'on-track');
    const warned = clock.advanceTo(80);
    assert.equal(warned.firstResponse, 'at-risk');
    assert.equal(warned.standing, 'at-risk');
    assert.equal(clock.advanceTo(100).firstResponse, 'at-risk', 'due exactly now is still in time');
    assert.equal(clock.snapshot.context.firstResponseBreached, false);
    const late = clock.advanceTo(101);
    assert.equal(late.firstResponse, 'breached');
    assert.equal(clock.snapshot.context.firstResponseBreached, true, 'the machine timer agrees');
    assert.equal(late.resolution, 'on-track');
    assert.equal(late.changesAt, T0 + 800 * MIN, 'next change: the resolution warning');
  });

  test('answered and solved in time: met; the standing stops changing', () => {
    const clock = fakeClock(fresh);
    clock.advanceTo(30);
    clock.send({ type: 'AGENT_REPLY', at: T0 + 30 * MIN }, { type: 'SOLVE', at: T0 + 40 * MIN });
    const status = clock.advanceTo(5000);
    assert.equal(status.firstResponse, 'met');
    assert.equal(status.resolution, 'met');
    assert.equal(status.standing, 'met');
    assert.equal(status.changesAt, undefined);
  });

  test('a reopening starts a new episode with fresh targets', () => {
    const clock = fakeClock(fresh);
    clock.advanceTo(200);
    clock.send({ type: 'SOLVE', at: T0 + 200 * MIN });
    assert.equal(clock.advanceTo(300).firstResponse, 'breached', 'solved late: the miss stays');
    clock.send({ type: 'CONTACT', at: T0 + 300 * MIN, interactionId: 'i1' });
    const reopened = clock.advanceTo(310);
    assert.equal(reopened.firstResponse, 'on-track');
    assert.equal(reopened.firstResponseDueAt, T0 + 400 * MIN);
    assert.equal(clock.snapshot.context.firstResponseBreached, false);
  });
});

describe('caseSlaMilestones', () => {
  test('the warnings and breaches still ahead, earliest first; what a state or a reply settles is left out', () => {
    const at = (m: { kind: string; target: string; at: number }) => [m.kind, m.target, (m.at - T0) / MIN];
    assert.deepEqual(caseSlaMilestones(fresh).map(at), [
      ['at-risk', 'first-response', 80],
      ['breached', 'first-response', 100 + 1 / MIN],
      ['at-risk', 'resolution', 800],
      ['breached', 'resolution', 1000 + 1 / MIN],
    ]);
    const replied = run(caseMachine, fresh, { type: 'AGENT_REPLY', at: T0 + 10 * MIN });
    assert.deepEqual(
      caseSlaMilestones(replied).map((m) => m.target),
      ['resolution', 'resolution'],
      'a reply settles the first response',
    );
    const breached = run(caseMachine, fresh, { type: 'SLA_DUE', at: T0 + 101 * MIN });
    assert.deepEqual(
      caseSlaMilestones(breached).map((m) => `${m.kind} ${m.target}`),
      ['at-risk resolution', 'breached resolution'],
      'a recorded breach is not waited for again',
    );
    const solved = run(caseMachine, fresh, { type: 'SOLVE', at: T0 + MIN });
    assert.deepEqual(caseSlaMilestones(solved), [], 'nothing is due on a solved case');
    const reopened = run(caseMachine, solved, { type: 'REOPEN', at: T0 + 2000 * MIN });
    assert.equal(caseSlaMilestones(reopened)[0]?.at, T0 + 2080 * MIN, 'a reopening starts a new episode');
  });
});
