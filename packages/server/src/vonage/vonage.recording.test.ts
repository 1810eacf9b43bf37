// Call recording through Vonage: a real server (PGlite) whose `vonage` section points at the loopback fake of the
// Vonage REST API, webhooks signed as Vonage signs them. While the hub's call says `recording: on` and both parties
// are connected, the caller's leg is transferred to `record` + its conversation (one segment); a pause transfers it
// to the conversation alone, so nothing is recorded until the resume starts the next segment. Each segment's
// recording webhook makes the server fetch the audio into the recordings store, once.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@helpline/core';
import type { ConfigInput } from '../config/config.schema';
import type { HelplineServer } from '../server';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../testing/harness';
import {
  type FakeApiRequest,
  type FakeVonageApi,
  postVonageWebhook,
  startFakeVonageApi,
} from './vonage.fake-api';
import type { Ncco } from './vonage.ncco';

const APP_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const SECRET = 'vonage-signature-secret-for-recording-tests';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const mp3 = (n: number) =>
  new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, ...new Array(300).fill(n)]);

function webhook(server: HelplineServer, path: string, body: object): Promise<Response> {
  return postVonageWebhook(`${server.url}${path}`, body, { applicationId: APP_ID, secret: SECRET });
}

/** Polls a condition of the in-process server (webhook work runs after the 204). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Transfer = { readonly request: FakeApiRequest; readonly ncco: Ncco };

/** The transfers of a leg, in order, with their NCCO. */
function transfersOf(api: FakeVonageApi, leg: string): Transfer[] {
  return api.requests
    .filter((r) => r.path === `/v1/calls/${leg}` && r.body.action === 'transfer')
    .map((request) => ({ request, ncco: (request.body.destination as { ncco: Ncco }).ncco }));
}

/** The recording webhook a transfer's `record` action posts to (undefined: the transfer records nothing). */
function recordingUrlOf(ncco: Ncco): string | undefined {
  const action = ncco.find((a) => a.action === 'record');
  return action?.action === 'record' ? action.eventUrl[0] : undefined;
}

describe('call recording through Vonage (fake REST API, signed webhooks)', () => {
  let api: FakeVonageApi;
  let server: HelplineServer;
  let alice: TestClient;
  let bob: TestClient;
  let sam: TestClient;

  before(async () => {
    api = await startFakeVonageApi(publicKey);
    const config = {
      ...TEST_CONFIG,
      queues: [
        { id: 'support', name: 'Support', recording: 'on-demand' },
        { id: 'claims', name: 'Claims', recording: 'always' },
      ],
      agents: [
        { id: 'alice', name: 'Alice', queues: ['support'] },
        { id: 'bob', name: 'Bob', queues: ['claims'] },
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
          { number: '+14155550111', queueId: 'claims' },
        ],
      },
    } as ConfigInput;
    server = await startTestServer({
      config,
      env: { SHOP_IDENTITY_SECRET, VONAGE_PRIVATE_KEY: privateKey, VONAGE_SIGNATURE_SECRET: SECRET },
    });
    alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), { site: '', origin: null });
    await alice.ok('presence.set', { status: 'available' });
    bob = await TestClient.connect(server.socketUrl, await staffToken('bob'), { site: '', origin: null });
    await bob.ok('presence.set', { status: 'available' });
    sam = await TestClient.connect(server.socketUrl, await staffToken('sam', { role: 'supervisor' }), {
      site: '',
      origin: null,
    });
  });

  after(async () => {
    alice?.close();
    bob?.close();
    sam?.close();
    await server?.close();
    await api?.close();
  });

  /** A phone call to `to`, answered by `agent`'s app: the interaction and the hub's call. */
  async function connected(
    agent: TestClient,
    leg: string,
    from: string,
    to: string,
  ): Promise<{ cid: string; callId: string }> {
    const answer = await webhook(server, '/vonage/webhooks/answer', { uuid: leg, from, to });
    assert.equal(answer.status, 200);
    const cid =
      server.hub.interactions().find((i) => i.channel === 'voice' && i.customer.phone === `+${from}`)?.id ??
      '';
    assert.ok(cid, 'the call queued');
    const offer = (f: ServerFrame) =>
      f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid;
    await agent.waitFor(offer, 'the offer', 10_000);
    await agent.ok('offer.accept', { cid });
    const agentLeg = await api.next(
      (r) => r.method === 'POST' && r.path === '/v1/calls' && JSON.stringify(r.body).includes(cid),
      "the call to the agent's app",
    );
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg.uuid,
      status: 'answered',
    });
    // Active once the hub hears the app leg answered (an earlier notice says `connecting`: nothing to record yet).
    const call = await agent.waitFor(
      (f) =>
        f.t === 'notice' &&
        f.notice.type === 'call' &&
        f.notice.call.cid === cid &&
        f.notice.call.state === 'active',
      'the call active',
    );
    const callId = call.t === 'notice' && call.notice.type === 'call' ? call.notice.call.callId : '';
    assert.ok(callId);
    return { cid, callId };
  }

  async function recordingsOf(cid: string) {
    const { recordings } = await sam.ok('recording.list', { cid });
    return recordings;
  }

  it('start, pause and resume record two segments through Vonage, nothing between; each stored once', async () => {
    const { cid, callId } = await connected(alice, 'pstn-pay', '447700900201', '14155550100');
    assert.equal(transfersOf(api, 'pstn-pay').length, 0, 'on demand: nothing recorded before the start');

    await alice.ok('call.recording', { cid, callId, action: 'start' });
    await waitFor(() => transfersOf(api, 'pstn-pay').length === 1, 'the first segment started');
    const [first] = transfersOf(api, 'pstn-pay');
    assert.deepEqual(
      first?.ncco.map((a) => a.action),
      ['record', 'conversation'],
    );
    assert.deepEqual(
      { ...first?.ncco[0], eventUrl: undefined },
      {
        action: 'record',
        format: 'mp3',
        split: 'conversation',
        channels: 2,
        timeOut: 7200,
        beepStart: false,
        eventUrl: undefined,
        eventMethod: 'POST',
      },
    );
    assert.equal(first?.ncco[1]?.action === 'conversation' && first.ncco[1].name, 'hl-pstn-pay');

    // The card payment: the caller's leg goes back to its conversation alone, so the recording ends here.
    await alice.ok('call.recording', { cid, callId, action: 'pause' });
    await waitFor(() => transfersOf(api, 'pstn-pay').length === 2, 'the segment stopped');
    const paused = transfersOf(api, 'pstn-pay')[1];
    assert.deepEqual(
      paused?.ncco.map((a) => a.action),
      ['conversation'],
      'nothing records during the pause',
    );

    await alice.ok('call.recording', { cid, callId, action: 'resume' });
    await waitFor(() => transfersOf(api, 'pstn-pay').length === 3, 'the second segment started');
    const third = transfersOf(api, 'pstn-pay')[2];
    const firstUrl = recordingUrlOf(first?.ncco ?? []);
    const secondUrl = recordingUrlOf(third?.ncco ?? []);
    assert.ok(firstUrl && secondUrl && firstUrl !== secondUrl, 'a new segment, a webhook of its own');

    // Vonage posts each segment's recording (the first one twice, as it does when it thinks a webhook failed).
    const one = api.addRecording(mp3(1));
    const two = api.addRecording(mp3(2));
    const path = (url: string) => url.replace('https://help.example', '');
    assert.equal((await webhook(server, path(firstUrl), { recording_url: one, size: 310 })).status, 204);
    await webhook(server, path(firstUrl), { recording_url: one, size: 310 });
    await webhook(server, path(secondUrl), { recording_url: two, size: 310 });
    await waitFor(async () => (await recordingsOf(cid)).length === 2, 'both segments stored');
    await webhook(server, path(firstUrl), { recording_url: one, size: 310 });
    const recordings = await recordingsOf(cid);
    assert.deepEqual(
      recordings.map((r) => [r.callId, r.source, r.mimeType, r.bytes]),
      [
        [callId, 'vonage', 'audio/mpeg', 310],
        [callId, 'vonage', 'audio/mpeg', 310],
      ],
    );
    assert.equal(
      api.requests.filter((r) => r.path.startsWith('/v1/files/') && r.status === 200).length,
      2,
      'each segment fetched once',
    );
    const played = await fetch(`${server.url}${recordings[1]?.url}`, {
      headers: { authorization: `Bearer ${await staffToken('sam', { role: 'supervisor' })}` },
    });
    assert.equal(played.status, 200);
    assert.deepEqual(new Uint8Array(await played.arrayBuffer()), mp3(2));

    // The caller hangs up while the second segment records: it ends with the call (no transfer of a gone leg).
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-pay', status: 'completed' });
    await waitFor(() => server.hub.interaction(cid)?.endReason === 'completed', 'the call ended');
    assert.equal(transfersOf(api, 'pstn-pay').length, 3);
  });

  it('an always-recorded queue records at connect; a failed fetch is retried and the call goes on', async () => {
    const { cid } = await connected(bob, 'pstn-claims', '447700900202', '14155550111');
    await waitFor(() => transfersOf(api, 'pstn-claims').length === 1, 'recording at connect');
    const url = recordingUrlOf(transfersOf(api, 'pstn-claims')[0]?.ncco ?? []);
    assert.ok(url);
    const files = () => api.requests.filter((r) => r.path.startsWith('/v1/files/'));
    const before = files().length;
    api.failNextFile(503);
    await webhook(server, url.replace('https://help.example', ''), {
      recording_url: api.addRecording(mp3(3)),
    });
    await waitFor(() => files().length === before + 2, 'fetched again after the failure', 5_000);
    assert.deepEqual(
      files()
        .slice(before)
        .map((r) => r.status),
      [503, 200],
    );
    await waitFor(async () => (await recordingsOf(cid)).length === 1, 'the segment stored');
    assert.equal(server.hub.interaction(cid)?.state, 'active', 'the call goes on');
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-claims', status: 'completed' });
    await waitFor(() => server.hub.interaction(cid)?.endReason === 'completed', 'the call ended');
  });
});
