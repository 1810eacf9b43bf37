import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { reportToCsv } from '@helpline/core/metrics';
import { parseConfig } from '../config/config';
import { staffToken, startTestServer, TEST_CONFIG, TestClient, visitorToken } from '../testing/harness';
import { reportsOfQueues } from './index';
import { generateHistory, insertHistory } from './reports.testing';

// report.run over the real server and protocol (PGlite): supervisors get the SQL reports with the queues' SLA targets,
// agents and visitors are refused, bad queries come back as typed refusals naming the field.

const clients: TestClient[] = [];
const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const client of clients) client.close();
  for (const close of closing.reverse()) await close();
});

describe('report.run on the server', () => {
  it('answers supervisors from the stored history and refuses agents, visitors and bad queries', async () => {
    const server = await startTestServer();
    closing.push(() => server.close());
    const history = generateHistory(600, Date.UTC(2025, 4, 1), Date.UTC(2025, 6, 1), 7).map((row) => ({
      ...row,
      // The test configuration's queues, so their SLA targets apply.
      queueId: row.queueId === 'billing' ? 'support' : row.queueId,
    }));
    await insertHistory(server.storage.sql, history);
    const connect = async (token: string, staff: boolean) => {
      const client = await TestClient.connect(
        server.socketUrl,
        token,
        staff ? { site: '', origin: null } : {},
      );
      clients.push(client);
      return client;
    };
    const sam = await connect(await staffToken('sam'), true);
    const query = {
      kind: 'figures',
      period: 'month',
      at: Date.UTC(2025, 5, 10),
      timeZone: 'Europe/Brussels',
      groupBy: 'queue',
    } as const;
    const result = await sam.ok('report.run', query);
    const direct = await reportsOfQueues(server.storage.sql, parseConfig(TEST_CONFIG).queues).run(query);
    assert.deepEqual(result, JSON.parse(JSON.stringify(direct)));
    assert.deepEqual(
      result.figures.map((row) => row.key),
      ['sales', 'support'],
    );
    assert.equal(
      result.figures.reduce((sum, row) => sum + row.contacts + row.outbound, 0),
      history.filter((row) => row.createdAt >= result.from && row.createdAt < result.to).length,
    );
    assert.equal(reportToCsv(result).split('\r\n').length, result.figures.length + 2);

    const bad = await sam.command('report.run', { ...query, timeZone: 'Mars/Olympus' });
    assert.equal(bad.ok ? 'ok' : `${bad.error.code} ${bad.error.field}`, 'validation/field timeZone');
    const unknown = await sam.command('report.run', { ...query, groupBy: 'colour' as 'queue' });
    assert.equal(unknown.ok ? 'ok' : unknown.error.code, 'validation/field');

    const alice = await connect(await staffToken('alice'), true);
    const asAgent = await alice.command('report.run', query);
    assert.equal(asAgent.ok ? 'ok' : asAgent.error.code, 'auth/forbidden');
    const visitor = await connect((await visitorToken(server)).token, false);
    const asVisitor = await visitor.command('report.run', query);
    assert.equal(asVisitor.ok ? 'ok' : asVisitor.error.code, 'auth/forbidden');
  });
});
