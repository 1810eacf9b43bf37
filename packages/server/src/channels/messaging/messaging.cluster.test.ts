// Messaging in cluster mode: a webhook may reach any instance; the hub that takes it in runs on the leader, so a
// follower forwards /messaging/ requests there, with the body byte for byte (the signature covers it). Two servers in
// this process on one PostgreSQL schema.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import { postgresTarget, testPostgresUrl } from '../../testing/databases';
import { SHOP_IDENTITY_SECRET, staffToken, startTestServer, TEST_CONFIG } from '../../testing/harness';
import { signMessagesWebhook, startFakeMessagesApi } from './messaging.fake';

const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SECRET = 'messages-signature-secret-for-cluster-tests';

describe('messaging in cluster mode', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  const target = postgresTarget(available.url);
  const api = await startFakeMessagesApi();
  const config = {
    ...TEST_CONFIG,
    messaging: {
      applicationId: APP,
      apiKeyEnv: 'VONAGE_API_KEY',
      apiSecretEnv: 'VONAGE_API_SECRET',
      apiHost: api.url,
      senders: [{ channel: 'sms', id: '+14155550100', queueId: 'support' }],
    },
  } as ConfigInput;
  const env = {
    SHOP_IDENTITY_SECRET,
    VONAGE_API_KEY: 'key1234',
    VONAGE_API_SECRET: 'secret5678',
    VONAGE_SIGNATURE_SECRET: SECRET,
  };
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

  it("a follower's messaging routes are answered by the leader", { timeout: 30_000 }, async () => {
    assert.equal(leader.cluster?.leading, true, 'the first server leads');
    assert.equal(follower.cluster?.leading, false, 'the second follows');
    const body = JSON.stringify({
      channel: 'sms',
      message_uuid: randomUUID(),
      to: '14155550100',
      from: '447700900009',
      timestamp: new Date().toISOString(),
      message_type: 'text',
      text: 'Hello',
    });
    const forged = await fetch(`${follower.url}/messaging/webhooks/inbound`, {
      method: 'POST',
      headers: {
        authorization: await signMessagesWebhook(SECRET, APP, body, { secret: 'guessed' }),
        'content-type': 'application/json',
      },
      body,
    });
    assert.equal(forged.status, 401);
    const refusedBy = lines.map(
      (own) => own.filter((line) => line.includes('messaging.webhook-refused')).length,
    );
    assert.deepEqual(refusedBy, [1, 0], 'refused by the leader, not the follower');

    const console = await fetch(`${follower.url}/messaging/conversations/nope`, {
      headers: { authorization: `Bearer ${await staffToken('alice')}` },
    });
    assert.equal(
      console.status,
      404,
      'a console route too, answered by the hub that knows the conversations',
    );
  });
});
