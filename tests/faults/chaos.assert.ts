// The delivery contract a chaos run must hold (DESIGN.md §3), shared by the test and `npm run chaos`.
import assert from 'node:assert/strict';
import type { ChaosReport } from './chaos.scenario';

/** Asserts the delivery contract on a finished run: the database and all three stores agree, exactly once, in order. */
export function assertDelivered(report: ChaosReport): void {
  assert.deepEqual(
    report.storedSeqs,
    Array.from({ length: report.storedSeqs.length }, (_, i) => i + 1),
    'seq is gap-free',
  );
  for (const [sender, expected] of Object.entries(report.expectedBySender)) {
    assert.deepEqual(report.storedBySender[sender], expected, `${sender}: none lost, none doubled, in order`);
  }
  for (const [who, view] of Object.entries(report.views)) {
    assert.deepEqual(view, report.storedLog, `${who} shows exactly the stored log`);
  }
  assert.deepEqual(report.unconfirmed, { tab1: 0, tab2: 0, agent: 0 }, 'nothing left unconfirmed');
  // The faults must really have hit every link. A restart drops every link for certain; resets and black holes
  // that follow closely may merge into one drop (more so on a loaded machine), so they are not counted one by one.
  const restarts = report.schedule.filter((f) => f.kind === 'restart').length;
  const otherDrops = report.schedule.filter((f) => f.kind !== 'latency' && f.kind !== 'restart').length;
  const atLeast = restarts + (otherDrops > 0 ? 1 : 0);
  for (const [who, drops] of Object.entries(report.drops)) {
    assert.ok(
      drops >= atLeast,
      `${who}'s link dropped ${drops} times; ${restarts} restarts and ${otherDrops} other faults`,
    );
  }
}
