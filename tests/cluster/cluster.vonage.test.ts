// Cluster mode and Vonage (docs/vonage.md, "Restarts and takeovers"): two `helpline serve` instances on one
// PostgreSQL, a phone call taken by an agent whose console is on the follower, and the leader killed with SIGKILL
// while the call is talked on. The follower wins the lease, takes the stored call back, and carries it on: the
// agent's console attaches to the same active call, and the agent hanging up in the softphone (Vonage posts the
// leg's `completed` to the new leader) ends the conversation by the agent and hangs up the caller's leg. Vonage's
// REST API is the loopback fake; webhooks are signed as Vonage signs them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@helpline/core';
import type { ConfigInput } from '../../packages/server/src/config/config';
import { type Cluster, startCluster } from '../../packages/server/src/testing/cluster.harness';
import { testPostgresUrl } from '../../packages/server/src/testing/databases';
import { staffToken, TEST_CONFIG } from '../../packages/server/src/testing/harness';
import {
  type FakeVonageApi,
  postVonageWebhook,
  startFakeVonageApi,
} from '../../packages/server/src/vonage/vonage.fake-api';
import { vonageTestKeys } from '../../packages/server/src/vonage/vonage.testing';
import { ClusterClient } from './cluster.client';

const APP_ID = '3c5d7e9f-1a2b-4c3d-8e5f-6a7b8c9d0e1f';
const SECRET = 'vonage-signature-secret-for-cluster-kill-tests';
const HEARTBEAT_SECONDS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('cluster mode: a Vonage call being talked on goes on through a SIGKILL of the leader', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  const keys = vonageTestKeys();
  let api: FakeVonageApi;
  let cluster: Cluster;
  const lines = new Map<number, string[]>();
  const opened: { close(): void }[] = [];
  before(
    async () => {
      api = await startFakeVonageApi(keys.publicKey);
      const config = {
        queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' } }],
        agents: [{ id: 'alice', name: 'Alice' }],
        sites: TEST_CONFIG.sites,
        limits: TEST_CONFIG.limits,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        vonage: {
          applicationId: APP_ID,
          privateKeyEnv: 'VONAGE_PRIVATE_KEY',
          webhookBaseUrl: 'https://help.example',
          apiBaseUrl: api.url,
          numbers: [{ number: '+14155550100', queueId: 'support' }],
        },
      } as ConfigInput;
      cluster = await startCluster({
        adminUrl: available.url,
        instances: 2,
        config,
        env: () => ({ VONAGE_PRIVATE_KEY: keys.privateKey, VONAGE_SIGNATURE_SECRET: SECRET }),
        healthCheckMs: 250,
        onServerLine: (index, line) => {
          const own = lines.get(index) ?? [];
          own.push(line);
          lines.set(index, own);
        },
      });
    },
    { timeout: 120_000 },
  );
  after(async () => {
    // HELPLINE_CLUSTER_DUMP=1: every line the instances logged, to read what went wrong.
    if (process.env.HELPLINE_CLUSTER_DUMP)
      for (const [index, own] of lines) console.log(own.map((line) => `[${index}] ${line}`).join('\n'));
    for (const client of opened) client.close();
    await cluster?.close();
    await api?.close();
  });

  const leaderIndex = () => cluster.settledLeader();

  /** A webhook signed as Vonage signs it, posted to instance `index` itself (no balancer between). */
  async function webhook(index: number, path: string, body: object): Promise<number> {
    const port = cluster.instances[index]?.port;
    assert.ok(port, `instance ${index} runs`);
    const response = await postVonageWebhook(`http://127.0.0.1:${port}${path}`, body, {
      applicationId: APP_ID,
      secret: SECRET,
    });
    await response.arrayBuffer();
    return response.status;
  }

  const storedAnswered = async (cid: string) =>
    (
      await cluster.query<{ answered: boolean | null }>(
        `SELECT (record->>'agentAnswered')::boolean AS answered FROM vonage_calls WHERE cid = $1`,
        [cid],
      )
    )[0]?.answered === true;

  it('the follower takes the call back: the agent attaches to it again, and her hang-up ends it and hangs up the caller', {
    timeout: 90_000,
  }, async () => {
    const leader = await leaderIndex();
    const follower = leader === 0 ? 1 : 0;
    cluster.balancer.steer(follower);
    const alice = new ClusterClient({
      name: 'alice',
      role: 'agent',
      token: await staffToken('alice'),
      socketUrl: cluster.socketUrl,
      balancer: cluster.balancer,
      heartbeatMs: HEARTBEAT_SECONDS * 1000,
      random: Math.random,
    });
    opened.push(alice);
    await alice.start();
    assert.equal(alice.links[0]?.instance, follower, "alice's console is on the follower");
    const ok = async (op: Parameters<ClusterClient['command']>[0], args: Record<string, unknown>) => {
      const reply = await alice.command(op, args, { persistent: true });
      assert.ok(reply.ok, `alice ${op}: ${reply.ok ? '' : reply.code}`);
      return reply.result as Record<string, unknown>;
    };
    await ok('presence.set', { status: 'available' });

    // The call reaches the follower; the leader's gateway answers it (forwarded over the bus).
    assert.equal(
      await webhook(follower, '/vonage/webhooks/answer', {
        uuid: 'pstn-k1',
        from: '447700900051',
        to: '14155550100',
      }),
      200,
    );
    api.setLegStatus('pstn-k1', 'answered');
    const offerOf = (frame: ServerFrame) =>
      frame.t === 'notice' && frame.notice.type === 'offer' ? frame.notice.offer.interaction.id : undefined;
    await until(() => alice.received.some((r) => offerOf(r.frame) !== undefined), 'the offer');
    const cid = alice.received.map((r) => offerOf(r.frame)).find((id) => id !== undefined) ?? '';
    await ok('offer.accept', { cid });
    const ring = await api.next(
      (r) =>
        r.method === 'POST' && r.path === '/v1/calls' && JSON.stringify(r.body.ncco).includes('hl-pstn-k1'),
      "alice's app leg",
      15_000,
    );
    const agentLeg = ring.uuid as string;
    api.setLegStatus(agentLeg, 'answered');
    assert.equal(
      await webhook(follower, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
        uuid: agentLeg,
        status: 'answered',
      }),
      204,
    );
    await until(() => storedAnswered(cid), 'the talked-on call stored');

    await cluster.kill(leader);
    assert.equal(await leaderIndex(), follower, 'the follower leads');
    await until(
      () => (lines.get(follower) ?? []).some((line) => line.includes('vonage.call-carried-on')),
      'the call carried on by the new leader',
    );
    type Attached = { call?: { state: string } };
    const { call } = (await ok('call.attach', { cid })) as Attached;
    assert.equal(call?.state, 'active', "alice's console attaches to the same call, still active");

    // Alice hangs up in her softphone: Vonage posts her leg's end to the new leader.
    const hangUps = () =>
      api.requests.filter((r) => r.path === '/v1/calls/pstn-k1' && r.body.action === 'hangup').length;
    const before = hangUps();
    assert.equal(
      await webhook(follower, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
        uuid: agentLeg,
        status: 'completed',
      }),
      204,
    );
    await until(async () => {
      const [row] = await cluster.query<{ state: string; ended_by: string | null }>(
        `SELECT state, interaction->>'endedBy' AS ended_by FROM interactions WHERE id = $1`,
        [cid],
      );
      return row?.state === 'ended' && row.ended_by === 'agent';
    }, 'the conversation ended by alice (not failed by the system)');
    await until(() => hangUps() > before, "the caller's leg hung up");
    await until(
      async () => (await cluster.query('SELECT 1 FROM vonage_calls WHERE cid = $1', [cid])).length === 0,
      'the call let go (its row deleted)',
    );
    await ok('presence.set', { status: 'offline' });
    await cluster.start(leader);
    await cluster.waitHealthy(leader);
  });
});
