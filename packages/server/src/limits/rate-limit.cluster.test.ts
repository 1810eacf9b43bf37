// Rate limits in cluster mode hold for the deployment: the limits each instance counts on its own (visitor
// sessions, HTTP requests per address) are divided by the live instances, so two instances behind a balancer admit
// what one would. Two servers in this process on one PostgreSQL schema.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigInput } from '../config/config';
import type { HelplineServer } from '../server';
import { postgresTarget, testPostgresUrl } from '../testing/databases';
import { startTestServer, TEST_CONFIG } from '../testing/harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits in cluster mode', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  const target = postgresTarget(available.url);
  // Four visitor sessions per address for the deployment, refilled far slower than the test runs.
  const config: ConfigInput = {
    ...TEST_CONFIG,
    limits: { ...TEST_CONFIG.limits, visitorSessions: { burst: 4, perMinute: 1 } },
  };
  const servers: HelplineServer[] = [];
  before(async () => {
    for (let index = 0; index < 2; index++) servers.push(await startTestServer({ config, storage: target }));
    // The first instance learns of the second with its next heartbeat (every 2 s).
    const deadline = Date.now() + 20_000;
    while (!servers.every((server) => server.cluster?.liveInstances === 2)) {
      if (Date.now() > deadline) throw new Error('the instances did not count each other');
      await sleep(100);
    }
  });
  after(async () => {
    for (const server of servers.reverse()) await server.close();
    await target.drop();
  });

  it('admits the configured visitor sessions across both instances, not twice as many', {
    timeout: 30_000,
  }, async () => {
    const statuses: number[] = [];
    // Round robin, as a balancer spreads one address's requests.
    for (let round = 0; round < 6; round++) {
      for (const server of servers) {
        const response = await fetch(`${server.url}/v1/sessions/visitor`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ site: 'shop' }),
        });
        statuses.push(response.status);
        await response.body?.cancel();
      }
    }
    assert.equal(statuses.filter((status) => status === 201).length, 4, statuses.join(' '));
    assert.equal(statuses.filter((status) => status === 429).length, 8);
  });
});
