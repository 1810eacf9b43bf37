// Vonage in cluster mode: the gateway's call legs live in the leader's memory beside its hub, so a Vonage route that
// reaches a follower is answered by the leader (forwarded over the bus). Two servers in this process on one
// PostgreSQL schema.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../config/config';
import type { HelplineServer } from '../server';
import { postgresTarget, testPostgresUrl } from '../testing/databases';
import { SHOP_IDENTITY_SECRET, staffToken, startTestServer, TEST_CONFIG } from '../testing/harness';
import { startFakeVonageApi } from './vonage.fake-api';

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
});
