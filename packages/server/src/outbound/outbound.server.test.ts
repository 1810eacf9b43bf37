import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigInput } from '../config/config.schema';
import type { HelplineServer } from '../server';
import { staffToken, startTestServer, TEST_CONFIG, TestClient, visitorToken } from '../testing/harness';

// Click-to-dial over the real WebSocket protocol, against the real server and PGlite, with no Vonage account: the
// call goes out on the simulated phone line, which rings and answers as a phone would.

const CALLER_ID = '+442079460000';
const DNC_CONFIG = '+442079460999';

/** A fixed-offset zone where the local hour now satisfies `wanted` (calling hours are tested on the real clock). */
function zoneWhere(wanted: (hour: number) => boolean): string {
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(
        Date.now(),
      ),
    );
    // Away from the window's edges, so the minute the test takes cannot cross one.
    if (wanted(hour)) return zone;
  }
  throw new Error('no such zone');
}
const inside = zoneWhere((hour) => hour >= 10 && hour <= 18);
const outside = zoneWhere((hour) => hour >= 0 && hour <= 5);

const config: ConfigInput = {
  ...TEST_CONFIG,
  agents: [
    { id: 'alice', name: 'Alice' },
    { id: 'bob', name: 'Bob', queues: ['sales'] },
    { id: 'carl', name: 'Carl', capacity: { voice: 0 } },
    { id: 'sam', name: 'Sam', role: 'supervisor' },
  ],
  outbound: {
    defaultRegion: 'GB',
    callingHours: { start: '08:00', end: '21:00' },
    queues: { support: { callerId: CALLER_ID } },
    doNotCall: [DNC_CONFIG],
    // GB in two zones here, so a dial can name the one that suits the real clock (a zone must be the country's own).
    countryTimeZones: { GB: [inside, outside] },
  },
};

let server: HelplineServer;
let url: string;
const clients: TestClient[] = [];
async function staff(id: string): Promise<TestClient> {
  const client = await TestClient.connect(url, await staffToken(id), { site: '', origin: null });
  clients.push(client);
  return client;
}

before(async () => {
  server = await startTestServer({ config });
  url = server.socketUrl;
});
after(async () => {
  for (const client of clients) client.close();
  await server?.close();
});

describe('click-to-dial over the WebSocket protocol (simulated phone line)', () => {
  it('dials a national number as E.164 from the queue, rings, connects, and wraps up with a disposition', async () => {
    const alice = await staff('alice');
    await alice.ok('presence.set', { status: 'available' });
    const placed = await alice.ok('voice.dial', { number: '020 7946 0958', timeZone: inside });
    assert.equal(placed.number, '+442079460958');
    assert.equal(placed.simulated, true);
    assert.equal(placed.interaction.channel, 'voice');
    assert.equal(placed.interaction.agentId, 'alice');
    assert.equal(placed.interaction.state, 'active');
    assert.equal(placed.interaction.customer.phone, '+442079460958');
    // The simulated phone rings, then picks up: the agent sees the call go dialing → ringing → connecting → active.
    const states: string[] = [];
    await alice.waitFor(
      (frame) => {
        if (frame.t === 'notice' && frame.notice.type === 'call' && frame.notice.call.cid === placed.cid)
          states.push(frame.notice.call.state);
        return states.at(-1) === 'active';
      },
      'the call is active',
      20_000,
    );
    assert.deepEqual([...new Set(states)], ['dialing', 'ringing', 'connecting', 'active']);
    const call = await alice.ok('call.attach', { cid: placed.cid });
    await alice.ok('call.hangup', { cid: placed.cid, callId: call.call?.callId ?? '' });
    await alice.ok('wrapup.submit', { cid: placed.cid, disposition: 'done' });
    const { kpis } = await (await staff('sam')).ok('supervisor.snapshot', {});
    assert.equal(kpis.outboundCalls, 1);
    assert.equal(kpis.outboundConnected, 1);
    assert.equal(kpis.answered, 0);
  });

  it('refuses numbers that are not E.164, naming the field and the rule', async () => {
    const alice = await staff('alice');
    await alice.ok('presence.set', { status: 'available' });
    for (const number of ['+44 20', '12', 'call me maybe', '+1 555 0100']) {
      const reply = await alice.command('voice.dial', { number, timeZone: inside });
      assert.equal(reply.ok, false, number);
      if (reply.ok) continue;
      assert.equal(reply.error.code, 'dial/invalid-number');
      assert.equal(reply.error.field, 'number');
      assert.match(reply.error.message, /^\[voice\.dial\] number ".*" is not a valid phone number: .+/);
    }
  });

  it('refuses outside calling hours in the customer’s time zone, with the next allowed time', async () => {
    const alice = await staff('alice');
    await alice.ok('presence.set', { status: 'available' });
    const reply = await alice.command('voice.dial', { number: '+442079460958', timeZone: outside });
    assert.equal(reply.ok, false);
    if (reply.ok) return;
    assert.equal(reply.error.code, 'dial/outside-hours');
    assert.match(reply.error.message, new RegExp(`08:00–21:00 in ${outside.replace('+', '\\+')}`));
    const next = /\((\d{4}-\d\d-\d\dT[\d:.]+Z)\)\.$/.exec(reply.error.message)?.[1];
    assert.ok(next, reply.error.message);
    const hour = new Intl.DateTimeFormat('en-GB', {
      timeZone: outside,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(Date.parse(next));
    assert.equal(hour, '08:00');
    // A UK number without an override: the country's zone decides.
    assert.ok(Date.parse(next) > Date.now());
  });

  it('keeps the do-not-call list: supervisors add and remove (audited), dials to listed numbers are refused', async () => {
    const sam = await staff('sam');
    const alice = await staff('alice');
    await alice.ok('presence.set', { status: 'available' });
    const configured = await alice.command('voice.dial', { number: DNC_CONFIG, timeZone: inside });
    assert.equal(configured.ok ? 'placed' : configured.error.code, 'dial/do-not-call');

    const { entry } = await sam.ok('dnc.add', { number: '020 7946 0123', reason: 'asked on the phone' });
    assert.deepEqual(
      { number: entry.number, addedBy: entry.addedBy, reason: entry.reason },
      {
        number: '+442079460123',
        addedBy: 'sam',
        reason: 'asked on the phone',
      },
    );
    const listed = await alice.command('voice.dial', { number: '+44 20 7946 0123', timeZone: inside });
    assert.equal(listed.ok ? 'placed' : listed.error.code, 'dial/do-not-call');
    const { entries } = await sam.ok('dnc.list', {});
    assert.deepEqual(
      entries.map((e) => e.number),
      ['+442079460123', DNC_CONFIG],
    );
    assert.equal((await sam.ok('dnc.remove', { number: '+442079460123' })).removed, true);
    assert.equal((await sam.ok('dnc.remove', { number: '+442079460123' })).removed, false);
    const audit = await server.storage.sql.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM do_not_call_audit WHERE number = '+442079460123' ORDER BY id",
    );
    assert.deepEqual(audit, [
      { action: 'added', actor: 'sam' },
      { action: 'removed', actor: 'sam' },
    ]);
    // Agents may not change the list.
    const byAgent = await alice.command('dnc.add', { number: '+442079460124' });
    assert.equal(byAgent.ok ? 'added' : byAgent.error.code, 'auth/forbidden');
  });

  it('lets only agents with voice dial, on their own queues, from a queue with a caller ID', async () => {
    const visitor = await TestClient.connect(url, (await visitorToken(server)).token);
    clients.push(visitor);
    const byVisitor = await visitor.command('voice.dial', { number: '+442079460958' });
    assert.equal(byVisitor.ok ? 'placed' : byVisitor.error.code, 'auth/forbidden');

    const sam = await staff('sam');
    const bySupervisor = await sam.command('voice.dial', { number: '+442079460958' });
    assert.equal(bySupervisor.ok ? 'placed' : bySupervisor.error.code, 'auth/forbidden');

    const carl = await staff('carl');
    await carl.ok('presence.set', { status: 'available' });
    const noVoice = await carl.command('voice.dial', { number: '+442079460958', timeZone: inside });
    assert.equal(noVoice.ok ? 'placed' : noVoice.error.code, 'dial/no-voice');

    const bob = await staff('bob');
    await bob.ok('presence.set', { status: 'available' });
    const otherQueue = await bob.command('voice.dial', {
      number: '+442079460958',
      queueId: 'support',
      timeZone: inside,
    });
    assert.equal(otherQueue.ok ? 'placed' : otherQueue.error.code, 'auth/forbidden');
    // His own queue has no caller ID.
    const noCallerId = await bob.command('voice.dial', { number: '+442079460958', timeZone: inside });
    assert.equal(noCallerId.ok ? 'placed' : noCallerId.error.code, 'dial/no-caller-id');
  });
});
