// Supervisor legs on Vonage calls, against the fake Vonage API (typed from the SDK's requests): the supervisor's app
// leg joins the call's conversation with hearing and speaking rights per mode, switches by a transfer of its own leg
// only, and is hung up when the supervisor stops.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createAgentSession, createSupervisorSession, createVisitorSession } from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate } from '@helpline/core/hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import { importPKCS8, SignJWT } from 'jose';
import { createVonageApi } from './vonage.api';
import { type FakeApiRequest, type FakeVonageApi, startFakeVonageApi } from './vonage.fake-api';
import { createVonageSupervision, supervisorNcco } from './vonage.supervision';
import { vonageUserOf } from './vonage.tokens';

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

type Conversation = { canHear: string[]; canSpeak: string[]; name: string; endOnExit: boolean };
const conversationOf = (request: FakeApiRequest): Conversation => {
  const ncco =
    request.method === 'POST'
      ? (request.body.ncco as Conversation[])
      : (request.body.destination as { ncco: Conversation[] }).ncco;
  const action = ncco[0];
  assert.ok(action);
  return action;
};

describe('supervisor legs on Vonage calls', () => {
  let api: FakeVonageApi;
  before(async () => {
    api = await startFakeVonageApi(publicKey);
  });
  after(() => api.close());

  it('builds the conversation action of each mode from the who-hears-whom table', () => {
    const legs = { customerLeg: 'c', agentLeg: 'a' };
    const rights = (mode: 'monitoring' | 'whispering' | 'barging') => {
      const [action] = supervisorNcco('conv', mode, legs);
      assert.ok(action?.action === 'conversation');
      return [action.canHear, action.canSpeak];
    };
    assert.deepEqual(rights('monitoring'), [['c', 'a'], []]);
    assert.deepEqual(rights('whispering'), [['c', 'a'], ['a']]);
    assert.deepEqual(rights('barging'), [
      ['c', 'a'],
      ['c', 'a'],
    ]);
  });

  it('joins, switches and leaves through the Vonage API with hear and speak rights per mode', async () => {
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
    let vonageCid = '';
    const port = createVonageSupervision({
      api: vonageApi,
      legsOf: (cid) => (cid === vonageCid ? LEGS : undefined),
      eventUrl: (leg) => `https://helpline.example/vonage/event?supervision=${leg.legId}`,
    });
    const clock = createTestClock();
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
      supervision: { vonage: port },
    });
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
    const sam = createSupervisorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:supervisor:sam:Sam',
    });
    try {
      await alice.setPresence('available');
      const cid = await visitor.startChat({ channel: 'voice' });
      vonageCid = cid;
      const { call } = await visitor.connection.command('call.attach', { cid });
      assert.ok(call);
      await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
      await alice.accept(cid);
      for (const party of [visitor, alice]) {
        await party.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
      }

      const leg = await sam.supervision.start(cid, 'monitoring');
      assert.equal(leg.media, 'vonage');
      const placed = await api.next(
        (r) => r.method === 'POST' && r.path === '/v1/calls',
        'the supervisor leg',
      );
      assert.deepEqual(placed.body.to, [
        { type: 'app', user: vonageUserOf({ id: 'sam', role: 'supervisor' }) },
      ]);
      const monitoring = conversationOf(placed);
      assert.equal(monitoring.name, LEGS.conversation);
      assert.equal(monitoring.endOnExit, false, 'the supervisor leaving never ends the call');
      assert.deepEqual(monitoring.canHear, [LEGS.customerLeg, LEGS.agentLeg], 'hears both');
      assert.deepEqual(monitoring.canSpeak, [], 'heard by nobody');
      const supervisorLeg = placed.uuid;
      assert.ok(supervisorLeg);

      await sam.supervision.setMode(cid, 'whispering');
      const whisper = await api.next(
        (r) => r.method === 'PUT' && r.path === `/v1/calls/${supervisorLeg}` && r.body.action === 'transfer',
        'the whisper transfer',
      );
      assert.deepEqual(conversationOf(whisper).canSpeak, [LEGS.agentLeg], 'heard by the agent only');

      await sam.supervision.setMode(cid, 'barging');
      const barge = await api.next(
        (r) =>
          r.method === 'PUT' &&
          r.path === `/v1/calls/${supervisorLeg}` &&
          r.body.action === 'transfer' &&
          conversationOf(r).canSpeak.length === 2,
        'the barge transfer',
      );
      assert.deepEqual(conversationOf(barge).canSpeak, [LEGS.customerLeg, LEGS.agentLeg], 'heard by both');
      assert.deepEqual(conversationOf(barge).canHear, [LEGS.customerLeg, LEGS.agentLeg]);

      await sam.supervision.stop(cid);
      await api.next(
        (r) => r.method === 'PUT' && r.path === `/v1/calls/${supervisorLeg}` && r.body.action === 'hangup',
        'the supervisor leg hung up',
      );
      // Only the supervisor's own leg was ever touched: the customer's and the agent's legs never were.
      assert.ok(
        !api.requests.some((r) => r.path.endsWith(LEGS.customerLeg) || r.path.endsWith(LEGS.agentLeg)),
      );
      // No browser leg: the agent's browser mixes nothing and, monitoring by default, is not told.
      assert.ok(!JSON.stringify(Object.values(alice.supervision.$legs.get())).includes('monitoring'));
      const audit = await sam.supervision.audit({ cid });
      assert.deepEqual(
        audit.map((entry) => entry.action),
        ['end', 'mode', 'mode', 'start'],
      );
    } finally {
      for (const session of [alice, visitor, sam]) session.close();
      hub.close();
    }
  });
});
