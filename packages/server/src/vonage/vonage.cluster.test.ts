// Vonage in cluster mode: the gateway carries its calls on the leader, beside its hub, so a Vonage route that reaches
// a follower is answered by the leader (forwarded over the bus); it stores them, so the next leader carries a call
// being talked on. Two servers in this process on one PostgreSQL schema.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../config/config';
import type { HelplineServer } from '../server';
import { postgresTarget, testPostgresUrl } from '../testing/databases';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../testing/harness';
import { startFakeVonageApi } from './vonage.fake-api';
import { talkingPhoneCall } from './vonage.testing';

const APP_ID = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SECRET = 'vonage-signature-secret-for-cluster-tests';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

async function signedBody(body: unknown, secret = SECRET) {
  const text = JSON.stringify(body);
  const jwt = await new SignJWT({
    application_id: APP_ID,
    api_key: 'abcd1234',
    payload_hash: createHash('sha256').update(text).digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Vonage')
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(secret));
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: text,
  };
}

describe('Vonage in cluster mode', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  const target = postgresTarget(available.url);
  const api = await startFakeVonageApi(publicKey);
  const config = {
    ...TEST_CONFIG,
    vonage: {
      applicationId: APP_ID,
      privateKeyEnv: 'VONAGE_PRIVATE_KEY',
      webhookBaseUrl: 'https://help.example',
      apiBaseUrl: api.url,
      numbers: [{ number: '+14155550100', queueId: 'support' }],
    },
  } as ConfigInput;
  const env = { SHOP_IDENTITY_SECRET, VONAGE_PRIVATE_KEY: privateKey, VONAGE_SIGNATURE_SECRET: SECRET };
  const lines: string[][] = [[], []];
  const servers: HelplineServer[] = [];
  after(async () => {
    for (const server of servers.reverse()) await server.close();
    await api.close();
    await target.drop();
  });
  for (const own of lines)
    servers.push(await startTestServer({ config, storage: target, env, logLines: own }));
  const [leader, follower] = servers as [HelplineServer, HelplineServer];
  const post = async (server: HelplineServer, path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, await signedBody(body));
    await response.arrayBuffer();
    return response.status;
  };
  const until = async (condition: () => boolean, what: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("a follower's Vonage routes are answered by the leader", { timeout: 30_000 }, async () => {
    assert.equal(leader.cluster?.leading, true, 'the first server leads');
    assert.equal(follower.cluster?.leading, false, 'the second follows');

    const answer = await fetch(
      `${follower.url}/vonage/webhooks/answer`,
      await signedBody({
        uuid: 'pstn-c1',
        conversation_uuid: 'CON-c1',
        from: '447700900009',
        to: '14155550100',
      }),
    );
    assert.equal(answer.status, 200);
    const ncco = (await answer.json()) as { action: string; name?: string }[];
    assert.ok(
      ncco.some((step) => step.action === 'conversation' && step.name === 'hl-pstn-c1'),
      `the caller is put in a conversation: ${JSON.stringify(ncco)}`,
    );
    assert.ok(
      leader.hub.interactions().some((i) => i.channel === 'voice' && i.customer.phone === '+447700900009'),
      "the call waits in the leader's hub",
    );

    const forged = await fetch(
      `${follower.url}/vonage/webhooks/event`,
      await signedBody({ uuid: 'x' }, 'wrong'),
    );
    assert.equal(forged.status, 401, 'the leader checks the signature');
    const refusedBy = lines.map(
      (own) => own.filter((line) => line.includes('vonage.webhook-refused')).length,
    );
    assert.deepEqual(refusedBy, [1, 0], 'refused by the leader, not the follower');

    const token = await fetch(`${follower.url}/vonage/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await staffToken('alice')}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(token.status, 200, 'a browser route too');
    assert.equal(typeof ((await token.json()) as { token?: unknown }).token, 'string');
  });

  it('a call being talked on goes on when the leader stops: the next leader carries its legs', {
    timeout: 60_000,
  }, async () => {
    // The first test's caller hangs up, still waiting: alice's one voice slot is for this call.
    assert.equal(
      await post(follower, '/vonage/webhooks/event', { uuid: 'pstn-c1', status: 'completed' }),
      204,
    );
    await until(
      () =>
        !leader.hub.interactions().some((i) => i.customer.phone === '+447700900009' && i.state !== 'ended'),
      'the first call abandoned',
    );
    // Alice's console is on the follower: her accept reaches the leader's hub over the bus; so do the webhooks.
    const alice = await TestClient.connect(follower.socketUrl, await staffToken('alice'), {
      site: '',
      origin: null,
    });
    try {
      const { cid, agentLeg } = await talkingPhoneCall(
        {
          api,
          webhook: (path, body) => post(follower, path, body),
          hub: leader.hub,
          sql: follower.storage.sql,
          console: alice,
        },
        { callerLeg: 'pstn-t1', from: '447700900041', to: '14155550100' },
      );
      // The leader stops (a rolling restart): the follower wins the lease and takes the call back.
      servers.splice(servers.indexOf(leader), 1);
      await leader.close();
      await until(() => follower.cluster?.leading === true, 'the follower leads');
      await until(
        () => lines[1]?.some((line) => line.includes('vonage.call-carried-on')) ?? false,
        'the call carried on',
      );
      assert.equal(follower.hub.interaction(cid)?.state, 'active', 'still being talked on');

      // Alice hangs up in her softphone: Vonage reports her leg completed, to the new leader.
      const hangUps = api.requests.filter(
        (r) => r.path === '/v1/calls/pstn-t1' && r.body.action === 'hangup',
      ).length;
      assert.equal(
        await post(follower, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
          uuid: agentLeg,
          status: 'completed',
        }),
        204,
      );
      await until(() => follower.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
      assert.equal(follower.hub.interaction(cid)?.endedBy, 'agent');
      await until(
        () =>
          api.requests.filter((r) => r.path === '/v1/calls/pstn-t1' && r.body.action === 'hangup').length >
          hangUps,
        'the caller hung up',
      );
    } finally {
      alice.close();
    }
  });
});
