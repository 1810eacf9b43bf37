import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ConfigError, type ConfigInput } from '../config/config';
import { issuesOf } from '../config/config.testing';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
  visitorToken,
} from '../testing/harness';
import type { CrmLookup } from './customers.directory';

// The CRM webhook set in the configuration file (docs/customers.md): the file names the URL and the environment
// variable of the secret; the server refuses to start without a usable one, and with one a real server asks the CRM.

const SECRET = 'crm-secret-from-the-environment';

const withWebhook = (crmWebhook: Record<string, unknown>): ConfigInput =>
  ({ ...TEST_CONFIG, customers: { crmWebhook } }) as ConfigInput;

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

describe('customers.crmWebhook in the configuration', () => {
  it('takes an https: URL, or http: on localhost; anything else names the field', () => {
    for (const url of [
      'http://crm.example/resolve',
      'ftp://crm.example/',
      'not a url',
      'javascript:alert(1)',
    ])
      assert.deepEqual(issuesOf(withWebhook({ url })), [
        `config.customers.crmWebhook.url: ${JSON.stringify(url)} is not an https: URL (http: only on localhost)`,
      ]);
    assert.match(
      issuesOf(withWebhook({ url: 'https://crm.example/r', secretEnv: 'lower-case' })).join(),
      /config\.customers\.crmWebhook\.secretEnv: must be an environment variable name/,
    );
    assert.match(issuesOf(withWebhook({ url: 'https://crm.example/r', token: 'x' })).join(), /crmWebhook/);
  });

  it('refuses to start without the secret in the environment, or with a short one (ConfigError naming it)', async () => {
    const config = withWebhook({ url: 'https://crm.example/resolve', secretEnv: 'CRM_SECRET' });
    for (const [env, reason] of [
      [{ SHOP_IDENTITY_SECRET }, 'is not set'],
      [{ SHOP_IDENTITY_SECRET, CRM_SECRET: 'short' }, 'must hold at least 16 characters'],
    ] as const) {
      await assert.rejects(startTestServer({ config, env }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.issues, [`config.customers.crmWebhook.secretEnv: CRM_SECRET ${reason}`]);
        return true;
      });
    }
  });

  it('a server configured so asks the CRM, signed with the secret from the environment, and shows its record', async () => {
    const received: { signature: string | undefined; body: string }[] = [];
    const crm = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ signature: request.headers['x-helpline-signature'] as string | undefined, body });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            customerId: 'crm-9',
            displayName: 'Known to the CRM',
            crmUrl: 'https://crm.example/9',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    closing.push(() => new Promise<void>((resolve) => crm.close(() => resolve())));
    const { port } = crm.address() as AddressInfo;

    const server = await startTestServer({
      config: {
        ...withWebhook({ url: `http://localhost:${port}/resolve`, secretEnv: 'CRM_SECRET' }),
        agents: [{ id: 'alice', name: 'Alice', queues: ['support'] }],
      } as ConfigInput,
      env: { SHOP_IDENTITY_SECRET, CRM_SECRET: SECRET },
    });
    closing.push(() => server.close());
    const alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), {
      site: '',
      origin: null,
    });
    const visitor = await TestClient.connect(server.socketUrl, (await visitorToken(server)).token);
    closing.push(async () => {
      alice.close();
      visitor.close();
    });
    await alice.ok('presence.set', { status: 'available' });
    const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
    await alice.waitFor(
      (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
      'offer',
      30_000,
    );
    await alice.ok('offer.accept', { cid });
    const view = await alice.ok('customer.of', { cid });
    assert.deepEqual(view.customer.crm, { id: 'crm-9', url: 'https://crm.example/9' });
    assert.equal(view.customer.displayName, 'Known to the CRM');
    assert.equal(received.length, 1, 'asked once for the new customer');
    for (const { signature, body } of received) {
      assert.equal(signature, `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
      assert.equal((JSON.parse(body) as CrmLookup).customerId, view.customer.id);
    }
  });
});
