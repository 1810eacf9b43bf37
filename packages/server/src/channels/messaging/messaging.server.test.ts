// SMS, WhatsApp and Messenger on a real server (PGlite) without a Vonage account: the messaging section points the
// real SDK client at a loopback Messages API, webhooks are signed as Vonage signs them, and an agent answers on a
// real WebSocket.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@helpline/core';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../../testing/harness';
import { type FakeMessagesApi, signMessagesWebhook, startFakeMessagesApi } from './messaging.fake';

const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SECRET = 'messages-signature-secret-for-server-tests';
const WA = '+14155550101';
const SMS = '+14155550100';
const CUSTOMER = '+447700900001';

function messagingConfig(apiHost: string): ConfigInput {
  return {
    ...TEST_CONFIG,
    messaging: {
      applicationId: APP,
      apiKeyEnv: 'VONAGE_API_KEY',
      apiSecretEnv: 'VONAGE_API_SECRET',
      apiHost,
      senders: [
        { channel: 'sms', id: SMS, queueId: 'support' },
        {
          channel: 'whatsapp',
          id: WA,
          queueId: 'support',
          templates: [{ name: 'follow_up', locale: 'en_US', label: 'Follow up', parameters: ['name'] }],
        },
      ],
    },
  } as ConfigInput;
}

const ENV = {
  SHOP_IDENTITY_SECRET,
  VONAGE_API_KEY: 'key1234',
  VONAGE_API_SECRET: 'secret5678',
  VONAGE_SIGNATURE_SECRET: SECRET,
};

async function webhook(server: HelplineServer, kind: 'inbound' | 'status', body: unknown, secret = SECRET) {
  const text = JSON.stringify(body);
  const response = await fetch(`${server.url}/messaging/webhooks/${kind}`, {
    method: 'POST',
    headers: {
      authorization: await signMessagesWebhook(SECRET, APP, text, { secret }),
      'content-type': 'application/json',
    },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function inbound(fields: Record<string, unknown> = {}) {
  return {
    channel: 'whatsapp',
    message_uuid: randomUUID(),
    to: WA.slice(1),
    from: CUSTOMER.slice(1),
    timestamp: new Date().toISOString(),
    message_type: 'text',
    text: 'Where is my order?',
    profile: { name: 'Ann' },
    ...fields,
  };
}

const offerOf = (frame: ServerFrame) =>
  frame.t === 'notice' && frame.notice.type === 'offer' ? frame.notice.offer.interaction : undefined;

describe('messaging on the server', () => {
  let api: FakeMessagesApi;
  let server: HelplineServer;
  const clients: TestClient[] = [];

  before(async () => {
    api = await startFakeMessagesApi();
    server = await startTestServer({ config: messagingConfig(api.url), env: ENV });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.close();
    await api.close();
  });

  it('a WhatsApp message is offered, answered through the Messages API, and its statuses come back', async () => {
    const first = inbound();
    assert.deepEqual(await webhook(server, 'inbound', first), { status: 200, body: { duplicate: false } });
    assert.deepEqual(await webhook(server, 'inbound', first), { status: 200, body: { duplicate: true } });
    const waiting = server.hub.interactions().filter((i) => i.channel === 'whatsapp');
    assert.equal(waiting.length, 1, 'one conversation, the retried webhook appended nothing');
    const cid = waiting[0]?.id as string;

    const alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), {
      site: '',
      origin: null,
    });
    clients.push(alice);
    await alice.ok('presence.set', { status: 'available' });
    await alice.waitFor((frame) => offerOf(frame)?.id === cid, 'the offer');
    await alice.ok('offer.accept', { cid });

    const state = await fetch(`${server.url}/messaging/conversations/${cid}`, {
      headers: { authorization: `Bearer ${await staffToken('alice')}` },
    });
    const messaging = (await state.json()) as { window: { open: boolean }; templates: unknown[] };
    assert.equal(messaging.window.open, true, 'the console sees the window open');
    assert.equal(messaging.templates.length, 1);

    await alice.ok('message.send', { cid, text: 'It ships today.', clientMsgId: randomUUID() });
    const sent = await api.next((request) => request.body.text === 'It ships today.');
    assert.equal(sent.body.channel, 'whatsapp');
    assert.equal(sent.body.to, CUSTOMER.slice(1));
    assert.equal(sent.body.from, WA.slice(1));

    for (const status of ['submitted', 'delivered', 'read']) {
      const answer = await webhook(server, 'status', {
        channel: 'whatsapp',
        message_uuid: sent.messageUuid,
        to: CUSTOMER.slice(1),
        from: WA.slice(1),
        timestamp: new Date().toISOString(),
        status,
      });
      assert.equal(answer.status, 200, status);
    }
    // The console sees the receipts move forward to read.
    await alice.waitFor(
      (frame) =>
        frame.t === 'evt' && frame.cid === cid && frame.ev.type === 'receipt' && frame.ev.status === 'read',
      'the read receipt',
    );
  });

  it('a refused send keeps the message, with a failed receipt the console sees', async () => {
    const first = inbound({ channel: 'sms', to: SMS.slice(1), from: '447700900002', profile: undefined });
    assert.equal((await webhook(server, 'inbound', first)).status, 200);
    const cid = server.hub.interactions().find((i) => i.channel === 'sms')?.id as string;
    // Alice, still online with room for more conversations, is offered it.
    const alice = clients[0] as TestClient;
    await alice.waitFor((frame) => offerOf(frame)?.id === cid, 'the offer');
    await alice.ok('offer.accept', { cid });
    api.refuseNext(403, { title: 'Forbidden', detail: 'Your account does not have enough credit' });
    await alice.ok('message.send', { cid, text: 'We are on it.', clientMsgId: randomUUID() });
    await alice.waitFor(
      (frame) =>
        frame.t === 'evt' && frame.cid === cid && frame.ev.type === 'receipt' && frame.ev.status === 'failed',
      'the failed receipt',
    );
  });

  it('refuses a forged webhook with 401 and stores nothing', async () => {
    const before = server.hub.interactions().length;
    const forged = await webhook(server, 'inbound', inbound({ from: '447700900099' }), 'guessed-secret');
    assert.equal(forged.status, 401);
    assert.equal((forged.body.error as { code: string }).code, 'messaging/webhook-refused');
    assert.equal(server.hub.interactions().length, before);
  });
});
