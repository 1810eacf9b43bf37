// Media on WhatsApp through a real server (PGlite): a customer's photo arrives by signed webhook, is fetched, kept in
// the attachment store and shown as an attachment of the message in the history (a program is refused with a note);
// an agent's file goes to Vonage as media, from a signed link that only works as signed and until it expires.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AttachmentRef, ConversationEvent, ServerFrame } from '@helpline/core';
import { createShareLinks } from '../../attachments/attachments.share';
import { PNG, uploadWhole } from '../../attachments/attachments.testing';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../../testing/harness';
import { shareKeyOf } from './index';
import { type FakeMessagesApi, signMessagesWebhook, startFakeMessagesApi } from './messaging.fake';

const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SECRET = 'messages-signature-secret-for-media-tests';
const WA = '+14155550101';
const CUSTOMER = '+447700900001';
const PUBLIC_URL = 'https://help.example.test';
const EXE = Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]);

const ENV = {
  SHOP_IDENTITY_SECRET,
  VONAGE_API_KEY: 'key1234',
  VONAGE_API_SECRET: 'secret5678',
  VONAGE_SIGNATURE_SECRET: SECRET,
};

/** Where the webhooks say the customer's media is (webhooks name https URLs only). */
const MEDIA_HOST = 'https://media.example.test';

/**
 * A stand-in for the host Vonage serves inbound media from, on loopback. The server's fetch is pointed at it for
 * {@link MEDIA_HOST} alone (the fetcher takes the global fetch when the server starts); everything else goes out as is.
 */
async function startMediaHost(): Promise<{ url: string; server: Server; restore(): void }> {
  const server = createServer((request, response) => {
    const body = request.url?.endsWith('.png') ? PNG : EXE;
    response.writeHead(200, { 'content-type': request.url?.endsWith('.png') ? 'image/png' : 'image/jpeg' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) =>
    original(
      typeof input === 'string' && input.startsWith(MEDIA_HOST)
        ? local + input.slice(MEDIA_HOST.length)
        : input,
      init,
    );
  return {
    url: MEDIA_HOST,
    server,
    restore() {
      globalThis.fetch = original;
    },
  };
}

const offerOf = (frame: ServerFrame) =>
  frame.t === 'notice' && frame.notice.type === 'offer' ? frame.notice.offer.interaction : undefined;

type MessageEvent = Extract<ConversationEvent, { type: 'message' }>;

describe('messaging media on the server', () => {
  let api: FakeMessagesApi;
  let media: Awaited<ReturnType<typeof startMediaHost>>;
  let server: HelplineServer;
  let alice: TestClient;
  let token: string;
  let cid: string;

  before(async () => {
    api = await startFakeMessagesApi();
    media = await startMediaHost();
    server = await startTestServer({
      config: {
        ...TEST_CONFIG,
        messaging: {
          applicationId: APP,
          apiKeyEnv: 'VONAGE_API_KEY',
          apiSecretEnv: 'VONAGE_API_SECRET',
          apiHost: api.url,
          publicUrl: PUBLIC_URL,
          senders: [{ channel: 'whatsapp', id: WA, queueId: 'support' }],
        },
      } as ConfigInput,
      env: ENV,
    });
    token = await staffToken('alice');
    alice = await TestClient.connect(server.socketUrl, token, { site: '', origin: null });
    await alice.ok('presence.set', { status: 'available' });
  });
  after(async () => {
    alice?.close();
    await server.close();
    await api.close();
    media.restore();
    await new Promise((resolve) => media.server.close(resolve));
  });

  async function webhook(body: unknown) {
    const text = JSON.stringify(body);
    const response = await fetch(`${server.url}/messaging/webhooks/inbound`, {
      method: 'POST',
      headers: {
        authorization: await signMessagesWebhook(SECRET, APP, text),
        'content-type': 'application/json',
      },
      body: text,
    });
    assert.equal(response.status, 200, await response.text());
  }

  const inbound = (fields: Record<string, unknown>) => ({
    channel: 'whatsapp',
    message_uuid: randomUUID(),
    to: WA.slice(1),
    from: CUSTOMER.slice(1),
    timestamp: new Date().toISOString(),
    profile: { name: 'Ann' },
    ...fields,
  });

  async function messages(): Promise<MessageEvent[]> {
    const page = (await alice.ok('history', { cid })) as { events: { ev: ConversationEvent }[] };
    return page.events.map((event) => event.ev).filter((ev): ev is MessageEvent => ev.type === 'message');
  }

  it('keeps an inbound WhatsApp photo as an attachment of the message in the history, downloadable by the agent', async () => {
    await webhook(
      inbound({
        message_type: 'image',
        image: { url: `${media.url}/v3/media/parcel.png`, caption: 'The parcel' },
      }),
    );
    cid = server.hub.interactions().find((i) => i.channel === 'whatsapp')?.id as string;
    await alice.waitFor((frame) => offerOf(frame)?.id === cid, 'the offer');
    await alice.ok('offer.accept', { cid });

    const [first] = await messages();
    assert.equal(first?.text, 'The parcel');
    const [photo] = first?.attachments ?? [];
    assert.equal(photo?.type, 'image/png');
    assert.equal(photo?.size, PNG.length);
    assert.deepEqual([photo?.width, photo?.height], [1, 2]);
    const download = await fetch(`${server.url}/v1/attachments/${photo?.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);
    const stranger = await fetch(`${server.url}/v1/attachments/${photo?.id}`, {
      headers: { authorization: `Bearer ${await staffToken('bob')}` },
    });
    assert.equal(stranger.status, 404, 'someone who may not read the conversation is told it does not exist');
  });

  it('refuses a program sent as a photo with a note in the conversation, keeping the message', async () => {
    await webhook(
      inbound({ message_type: 'image', image: { url: `${media.url}/v3/media/cat.jpg`, caption: 'Look' } }),
    );
    const last = (await messages()).at(-1);
    assert.equal(last?.attachments, undefined);
    assert.match(last?.text ?? '', /^Look\n\[Attachment not accepted: image-[\w]{8}\.jpg — /);
  });

  it("sends an agent's file to Vonage as media from a signed link: valid 200, tampered or expired 403", async () => {
    const uploaded = await uploadWhole(server, token, cid, {
      name: 'label.png',
      type: 'image/png',
      bytes: PNG,
    });
    assert.equal(uploaded.status, 200, uploaded.text);
    const ref = uploaded.body as AttachmentRef;
    await alice.ok('message.send', {
      cid,
      clientMsgId: randomUUID(),
      text: 'Your label',
      attachments: [ref],
    });
    const sent = await api.next((request) => request.body.message_type === 'image');
    const image = sent.body.image as { url: string; caption?: string };
    assert.equal(image.caption, 'Your label', 'one photo with its text as the caption');
    const link = new URL(image.url);
    assert.equal(link.origin, PUBLIC_URL);
    assert.equal(link.pathname, `/v1/attachments/${ref.id}/shared`);

    // Vonage fetches it with no token: the signature is the permission.
    const fetched = await fetch(`${server.url}${link.pathname}${link.search}`);
    assert.equal(fetched.status, 200);
    assert.equal(
      fetched.headers.get('content-disposition'),
      'attachment; filename="label.png"; filename*=UTF-8\'\'label.png',
    );
    assert.equal(fetched.headers.get('x-content-type-options'), 'nosniff');
    assert.match(fetched.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), PNG);

    const status = async (path: string) => (await fetch(`${server.url}${path}`)).status;
    const expires = link.searchParams.get('expires') ?? '';
    const signature = link.searchParams.get('signature') ?? '';
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(await status(`${link.pathname}?expires=${expires}&signature=${flipped}`), 403, 'signature');
    assert.equal(
      await status(`${link.pathname}?expires=${Number(expires) + 3600}&signature=${signature}`),
      403,
      'a later expiry',
    );
    const other = await uploadWhole(server, token, cid, { name: 'other.png', type: 'image/png', bytes: PNG });
    const otherId = (other.body as AttachmentRef).id;
    assert.equal(await status(`/v1/attachments/${otherId}/shared${link.search}`), 403, 'another file');
    assert.equal(await status(`${link.pathname}`), 403, 'no signature');
    const old = createShareLinks({
      key: shareKeyOf(SECRET),
      baseUrl: PUBLIC_URL,
      now: () => Date.now() - 3_600_000,
    });
    const expired = new URL(old.url(ref.id));
    assert.equal(await status(`${expired.pathname}${expired.search}`), 403, 'expired');

    // The message is in the history with the file, and the send's receipt.
    const last = (await messages()).at(-1);
    assert.equal(last?.text, 'Your label');
    assert.equal(last?.attachments?.[0]?.id, ref.id);
  });

  it('records a file sent through the messaging route in the history', async () => {
    const uploaded = await uploadWhole(server, token, cid, {
      name: 'map.png',
      type: 'image/png',
      bytes: PNG,
    });
    const ref = uploaded.body as AttachmentRef;
    const id = randomUUID();
    const response = await fetch(`${server.url}/messaging/conversations/${cid}/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'image', id, attachmentId: ref.id, caption: 'The way' }),
    });
    assert.equal(response.status, 202, await response.text());
    await api.next(
      (request) => (request.body.image as { caption?: string } | undefined)?.caption === 'The way',
    );
    const last = (await messages()).at(-1);
    assert.equal(last?.clientMsgId, id);
    assert.equal(last?.text, 'The way');
    assert.deepEqual(last?.attachments, [ref]);
  });
});
