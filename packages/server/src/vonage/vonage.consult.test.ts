// Consulting and transferring to a phone number on Vonage calls, against the fake Vonage API: the REST calls and
// NCCOs of consult, merge, warm and cold transfer; the dial policy's refusals for a consulted number; and the hub's
// bookkeeping (the leaving agent's call ends `transferred`).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createAgentSession, createVisitorSession, isHelplineError, type Queue } from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate } from '@helpline/core/hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import { importPKCS8, SignJWT } from 'jose';
import * as v from 'valibot';
import { outboundConfigSchema } from '../outbound/outbound.config';
import { createDialPolicy } from '../outbound/outbound.policy';
import { createVonageApi } from './vonage.api';
import { createVonageConsultTelephony } from './vonage.consult';
import { type FakeApiRequest, type FakeVonageApi, startFakeVonageApi } from './vonage.fake-api';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const LEGS = {
  conversation: 'helpline-conv-1',
  customerLeg: 'leg-customer',
  agentLeg: 'leg-agent',
  ourNumber: '447700900000',
};
const NUMBER = '+442079460958';
const NOON = Date.parse('2026-07-01T12:00:00Z');

type Action = Record<string, unknown>;
const nccoOf = (request: FakeApiRequest): Action[] =>
  request.method === 'POST'
    ? (request.body.ncco as Action[])
    : (request.body.destination as { ncco: Action[] }).ncco;

describe('consult and transfer to a number on Vonage calls', () => {
  let api: FakeVonageApi;
  before(async () => {
    api = await startFakeVonageApi(publicKey);
  });
  after(() => api.close());

  async function setup(at = NOON) {
    api.requests.length = 0;
    const key = await importPKCS8(privateKey, 'RS256');
    const vonageApi = createVonageApi({
      baseUrl: api.url,
      appToken: () =>
        new SignJWT({ application_id: 'app-1' })
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
          .setIssuedAt()
          .setJti(crypto.randomUUID())
          .sign(key),
    });
    const config = v.parse(outboundConfigSchema, {
      callerId: '+442079460000',
      defaultRegion: 'GB',
      queues: { [supportQueue.id]: {} },
    });
    const listed = new Set(['+442079460999']);
    const queues: Queue[] = [supportQueue];
    const check = createDialPolicy({ config, queues, doNotCall: { has: async (n) => listed.has(n) } });
    let report: (cid: string, legId: string, event: 'answered' | 'ended') => Promise<boolean> = async () =>
      false;
    const telephony = createVonageConsultTelephony({
      api: vonageApi,
      check,
      queues,
      legsOf: () => LEGS,
      eventUrl: (cid, legId) => `https://helpline.example/vonage/webhooks/event?cid=${cid}&consult=${legId}`,
      report: (cid, legId, event) => report(cid, legId, event),
      musicOnHoldUrl: 'https://helpline.example/hold.mp3',
      now: () => at,
    });
    const clock = createTestClock();
    const hub = createHub({
      queues,
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
      telephony,
    });
    report = (cid, legId, event) => hub.consultEvent(cid, legId, event);
    const base = { clock, random: () => 0.5 };
    const alice = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
    });
    const visitor = createVisitorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
    });
    await alice.setPresence('available');
    const cid = await visitor.startChat({ channel: 'voice' });
    const { call } = await visitor.connection.command('call.attach', { cid });
    assert.ok(call);
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
    await alice.accept(cid);
    for (const party of [visitor, alice]) {
      await party.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
    }
    const ref = { cid, callId: call.callId };
    const close = () => {
      alice.close();
      visitor.close();
      hub.close();
    };
    return { telephony, hub, alice, ref, close, vonageApi };
  }

  const put = (leg: string, match: (body: Record<string, unknown>) => boolean, what: string) =>
    api.next((r) => r.method === 'PUT' && r.path === `/v1/calls/${leg}` && match(r.body), what);

  it('consults the number from the queue’s caller ID with the customer held, merges, and transfers warm', async () => {
    const context = await setup();
    const { telephony, alice, ref, close } = context;
    try {
      const { call, leg } = await alice.connection.command('call.consult', {
        ...ref,
        to: { kind: 'external', number: '020 7946 0958' },
      });
      assert.equal(call.state, 'consulting');
      assert.deepEqual(leg.party, { kind: 'external', id: NUMBER });
      await put(LEGS.customerLeg, (b) => b.action === 'earmuff', 'the customer earmuffed');
      await put(LEGS.customerLeg, (b) => b.action === 'mute', 'the customer muted');
      const placed = await api.next((r) => r.method === 'POST' && r.path === '/v1/calls', 'the phone leg');
      assert.deepEqual(placed.body.to, [{ type: 'phone', number: '442079460958' }]);
      assert.deepEqual(placed.body.from, { type: 'phone', number: '442079460000' }, 'the queue’s caller ID');
      const [consult] = nccoOf(placed);
      assert.equal(consult?.name, LEGS.conversation);
      assert.equal(consult?.endOnExit, false);
      assert.deepEqual([consult?.canHear, consult?.canSpeak], [[LEGS.agentLeg], [LEGS.agentLeg]]);
      assert.match(String((placed.body.event_url as string[])[0]), new RegExp(`consult=${leg.legId}$`));
      const phoneLeg = placed.uuid;
      assert.ok(phoneLeg);

      await telephony.event(ref.cid, leg.legId, 'answered');
      const { hub } = context;
      assert.equal(
        await hub.consultEvent(ref.cid, leg.legId, 'answered'),
        true,
        'an answer repeated: no news',
      );
      const merged = await alice.connection.command('call.merge', ref);
      assert.equal(merged.call.state, 'conferenced');
      const everyone = await put(phoneLeg, (b) => b.action === 'transfer', 'the phone leg merged');
      assert.deepEqual(nccoOf(everyone)[0]?.canHear, undefined, 'everyone hears everyone');
      await put(LEGS.customerLeg, (b) => b.action === 'unearmuff', 'the customer resumed');

      const moved = await alice.connection.command('call.transfer', ref);
      assert.deepEqual([moved.call.state, moved.call.endReason], ['ended', 'transferred']);
      const together = `${LEGS.conversation}-t-${leg.legId}`;
      await put(
        LEGS.customerLeg,
        (b) => b.action === 'transfer' && nccoOf({ ...everyone, body: b })[0]?.name === together,
        'the customer moved to the number',
      );
      await put(
        phoneLeg,
        (b) => b.action === 'transfer' && nccoOf({ ...everyone, body: b })[0]?.name === together,
        'the number moved to the customer',
      );
      await put(LEGS.agentLeg, (b) => b.action === 'hangup', 'the agent’s leg hung up');
    } finally {
      close();
    }
  });

  it('transfers cold before the number picks up: the customer’s leg connects the number itself', async () => {
    const { telephony, alice, ref, close } = await setup();
    try {
      const { leg } = await alice.connection.command('call.consult', {
        ...ref,
        to: { kind: 'external', number: NUMBER },
      });
      const placed = await api.next((r) => r.method === 'POST' && r.path === '/v1/calls', 'the phone leg');
      // The hub's call.transfer waits for the consult to be answered; the port itself handles a ringing leg.
      assert.equal(leg.state, 'ringing');
      await telephony.transfer(leg);
      await put(String(placed.uuid), (b) => b.action === 'hangup', 'the unanswered phone leg hung up');
      const cold = await put(LEGS.customerLeg, (b) => b.action === 'transfer', 'the customer transferred');
      const [connect] = nccoOf(cold);
      assert.equal(connect?.action, 'connect');
      assert.equal(connect?.from, '442079460000');
      assert.deepEqual(connect?.endpoint, [{ type: 'phone', number: '442079460958' }]);
      await put(LEGS.agentLeg, (b) => b.action === 'hangup', 'the agent’s leg hung up');
    } finally {
      close();
    }
  });

  it('hangs up a number that picks up once its consult is over (it rang out while no server ran)', async () => {
    const { hub, vonageApi, ref, close } = await setup();
    try {
      // The phone leg as a restarted gateway carried it; the hub's leg ended before the gateway took it back.
      const kept = new Map([[ref.cid, { legId: 'k_rang_out', callerId: NUMBER }]]);
      const telephony = createVonageConsultTelephony({
        api: vonageApi,
        check: async () => assert.fail('no number is checked'),
        queues: [supportQueue],
        legsOf: () => LEGS,
        phoneLegs: {
          get: (cid) => kept.get(cid),
          set: (cid, leg) => (leg ? kept.set(cid, leg) : kept.delete(cid)),
          ready: async () => undefined,
        },
        eventUrl: () => 'https://helpline.example/vonage/webhooks/event',
        report: (cid, legId, event) => hub.consultEvent(cid, legId, event),
        now: () => NOON,
      });
      // Its uuid is learnt from the webhook (the server stopped before Vonage's answer to the request was stored).
      await telephony.event(ref.cid, 'k_rang_out', 'answered', 'leg-phone-late');
      await put('leg-phone-late', (b) => b.action === 'hangup', 'the late number hung up');
      assert.equal(kept.get(ref.cid), undefined, 'forgotten');
    } finally {
      close();
    }
  });

  it('hangs up the phone leg and resumes the customer on return', async () => {
    const { alice, ref, close } = await setup();
    try {
      await alice.connection.command('call.consult', { ...ref, to: { kind: 'external', number: NUMBER } });
      const placed = await api.next((r) => r.method === 'POST' && r.path === '/v1/calls', 'the phone leg');
      const back = await alice.connection.command('call.return', ref);
      assert.equal(back.call.state, 'active');
      await put(String(placed.uuid), (b) => b.action === 'hangup', 'the phone leg hung up');
      await put(LEGS.customerLeg, (b) => b.action === 'unmute', 'the customer resumed');
    } finally {
      close();
    }
  });

  it('refuses a number on the do-not-call list or outside calling hours, calling nobody', async () => {
    for (const [at, number, code] of [
      [NOON, '+442079460999', 'dial/do-not-call'],
      [Date.parse('2026-07-01T20:30:00Z'), NUMBER, 'dial/outside-hours'],
    ] as const) {
      const { alice, ref, close } = await setup(at);
      try {
        await assert.rejects(
          alice.connection.command('call.consult', { ...ref, to: { kind: 'external', number } }),
          (error: unknown) => isHelplineError(error) && error.code === code,
        );
        // (A late resume of the previous test's call may still arrive: only a placement or a hold would be ours.)
        assert.ok(
          !api.requests.some((r) => r.method === 'POST' || r.body.action === 'earmuff'),
          `${code}: nothing called, nobody held`,
        );
      } finally {
        close();
      }
    }
  });
});
