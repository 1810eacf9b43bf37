import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ReportQuery, ReportResult } from '../metrics/history.reports';
import { isHelplineError } from '../protocol/errors';
import { createSupervisorSession } from '../session/supervisor.session';
import { createTestClock, supportQueue, testAgent } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';

// report.run in the hub: a supervisor session reaches the reports port with its query and gets the answer back;
// without a port (no stored history) the command is refused by state.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const ANSWER: ReportResult = {
  kind: 'volume',
  from: 0,
  to: 86_400_000,
  previousFrom: -86_400_000,
  timeZone: 'Europe/Brussels',
  groupBy: 'total',
  figures: [],
  volume: [{ weekday: 4, hour: 9, contacts: 3 }],
  problems: [],
};

function supervisorOf(reports?: { run(query: ReportQuery): Promise<ReportResult> }) {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock,
    ...(reports ? { reports } : {}),
  });
  const transport = createMemoryTransport({ hub });
  const session = createSupervisorSession({
    clock,
    random: () => 0.5,
    transport,
    token: 'dev:supervisor:sam:Sam',
  });
  cleanups.push(
    () => session.close(),
    () => hub.close(),
  );
  return session;
}

describe('report.run in the hub', () => {
  it('passes the supervisor query to the reports and returns their answer', async () => {
    const asked: ReportQuery[] = [];
    const session = supervisorOf({
      async run(query) {
        asked.push(query);
        return ANSWER;
      },
    });
    const query: ReportQuery = { kind: 'volume', period: 'day', timeZone: 'Europe/Brussels' };
    assert.deepEqual(await session.runReport(query), ANSWER);
    assert.deepEqual(asked, [query]);
  });

  it('is refused by state when the server keeps no history', async () => {
    const session = supervisorOf();
    await assert.rejects(
      session.runReport({ kind: 'figures', period: 'month' }),
      (error: unknown) => isHelplineError(error) && error.code === 'conflict/state',
    );
  });
});
