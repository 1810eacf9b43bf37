// Voicemail of phone callers, without a Vonage account: a real server (PGlite) whose `vonage` section points at the
// loopback fake of the Vonage REST API, webhooks signed as Vonage signs them. A caller of a closed queue gets the
// voicemail NCCO (prompt, `record`, thanks) at once; a caller nobody answers within the queue's `afterSeconds` is
// transferred to it. The recording webhook makes the server fetch the audio from Vonage (with the application's JWT)
// into the attachment store and send it as the caller's voicemail, which is offered to an agent of the queue.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@helpline/core/testing';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../config/config.schema';
import type { HelplineServer } from '../server';
import {
  http,
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../testing/harness';
import { type FakeApiRequest, type FakeVonageApi, startFakeVonageApi } from './vonage.fake-api';
import type { Ncco } from './vonage.ncco';

const APP_ID = '0b7e3c2a-5d4f-4e6a-8b9c-1d2e3f4a5b6c';
const SECRET = 'vonage-signature-secret-for-voicemail-tests';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** An MP3 as Vonage records it: an ID3 tag, then frames. */
const MP3 = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, ...new Array(400).fill(0x55)]);

/** A webhook as Vonage posts it: HS256 over the body's hash, with a fresh `jti`. */
async function webhook(server: HelplineServer, path: string, body: object): Promise<Response> {
  const text = JSON.stringify(body);
  const jwt = await new SignJWT({
    application_id: APP_ID,
    payload_hash: createHash('sha256').update(text).digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(SECRET));
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: text,
  });
}

/** The voicemail's id, from the `record` action's event URL. */
function recordOf(ncco: Ncco): { cid: string; action: Extract<Ncco[number], { action: 'record' }> } {
  const action = ncco.find((a): a is Extract<Ncco[number], { action: 'record' }> => a.action === 'record');
  assert.ok(action, `a record action in ${JSON.stringify(ncco)}`);
  const cid = new URL(action.eventUrl[0] ?? '').searchParams.get('cid');
  assert.ok(cid);
  return { cid, action };
}

describe('voicemail of phone callers through Vonage (fake REST API, signed webhooks)', () => {
  let api: FakeVonageApi;
  let server: HelplineServer;
  let alice: TestClient;

  before(async () => {
    api = await startFakeVonageApi(publicKey);
    const config = {
      ...TEST_CONFIG,
      queues: [
        { id: 'support', name: 'Support', voicemail: { afterSeconds: 1, maxSeconds: 90 } },
        {
          id: 'night',
          name: 'Night line',
          businessHours: { timeZone: 'UTC', weekly: {} },
          voicemail: { afterSeconds: 30, maxSeconds: 60 },
        },
        { id: 'sales', name: 'Sales', businessHours: { timeZone: 'UTC', weekly: {} } },
      ],
      agents: [
        { id: 'alice', name: 'Alice', queues: ['night'] },
        { id: 'bob', name: 'Bob', queues: ['sales'] },
        { id: 'sam', name: 'Sam', role: 'supervisor' },
      ],
      vonage: {
        applicationId: APP_ID,
        privateKeyEnv: 'VONAGE_PRIVATE_KEY',
        webhookBaseUrl: 'https://help.example',
        apiBaseUrl: api.url,
        positionAnnouncementSeconds: 0,
        numbers: [
          { number: '+14155550100', queueId: 'support' },
          { number: '+14155550199', queueId: 'night' },
          { number: '+14155550188', queueId: 'sales' },
        ],
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

  it('a caller of a closed queue records a message: the NCCO records, the recording is fetched, kept and offered', async () => {
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'call-night',
      conversation_uuid: 'CON-night',
      from: '447700900123',
      to: '14155550199',
    });
    assert.equal(answer.status, 200);
    const ncco = (await answer.json()) as Ncco;
    const { cid, action } = recordOf(ncco);
    assert.deepEqual(
      ncco.map((a) => a.action),
      ['talk', 'talk', 'record', 'talk'],
      'greeting, voicemail prompt, the recording, thanks',
    );
    assert.match(JSON.stringify(ncco[1]), /closed right now\. Please leave a message after the tone/);
    assert.deepEqual(
      { ...action, eventUrl: undefined },
      {
        action: 'record',
        format: 'mp3',
        endOnSilence: 3,
        endOnKey: '#',
        timeOut: 60,
        beepStart: true,
        eventUrl: undefined,
        eventMethod: 'POST',
      },
    );
    assert.equal(action.eventUrl[0], `https://help.example/vonage/webhooks/recording?cid=${cid}`);
    const recording = server.hub.interaction(cid);
    assert.equal(recording?.channel, 'voicemail');
    assert.equal(recording?.state, 'prechat', 'not routed before the recording arrives');
    assert.equal(recording?.customer.phone, '+447700900123', "the caller's number, linked to the customer");

    const url = api.addRecording(MP3);
    const delivered = await webhook(server, `/vonage/webhooks/recording?cid=${cid}`, {
      recording_url: url,
      recording_uuid: 'rec-uuid-1',
      size: MP3.length,
      conversation_uuid: 'CON-night',
    });
    assert.equal(delivered.status, 204);
    const fetched = await api.next(
      (r: FakeApiRequest) => r.path.startsWith('/v1/files/'),
      'the recording fetched',
    );
    assert.equal(fetched.applicationId, APP_ID, "fetched with the application's JWT");
    assert.equal(fetched.status, 200);

    await alice.waitFor(
      (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
      'the voicemail offered to alice',
      10_000,
    );
    await alice.ok('offer.accept', { cid });
    const { events } = await alice.ok('history', { cid });
    const message = events.map((e) => e.ev).find((ev) => ev.type === 'message');
    assert.ok(message?.type === 'message');
    const file = message.attachments?.[0];
    assert.equal(file?.type, 'audio/mpeg');
    const download = await fetch(`${server.url}/v1/attachments/${file?.id}`, {
      headers: { authorization: `Bearer ${await staffToken('alice')}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), MP3);
    assert.equal(
      (await http(server, `/v1/attachments/${file?.id}`, { token: await staffToken('bob') })).status,
      404,
    );

    // Vonage retries a webhook it thinks failed: the voicemail keeps its first recording.
    // (The webhook's check runs before its 204: once answered, a second fetch would have been asked for.)
    await webhook(server, `/vonage/webhooks/recording?cid=${cid}`, { recording_url: url });
    assert.equal(api.requests.filter((r) => r.path.startsWith('/v1/files/')).length, 1);
  });

  it('a caller nobody answers within afterSeconds is moved to voicemail: their waiting call ends', async () => {
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'call-support',
      conversation_uuid: 'CON-support',
      from: '447700900456',
      to: '14155550100',
    });
    const waiting = (await answer.json()) as Ncco;
    assert.equal(waiting.at(-1)?.action, 'conversation', 'the caller waits in line');
    const transfer = await api.next(
      (r: FakeApiRequest) => r.path === '/v1/calls/call-support' && r.body.action === 'transfer',
      'the caller moved to voicemail',
      10_000,
    );
    const ncco = (transfer.body.destination as { ncco: Ncco }).ncco;
    assert.match(JSON.stringify(ncco[0]), /nobody is free to take your call/);
    const { cid, action } = recordOf(ncco);
    assert.equal(action.timeOut, 90);
    assert.equal(server.hub.interaction(cid)?.queueId, 'support');
    const calls = server.hub
      .interactions()
      .filter((i) => i.channel === 'voice' && i.customer.phone === '+447700900456');
    for (const call of calls) assert.equal(call.state, 'ended', 'the unanswered call left the line');

    await webhook(server, `/vonage/webhooks/recording?cid=${cid}`, { recording_url: api.addRecording(MP3) });
    // Nobody of support is signed in: the voicemail waits in its queue.
    await waitFor(() => server.hub.interaction(cid)?.state === 'queued', 'the voicemail queued in support');
  });

  it('a closed queue without voicemail still says it is closed; a recording URL off Vonage is not fetched', async () => {
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'call-sales',
      from: '447700900789',
      to: '14155550188',
    });
    const ncco = (await answer.json()) as Ncco;
    assert.deepEqual(
      ncco.map((a) => a.action),
      ['talk', 'talk'],
    );
    assert.match(JSON.stringify(ncco[1]), /We are closed right now\. Please call again/);

    const night = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'call-night-2',
      from: '447700900999',
      to: '14155550199',
    });
    const { cid } = recordOf((await night.json()) as Ncco);
    const before = api.requests.length;
    await webhook(server, `/vonage/webhooks/recording?cid=${cid}`, {
      recording_url: 'https://attacker.example/v1/files/x',
    });
    // The URL is refused before any request is made (the application's JWT goes nowhere else).
    assert.equal(api.requests.length, before, 'nothing fetched');
    assert.equal(server.hub.interaction(cid)?.state, 'prechat', 'nothing sent');
  });
});
