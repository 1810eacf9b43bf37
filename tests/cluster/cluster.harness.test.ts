// The cluster harness's smoke test, in the normal suite: three `helpline serve` processes on one PostgreSQL behind
// the round-robin balancer carry a chat, and a killed instance is reported dead and skipped. The cluster scenarios
// (cluster.long.ts, `npm run chaos`) build on what this checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigInput } from '../../packages/server/src/config/config';
import { startCluster } from '../../packages/server/src/testing/cluster.harness';
import { testPostgresUrl } from '../../packages/server/src/testing/databases';
import { SITE_ORIGIN, staffToken, TEST_CONFIG, TestClient } from '../../packages/server/src/testing/harness';

const CONFIG: ConfigInput = {
  queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' } }],
  agents: [{ id: 'alice', name: 'Alice' }],
  sites: [{ id: 'shop', origins: [SITE_ORIGIN] }],
  limits: TEST_CONFIG.limits,
};

describe('cluster harness: 3 instances on one PostgreSQL behind a round-robin balancer', () => {
  it('carries a chat on one instance, reports a killed instance dead and routes around it', {
    timeout: 120_000,
  }, async (t) => {
    const available = await testPostgresUrl();
    if ('skip' in available) {
      t.skip(available.skip);
      return;
    }
    const cluster = await startCluster({ adminUrl: available.url, config: CONFIG });
    const clients: TestClient[] = [];
    try {
      assert.deepEqual(
        cluster.instances.map((instance) => [instance.process, instance.healthy]),
        [
          ['running', true],
          ['running', true],
          ['running', true],
        ],
      );
      // Each instance's sessions are named, so a test can find (and end) them in pg_stat_activity.
      const named = await cluster.query<{ application_name: string }>(
        'SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 ORDER BY 1',
        [cluster.database.name],
      );
      for (const name of ['helpline-0', 'helpline-1', 'helpline-2'])
        assert.ok(
          named.some((row) => row.application_name === name),
          `${name} in ${JSON.stringify(named)}`,
        );

      const response = await fetch(`${cluster.httpUrl}/v1/sessions/visitor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site: 'shop' }),
      });
      assert.equal(response.status, 201);
      const { token } = (await response.json()) as { token: string };
      cluster.balancer.steer(1);
      const visitor = await TestClient.connect(cluster.socketUrl, token);
      clients.push(visitor);
      cluster.balancer.steer(1);
      const agent = await TestClient.connect(cluster.socketUrl, await staffToken('alice'), {
        site: '',
        origin: null,
      });
      clients.push(agent);
      assert.equal(cluster.balancer.instanceOf(visitor.localPort ?? 0), 1, 'the visitor is on instance 1');
      assert.equal(cluster.balancer.instanceOf(agent.localPort ?? 0), 1, 'the agent is on instance 1');

      await agent.ok('presence.set', { status: 'available' });
      const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
      await agent.waitFor(
        (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
        'the offer',
        10_000,
      );
      await agent.ok('offer.accept', { cid });
      await visitor.waitFor((f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'joined', 'alice joined');
      const sent = await visitor.ok('message.send', { cid, clientMsgId: crypto.randomUUID(), text: 'hello' });
      const received = await agent.waitFor(
        (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'message' && f.ev.text === 'hello',
        "the visitor's message",
      );
      assert.equal(received.t === 'evt' && received.seq, sent.seq);
      await agent.ok('message.send', { cid, clientMsgId: crypto.randomUUID(), text: 'hi there' });
      await visitor.waitFor(
        (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'message' && f.ev.text === 'hi there',
        "the agent's reply",
      );

      await cluster.kill(2);
      const killed = cluster.instances[2];
      assert.equal(killed?.process, 'exited');
      assert.equal(killed?.healthy, false);
      assert.deepEqual(killed?.exits.at(-1), { code: null, signal: 'SIGKILL' });
      assert.ok(cluster.events.some((event) => event.index === 2 && event.kind === 'exited'));
      // Six new connections in a row: round robin would give instance 2 two of them; the balancer skips it.
      const landed: (number | undefined)[] = [];
      for (let k = 0; k < 6; k++) {
        const probe = await TestClient.open(cluster.socketUrl);
        landed.push(cluster.balancer.instanceOf(probe.localPort ?? 0));
        probe.close();
      }
      assert.deepEqual(
        landed.map((index) => index === 0 || index === 1),
        landed.map(() => true),
        `connections went to ${landed.join(', ')}`,
      );
    } finally {
      for (const client of clients) client.close();
      await cluster.close();
    }
    const left = await fetch(`${cluster.httpUrl}/healthz`).then(
      () => 'answered',
      () => 'gone',
    );
    assert.equal(left, 'gone', 'the balancer is closed');
  });
});
