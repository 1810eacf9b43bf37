// Vonage calls through a restart: the gateway stores each call (its legs and where it stands, `vonage_calls`), so
// the server started again on the same database carries a call being talked on: the agent's hang-up still ends it
// and hangs up the caller, and a caller who hung up while no server ran is caught up from Vonage's own record of
// the leg. A real server on PGlite, the loopback fake of the Vonage REST API, signed webhooks, agents on sockets.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { until } from '../cluster/cluster.testing';
import type { ConfigInput } from '../config/config';
import type { HelplineServer } from '../server';
import { freshPgliteDir } from '../testing/databases';
import {
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../testing/harness';
import { type FakeApiRequest, postVonageWebhook, startFakeVonageApi } from './vonage.fake-api';
import { eventually, storedVonageCall, talkingPhoneCall, vonageTestKeys } from './vonage.testing';

const APP_ID = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';
const SECRET = 'vonage-signature-secret-for-restore-tests';
const { privateKey, publicKey } = vonageTestKeys();
const ENV = { SHOP_IDENTITY_SECRET, VONAGE_PRIVATE_KEY: privateKey, VONAGE_SIGNATURE_SECRET: SECRET };

async function webhook(server: HelplineServer, path: string, body: object): Promise<number> {
  const response = await postVonageWebhook(`${server.url}${path}`, body, {
    applicationId: APP_ID,
    secret: SECRET,
  });
  await response.arrayBuffer();
  return response.status;
}

const storedCall = (server: HelplineServer, cid: string) => storedVonageCall(server.storage.sql, cid);

const hangUpOf = (leg: string) => (request: FakeApiRequest) =>
  request.method === 'PUT' && request.path === `/v1/calls/${leg}` && request.body.action === 'hangup';

describe('Vonage calls through a restart of the server', async () => {
  const api = await startFakeVonageApi(publicKey);
  const config = {
    ...TEST_CONFIG,
    queues: [
      ...TEST_CONFIG.queues,
      { id: 'claims', name: 'Claims', recording: 'always' },
      { id: 'line', name: 'Line', voicemail: { afterSeconds: 5, maxSeconds: 30 } },
      { id: 'care', name: 'Care', survey: { keypad: true } },
    ],
    // One agent per scenario: each earlier one leaves its agent in wrap-up.
    agents: [
      ...(TEST_CONFIG.agents ?? []),
      { id: 'carol', name: 'Carol' },
      { id: 'dave', name: 'Dave' },
      { id: 'erin', name: 'Erin' },
      { id: 'frank', name: 'Frank' },
      { id: 'gina', name: 'Gina' },
      { id: 'hank', name: 'Hank' },
      { id: 'ivy', name: 'Ivy' },
      { id: 'jules', name: 'Jules' },
    ],
    // Click-to-dial on Vonage: the phone leg from this caller ID.
    outbound: { callerId: '+442079460000', callingHours: false },
    vonage: {
      applicationId: APP_ID,
      privateKeyEnv: 'VONAGE_PRIVATE_KEY',
      webhookBaseUrl: 'https://help.example',
      apiBaseUrl: api.url,
      musicOnHoldUrl: 'https://help.example/hold.mp3',
      numbers: [
        { number: '+14155550100', queueId: 'support' },
        { number: '+14155550111', queueId: 'claims' },
        { number: '+14155550133', queueId: 'line' },
        { number: '+14155550122', queueId: 'care' },
      ],
    },
  } as ConfigInput;
  const dataDir = await freshPgliteDir();
  const open: HelplineServer[] = [];
  const clients: TestClient[] = [];
  after(async () => {
    for (const client of clients) client.close();
    for (const server of open) await server.close();
    await api.close();
  });

  async function start(logLines?: string[]): Promise<HelplineServer> {
    const server = await startTestServer({
      config,
      env: ENV,
      storage: { kind: 'pglite', dataDir },
      ...(logLines ? { logLines } : {}),
    });
    open.push(server);
    return server;
  }

  async function stop(server: HelplineServer): Promise<void> {
    open.splice(open.indexOf(server), 1);
    await server.close();
  }

  async function agent(server: HelplineServer, id: string): Promise<TestClient> {
    const client = await TestClient.connect(server.socketUrl, await staffToken(id), {
      site: '',
      origin: null,
    });
    clients.push(client);
    return client;
  }

  /** A phone call answered by `agentId` and talked on; the agent's console closes (as at a restart). */
  async function talking(
    server: HelplineServer,
    callerLeg: string,
    from: string,
    agentId: string,
    to = '14155550100',
  ) {
    const console = await agent(server, agentId);
    const call = await talkingPhoneCall(
      {
        api,
        webhook: (path, body) => webhook(server, path, body),
        hub: server.hub,
        sql: server.storage.sql,
        console,
      },
      { callerLeg, from, to },
    );
    console.close();
    return call;
  }

  /** The agent hangs up in the softphone: Vonage reports the agent's leg completed; the interaction wraps up. */
  async function agentHangsUp(server: HelplineServer, cid: string, agentLeg: string): Promise<void> {
    assert.equal(
      await webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
        uuid: agentLeg,
        status: 'completed',
      }),
      204,
    );
    await until(() => server.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
  }

  it('a call being talked on goes on: the agent hanging up after the restart ends it and hangs up the caller', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid, agentLeg } = await talking(first, 'pstn-r1', '447700900031', 'alice');
    await stop(first);

    const lines: string[] = [];
    const second = await start(lines);
    await until(
      () => lines.some((line) => line.includes('vonage.call-carried-on')),
      'the call carried on',
      10_000,
    );
    assert.ok(lines.some((line) => line.includes('vonage.calls-restored')));
    const stored = await storedCall(second, cid);
    assert.deepEqual(
      [stored?.conversation, stored?.customerLeg, stored?.agentLeg, stored?.agentId, stored?.ended],
      ['hl-pstn-r1', 'pstn-r1', agentLeg, 'alice', false],
    );
    assert.equal(second.hub.interaction(cid)?.state, 'active', 'the interaction is still being talked on');
    const alice = await agent(second, 'alice');
    const attached = (await alice.ok('call.attach', { cid })) as { call?: { state?: string } };
    assert.equal(attached.call?.state, 'active', "the same call, active in alice's console again");

    const hangUps = api.requests.filter(hangUpOf('pstn-r1')).length;
    await agentHangsUp(second, cid, agentLeg);
    assert.equal(second.hub.interaction(cid)?.endedBy, 'agent');
    await until(() => api.requests.filter(hangUpOf('pstn-r1')).length > hangUps, 'the caller hung up');
    await eventually(async () => (await storedCall(second, cid)) === undefined, 'the row deleted');
    await alice.ok('wrapup.submit', { cid, disposition: 'done' });
    // Her presence outlives a restart: offline, so the next test's call is offered to bob.
    await alice.ok('presence.set', { status: 'offline' });
    await stop(second);
  });

  it('a caller who hung up while no server ran: the call ends once one runs again, by the caller', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid, agentLeg } = await talking(first, 'pstn-r2', '447700900032', 'bob');
    await stop(first);
    // Vonage reported the hang-up to a webhook URL with no server behind it.
    api.setLegStatus('pstn-r2', 'completed');

    const lines: string[] = [];
    const second = await start(lines);
    await until(() => second.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
    assert.equal(second.hub.interaction(cid)?.endedBy, 'visitor');
    await api.next(hangUpOf(agentLeg), "the agent's leg hung up");
    assert.ok(lines.some((line) => line.includes('vonage.leg-caught-up')));
    await eventually(async () => (await storedCall(second, cid)) === undefined, 'the row deleted');
    await stop(second);
  });

  it('a recording Vonage posts after the restart is still kept: the call stays stored until its segment is', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid } = await talking(first, 'pstn-r3', '447700900033', 'alice', '14155550111');
    // The claims queue records every call from its connection: the caller's leg goes to `record` + conversation.
    const transfer = await api.next(
      (r) => r.path === '/v1/calls/pstn-r3' && r.body.action === 'transfer',
      'the recording started',
    );
    const ncco = (transfer.body.destination as { ncco: { action: string; eventUrl?: string[] }[] }).ncco;
    const recordingUrl = ncco.find((action) => action.action === 'record')?.eventUrl?.[0] ?? '';
    assert.match(recordingUrl, /segment=/);
    await webhook(first, '/vonage/webhooks/event', { uuid: 'pstn-r3', status: 'completed' });
    await until(() => first.hub.interaction(cid)?.state === 'wrap-up', 'the caller hung up');
    await eventually(
      async () => Object.keys((await storedCall(first, cid))?.pendingSegments ?? {}).length === 1,
      'the call kept for its segment',
    );
    await stop(first);

    // Vonage posts the recording once the call is over, to whichever server answers now.
    const second = await start();
    await until(() => second.hub.interaction(cid) !== undefined, 'restored');
    const audio = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, ...new Array(200).fill(7)]);
    const path = recordingUrl.replace('https://help.example', '');
    assert.equal(
      await webhook(second, path, { recording_url: api.addRecording(audio), size: audio.length }),
      204,
    );
    const stored = async () =>
      (
        await second.storage.sql.query<{ bytes: string | number }>(
          'SELECT bytes FROM recordings WHERE cid = $1',
          [cid],
        )
      ).map((row) => Number(row.bytes));
    await eventually(async () => (await stored()).join() === String(audio.length), 'the recording stored');
    await eventually(async () => (await storedCall(second, cid)) === undefined, 'the row deleted');
    await stop(second);
  });

  it('a caller waiting in line stays in line: after the restart an agent who accepts is rung into their call', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    assert.equal(
      await webhook(first, '/vonage/webhooks/answer', {
        uuid: 'pstn-r4',
        from: '447700900034',
        to: '14155550100',
      }),
      200,
    );
    api.setLegStatus('pstn-r4', 'answered');
    const cid = first.hub.interactions().find((i) => i.customer.phone === '+447700900034')?.id ?? '';
    assert.ok(cid);
    await eventually(async () => (await storedCall(first, cid)) !== undefined, 'the waiting call stored');
    await stop(first);

    const second = await start();
    await until(() => second.hub.interaction(cid)?.state === 'queued', 'still in line');
    const carol = await agent(second, 'carol');
    await carol.ok('presence.set', { status: 'available' });
    await carol.waitFor(
      (frame) =>
        frame.t === 'notice' && frame.notice.type === 'offer' && frame.notice.offer.interaction.id === cid,
      'the offer',
    );
    await carol.ok('offer.accept', { cid });
    const ring = await api.next(
      (r) =>
        r.method === 'POST' && r.path === '/v1/calls' && JSON.stringify(r.body.ncco).includes('hl-pstn-r4'),
      "carol's app leg into the caller's conversation",
    );
    assert.deepEqual(ring.body.to, [{ type: 'app', user: 'hl-agent-carol' }]);
    await webhook(second, '/vonage/webhooks/event', { uuid: 'pstn-r4', status: 'completed' });
    await until(() => second.hub.interaction(cid)?.state === 'wrap-up', 'the caller hung up');
    await api.next(hangUpOf(ring.uuid as string), "carol's leg hung up");
    await carol.ok('wrapup.submit', { cid, disposition: 'done' });
    await carol.ok('presence.set', { status: 'offline' });
    await stop(second);
  });

  it("a waiting caller's voicemail is still offered when the queue's wait runs out, counted from before the restart", {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    assert.equal(
      await webhook(first, '/vonage/webhooks/answer', {
        uuid: 'pstn-r5',
        from: '447700900035',
        to: '14155550133',
      }),
      200,
    );
    const cid = first.hub.interactions().find((i) => i.customer.phone === '+447700900035')?.id ?? '';
    await eventually(async () => (await storedCall(first, cid)) !== undefined, 'the waiting call stored');
    // Half the queue's 5 s wait passes before the server stops.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stop(first);

    const since = api.requests.length;
    const second = await start();
    const restartedAt = Date.now();
    const transfer = await api.next(
      (r) =>
        api.requests.indexOf(r) >= since && r.path === '/v1/calls/pstn-r5' && r.body.action === 'transfer',
      'the caller moved to voicemail',
      10_000,
    );
    assert.match(JSON.stringify(transfer.body.destination), /nobody is free to take your call/);
    // The rest of the wait, not all of it again (that would be 5 s from the restart).
    assert.ok(Date.now() - restartedAt < 3_500, `moved ${Date.now() - restartedAt} ms after the restart`);
    await until(() => second.hub.interaction(cid)?.state === 'ended', 'the waiting call left the line');
    await stop(second);
  });

  it('a call an agent dialled goes on: after the restart the far end hanging up ends it, by the customer', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const dave = await agent(first, 'dave');
    await dave.ok('presence.set', { status: 'available' });
    const { cid } = (await dave.ok('voice.dial', { number: '+44 20 7946 0958' })) as { cid: string };
    const phone = await api.next(
      (r) => r.path === '/v1/calls' && JSON.stringify(r.body.to).includes('442079460958'),
      'the phone leg',
    );
    const app = await api.next(
      (r) => r.path === '/v1/calls' && JSON.stringify(r.body.event_url ?? '').includes(`${cid}&leg=agent`),
      "dave's app leg",
    );
    const [phoneLeg, appLeg] = [phone.uuid as string, app.uuid as string];
    const event = (server: HelplineServer, leg: 'customer' | 'agent', uuid: string, status: string) =>
      webhook(server, `/vonage/webhooks/event?cid=${cid}&leg=${leg}`, { uuid, status });
    await event(first, 'agent', appLeg, 'answered');
    await event(first, 'customer', phoneLeg, 'answered');
    api.setLegStatus(appLeg, 'answered');
    api.setLegStatus(phoneLeg, 'answered');
    await eventually(
      async () => (await storedCall(first, cid))?.customerAnswered === true,
      'the call stored',
    );
    assert.equal(first.hub.interaction(cid)?.state, 'active');
    dave.close();
    await stop(first);

    const second = await start();
    await until(() => second.hub.interaction(cid)?.state === 'active', 'restored, still active');
    const back = await agent(second, 'dave');
    const attached = (await back.ok('call.attach', { cid })) as { call?: { state?: string } };
    assert.equal(attached.call?.state, 'active', 'the same call, in his console again');
    await event(second, 'customer', phoneLeg, 'completed');
    await until(() => second.hub.interaction(cid)?.state === 'wrap-up', 'wrap-up');
    assert.equal(second.hub.interaction(cid)?.endedBy, 'visitor');
    await api.next(hangUpOf(appLeg), "dave's leg hung up");
    await stop(second);
  });

  it('a caller in the keypad survey answers after the restart: the rating is recorded, and the row goes', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid, agentLeg } = await talking(first, 'pstn-r6', '447700900036', 'erin', '14155550122');
    // Erin hangs up: the caller's leg goes to the survey instead of hanging up.
    await webhook(first, `/vonage/webhooks/event?cid=${cid}&leg=agent`, {
      uuid: agentLeg,
      status: 'completed',
    });
    await api.next(
      (r) => r.path === '/v1/calls/pstn-r6' && r.body.action === 'transfer',
      'the caller transferred to the survey',
    );
    await eventually(async () => (await storedCall(first, cid))?.survey !== undefined, 'the survey stored');
    await stop(first);

    const second = await start();
    const response = await postVonageWebhook(
      `${second.url}/vonage/webhooks/survey?cid=${cid}&step=rating`,
      { uuid: 'pstn-r6', dtmf: { digits: '4', timed_out: false } },
      { applicationId: APP_ID, secret: SECRET },
    );
    assert.deepEqual(await response.json(), [
      { action: 'talk', text: 'Thank you for your feedback. Goodbye.', language: 'en-US' },
    ]);
    assert.equal(second.hub.interaction(cid)?.csat?.score, 4, 'recorded as the caller');
    await eventually(async () => (await storedCall(second, cid)) === undefined, 'the row deleted');
    await stop(second);
  });

  it('a call on hold stays on hold: the resume after the restart stops the hold music', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid } = await talking(first, 'pstn-r7', '447700900037', 'frank');
    const hold = async (server: HelplineServer, held: boolean) => {
      const response = await fetch(`${server.url}/vonage/calls/${cid}/hold`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await staffToken('frank')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ held }),
      });
      assert.equal(response.status, 200, await response.text());
    };
    await hold(first, true);
    await eventually(async () => (await storedCall(first, cid))?.streaming === true, 'the hold stored');
    await stop(first);

    const since = api.requests.length;
    const second = await start();
    await until(() => second.hub.interaction(cid)?.state === 'active', 'restored');
    await hold(second, false);
    const after = api.requests
      .slice(since)
      .map((r) => `${r.method} ${r.path} ${String(r.body.action ?? '')}`);
    assert.ok(after.includes('DELETE /v1/calls/pstn-r7/stream '), `the music stopped: ${after.join(', ')}`);
    assert.ok(after.includes('PUT /v1/calls/pstn-r7 unearmuff'), 'the caller hears again');
    await stop(second);
  });

  it('a restore that fails (the stored calls unreadable) is tried again, and then carries the call on', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid, agentLeg } = await talking(first, 'pstn-r8', '447700900038', 'gina');
    // The table is away when the next server starts: its first restore fails.
    await first.storage.sql.exec('ALTER TABLE vonage_calls RENAME TO vonage_calls_away');
    await stop(first);

    const lines: string[] = [];
    const second = await start(lines);
    await until(
      () => lines.some((line) => line.includes('vonage.restore-failed')),
      'a failed restore',
      10_000,
    );
    await second.storage.sql.exec('ALTER TABLE vonage_calls_away RENAME TO vonage_calls');
    await until(
      () => lines.some((line) => line.includes('vonage.call-carried-on')),
      'the call carried on',
      10_000,
    );
    await agentHangsUp(second, cid, agentLeg);
    assert.equal(second.hub.interaction(cid)?.endedBy, 'agent');
    await stop(second);
  });

  /** `agentId` talks on a phone call and consults +44 20 7946 0958; the server stops with the number ringing. */
  async function consultingThenDown(callerLeg: string, from: string, agentId: string) {
    const first = await start();
    const staff = await agent(first, agentId);
    const { cid, agentLeg } = await talkingPhoneCall(
      {
        api,
        webhook: (path, body) => webhook(first, path, body),
        hub: first.hub,
        sql: first.storage.sql,
        console: staff,
      },
      { callerLeg, from, to: '14155550100' },
    );
    const callId = (await staff.ok('call.attach', { cid })).call?.callId ?? '';
    const { leg } = await staff.ok('call.consult', {
      cid,
      callId,
      to: { kind: 'external', number: '+442079460958' },
    });
    const placed = await api.next(
      (request) =>
        request.method === 'POST' &&
        request.path === '/v1/calls' &&
        JSON.stringify(request.body.to).includes('442079460958') &&
        JSON.stringify(request.body.ncco).includes(`hl-${callerLeg}`),
      'the phone leg of the consult',
    );
    const phoneLeg = placed.uuid as string;
    await eventually(
      async () => (await storedCall(first, cid))?.consult?.uuid === phoneLeg,
      'the consult stored with the call',
    );
    staff.close();
    await stop(first);
    return { cid, callId, agentLeg, legId: leg.legId, phoneLeg };
  }

  /** The agent wraps up and goes offline, leaving the next scenario the line. */
  async function doneWith(staff: TestClient, cid: string): Promise<void> {
    await staff.ok('wrapup.submit', { cid, disposition: 'done' });
    await staff.ok('presence.set', { status: 'offline' });
  }

  it('a consult to a number goes on: its answer after the restart reaches the agent, whose return hangs it up', {
    timeout: 60_000,
  }, async () => {
    const { cid, callId, agentLeg, legId, phoneLeg } = await consultingThenDown(
      'pstn-r9',
      '447700900039',
      'hank',
    );
    const second = await start();
    api.setLegStatus(phoneLeg, 'answered');
    assert.equal(
      await webhook(second, `/vonage/webhooks/event?cid=${cid}&consult=${legId}`, {
        uuid: phoneLeg,
        status: 'answered',
      }),
      204,
    );
    const hank = await agent(second, 'hank');
    await eventually(
      async () => (await hank.ok('call.attach', { cid })).call?.consult?.answeredAt !== undefined,
      'the number picked up, in the restored call',
    );
    const attached = (await hank.ok('call.attach', { cid })).call;
    assert.deepEqual(
      [attached?.callId, attached?.state, attached?.consult?.legId],
      [callId, 'consulting', legId],
    );

    const back = await hank.ok('call.return', { cid, callId });
    assert.deepEqual([back.call.state, back.call.consult], ['active', undefined]);
    await api.next(hangUpOf(phoneLeg), 'the number hung up');
    await api.next(
      (request) =>
        request.method === 'PUT' &&
        request.path === '/v1/calls/pstn-r9' &&
        request.body.action === 'unearmuff',
      'the caller taken off hold',
    );
    await eventually(
      async () => (await storedCall(second, cid))?.consult === undefined,
      'the consult forgotten',
    );
    await agentHangsUp(second, cid, agentLeg);
    await doneWith(hank, cid);
    await stop(second);
  });

  it('a consulted number that hung up while no server ran: the consult ends once one runs, the caller on hold', {
    timeout: 60_000,
  }, async () => {
    const { cid, callId, agentLeg, phoneLeg } = await consultingThenDown('pstn-r10', '447700900040', 'ivy');
    // Vonage reported the hang-up to a webhook URL with no server behind it.
    api.setLegStatus(phoneLeg, 'completed');
    const lines: string[] = [];
    const second = await start(lines);
    const ivy = await agent(second, 'ivy');
    await eventually(
      async () => (await ivy.ok('call.attach', { cid })).call?.state === 'held',
      'the consult ended, the caller on hold',
    );
    assert.ok(lines.some((line) => line.includes('vonage.leg-caught-up') && line.includes('consult')));
    assert.equal(second.hub.interaction(cid)?.state, 'active', 'the call goes on');
    const resumed = await ivy.ok('call.resume', { cid, callId });
    assert.equal(resumed.call.state, 'active');
    await agentHangsUp(second, cid, agentLeg);
    await doneWith(ivy, cid);
    await stop(second);
  });

  it('a number still talking on a consult the hub let go (a return stored, the process gone before the hang-up) is hung up', {
    timeout: 60_000,
  }, async () => {
    const first = await start();
    const { cid, agentLeg } = await talking(first, 'pstn-r11', '447700900041', 'jules');
    // The gateway's row still has the consult's phone leg, answered; the hub's record has the call back with the
    // caller, no consult.
    const phoneLeg = 'pstn-consult-r11';
    await first.storage.sql.query(
      `UPDATE vonage_calls SET record = jsonb_set(record, '{consult}', $1::jsonb) WHERE cid = $2`,
      [
        JSON.stringify({
          legId: 'k_returned',
          callerId: '+442079460000',
          uuid: phoneLeg,
          status: 'answered',
        }),
        cid,
      ],
    );
    api.setLegStatus(phoneLeg, 'answered');
    await stop(first);

    const second = await start();
    await api.next(hangUpOf(phoneLeg), 'the number hung up');
    await eventually(
      async () => (await storedCall(second, cid))?.consult === undefined,
      'the consult forgotten',
    );
    assert.equal(second.hub.interaction(cid)?.state, 'active', 'the call goes on');
    const jules = await agent(second, 'jules');
    await agentHangsUp(second, cid, agentLeg);
    await doneWith(jules, cid);
    await stop(second);
  });
});
