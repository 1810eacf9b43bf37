// Click-to-dial through Vonage, without a Vonage account: a real server (PGlite) whose `vonage` section points at the
// loopback fake of the Vonage REST API (vonage.fake-api.ts), event webhooks signed as Vonage signs them, and the
// agent on a real WebSocket.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../config/config.schema';
import type { HelplineServer } from '../server';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../testing/harness';
import { type FakeApiRequest, type FakeVonageApi, startFakeVonageApi } from '../vonage/vonage.fake-api';

const APP_ID = '0b7e3c2a-5d4f-4e6a-8b9c-1d2e3f4a5b6c';
const SECRET = 'vonage-signature-secret-for-outbound-tests';
const CALLER_ID = '+442079460000';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** An event webhook as Vonage posts it: HS256 over the body's hash, with a fresh `jti`. */
async function event(
  server: HelplineServer,
  cid: string,
  leg: 'customer' | 'agent',
  body: object,
): Promise<void> {
  const text = JSON.stringify(body);
  const jwt = await new SignJWT({
    application_id: APP_ID,
    payload_hash: createHash('sha256').update(text).digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(SECRET));
  const response = await fetch(`${server.url}/vonage/webhooks/event?cid=${cid}&leg=${leg}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: text,
  });
  assert.equal(response.status, 204);
}

const callState = (cid: string, state: string) => (frame: { t: string; notice?: unknown }) =>
  frame.t === 'notice' &&
  (frame.notice as { type: string; call?: { cid: string; state: string } }).type === 'call' &&
  (frame.notice as { call: { cid: string; state: string } }).call.cid === cid &&
  (frame.notice as { call: { state: string } }).call.state === state;

describe('click-to-dial through Vonage (fake REST API, signed webhooks)', () => {
  let api: FakeVonageApi;
  let server: HelplineServer;
  let alice: TestClient;

  before(async () => {
    api = await startFakeVonageApi(publicKey);
    const config = {
      ...TEST_CONFIG,
      outbound: { callerId: CALLER_ID, callingHours: false },
      vonage: {
        applicationId: APP_ID,
        privateKeyEnv: 'VONAGE_PRIVATE_KEY',
        webhookBaseUrl: 'https://help.example',
        apiBaseUrl: api.url,
        numbers: [{ number: '+14155550100', queueId: 'support' }],
      },
    } as ConfigInput;
    server = await startTestServer({
      config,
      env: { SHOP_IDENTITY_SECRET, VONAGE_PRIVATE_KEY: privateKey, VONAGE_SIGNATURE_SECRET: SECRET },
    });
    alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), { site: '', origin: null });
    await alice.ok('presence.set', { status: 'available' });
  });

  after(async () => {
    alice?.close();
    await server?.close();
    await api?.close();
  });

  it('places the phone leg from the queue’s caller ID and the agent’s app leg; answered, then hung up → wrap-up', async () => {
    const placed = await alice.ok('voice.dial', { number: '+44 20 7946 0958' });
    assert.equal(placed.simulated, false, 'a real phone network');
    const { cid } = placed;
    const phone = await api.next(
      (r: FakeApiRequest) => r.path === '/v1/calls' && JSON.stringify(r.body.to).includes('442079460958'),
      'the phone leg',
    );
    assert.deepEqual(phone.body.to, [{ type: 'phone', number: '442079460958' }]);
    assert.deepEqual(phone.body.from, { type: 'phone', number: '442079460000' }, 'the caller ID');
    assert.deepEqual(phone.body.event_url, [
      `https://help.example/vonage/webhooks/event?cid=${cid}&leg=customer`,
    ]);
    assert.equal(phone.applicationId, APP_ID);
    const app = await api.next(
      (r: FakeApiRequest) => r.path === '/v1/calls' && JSON.stringify(r.body.to).includes('hl-agent-alice'),
      "alice's app leg",
    );
    assert.deepEqual(app.body.ncco, phone.body.ncco, 'both legs meet in one conversation');

    await event(server, cid, 'agent', { uuid: app.uuid, status: 'answered' });
    await event(server, cid, 'customer', { uuid: phone.uuid, status: 'ringing' });
    await alice.waitFor(callState(cid, 'ringing'), 'ringing', 10_000);
    await event(server, cid, 'customer', { uuid: phone.uuid, status: 'answered' });
    await alice.waitFor(callState(cid, 'active'), 'active', 10_000);
    assert.ok(server.hub.interaction(cid)?.timestamps.answeredAt, 'talk time starts');

    await event(server, cid, 'customer', { uuid: phone.uuid, status: 'completed' });
    await alice.waitFor(callState(cid, 'ended'), 'ended', 10_000);
    assert.equal(server.hub.interaction(cid)?.state, 'wrap-up');
    assert.equal(server.hub.interaction(cid)?.endedBy, 'visitor');
    await api.next(
      (r: FakeApiRequest) => r.path === `/v1/calls/${app.uuid}` && r.body.action === 'hangup',
      "hang up alice's leg",
    );
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });
    assert.equal(server.hub.interaction(cid)?.state, 'ended');
  });

  it('a busy number ends the call unanswered and hangs up the agent’s leg; a refused leg fails the dial', async () => {
    const { cid } = await alice.ok('voice.dial', { number: '+44 20 7946 0959' });
    const phone = await api.next(
      (r: FakeApiRequest) => r.path === '/v1/calls' && JSON.stringify(r.body.to).includes('442079460959'),
      'the phone leg',
    );
    const app = await api.next(
      (r: FakeApiRequest) => JSON.stringify(r.body.event_url ?? '').includes(`${cid}&leg=agent`),
      "alice's app leg",
    );
    await event(server, cid, 'customer', { uuid: phone.uuid, status: 'busy' });
    await alice.waitFor(callState(cid, 'ended'), 'ended', 10_000);
    assert.equal(server.hub.interaction(cid)?.state, 'wrap-up');
    await api.next(
      (r: FakeApiRequest) => r.path === `/v1/calls/${app.uuid}` && r.body.action === 'hangup',
      "hang up alice's leg",
    );
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });

    api.failNextCall(400);
    const failed = await alice.ok('voice.dial', { number: '+44 20 7946 0957' });
    await alice.waitFor(callState(failed.cid, 'ended'), 'the failed dial ended', 10_000);
    assert.equal(server.hub.interaction(failed.cid)?.state, 'wrap-up');
  });
});
