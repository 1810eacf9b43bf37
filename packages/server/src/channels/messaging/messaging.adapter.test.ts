// The adapter against its real store (PGlite, migration 10), the fake Messages client typed from the SDK, an
// in-memory attachments store and a recording intake in place of the hub.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isHelplineError, WHATSAPP_WINDOW_MS } from '@helpline/core';
import type { OutboundMessage } from '@helpline/core/hub';
import { silentLogger } from '../../log/logger';
import { migrate } from '../../storage/migrations';
import { openPglite, type SqlClient } from '../../storage/sql.client';
import {
  createMessagingAdapter,
  type MessagingAdapter,
  type MessagingSend,
  outboundParts,
  routeSendId,
} from './messaging.adapter';
import type { MessagingConfig } from './messaging.config';
import {
  createFakeMessages,
  createMemoryAttachments,
  createRecordingIntake,
  type FakeMessages,
  type MemoryAttachments,
  type RecordingIntake,
} from './messaging.fake';
import { createSqlMessagingStore } from './messaging.store';
import type { VonageChannel } from './messaging.types';

const SMS_NUMBER = '+14155550100';
const WA_NUMBER = '+14155550101';
const PAGE = '107083064136738';
const CUSTOMER = '+447700900001';

const MESSENGER_USER = '3476543210';
const FROM = { sms: SMS_NUMBER, whatsapp: WA_NUMBER, messenger: PAGE } as const;

/** A text send of `id` on `channel`, from our sender to the customer. */
function text(id: string, channel: VonageChannel = 'whatsapp', body = 'Hi'): MessagingSend {
  const to = channel === 'messenger' ? MESSENGER_USER : CUSTOMER;
  return { id, channel, from: FROM[channel], to, content: { kind: 'text', text: body } };
}

const CONFIG = {
  applicationId: '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b',
  apiKeyEnv: 'VONAGE_API_KEY',
  apiSecretEnv: 'VONAGE_API_SECRET',
  signatureSecretEnv: 'VONAGE_SIGNATURE_SECRET',
  apiHost: 'https://api.nexmo.com',
  webhookMaxAgeSeconds: 300,
  smsMaxSegments: 2,
  mediaMaxBytes: 1_000_000,
  senders: [
    { channel: 'sms', id: SMS_NUMBER, queueId: 'support' },
    {
      channel: 'whatsapp',
      id: WA_NUMBER,
      queueId: 'support',
      templates: [
        { name: 'follow_up', locale: 'en_US', label: 'Follow up', parameters: ['name'] },
        { name: 'sales_only', locale: 'en', label: 'Sales', parameters: [], queueIds: ['sales'] },
      ],
    },
    { channel: 'messenger', id: PAGE, queueId: 'sales' },
  ],
} satisfies MessagingConfig;

function inbound(fields: Record<string, unknown> = {}) {
  return {
    channel: 'whatsapp',
    message_uuid: `aaaaaaaa-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
    to: WA_NUMBER.slice(1),
    from: CUSTOMER.slice(1),
    timestamp: new Date(clock).toISOString(),
    message_type: 'text',
    text: 'Hello, where is my order?',
    profile: { name: 'Ann' },
    ...fields,
  };
}

let clock = Date.UTC(2026, 11, 6, 9);
let db: SqlClient;
let api: FakeMessages;
let attachments: MemoryAttachments;
let adapter: MessagingAdapter;
let hub: RecordingIntake;
const fetched: string[] = [];

before(async () => {
  db = await openPglite('memory://');
  await migrate(db);
});
after(() => db.close());

beforeEach(async () => {
  await db.exec(
    'DELETE FROM messaging_inbox; DELETE FROM messaging_threads; DELETE FROM messaging_outbound;',
  );
  clock = Date.UTC(2026, 11, 6, 9);
  api = createFakeMessages();
  attachments = createMemoryAttachments((type) => type === 'application/x-msdownload');
  hub = createRecordingIntake();
  fetched.length = 0;
  adapter = createMessagingAdapter({
    config: CONFIG,
    api,
    store: createSqlMessagingStore(db),
    attachments,
    fetchMedia: async (url) => {
      fetched.push(url);
      if (url.includes('gone')) throw new Error('404');
      return {
        bytes: new TextEncoder().encode(`bytes of ${url}`),
        type: url.endsWith('.exe') ? 'application/x-msdownload' : 'image/jpeg',
      };
    },
    now: () => clock,
    log: silentLogger,
  });
  adapter.connect(hub.intake);
});

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isHelplineError(error) && error.code === code);
}

describe('messaging adapter: inbound', () => {
  it('hands a WhatsApp message to the hub with E.164 parties, the profile name and a thread per sender and customer', async () => {
    const result = await adapter.inbound(inbound());
    assert.deepEqual(result, { duplicate: false, cid: 'c1' });
    assert.equal(hub.received.length, 1);
    assert.deepEqual(hub.received[0]?.from, { address: CUSTOMER, name: 'Ann' });
    assert.equal(hub.received[0]?.threadKey, `whatsapp:${WA_NUMBER}:${CUSTOMER}`);
    assert.equal(hub.received[0]?.text, 'Hello, where is my order?');
  });

  it('appends a retried webhook once (the same message_uuid), even when the hub does not dedupe', async () => {
    const body = inbound();
    await adapter.inbound(body);
    const again = await adapter.inbound(body);
    assert.equal(again.duplicate, true);
    assert.equal(hub.received.length, 1);
  });

  it('hands a message again when its first handling was cut short before the hub had it', async () => {
    const body = inbound();
    const failing = createMessagingAdapter({
      config: CONFIG,
      api,
      store: createSqlMessagingStore(db),
      now: () => clock,
      log: silentLogger,
    });
    failing.connect({ ...hub.intake, receive: async () => Promise.reject(new Error('hub away')) });
    await assert.rejects(failing.inbound(body), /hub away/);
    await adapter.inbound(body);
    assert.equal(hub.received.length, 1);
  });

  it('keeps inbound media as attachments of the message, bound to it; a failed fetch or a refused file is a note', async () => {
    const result = await adapter.inbound(
      inbound({
        message_type: 'image',
        text: undefined,
        image: { url: 'https://api-eu.nexmo.com/v3/media/1.jpg', caption: 'The parcel' },
      }),
    );
    assert.deepEqual(fetched, ['https://api-eu.nexmo.com/v3/media/1.jpg']);
    const [file] = [...attachments.files.values()];
    assert.equal(file?.type, 'image/jpeg');
    assert.match(file?.origin ?? '', /^whatsapp:/);
    assert.equal(hub.received[0]?.text, 'The parcel');
    assert.deepEqual(hub.received[0]?.attachments, [
      { id: file?.id, name: file?.name, type: 'image/jpeg', size: file?.size },
    ]);
    assert.deepEqual(file?.adopted, {
      cid: result.cid,
      clientMsgId: `whatsapp:${hub.received[0]?.externalId}`,
    });

    await adapter.inbound(
      inbound({ message_type: 'file', file: { url: 'https://x.example/gone.pdf', name: 'invoice.pdf' } }),
    );
    assert.equal(hub.received[1]?.text, '[file: not received]');
    assert.equal(hub.received[1]?.attachments, undefined);
    await adapter.inbound(
      inbound({ message_type: 'file', file: { url: 'https://x.example/tool.exe', name: 'tool.exe' } }),
    );
    assert.equal(
      hub.received[2]?.text,
      '[Attachment not accepted: tool.exe — it could not be kept]',
      'a type the store refuses is not kept, and the conversation says so',
    );
    for (const kind of ['audio', 'video'] as const) {
      await adapter.inbound(
        inbound({ message_type: kind, [kind]: { url: `https://api-eu.nexmo.com/v3/media/${kind}` } }),
      );
    }
    assert.match(hub.received[3]?.attachments?.[0]?.name ?? '', /^audio-/);
    assert.match(hub.received[4]?.attachments?.[0]?.name ?? '', /^video-/);
  });

  it('takes SMS and Messenger messages on their own threads; a type it cannot show is named', async () => {
    await adapter.inbound(
      inbound({ channel: 'sms', to: SMS_NUMBER.slice(1), profile: undefined, sms: { num_messages: '2' } }),
    );
    await adapter.inbound(
      inbound({ channel: 'messenger', to: PAGE, from: MESSENGER_USER, profile: undefined }),
    );
    await adapter.inbound(
      inbound({ message_type: 'location', text: undefined, location: { lat: 51.5, long: -0.1 } }),
    );
    assert.equal(hub.received[0]?.threadKey, `sms:${SMS_NUMBER}:${CUSTOMER}`);
    assert.equal(hub.received[1]?.threadKey, `messenger:${PAGE}:3476543210`);
    assert.equal(hub.received[2]?.text, '[location]');
  });

  it('redacts card numbers before anything is stored: the hub, the inbox, our outbound record', async () => {
    await adapter.inbound(inbound({ text: 'My card is 4111 1111 1111 1111' }));
    assert.doesNotMatch(hub.received[0]?.text ?? '', /4111 1111 1111 1111/);
    const rows = await db.query<{ body: unknown }>('SELECT body FROM messaging_inbox');
    assert.doesNotMatch(JSON.stringify(rows), /4111 1111 1111 1111/);
    await adapter.send(text('m1', 'whatsapp', 'Card 4111 1111 1111 1111 is blocked'));
    const kept = await createSqlMessagingStore(db).outbound('m1');
    assert.doesNotMatch(JSON.stringify(kept?.content), /4111 1111 1111 1111/);
  });

  it('refuses a malformed body naming the field, and a sender that is not configured', async () => {
    await refused(adapter.inbound(inbound({ message_uuid: undefined })), 'validation/field');
    await refused(adapter.inbound(inbound({ timestamp: 'yesterday' })), 'validation/field');
    await refused(adapter.inbound(inbound({ to: '15550000000' })), 'messaging/not-configured');
    assert.equal(hub.received.length, 0);
  });
});

describe('messaging adapter: outbound and statuses', () => {
  it('sends text through the SDK message class of each channel, with our id as client_ref', async () => {
    await adapter.inbound(inbound());
    const wa = await adapter.send(text('m1', 'whatsapp', 'On its way'));
    const sms = await adapter.send(text('m2', 'sms'));
    const fb = await adapter.send(text('m3', 'messenger'));
    assert.ok(wa.externalId && sms.externalId && fb.externalId);
    const sent = api.sends.map((s) => s.message as unknown as Record<string, unknown>);
    assert.deepEqual(
      sent.map((m) => [m.channel, m.messageType, m.to, m.from, m.clientRef]),
      [
        ['whatsapp', 'text', CUSTOMER.slice(1), WA_NUMBER.slice(1), 'm1'],
        ['sms', 'text', CUSTOMER.slice(1), SMS_NUMBER.slice(1), 'm2'],
        ['messenger', 'text', MESSENGER_USER, PAGE, 'm3'],
      ],
    );
    assert.deepEqual(sent[2]?.messenger, { category: 'response' });
  });

  it('sends a retried id once', async () => {
    await adapter.inbound(inbound());
    const send = text('m1');
    const first = await adapter.send(send);
    const second = await adapter.send(send);
    assert.equal(second.externalId, first.externalId);
    assert.equal(api.sends.length, 1);
  });

  it('keeps a send Vonage refused, with a failed receipt and a typed error', async () => {
    api.failNext({
      status: 422,
      body: {
        type: 'https://developer.vonage.com/api-errors#1150',
        title: 'Invalid params',
        detail: 'bad to',
      },
    });
    await assert.rejects(
      adapter.send(text('m9', 'sms')),
      (error: unknown) =>
        isHelplineError(error) &&
        error.code === 'messaging/vonage-api' &&
        /422.*Invalid params: bad to/.test(error.message),
    );
    const kept = await createSqlMessagingStore(db).outbound('m9');
    assert.equal(kept?.receipt, 'failed');
    assert.deepEqual(kept?.content, { kind: 'text', text: 'Hi' });
    api.failNext({ status: 429, retryAfterSeconds: 7 });
    await assert.rejects(
      adapter.send(text('m10', 'sms')),
      (error: unknown) => isHelplineError(error) && error.retryAfterMs === 7_000,
    );
    api.failNext('network');
    await refused(adapter.send(text('m11', 'sms')), 'messaging/vonage-api');
  });

  it('maps submitted, delivered, read, rejected and undeliverable to receipts, forward only, each status once', async () => {
    await adapter.inbound(inbound());
    const one = await adapter.send(text('m1', 'whatsapp'));
    const store = createSqlMessagingStore(db);
    const status = (externalId: string, name: string, extra: Record<string, unknown> = {}) =>
      adapter.status({
        channel: 'whatsapp',
        message_uuid: externalId,
        to: CUSTOMER.slice(1),
        from: WA_NUMBER.slice(1),
        timestamp: new Date(clock).toISOString(),
        status: name,
        ...extra,
      });
    const id = one.externalId as string;
    await status(id, 'submitted');
    assert.equal((await store.outbound('m1'))?.receipt, 'sent');
    await status(id, 'read');
    await status(id, 'delivered'); // late: read is further
    assert.equal((await store.outbound('m1'))?.receipt, 'read');
    assert.equal((await status(id, 'read')).duplicate, true);
    assert.deepEqual(
      hub.statuses.map((s) => s.status),
      ['sent', 'read', 'delivered'],
    );

    const two = await adapter.send(text('m2', 'whatsapp'));
    await status(two.externalId as string, 'rejected', {
      error: {
        type: 'https://developer.vonage.com/api-errors/messages#1020',
        title: 1020,
        detail: 'Invalid recipient',
      },
    });
    assert.equal((await store.outbound('m2'))?.receipt, 'failed');
    assert.deepEqual(hub.statuses.at(-1), {
      externalId: two.externalId,
      status: 'failed',
      detail: '1020: Invalid recipient',
    });
    const three = await adapter.send(text('m3', 'whatsapp'));
    await status(three.externalId as string, 'undeliverable');
    assert.equal((await store.outbound('m3'))?.receipt, 'failed');
    await refused(status('x-1234567', 'bounced'), 'validation/field');
  });

  it('sends media from the attachments store on WhatsApp and Messenger, and refuses it on SMS', async () => {
    await adapter.inbound(inbound());
    const { id } = await attachments.put({
      name: 'label.pdf',
      type: 'application/pdf',
      bytes: new Uint8Array([1]),
      origin: 'test',
    });
    await adapter.send({
      id: 'm1',
      channel: 'whatsapp',
      from: WA_NUMBER,
      to: CUSTOMER,
      content: { kind: 'file', attachmentId: id, caption: 'Your label' },
    });
    await adapter.send({
      id: 'm2',
      channel: 'messenger',
      from: PAGE,
      to: MESSENGER_USER,
      content: { kind: 'image', attachmentId: id },
    });
    const [wa, fb] = api.sends.map((s) => s.message as unknown as Record<string, unknown>);
    assert.deepEqual(wa?.file, {
      url: `https://files.example/a/${id}?sig=test`,
      caption: 'Your label',
      name: 'label.pdf',
    });
    assert.deepEqual(fb?.image, { url: `https://files.example/a/${id}?sig=test` });
    await refused(
      adapter.send({
        id: 'm3',
        channel: 'sms',
        from: SMS_NUMBER,
        to: CUSTOMER,
        content: { kind: 'image', attachmentId: id },
      }),
      'messaging/unsupported',
    );
  });

  it('refuses an SMS over the configured segments, and an unknown sender', async () => {
    await refused(adapter.send(text('m1', 'sms', 'x'.repeat(307))), 'validation/field');
    await adapter.send(text('m2', 'sms', 'x'.repeat(306)));
    await refused(adapter.send({ ...text('m3', 'sms'), from: '+15550000000' }), 'messaging/not-configured');
  });
});

describe('messaging adapter: the WhatsApp 24-hour window', () => {
  it('is open for 24 hours after the customer wrote, then only a configured template goes out', async () => {
    const { cid } = await adapter.inbound(inbound());
    const open = await adapter.conversation(cid as string);
    assert.deepEqual(open?.window, {
      open: true,
      lastInboundAt: clock,
      closesAt: clock + WHATSAPP_WINDOW_MS,
    });
    assert.deepEqual(
      open?.templates.map((t) => t.name),
      ['follow_up'],
      'a template of another queue is not offered',
    );
    assert.deepEqual(open?.limits, { channel: 'whatsapp', maxLength: 4_096 });

    clock += WHATSAPP_WINDOW_MS - 1;
    await adapter.send(text('m1'));
    clock += 1;
    assert.equal((await adapter.conversation(cid as string))?.window?.open, false);
    await refused(adapter.send(text('m2')), 'messaging/window-closed');
    assert.equal(
      (await createSqlMessagingStore(db).outbound('m2'))?.receipt,
      'failed',
      'the refused message is kept',
    );
    await refused(
      adapter.send({
        ...text('m3'),
        content: { kind: 'template', name: 'sales_only', locale: 'en', parameters: [] },
      }),
      'messaging/template-unknown',
    );
    await refused(
      adapter.send({
        ...text('m4'),
        content: { kind: 'template', name: 'follow_up', locale: 'en_US', parameters: [] },
      }),
      'validation/field',
    );
    const sent = await adapter.send({
      ...text('m5'),
      content: { kind: 'template', name: 'follow_up', locale: 'en_US', parameters: ['Ann'] },
    });
    assert.ok(sent.externalId);
    const template = api.sends.at(-1)?.message as unknown as Record<string, unknown>;
    assert.deepEqual(template.template, { name: 'follow_up', parameters: ['Ann'] });
    assert.deepEqual(template.whatsapp, { policy: 'deterministic', locale: 'en_US' });

    await adapter.inbound(inbound({ timestamp: new Date(clock).toISOString() }));
    assert.equal((await adapter.conversation(cid as string))?.window?.open, true, 'the customer reopened it');
  });

  it('is closed when the customer never wrote, and a late webhook does not move it back', async () => {
    await refused(adapter.send(text('m1')), 'messaging/window-closed');
    await adapter.inbound(inbound());
    await adapter.inbound(inbound({ timestamp: new Date(clock - 3_600_000).toISOString() }));
    const thread = await createSqlMessagingStore(db).thread(`whatsapp:${WA_NUMBER}:${CUSTOMER}`);
    assert.equal(thread?.lastInboundAt, clock);
  });

  it('maps Vonage’s own window refusal (1340) to messaging/window-closed', async () => {
    await adapter.inbound(inbound());
    api.failNext({
      status: 422,
      body: {
        type: 'https://developer.vonage.com/api-errors/messages#1340',
        title: 'Outside the allowed window',
      },
    });
    await refused(adapter.send(text('m1')), 'messaging/window-closed');
  });
});

describe('messaging adapter: the hub outbound', () => {
  it('carries an agent message out and answers Vonage’s id; a refusal rejects (the hub records a failed receipt)', async () => {
    await adapter.inbound(inbound());
    const message: OutboundMessage = {
      channel: 'whatsapp',
      cid: 'c1',
      seq: 2,
      messageId: 'msg-1',
      threadKey: `whatsapp:${WA_NUMBER}:${CUSTOMER}`,
      from: WA_NUMBER,
      to: { address: CUSTOMER },
      text: 'Hello Ann',
      agent: { id: 'alice', displayName: 'Alice' },
      references: [],
    };
    const { externalId } = await adapter.outbound.send(message);
    assert.equal(api.sends[0]?.messageUUID, externalId);
    clock += WHATSAPP_WINDOW_MS;
    await refused(adapter.outbound.send({ ...message, messageId: 'msg-2' }), 'messaging/window-closed');
  });

  it('sends an agent’s files as media from share links, a photo with its text as the caption on WhatsApp', async () => {
    await adapter.inbound(inbound());
    const photo = await attachments.put({
      name: 'label.png',
      type: 'image/png',
      bytes: new Uint8Array(8),
      origin: 'a',
    });
    const pdf = await attachments.put({
      name: 'a.pdf',
      type: 'application/pdf',
      bytes: new Uint8Array(8),
      origin: 'a',
    });
    const base: OutboundMessage = {
      channel: 'whatsapp',
      cid: 'c1',
      seq: 2,
      messageId: 'msg-media',
      threadKey: `whatsapp:${WA_NUMBER}:${CUSTOMER}`,
      from: WA_NUMBER,
      to: { address: CUSTOMER },
      text: 'Your label',
      attachments: [photo],
      agent: { id: 'alice', displayName: 'Alice' },
      references: [],
    };
    const { externalId } = await adapter.outbound.send(base);
    const sent = api.sends.at(-1);
    assert.equal(sent?.messageUUID, externalId);
    assert.deepEqual((sent?.message as { image?: unknown } | undefined)?.image, {
      url: `https://files.example/a/${photo.id}?sig=test`,
      caption: 'Your label',
    });
    // Two files: the text first, then each file.
    const before = api.sends.length;
    await adapter.outbound.send({ ...base, messageId: 'msg-two', attachments: [photo, pdf] });
    assert.deepEqual(
      api.sends.slice(before).map((send) => (send.message as { messageType?: string }).messageType),
      ['text', 'image', 'file'],
    );
  });

  it('finds a send the console route made itself under the message’s clientMsgId, and sends nothing again', async () => {
    await adapter.inbound(inbound());
    const record = await adapter.send({
      id: routeSendId('c1', 'b3c1f3a0-0000-4000-8000-000000000001'),
      channel: 'whatsapp',
      from: WA_NUMBER,
      to: CUSTOMER,
      content: { kind: 'text', text: 'sent by the route' },
    });
    const before = api.sends.length;
    const { externalId } = await adapter.outbound.send({
      channel: 'whatsapp',
      cid: 'c1',
      seq: 3,
      messageId: 'msg-routed',
      clientMsgId: 'b3c1f3a0-0000-4000-8000-000000000001',
      threadKey: `whatsapp:${WA_NUMBER}:${CUSTOMER}`,
      from: WA_NUMBER,
      to: { address: CUSTOMER },
      text: '[Template “Follow up”]',
      agent: { id: 'alice', displayName: 'Alice' },
      references: [],
    });
    assert.equal(externalId, record.externalId);
    assert.equal(api.sends.length, before);
  });

  it('splits text and files where a channel has no captions, and sends audio without one', () => {
    const file = (type: string) => ({ id: type, name: 'f', type, size: 1 });
    assert.deepEqual(outboundParts('messenger', { text: 'Hi', attachments: [file('image/png')] }), [
      { kind: 'text', text: 'Hi' },
      { kind: 'image', attachmentId: 'image/png' },
    ]);
    assert.deepEqual(outboundParts('whatsapp', { text: 'Listen', attachments: [file('audio/ogg')] }), [
      { kind: 'text', text: 'Listen' },
      { kind: 'audio', attachmentId: 'audio/ogg' },
    ]);
    assert.deepEqual(outboundParts('whatsapp', { text: ' ', attachments: [file('image/webp')] }), [
      { kind: 'file', attachmentId: 'image/webp' },
    ]);
  });
});
