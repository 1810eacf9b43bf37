// The Vonage side of the server end to end, without a Vonage account: a real server (PGlite) whose `vonage`
// section points at a loopback fake of the Vonage REST API, webhooks signed like Vonage signs them, and agents
// on real WebSockets.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Interaction, ServerFrame } from '@helpline/core';
import { importSPKI, jwtVerify, SignJWT } from 'jose';
import type { ConfigInput } from '../config/config';
import { phoneCustomerId } from '../outbound/outbound.policy';
import type { HelplineServer } from '../server';
import {
  http,
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
  visitorToken,
} from '../testing/harness';
import { type FakeApiRequest, type FakeVonageApi, startFakeVonageApi } from './vonage.fake-api';

const APP_ID = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SIGNATURE_SECRET = 'vonage-signature-secret-for-tests-only';
const SUPPORT_NUMBER = '+14155550100';
const MENU_NUMBER = '+14155550111';
/** Calls to this number go to `care`, whose survey asks phone callers on the keypad (rating, then NPS). */
const CARE_NUMBER = '+14155550122';
const MOH = 'https://help.example/hold.mp3';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function vonageConfig(apiUrl: string, overrides: Record<string, unknown> = {}): ConfigInput {
  return {
    ...TEST_CONFIG,
    queues: [
      ...TEST_CONFIG.queues,
      {
        id: 'care',
        name: 'Care',
        acw: { kind: 'optional' },
        dispositions: [{ id: 'done', label: 'Done' }],
        survey: { nps: true, keypad: true },
      },
    ],
    vonage: {
      applicationId: APP_ID,
      privateKeyEnv: 'VONAGE_PRIVATE_KEY',
      webhookBaseUrl: 'https://help.example',
      apiBaseUrl: apiUrl,
      musicOnHoldUrl: MOH,
      numbers: [
        { number: SUPPORT_NUMBER, queueId: 'support' },
        { number: CARE_NUMBER, queueId: 'care' },
        {
          number: MENU_NUMBER,
          menu: {
            prompt: 'For sales press 1. For support press 2.',
            options: [
              { digit: '1', queueId: 'sales', label: 'Sales' },
              { digit: '2', queueId: 'support', label: 'Support' },
            ],
          },
        },
      ],
      ...overrides,
    },
  } as ConfigInput;
}

const ENV = {
  SHOP_IDENTITY_SECRET,
  VONAGE_PRIVATE_KEY: privateKey,
  VONAGE_SIGNATURE_SECRET: SIGNATURE_SECRET,
};

/** A webhook request signed the way Vonage signs them (HS256, `payload_hash` of the body, `jti`, `iat`). */
async function signed(
  body: unknown,
  options: { secret?: string; iat?: number; jti?: string; tamper?: boolean; applicationId?: string } = {},
): Promise<{ headers: Record<string, string>; text: string }> {
  const text = JSON.stringify(body);
  const hash = createHash('sha256')
    .update(options.tamper ? `${text} ` : text)
    .digest('hex');
  const jwt = await new SignJWT({
    application_id: options.applicationId ?? APP_ID,
    api_key: 'abcd1234',
    payload_hash: hash,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('Vonage')
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? randomUUID())
    .sign(new TextEncoder().encode(options.secret ?? SIGNATURE_SECRET));
  return { headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, text };
}

async function post(
  server: HelplineServer,
  path: string,
  request: { headers: Record<string, string>; text: string },
) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: request.headers,
    body: request.text,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function webhook(server: HelplineServer, path: string, body: unknown) {
  return post(server, path, await signed(body));
}

/** Polls a condition of the in-process server (webhook work runs after the 204). */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function voiceInteractionOf(server: HelplineServer, phone: string): Interaction | undefined {
  return server.hub
    .interactions()
    .find((i) => i.channel === 'voice' && i.customer.phone === phone && i.state !== 'ended' && !i.endReason);
}

const isOffer = (cid: string) => (frame: ServerFrame) =>
  frame.t === 'notice' && frame.notice.type === 'offer' && frame.notice.offer.interaction.id === cid;

const callTo = (user: string) => (request: FakeApiRequest) =>
  request.method === 'POST' && request.path === '/v1/calls' && JSON.stringify(request.body.to).includes(user);

async function agentOnline(server: HelplineServer, id: string): Promise<TestClient> {
  const agent = await TestClient.connect(server.socketUrl, await staffToken(id), { site: '', origin: null });
  await agent.ok('presence.set', { status: 'available' });
  return agent;
}

describe('Vonage on the server', () => {
  let api: FakeVonageApi;
  let server: HelplineServer;
  const clients: TestClient[] = [];

  before(async () => {
    api = await startFakeVonageApi(publicKey);
    server = await startTestServer({ config: vonageConfig(api.url), env: ENV });
  });

  after(async () => {
    for (const client of clients) client.close();
    await server.close();
    await api.close();
  });

  async function online(id: string): Promise<TestClient> {
    const client = await agentOnline(server, id);
    clients.push(client);
    return client;
  }

  it('inbound call → queued with music and position → offered → agent app leg → answered → caller hangs up', async () => {
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-1',
      conversation_uuid: 'CON-1',
      from: '447700900001',
      to: '14155550100',
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, [
      {
        action: 'talk',
        text: 'Thank you for calling. Please hold, an agent will be with you shortly.',
        language: 'en-US',
      },
      {
        action: 'conversation',
        name: 'hl-pstn-1',
        startOnEnter: false,
        endOnExit: true,
        musicOnHoldUrl: [MOH],
      },
    ]);
    const queued = voiceInteractionOf(server, '+447700900001');
    assert.ok(queued, 'a voice interaction for the caller');
    assert.equal(queued.customer.id, phoneCustomerId('+447700900001'), 'the customer a dialled call reaches');
    assert.equal(queued.state, 'queued');
    assert.equal(queued.queueId, 'support');
    const cid = queued.id;

    // The caller hears their place in line.
    const talk = await api.next((r) => r.path === '/v1/calls/pstn-1/talk', 'a position announcement');
    assert.match(String(talk.body.text), /You are number 1 in line\./);
    assert.equal(talk.applicationId, APP_ID);

    // Vonage retries a slow answer webhook: same NCCO, no second interaction.
    const again = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-1',
      from: '447700900001',
      to: '14155550100',
    });
    assert.deepEqual(again.body, answer.body);
    assert.equal(server.hub.interactions().filter((i) => i.customer.phone === '+447700900001').length, 1);

    const alice = await online('alice');
    await alice.waitFor(isOffer(cid), 'the offer');
    await alice.ok('offer.accept', { cid });
    const ring = await api.next(callTo('hl-agent-alice'), "a call to alice's app");
    assert.deepEqual(ring.body.ncco, [
      { action: 'conversation', name: 'hl-pstn-1', startOnEnter: true, endOnExit: false },
    ]);
    assert.deepEqual(ring.body.from, { type: 'phone', number: SUPPORT_NUMBER });
    assert.deepEqual(ring.body.event_url, [
      `https://help.example/vonage/webhooks/event?cid=${cid}&leg=agent`,
    ]);
    const agentLeg = ring.uuid as string;

    // The agent's app answers: media flows, the hub's call goes active for both parties.
    assert.equal(
      (
        await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
          uuid: agentLeg,
          status: 'answered',
        })
      ).status,
      204,
    );
    await alice.waitFor(
      (f) =>
        f.t === 'notice' &&
        f.notice.type === 'call' &&
        f.notice.call.cid === cid &&
        f.notice.call.state === 'active',
      'the call active',
    );
    assert.equal(server.hub.interaction(cid)?.state, 'active');

    // The caller hangs up.
    const completed = await signed({ uuid: 'pstn-1', conversation_uuid: 'CON-1', status: 'completed' });
    assert.equal((await post(server, '/vonage/webhooks/event', completed)).status, 204);
    await until(() => server.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
    const ended = server.hub.interaction(cid);
    assert.equal(ended?.endReason, 'completed');
    assert.equal(ended?.endedBy, 'visitor');
    await api.next(
      (r) => r.method === 'PUT' && r.path === `/v1/calls/${agentLeg}` && r.body.action === 'hangup',
      "hang up alice's leg",
    );

    // The same signed request again is a replay; the same status again changes nothing.
    const replay = await post(server, '/vonage/webhooks/event', completed);
    assert.equal(replay.status, 401);
    assert.equal((replay.body as { error: { code: string } }).error.code, 'voice/vonage-webhook');
    assert.equal(
      (await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-1', status: 'completed' })).status,
      204,
    );
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });
    assert.equal(server.hub.interaction(cid)?.state, 'ended');
    await alice.ok('presence.set', { status: 'offline' });
  });

  it('a caller who hangs up while waiting abandons the call', async () => {
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-2',
      from: '447700900002',
      to: '14155550100',
    });
    const cid = voiceInteractionOf(server, '+447700900002')?.id;
    assert.ok(cid);
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-2', status: 'completed' });
    await until(() => server.hub.interaction(cid)?.state === 'ended', 'ended');
    assert.equal(server.hub.interaction(cid)?.endReason, 'abandoned');
    assert.equal(server.hub.interaction(cid)?.endedBy, 'visitor');
  });

  it('the agent hanging up first ends the call by the agent and hangs up the caller', async () => {
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-3',
      from: '447700900003',
      to: '14155550100',
    });
    const cid = voiceInteractionOf(server, '+447700900003')?.id ?? '';
    const bob = await online('bob');
    await bob.waitFor(isOffer(cid), 'the offer');
    await bob.ok('offer.accept', { cid });
    const agentLeg = (await api.next(callTo('hl-agent-bob'), "a call to bob's app")).uuid as string;
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'answered',
    });
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'completed',
    });
    await until(() => server.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
    assert.equal(server.hub.interaction(cid)?.endReason, 'completed');
    assert.equal(server.hub.interaction(cid)?.endedBy, 'agent');
    await api.next((r) => r.path === '/v1/calls/pstn-3' && r.body.action === 'hangup', 'hang up the caller');
    // The caller's leg then completes: nothing more happens.
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-3', status: 'completed' });
    assert.equal(server.hub.interaction(cid)?.endedBy, 'agent');
    await bob.ok('wrapup.submit', { cid, disposition: 'done' });
    await bob.ok('presence.set', { status: 'offline' });
  });

  it('an agent whose app does not answer puts the caller back in the queue', async () => {
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-4',
      from: '447700900004',
      to: '14155550100',
    });
    const cid = voiceInteractionOf(server, '+447700900004')?.id ?? '';
    const bob = await online('bob');
    await bob.waitFor(isOffer(cid), 'the offer');
    await bob.ok('offer.accept', { cid });
    const agentLeg = (
      await api.next(
        (r) =>
          callTo('hl-agent-bob')(r) &&
          r.body.ncco !== undefined &&
          JSON.stringify(r.body.ncco).includes('pstn-4'),
        "bob's app",
      )
    ).uuid as string;
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'unanswered',
    });
    await until(() => server.hub.interaction(cid)?.state !== 'active', 'back in the queue');
    assert.ok(['queued', 'offered'].includes(server.hub.interaction(cid)?.state ?? ''));
    await bob.ok('presence.set', { status: 'away', reason: 'break' }).catch(() => undefined);
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-4', status: 'completed' });
    await until(() => server.hub.interaction(cid)?.state === 'ended', 'ended');
  });

  it('the DTMF menu picks the queue', async () => {
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-5',
      from: '447700900005',
      to: '14155550111',
    });
    const ncco = answer.body as { action: string; eventUrl?: string[] }[];
    assert.deepEqual(
      ncco.map((action) => action.action),
      ['talk', 'talk', 'input'],
    );
    assert.deepEqual(ncco[2]?.eventUrl, ['https://help.example/vonage/webhooks/input']);
    assert.equal(voiceInteractionOf(server, '+447700900005'), undefined, 'nothing queued before the choice');

    const chosen = await webhook(server, '/vonage/webhooks/input', {
      uuid: 'pstn-5',
      dtmf: { digits: '1', timed_out: false },
    });
    assert.deepEqual(
      (chosen.body as { action: string }[]).map((a) => a.action),
      ['talk', 'conversation'],
    );
    assert.equal((chosen.body as { text?: string }[])[0]?.text, 'Sales');
    assert.equal(voiceInteractionOf(server, '+447700900005')?.queueId, 'sales');

    // No key (or an unknown one): the first option.
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-6',
      from: '447700900006',
      to: '14155550111',
    });
    await webhook(server, '/vonage/webhooks/input', {
      uuid: 'pstn-6',
      dtmf: { digits: '', timed_out: true },
    });
    assert.equal(voiceInteractionOf(server, '+447700900006')?.queueId, 'sales');
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-7',
      from: '447700900007',
      to: '14155550111',
    });
    await webhook(server, '/vonage/webhooks/input', { uuid: 'pstn-7', dtmf: { digits: '2' } });
    assert.equal(voiceInteractionOf(server, '+447700900007')?.queueId, 'support');
    for (const uuid of ['pstn-5', 'pstn-6', 'pstn-7'])
      await webhook(server, '/vonage/webhooks/event', { uuid, status: 'completed' });
  });

  /** A phone call to `care` that `agent` accepted and whose app leg answered; resolves with the interaction id. */
  async function careCall(uuid: string, from: string, agent: TestClient, agentId: string): Promise<string> {
    await webhook(server, '/vonage/webhooks/answer', { uuid, from: from.slice(1), to: CARE_NUMBER.slice(1) });
    const cid = voiceInteractionOf(server, from)?.id ?? '';
    assert.equal(server.hub.interaction(cid)?.queueId, 'care');
    await agent.waitFor(isOffer(cid), 'the offer');
    await agent.ok('offer.accept', { cid });
    const agentLeg = (
      await api.next(
        (r) => callTo(`hl-agent-${agentId}`)(r) && JSON.stringify(r.body.ncco).includes(uuid),
        `${agentId}'s app`,
      )
    ).uuid as string;
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'answered',
    });
    await until(() => server.hub.interaction(cid)?.state === 'active', 'the call active');
    return cid;
  }

  it('the keypad survey: the agent hangs up, the caller rates 1–5 and answers NPS 0–10 with #, recorded once', async () => {
    const bob = await online('bob');
    const cid = await careCall('pstn-s1', '+447700900021', bob, 'bob');
    const agentLeg = api.requests.find(
      (r) => callTo('hl-agent-bob')(r) && JSON.stringify(r.body.ncco).includes('pstn-s1'),
    )?.uuid as string;
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'completed',
    });
    await until(() => server.hub.interaction(cid)?.endedBy === 'agent', 'ended by the agent');

    // The caller is not hung up: their leg goes to the survey.
    const transfer = await api.next(
      (r) => r.method === 'PUT' && r.path === '/v1/calls/pstn-s1' && r.body.action === 'transfer',
      'the caller transferred to the survey',
    );
    const surveyUrl = (step: string) => `https://help.example/vonage/webhooks/survey?cid=${cid}&step=${step}`;
    assert.deepEqual(transfer.body.destination, {
      type: 'ncco',
      ncco: [
        {
          action: 'talk',
          text: 'Before you go: how satisfied are you with this call? Press 1 for very unhappy, up to 5 for very happy. Or simply hang up.',
          language: 'en-US',
          bargeIn: true,
        },
        {
          action: 'input',
          type: ['dtmf'],
          dtmf: { maxDigits: 1, timeOut: 8 },
          eventUrl: [surveyUrl('rating')],
          eventMethod: 'POST',
        },
      ],
    });
    assert.ok(
      !api.requests.some((r) => r.path === '/v1/calls/pstn-s1' && r.body.action === 'hangup'),
      'the caller stays on the line',
    );

    const nps = await webhook(server, `/vonage/webhooks/survey?cid=${cid}&step=rating`, {
      uuid: 'pstn-s1',
      dtmf: { digits: '4', timed_out: false },
    });
    assert.equal(nps.status, 200);
    assert.deepEqual(nps.body, [
      {
        action: 'talk',
        text: 'How likely are you to recommend us to a friend or colleague? Enter a number from 0 to 10, then press the hash key.',
        language: 'en-US',
        bargeIn: true,
      },
      {
        action: 'input',
        type: ['dtmf'],
        dtmf: { maxDigits: 2, timeOut: 10, submitOnHash: true },
        eventUrl: [surveyUrl('nps')],
        eventMethod: 'POST',
      },
    ]);
    assert.equal(server.hub.interaction(cid)?.csat, undefined, 'nothing recorded before the last answer');

    const thanks = [{ action: 'talk', text: 'Thank you for your feedback. Goodbye.', language: 'en-US' }];
    const done = await webhook(server, `/vonage/webhooks/survey?cid=${cid}&step=nps`, {
      uuid: 'pstn-s1',
      dtmf: { digits: '10', timed_out: false },
    });
    assert.deepEqual(done.body, thanks);
    assert.deepEqual(server.hub.interaction(cid)?.csat, { score: 4, nps: 10 });

    // A retried (or repeated) answer changes nothing, and the caller still hears goodbye.
    const again = await webhook(server, `/vonage/webhooks/survey?cid=${cid}&step=nps`, {
      uuid: 'pstn-s1',
      dtmf: { digits: '3', timed_out: false },
    });
    assert.deepEqual(again.body, thanks);
    assert.deepEqual(server.hub.interaction(cid)?.csat, { score: 4, nps: 10 });
    // A survey webhook for another conversation, or a leg that is in no survey, gets an empty NCCO.
    const foreign = await webhook(server, '/vonage/webhooks/survey?cid=other&step=nps', {
      uuid: 'pstn-s1',
      dtmf: { digits: '9' },
    });
    assert.deepEqual(foreign.body, []);

    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-s1', status: 'completed' });
    await bob.ok('wrapup.submit', { cid, disposition: 'done' });
    await bob.ok('presence.set', { status: 'offline' });
  });

  it('the keypad survey after the agent ends the call in the console; no key skips it; other queues hang up', async () => {
    const alice = await online('alice');
    const cid = await careCall('pstn-s2', '+447700900022', alice, 'alice');
    await alice.ok('chat.end', { cid });
    await api.next(
      (r) => r.method === 'PUT' && r.path === '/v1/calls/pstn-s2' && r.body.action === 'transfer',
      'the caller transferred to the survey',
    );
    // No key before the time-out: skipped, nothing recorded.
    const skipped = await webhook(server, `/vonage/webhooks/survey?cid=${cid}&step=rating`, {
      uuid: 'pstn-s2',
      dtmf: { digits: '', timed_out: true },
    });
    assert.deepEqual(skipped.body, [
      { action: 'talk', text: 'Thank you for your feedback. Goodbye.', language: 'en-US' },
    ]);
    assert.equal(server.hub.interaction(cid)?.csat, undefined);
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-s2', status: 'completed' });
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });

    // A rating without NPS (an answer outside 0–10) is kept as a rating.
    const next = await careCall('pstn-s3', '+447700900023', alice, 'alice');
    await alice.ok('chat.end', { cid: next });
    await api.next((r) => r.path === '/v1/calls/pstn-s3' && r.body.action === 'transfer', 'the survey');
    await webhook(server, `/vonage/webhooks/survey?cid=${next}&step=rating`, {
      uuid: 'pstn-s3',
      dtmf: { digits: '5' },
    });
    await webhook(server, `/vonage/webhooks/survey?cid=${next}&step=nps`, {
      uuid: 'pstn-s3',
      dtmf: { digits: '42' },
    });
    assert.deepEqual(server.hub.interaction(next)?.csat, { score: 5 });
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-s3', status: 'completed' });
    await alice.ok('wrapup.submit', { cid: next, disposition: 'done' });

    // The support queue asks no keypad survey: ending the call hangs the caller up.
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-s4',
      from: '447700900024',
      to: '14155550100',
    });
    const plain = voiceInteractionOf(server, '+447700900024')?.id ?? '';
    await alice.waitFor(isOffer(plain), 'the offer');
    await alice.ok('offer.accept', { cid: plain });
    await alice.ok('chat.end', { cid: plain });
    await api.next((r) => r.path === '/v1/calls/pstn-s4' && r.body.action === 'hangup', 'the caller hung up');
    assert.ok(!api.requests.some((r) => r.path === '/v1/calls/pstn-s4' && r.body.action === 'transfer'));
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-s4', status: 'completed' });
    await alice.ok('wrapup.submit', { cid: plain, disposition: 'done' });
    await alice.ok('presence.set', { status: 'offline' });
  });

  it('refuses forged, expired, replayed, tampered and unsigned webhooks', async () => {
    const body = { uuid: 'pstn-x', from: '447700900099', to: '14155550100' };
    const cases = [
      ['forged', await signed(body, { secret: 'not-the-secret-not-the-secret-not' })],
      ['expired', await signed(body, { iat: Math.floor(Date.now() / 1000) - 3_600 })],
      ['tampered', await signed(body, { tamper: true })],
      ['another application', await signed(body, { applicationId: randomUUID() })],
      ['unsigned', { headers: { 'content-type': 'application/json' }, text: JSON.stringify(body) }],
    ] as const;
    for (const [what, request] of cases) {
      const response = await post(server, '/vonage/webhooks/answer', request);
      assert.equal(response.status, 401, what);
      assert.equal((response.body as { error: { code: string } }).error.code, 'voice/vonage-webhook', what);
    }
    const once = await signed({ uuid: 'pstn-y', status: 'ringing' }, { jti: 'same-jti' });
    assert.equal((await post(server, '/vonage/webhooks/event', once)).status, 204);
    const replayedJti = await signed({ uuid: 'pstn-y', status: 'answered' }, { jti: 'same-jti' });
    assert.equal((await post(server, '/vonage/webhooks/event', replayedJti)).status, 401);
    assert.equal(voiceInteractionOf(server, '+447700900099'), undefined);
  });

  it('mints short-lived client JWTs limited to what each subject needs', async () => {
    const key = await importSPKI(publicKey, 'RS256');
    const agent = await http(server, '/vonage/token', {
      method: 'POST',
      body: {},
      token: await staffToken('alice'),
    });
    assert.equal(agent.status, 200);
    const issued = agent.body as { token: string; user: string; expiresAt: number };
    assert.equal(issued.user, 'hl-agent-alice');
    const { payload } = await jwtVerify(issued.token, key, { algorithms: ['RS256'] });
    assert.equal(payload.sub, 'hl-agent-alice');
    assert.equal(payload.application_id, APP_ID);
    assert.equal(payload.subject, undefined, 'sub only, no extra "subject" claim');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900);
    const agentPaths = Object.keys((payload.acl as { paths: Record<string, unknown> }).paths);
    assert.ok(!agentPaths.includes('/*/devices/**') && !agentPaths.includes('/*/push/**'));
    await api.next((r) => r.path === '/v1/users' && r.body.name === 'hl-agent-alice', 'the Vonage user');

    const visitor = await visitorToken(server);
    const visitorReply = await http(server, '/vonage/token', {
      method: 'POST',
      body: {},
      token: visitor.token,
    });
    assert.equal(visitorReply.status, 200);
    const visitorJwt = await jwtVerify((visitorReply.body as { token: string }).token, key);
    assert.equal(visitorJwt.payload.sub, `hl-visitor-${visitor.id}`);
    const visitorPaths = Object.keys((visitorJwt.payload.acl as { paths: Record<string, unknown> }).paths);
    assert.ok(!visitorPaths.includes('/*/users/**'), 'visitors cannot read users');

    assert.equal((await http(server, '/vonage/token', { method: 'POST', body: {} })).status, 401);
    assert.equal(
      (await http(server, '/vonage/token', { method: 'POST', body: {}, token: 'hlv_nope' })).status,
      401,
    );
  });

  it('tells widgets and consoles to use the Vonage provider', async () => {
    const config = await http(server, '/v1/sites/shop/config');
    assert.deepEqual((config.body as { voice: unknown }).voice, { provider: 'vonage' });
  });

  it('visitor click-to-call: serverCall with the interaction joins its call; a foreign interaction is refused', async () => {
    const visitor = await visitorToken(server);
    const client = await TestClient.connect(server.socketUrl, visitor.token);
    clients.push(client);
    const { cid } = await client.ok('chat.start', { channel: 'voice', queueId: 'sales' });
    const stranger = await visitorToken(server);
    const refused = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'app-0',
      from_user: `hl-visitor-${stranger.id}`,
      custom_data: { cid },
    });
    assert.equal((refused.body as { action: string }[])[0]?.action, 'talk');

    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'app-1',
      from_user: `hl-visitor-${visitor.id}`,
      custom_data: JSON.stringify({ cid }),
    });
    assert.deepEqual(answer.body, [
      {
        action: 'conversation',
        name: `hl-${cid}`,
        startOnEnter: false,
        endOnExit: true,
        musicOnHoldUrl: [MOH],
      },
    ]);
    const alice = await online('alice');
    await alice.waitFor(isOffer(cid), 'the offer');
    await alice.ok('offer.accept', { cid });
    const ring = await api.next(
      (r) => callTo('hl-agent-alice')(r) && JSON.stringify(r.body.ncco).includes(`hl-${cid}`),
      "alice's app into the visitor's conversation",
    );
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: ring.uuid,
      status: 'answered',
    });
    await webhook(server, '/vonage/webhooks/event', { uuid: 'app-1', status: 'completed' });
    await until(() => server.hub.interaction(cid)?.state === 'ended', 'ended (sales has no wrap-up)');
    assert.equal(server.hub.interaction(cid)?.endedBy, 'visitor');
    assert.equal(server.hub.interaction(cid)?.endReason, 'completed');
    await alice.ok('presence.set', { status: 'offline' });
  });

  it("a serverCall naming the hub's call (as core's call session does) finds the visitor's voice interaction", async () => {
    const visitor = await visitorToken(server);
    const client = await TestClient.connect(server.socketUrl, visitor.token);
    clients.push(client);
    const { cid } = await client.ok('chat.start', { channel: 'voice', queueId: 'sales' });
    const call = await client.waitFor(
      (f) => f.t === 'notice' && f.notice.type === 'call' && f.notice.call.cid === cid,
      "the hub's call",
    );
    const callId = call.t === 'notice' && call.notice.type === 'call' ? call.notice.call.callId : '';
    const answer = await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'app-2',
      from_user: `hl-visitor-${visitor.id}`,
      custom_data: { cid: callId },
    });
    assert.equal((answer.body as { name?: string }[])[0]?.name, `hl-${cid}`);
    await webhook(server, '/vonage/webhooks/event', { uuid: 'app-2', status: 'completed' });
    await until(() => server.hub.interaction(cid)?.state === 'ended', 'ended');
    assert.equal(server.hub.interaction(cid)?.endReason, 'abandoned');
  });

  it('holds through the server: earmuff, mute and music; resume undoes them', async () => {
    await webhook(server, '/vonage/webhooks/answer', {
      uuid: 'pstn-8',
      from: '447700900008',
      to: '14155550100',
    });
    const cid = voiceInteractionOf(server, '+447700900008')?.id ?? '';
    const alice = await online('alice');
    await alice.waitFor(isOffer(cid), 'the offer');
    await alice.ok('offer.accept', { cid });
    const agentLeg = (
      await api.next(
        (r) => callTo('hl-agent-alice')(r) && JSON.stringify(r.body.ncco).includes('pstn-8'),
        "alice's app",
      )
    ).uuid;
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'answered',
    });
    const token = await staffToken('alice');
    const from = api.requests.length;
    assert.equal(
      (await http(server, `/vonage/calls/${cid}/hold`, { method: 'POST', body: { held: true }, token }))
        .status,
      200,
    );
    const holding = api.requests
      .slice(from)
      .map((r) => `${r.method} ${r.path} ${String(r.body.action ?? r.body.stream_url ?? '')}`);
    assert.deepEqual(holding.sort(), [
      'PUT /v1/calls/pstn-8 earmuff',
      'PUT /v1/calls/pstn-8 mute',
      `PUT /v1/calls/pstn-8/stream ${MOH}`,
    ]);
    const resumeFrom = api.requests.length;
    assert.equal(
      (await http(server, `/vonage/calls/${cid}/hold`, { method: 'POST', body: { held: false }, token }))
        .status,
      200,
    );
    const resuming = api.requests
      .slice(resumeFrom)
      .map((r) => `${r.method} ${r.path} ${String(r.body.action ?? '')}`);
    assert.deepEqual(resuming.sort(), [
      'DELETE /v1/calls/pstn-8/stream ',
      'PUT /v1/calls/pstn-8 unearmuff',
      'PUT /v1/calls/pstn-8 unmute',
    ]);
    // Only the assigned agent holds.
    const bob = await http(server, `/vonage/calls/${cid}/hold`, {
      method: 'POST',
      body: { held: true },
      token: await staffToken('bob'),
    });
    assert.equal(bob.status, 403);
    await webhook(server, '/vonage/webhooks/event', { uuid: 'pstn-8', status: 'completed' });
    await until(() => server.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });
    await alice.ok('presence.set', { status: 'offline' });
  });

  it('callback dialing: the server calls the customer and the agent app, and the phone leg decides the outcome', async () => {
    const visitor = await visitorToken(server);
    const client = await TestClient.connect(server.socketUrl, visitor.token);
    clients.push(client);
    const { cid } = await client.ok('callback.request', {
      queueId: 'sales',
      phone: '+447700900010',
      timeZone: 'Europe/London',
      slot: 'asap',
    });
    const alice = await online('alice');
    await alice.waitFor(isOffer(cid), 'the callback offer');
    await alice.ok('offer.accept', { cid });
    assert.equal(server.hub.interaction(cid)?.state, 'dialing');

    const token = await staffToken('alice');
    const bobTry = await http(server, `/vonage/callbacks/${cid}/dial`, {
      method: 'POST',
      body: {},
      token: await staffToken('bob'),
    });
    assert.equal(bobTry.status, 403);
    const dial = await http(server, `/vonage/callbacks/${cid}/dial`, { method: 'POST', body: {}, token });
    assert.equal(dial.status, 202);
    const customer = await api.next(
      (r) => r.path === '/v1/calls' && JSON.stringify(r.body.to).includes('447700900010'),
      "the customer's phone",
    );
    assert.deepEqual(customer.body.to, [{ type: 'phone', number: '447700900010' }]);
    assert.deepEqual(customer.body.from, { type: 'phone', number: '14155550100' });
    const agent = await api.next(
      (r) => callTo('hl-agent-alice')(r) && JSON.stringify(r.body.event_url).includes(cid),
      "alice's app for the callback",
    );
    assert.deepEqual(agent.body.ncco, customer.body.ncco, 'both legs meet in one conversation');
    // Dialing twice does not place a second call.
    assert.equal(
      (await http(server, `/vonage/callbacks/${cid}/dial`, { method: 'POST', body: {}, token })).status,
      202,
    );
    assert.equal(
      api.requests.filter((r) => JSON.stringify(r.body.to ?? '').includes('447700900010')).length,
      1,
    );

    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agent.uuid,
      status: 'answered',
    });
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=customer`, {
      uuid: customer.uuid,
      status: 'ringing',
    });
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=customer`, {
      uuid: customer.uuid,
      status: 'answered',
    });
    await until(() => server.hub.interaction(cid)?.state === 'active', 'the callback active');
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=customer`, {
      uuid: customer.uuid,
      status: 'completed',
    });
    await until(() => server.hub.interaction(cid)?.state === 'completed', 'completed (sales has no wrap-up)');
    assert.equal(server.hub.interaction(cid)?.endReason, 'completed');
    await api.next(
      (r) => r.path === `/v1/calls/${agent.uuid}` && r.body.action === 'hangup',
      "hang up alice's leg",
    );
    await alice.ok('presence.set', { status: 'offline' });
  });

  it('callback dialing: a busy phone is no answer, and a refused dial fails the attempt', async () => {
    const visitor = await visitorToken(server);
    const client = await TestClient.connect(server.socketUrl, visitor.token);
    clients.push(client);
    const { cid } = await client.ok('callback.request', {
      queueId: 'sales',
      phone: '+447700900011',
      timeZone: 'Europe/London',
      slot: 'asap',
    });
    const bob = await online('bob');
    await bob.waitFor(isOffer(cid), 'the callback offer');
    await bob.ok('offer.accept', { cid });
    const token = await staffToken('bob');
    await http(server, `/vonage/callbacks/${cid}/dial`, { method: 'POST', body: {}, token });
    const customer = await api.next(
      (r) => JSON.stringify(r.body.to ?? '').includes('447700900011'),
      'the phone',
    );
    const agent = await api.next(
      (r) => callTo('hl-agent-bob')(r) && JSON.stringify(r.body.event_url).includes(cid),
      "bob's app",
    );
    await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=customer`, {
      uuid: customer.uuid,
      status: 'busy',
    });
    await until(() => server.hub.interaction(cid)?.state === 'retry-wait', 'retry-wait');
    await api.next(
      (r) => r.path === `/v1/calls/${agent.uuid}` && r.body.action === 'hangup',
      "hang up bob's leg",
    );
    await bob.ok('presence.set', { status: 'offline' });
  });
});

describe('Vonage off', () => {
  it('the site config says webrtc and the Vonage routes are not there', async () => {
    const server = await startTestServer();
    try {
      const config = await http(server, '/v1/sites/shop/config');
      assert.deepEqual((config.body as { voice: unknown }).voice, { provider: 'webrtc' });
      assert.equal((await http(server, '/vonage/webhooks/answer', { method: 'POST', body: {} })).status, 404);
    } finally {
      await server.close();
    }
  });

  it('a vonage section without its secrets stops the server from starting, naming the setting', async () => {
    const api = await startFakeVonageApi(publicKey);
    try {
      await assert.rejects(
        startTestServer({
          config: vonageConfig(api.url),
          env: { SHOP_IDENTITY_SECRET, VONAGE_PRIVATE_KEY: privateKey },
        }),
        /VONAGE_SIGNATURE_SECRET is not set/,
      );
    } finally {
      await api.close();
    }
  });
});
