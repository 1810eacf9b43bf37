// The messaging routes on a loopback HTTP server: webhooks signed as Vonage signs them (and forged, expired or
// tampered ones), the console's routes with staff tokens, over the real adapter and store (PGlite).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { helplineError } from '@helpline/core';
import type { Subject } from '@helpline/core/hub';
import { silentLogger } from '../../log/logger';
import { migrate } from '../../storage/migrations';
import { openPglite, type SqlClient } from '../../storage/sql.client';
import { createMessagingAdapter } from './messaging.adapter';
import type { MessagingConfig } from './messaging.config';
import { createFakeMessages, createRecordingIntake, signMessagesWebhook } from './messaging.fake';
import { createMessagingRoutes, MESSAGING_BODY_LIMIT, routeClientMsgId } from './messaging.routes';
import { createMessagesWebhookVerifier } from './messaging.signature';
import { createSqlMessagingStore } from './messaging.store';

const SECRET = 'messages-signature-secret-for-tests';
const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const WA = '+14155550101';
const CUSTOMER = '+447700900001';
const CONFIG = {
  applicationId: APP,
  privateKeyEnv: 'VONAGE_PRIVATE_KEY',
  signatureSecretEnv: 'VONAGE_SIGNATURE_SECRET',
  apiHost: 'https://api.nexmo.com',
  webhookMaxAgeSeconds: 300,
  smsMaxSegments: 6,
  mediaMaxBytes: 1_000_000,
  senders: [
    {
      channel: 'whatsapp',
      id: WA,
      queueId: 'support',
      templates: [{ name: 'follow_up', locale: 'en_US', label: 'Follow up', parameters: ['name'] }],
    },
  ],
} satisfies MessagingConfig;

const SUBJECTS: Record<string, Subject> = {
  'agent-token': { id: 'ann', role: 'agent' } as Subject,
  'other-token': { id: 'bob', role: 'agent' } as Subject,
  'visitor-token': { id: 'v1', role: 'visitor' } as Subject,
};

let db: SqlClient;
let server: Server;
let url: string;
const hub = createRecordingIntake();
const api = createFakeMessages();
/** Messages the routes recorded in conversations (`message.send` through the hub). */
const recorded: { subject: string; args: Record<string, unknown> }[] = [];

before(async () => {
  db = await openPglite('memory://');
  await migrate(db);
  const adapter = createMessagingAdapter({
    config: CONFIG,
    api,
    store: createSqlMessagingStore(db),
    now: Date.now,
    log: silentLogger,
  });
  adapter.connect(hub.intake);
  const handle = createMessagingRoutes({
    adapter,
    verifier: createMessagesWebhookVerifier({
      secret: SECRET,
      applicationId: APP,
      maxAgeSeconds: 300,
      now: Date.now,
    }),
    hub: {
      interaction: (cid) => (cid === 'c1' ? ({ id: 'c1', agentId: 'ann' } as never) : undefined),
      // The hub's history rule, as far as this test needs it: Ann and Bob may read c1, nobody else exists.
      execute: (async (subject: Subject, op: string, args: { cid: string }) => {
        if (args.cid !== 'c1') throw helplineError('not-found', { entity: 'Conversation', id: args.cid });
        if (op === 'message.send') recorded.push({ subject: subject.id, args });
        return { events: [], lastSeq: 0 };
      }) as never,
    },
    authenticate: async (token) => {
      const subject = SUBJECTS[token];
      if (!subject) throw helplineError('auth/invalid-token', { detail: 'unknown' });
      return subject;
    },
    log: silentLogger,
  });
  server = createServer((request, response) => {
    if (!handle(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
});

/** The fields of the routes' answers the tests read. */
interface Answer {
  readonly duplicate?: boolean;
  readonly error?: { readonly code: string; readonly field?: string };
  readonly channel?: string;
  readonly window?: { readonly open: boolean };
  readonly templates?: unknown;
  readonly externalId?: string;
}

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
) {
  const response = await fetch(`${url}${path}`, { method: init.method ?? 'POST', ...init });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer) : {} };
}

function inboundBody(uuid: string) {
  return JSON.stringify({
    channel: 'whatsapp',
    message_uuid: uuid,
    to: WA.slice(1),
    from: CUSTOMER.slice(1),
    timestamp: new Date().toISOString(),
    message_type: 'text',
    text: 'Hello',
  });
}

async function webhook(path: string, body: string, spoil: Parameters<typeof signMessagesWebhook>[3] = {}) {
  const authorization = await signMessagesWebhook(SECRET, APP, body, spoil);
  return call(path, { headers: { authorization, 'content-type': 'application/json' }, body });
}

describe('messaging routes: webhooks', () => {
  it('takes a signed inbound message once; a retry answers 200 and appends nothing', async () => {
    const body = inboundBody('aaaaaaaa-0000-4000-8000-000000000001');
    assert.deepEqual(await webhook('/messaging/webhooks/inbound', body), {
      status: 200,
      body: { duplicate: false },
    });
    assert.deepEqual(await webhook('/messaging/webhooks/inbound', body), {
      status: 200,
      body: { duplicate: true },
    });
    assert.deepEqual(
      hub.received.map((m) => m.externalId),
      ['aaaaaaaa-0000-4000-8000-000000000001'],
    );
  });

  it('refuses forged, expired, replayed, tampered and unsigned webhooks with 401 and the typed error', async () => {
    const body = inboundBody('aaaaaaaa-0000-4000-8000-000000000002');
    const spoiled = [
      { secret: 'guessed' },
      { iat: Math.floor(Date.now() / 1000) - 3_600 },
      { hashOf: inboundBody('aaaaaaaa-0000-4000-8000-000000000003') },
      { applicationId: '00000000-0000-4000-8000-000000000000' },
    ];
    for (const spoil of spoiled) {
      const answer = await webhook('/messaging/webhooks/inbound', body, spoil);
      assert.equal(answer.status, 401, JSON.stringify(spoil));
      assert.equal(answer.body.error?.code, 'messaging/webhook-refused');
    }
    const replayed = await signMessagesWebhook(SECRET, APP, body);
    const headers = { authorization: replayed, 'content-type': 'application/json' };
    assert.equal((await call('/messaging/webhooks/inbound', { headers, body })).status, 200);
    assert.equal((await call('/messaging/webhooks/inbound', { headers, body })).status, 401);
    assert.equal((await call('/messaging/webhooks/status', { body })).status, 401);
    assert.ok(!hub.received.some((m) => m.externalId === 'aaaaaaaa-0000-4000-8000-000000000003'));
  });

  it('answers a signed but malformed body 400 naming the field, an oversized one 413', async () => {
    const answer = await webhook('/messaging/webhooks/status', JSON.stringify({ channel: 'whatsapp' }));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.field, 'message_uuid');
    const large = await webhook('/messaging/webhooks/inbound', 'x'.repeat(MESSAGING_BODY_LIMIT + 1));
    assert.equal(large.status, 413);
  });
});

describe('messaging routes: the console', () => {
  const staff = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  it('shows the window, templates and limits to staff who may read the conversation', async () => {
    const answer = await call('/messaging/conversations/c1', {
      method: 'GET',
      headers: staff('agent-token'),
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.channel, 'whatsapp');
    assert.equal(answer.body.window?.open, true);
    assert.deepEqual(answer.body.templates, [
      { name: 'follow_up', locale: 'en_US', label: 'Follow up', parameters: ['name'] },
    ]);
    assert.equal(
      (await call('/messaging/conversations/c1', { method: 'GET', headers: staff('visitor-token') })).status,
      403,
    );
    assert.equal(
      (await call('/messaging/conversations/c1', { method: 'GET', headers: staff('nobody') })).status,
      401,
    );
    assert.equal(
      (await call('/messaging/conversations/c2', { method: 'GET', headers: staff('agent-token') })).status,
      404,
    );
  });

  it('sends a template for the assigned agent only, and names a wrong field', async () => {
    const body = JSON.stringify({
      kind: 'template',
      id: 't1',
      name: 'follow_up',
      locale: 'en_US',
      parameters: ['Ann'],
    });
    const sent = await call('/messaging/conversations/c1/send', { headers: staff('agent-token'), body });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.externalId, api.sends.at(-1)?.messageUUID);
    // Kept in the conversation as Ann's message, under a clientMsgId the hub's delivery finds the send by.
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]?.subject, 'ann');
    assert.equal(recorded[0]?.args.text, '[Template “Follow up”: Ann]');
    assert.equal(recorded[0]?.args.clientMsgId, routeClientMsgId('c1', 't1'));
    assert.match(String(recorded[0]?.args.clientMsgId), /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/);
    assert.equal(
      (await call('/messaging/conversations/c1/send', { headers: staff('other-token'), body })).status,
      403,
    );
    const wrong = await call('/messaging/conversations/c1/send', {
      headers: staff('agent-token'),
      body: JSON.stringify({ kind: 'sticker', id: 't2' }),
    });
    assert.equal(wrong.status, 400);
    const unknown = await call('/messaging/conversations/c1/send', {
      headers: staff('agent-token'),
      body: JSON.stringify({ kind: 'template', id: 't3', name: 'nope', locale: 'en_US' }),
    });
    assert.equal(unknown.body.error?.code, 'messaging/template-unknown');
    assert.equal(
      recorded.at(-1)?.args.text,
      '[Template “nope”]',
      'a refused template is kept too (a failed receipt)',
    );
  });
});
