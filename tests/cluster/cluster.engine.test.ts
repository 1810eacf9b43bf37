// Cluster mode in the normal suite (docs/decisions/0005): three `helpline serve` instances on one PostgreSQL behind
// the round-robin balancer are one contact center — one instance leads and runs the hub, the others relay to it. A
// chat crosses instances; a waiting chat is offered once; the HTTP API answers through a follower; a follower or
// the leader killed mid-chat loses nothing acknowledged, and a browser call being talked on goes on; a frozen leader
// that wakes up writes nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@helpline/core';
import type { ConfigInput } from '../../packages/server/src/config/config';
import { type Cluster, startCluster } from '../../packages/server/src/testing/cluster.harness';
import { testPostgresUrl } from '../../packages/server/src/testing/databases';
import { SITE_ORIGIN, staffToken, TEST_CONFIG, TestClient } from '../../packages/server/src/testing/harness';
import { ClusterClient } from './cluster.client';

const HEARTBEAT_SECONDS = 2;
const CONFIG: ConfigInput = {
  queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' }, offerTimeoutSeconds: 30 }],
  agents: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'hank', 'ivy'].map((id) => ({
    id,
    name: id,
  })),
  sites: [{ id: 'shop', origins: [SITE_ORIGIN] }],
  limits: TEST_CONFIG.limits,
  heartbeatSeconds: HEARTBEAT_SECONDS,
};
const STAFF = { site: '', origin: null } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isEvent = (cid: string, type: string) => (f: ServerFrame) =>
  f.t === 'evt' && f.cid === cid && f.ev.type === type;
const isMessage = (cid: string, text: string) => (f: ServerFrame) =>
  f.t === 'evt' && f.cid === cid && f.ev.type === 'message' && f.ev.text === text;
const isOffer = (cid: string) => (f: ServerFrame) =>
  f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid;

describe('cluster mode: 3 instances on one PostgreSQL are one contact center', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  let cluster: Cluster;
  const lines = new Map<number, string[]>();
  const opened: { close(): void }[] = [];
  before(
    async () => {
      cluster = await startCluster({
        adminUrl: available.url,
        config: CONFIG,
        healthCheckMs: 250,
        onServerLine: (index, line) => {
          const own = lines.get(index) ?? [];
          own.push(line);
          lines.set(index, own);
        },
      });
    },
    { timeout: 120_000 },
  );
  after(async () => {
    // HELPLINE_CLUSTER_DUMP=1: every line the instances logged, to read what went wrong.
    if (process.env.HELPLINE_CLUSTER_DUMP)
      for (const [index, own] of lines) console.log(own.map((line) => `[${index}] ${line}`).join('\n'));
    for (const client of opened) client.close();
    await cluster?.close();
  });

  const leaderIndex = () => cluster.settledLeader();
  const followersOf = (leader: number) =>
    cluster.instances.filter((i) => i.index !== leader && i.process === 'running').map((i) => i.index);

  async function visitorToken(): Promise<string> {
    const response = await fetch(`${cluster.httpUrl}/v1/sessions/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'shop' }),
    });
    assert.equal(response.status, 201);
    return ((await response.json()) as { token: string }).token;
  }

  /** A raw client on instance `index`. */
  async function clientOn(index: number, token: string, staff = false): Promise<TestClient> {
    cluster.balancer.steer(index);
    const client = await TestClient.connect(cluster.socketUrl, token, staff ? STAFF : {});
    opened.push(client);
    assert.equal(
      cluster.balancer.instanceOf(client.localPort ?? 0),
      index,
      `the client is on instance ${index}`,
    );
    assert.equal(client.welcome?.t, 'welcome', `welcomed on instance ${index}`);
    return client;
  }

  /** A resuming client (it reconnects through the balancer and resumes) placed first on instance `index`. */
  async function resumingOn(index: number, name: string, token: string, role: 'visitor' | 'agent') {
    cluster.balancer.steer(index);
    const client = new ClusterClient({
      name,
      role,
      token,
      socketUrl: cluster.socketUrl,
      balancer: cluster.balancer,
      heartbeatMs: HEARTBEAT_SECONDS * 1000,
      random: Math.random,
    });
    opened.push(client);
    await client.start();
    assert.equal(client.links[0]?.instance, index, `${name} starts on instance ${index}`);
    return client;
  }

  const ok = async (client: ClusterClient, op: Parameters<ClusterClient['command']>[0], args: object) => {
    const reply = await client.command(op, args as Record<string, unknown>, { persistent: true });
    assert.ok(reply.ok, `${client.name} ${op}: ${reply.ok ? '' : reply.code}`);
    return reply.result as Record<string, unknown>;
  };

  /** A chat between a resuming visitor and a resuming agent, each starting on the instance given. */
  async function resumingChat(agentId: string, agentOn: number, visitorOn: number) {
    const agent = await resumingOn(agentOn, agentId, await staffToken(agentId), 'agent');
    await ok(agent, 'presence.set', { status: 'available' });
    const visitor = await resumingOn(visitorOn, `visitor-of-${agentId}`, await visitorToken(), 'visitor');
    const { cid } = (await ok(visitor, 'chat.start', { channel: 'chat', queueId: 'support' })) as {
      cid: string;
    };
    visitor.follow(cid);
    await until(() => agent.received.some((r) => isOffer(cid)(r.frame)), 'the offer');
    await ok(agent, 'offer.accept', { cid });
    agent.follow(cid);
    await until(
      () => visitor.held.get(cid)?.size !== undefined && hasEvent(visitor, cid, 'joined'),
      'joined',
    );
    return { agent, visitor, cid };
  }
  const hasEvent = (client: ClusterClient, cid: string, type: string) =>
    client.events(cid).some(({ ev }) => ev.type === type);
  const texts = (client: ClusterClient, cid: string) =>
    client.events(cid).flatMap(({ ev }) => (ev.type === 'message' ? [ev.text] : []));
  const say = (client: ClusterClient, cid: string, text: string) =>
    ok(client, 'message.send', { cid, clientMsgId: randomUUID(), text });

  /** Every message both sides sent is held by both, each once, with no hole in `seq`. */
  async function assertWhole(cid: string, clients: readonly ClusterClient[], sent: readonly string[]) {
    for (const client of clients) {
      await until(() => sent.every((text) => texts(client, cid).includes(text)), `${client.name} holds all`);
      if (client.contiguous(cid) < Math.max(...client.events(cid).map((e) => e.seq)))
        await client.backfill(cid);
      const seqs = client.events(cid).map((e) => e.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        `${client.name}: no hole in seq`,
      );
      const held = texts(client, cid);
      assert.equal(new Set(held).size, held.length, `${client.name}: each message once`);
    }
    const stored = await cluster.query<{ text: string }>(
      `SELECT body->>'text' AS text FROM events WHERE cid = $1 AND type = 'message' ORDER BY seq`,
      [cid],
    );
    assert.deepEqual(
      stored.map((row) => row.text).sort(),
      [...sent].sort(),
      'the log holds each message once',
    );
  }

  it('a visitor on one instance and an agent on another chat both ways: offer, accept, messages, typing, end', {
    timeout: 60_000,
  }, async () => {
    const leader = await leaderIndex();
    const [first, second] = followersOf(leader);
    assert.ok(first !== undefined && second !== undefined, 'two followers');
    const alice = await clientOn(second, await staffToken('alice'), true);
    await alice.ok('presence.set', { status: 'available' });
    const visitor = await clientOn(first, await visitorToken());
    const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
    await alice.waitFor(isOffer(cid), 'the offer');
    await alice.ok('offer.accept', { cid });
    await visitor.waitFor(isEvent(cid, 'joined'), 'alice joined');
    const sent = await visitor.ok('message.send', { cid, clientMsgId: randomUUID(), text: 'hello' });
    const heard = await alice.waitFor(isMessage(cid, 'hello'), "the visitor's message");
    assert.equal(heard.t === 'evt' && heard.seq, sent.seq);
    await alice.ok('typing', { cid, typing: true });
    await visitor.waitFor(
      (f) => f.t === 'notice' && f.notice.type === 'typing' && f.notice.cid === cid,
      'typing',
    );
    await alice.ok('message.send', { cid, clientMsgId: randomUUID(), text: 'hi there' });
    await visitor.waitFor(isMessage(cid, 'hi there'), "the agent's reply");
    // The leader opens its own links when it has frames for a follower, in the background; one that failed (a
    // handshake timing out on a loaded machine) is tried again with the next frames after a rest, so the chat goes on
    // while the test waits for it.
    const leaderLinked = () => lines.get(leader)?.some((line) => line.includes('cluster.link.open')) ?? false;
    for (let k = 0; k < 40 && !leaderLinked(); k++) {
      await alice.ok('message.send', { cid, clientMsgId: randomUUID(), text: `still here ${k}` });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await alice.ok('chat.end', { cid });
    await visitor.waitFor(
      (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'state' && f.ev.state !== 'active',
      'the end',
    );
    await alice.ok('presence.set', { status: 'offline' });
    alice.close();
    visitor.close();
    // The relay went over direct links between the followers and the leader, not only through the database.
    for (const follower of [first, second]) {
      assert.ok(
        lines.get(follower)?.some((line) => line.includes('cluster.link.open')),
        `instance ${follower} opened a link to the leader`,
      );
    }
    assert.ok(leaderLinked(), 'and the leader to them');
  });

  it('a waiting chat with free agents on two instances is offered once and accepted once', {
    timeout: 30_000,
  }, async () => {
    const leader = await leaderIndex();
    const [first, second] = followersOf(leader);
    assert.ok(first !== undefined && second !== undefined, 'two followers');
    const bob = await clientOn(first, await staffToken('bob'), true);
    const carol = await clientOn(second, await staffToken('carol'), true);
    await bob.ok('presence.set', { status: 'available' });
    await carol.ok('presence.set', { status: 'available' });
    const visitor = await clientOn(leader, await visitorToken());
    const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
    const offered = await Promise.race([
      bob.waitFor(isOffer(cid), 'offer to bob', 10_000).then(() => ({ to: bob, other: carol })),
      carol.waitFor(isOffer(cid), 'offer to carol', 10_000).then(() => ({ to: carol, other: bob })),
    ]);
    // Both agents accept: one offer, so one of them takes it.
    const [mine, theirs] = await Promise.all([
      offered.to.command('offer.accept', { cid }),
      offered.other.command('offer.accept', { cid }),
    ]);
    assert.ok(mine.ok, 'the offered agent takes it');
    assert.equal(theirs.ok, false, 'the other agent cannot');
    await sleep(500);
    const offers = [bob, carol].map((agent) => agent.frames.filter(isOffer(cid)).length);
    assert.deepEqual(offers.sort(), [0, 1], 'one offer, to one agent');
    const joined = await cluster.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM events WHERE cid = $1 AND type = 'joined'`,
      [cid],
    );
    assert.equal(joined[0]?.n, '1', 'one agent joined');
    await offered.to.ok('chat.end', { cid });
    for (const agent of [bob, carol]) await agent.ok('presence.set', { status: 'offline' });
    for (const client of [bob, carol, visitor]) client.close();
  });

  it('answers the HTTP API through a follower', { timeout: 30_000 }, async () => {
    const leader = await leaderIndex();
    const [follower] = followersOf(leader);
    const port = follower === undefined ? undefined : cluster.instances[follower]?.port;
    assert.ok(follower !== undefined && port !== undefined, 'a follower');
    const token = await visitorToken();
    const visitor = await clientOn(leader, token);
    const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
    await visitor.ok('message.send', { cid, clientMsgId: randomUUID(), text: 'on the record' });
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200, 'the follower is ready');
    const response = await fetch(`${base}/v1/conversations/${cid}/history`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    const history = (await response.json()) as { events: { ev: { type: string; text?: string } }[] };
    assert.ok(
      history.events.some(({ ev }) => ev.type === 'message' && ev.text === 'on the record'),
      'the leader answered',
    );
    const someoneElse = await fetch(`${base}/v1/conversations/${cid}/history`, {
      headers: { authorization: `Bearer ${await visitorToken()}` },
    });
    assert.ok(
      someoneElse.status === 403 || someoneElse.status === 404,
      `another visitor may not read it, whoever's hub answers (${someoneElse.status})`,
    );
    await visitor.ok('chat.end', { cid });
    visitor.close();
  });

  it('a follower killed mid-chat: its clients resume on the others and lose nothing acknowledged', {
    timeout: 60_000,
  }, async () => {
    const leader = await leaderIndex();
    const [doomed, other] = followersOf(leader);
    assert.ok(doomed !== undefined && other !== undefined, 'two followers');
    const { agent, visitor, cid } = await resumingChat('dave', other, doomed);
    const sent = ['one', 'two'];
    for (const text of sent) await say(visitor, cid, text);
    const killedAt = Date.now();
    await cluster.kill(doomed);
    const during = say(visitor, cid, 'three');
    sent.push('three');
    await during;
    const resumedMs = Date.now() - killedAt;
    assert.notEqual(visitor.links.at(-1)?.instance, doomed, 'the visitor moved');
    await say(agent, cid, 'four');
    sent.push('four');
    await assertWhole(cid, [agent, visitor], sent);
    console.log(`# a follower killed: its visitor resumed and was acknowledged in ${resumedMs} ms`);
    await ok(agent, 'chat.end', { cid });
    await ok(agent, 'presence.set', { status: 'offline' });
    await cluster.start(doomed);
    await cluster.waitHealthy(doomed);
  });

  it('the leader killed mid-chat: a follower takes over, the clients resume, nothing acknowledged is lost', {
    timeout: 60_000,
  }, async () => {
    const leader = await leaderIndex();
    const [visitorOn] = followersOf(leader);
    assert.ok(visitorOn !== undefined, 'a follower');
    const { agent, visitor, cid } = await resumingChat('erin', leader, visitorOn);
    const sent = ['before 1', 'before 2'];
    for (const text of sent) await say(text.endsWith('1') ? visitor : agent, cid, text);
    const killedAt = Date.now();
    await cluster.kill(leader);
    const during = [say(visitor, cid, 'during 1'), say(agent, cid, 'during 2')];
    sent.push('during 1', 'during 2');
    await Promise.all(during);
    const continuedMs = Date.now() - killedAt;
    const next = await leaderIndex();
    assert.notEqual(next, leader, 'another instance leads');
    for (const text of ['after 1', 'after 2']) await say(text.endsWith('1') ? agent : visitor, cid, text);
    sent.push('after 1', 'after 2');
    await assertWhole(cid, [agent, visitor], sent);
    const announced = (lines.get(next) ?? []).find(
      (line) => line.includes('"event":"cluster.leader"') && Date.parse(JSON.parse(line).time) >= killedAt,
    );
    assert.ok(announced, 'the new leader says so');
    const tookOverMs = Date.parse(JSON.parse(announced).time) - killedAt;
    console.log(
      `# the leader killed: instance ${next} led ${tookOverMs} ms later (hub restored); both parties were acknowledged again within ${continuedMs} ms`,
    );
    await ok(agent, 'chat.end', { cid });
    await ok(agent, 'presence.set', { status: 'offline' });
    await cluster.start(leader);
    await cluster.waitHealthy(leader);
  });

  it('the leader killed mid-consult: the call and its consult go on with the new leader, and end as usual', {
    timeout: 60_000,
  }, async () => {
    const leader = await leaderIndex();
    const [visitorOn, colleagueOn] = followersOf(leader);
    assert.ok(visitorOn !== undefined && colleagueOn !== undefined, 'two followers');
    const agent = await resumingOn(leader, 'hank', await staffToken('hank'), 'agent');
    await ok(agent, 'presence.set', { status: 'available' });
    const caller = await resumingOn(visitorOn, 'caller-of-hank', await visitorToken(), 'visitor');
    const { cid } = (await ok(caller, 'chat.start', { channel: 'voice', queueId: 'support' })) as {
      cid: string;
    };
    await until(() => agent.received.some((r) => isOffer(cid)(r.frame)), 'the offer');
    await ok(agent, 'offer.accept', { cid });
    type Attached = { call?: { callId: string; state: string } };
    const callId = ((await ok(caller, 'call.attach', { cid })) as Attached).call?.callId ?? '';
    await ok(caller, 'call.media', { cid, callId, media: 'connected' });
    // Hank consults Ivy, on the third instance; it rings for her when the leader dies.
    const ivy = await resumingOn(colleagueOn, 'ivy', await staffToken('ivy'), 'agent');
    await ok(ivy, 'presence.set', { status: 'available' });
    const { leg } = (await ok(agent, 'call.consult', { cid, callId, to: { kind: 'agent', id: 'ivy' } })) as {
      leg: { legId: string };
    };
    await until(
      () => ivy.received.some(({ frame }) => frame.t === 'notice' && frame.notice.type === 'consult'),
      'the consult rings for ivy',
    );
    await cluster.kill(leader);
    const next = await leaderIndex();
    assert.notEqual(next, leader, 'another instance leads');
    // Both consoles attach again once their sockets resumed, as a console does after any lost link.
    for (const party of [caller, agent]) {
      const { call } = (await ok(party, 'call.attach', { cid })) as Attached;
      assert.deepEqual(
        [call?.callId, call?.state],
        [callId, 'consulting'],
        `${party.name}: the same call goes on`,
      );
    }
    const answered = (await ok(ivy, 'consult.answer', { cid, legId: leg.legId })) as {
      leg: { state: string };
    };
    assert.equal(answered.leg.state, 'active', 'ivy picks up the consult the old leader rang');
    const back = (await ok(agent, 'call.return', { cid, callId })) as Attached;
    assert.equal(back.call?.state, 'active', 'hank talks to the caller again');
    await ok(agent, 'call.hangup', { cid, callId });
    const [row] = await cluster.query<{ state: string; ended_by: string | null }>(
      `SELECT state, interaction->>'endedBy' AS ended_by FROM interactions WHERE id = $1`,
      [cid],
    );
    // Ended by its agent (the queue has no wrap-up), not failed by the system.
    assert.deepEqual([row?.state, row?.ended_by], ['ended', 'agent']);
    for (const staff of [agent, ivy]) await ok(staff, 'presence.set', { status: 'offline' });
    await cluster.start(leader);
    await cluster.waitHealthy(leader);
  });

  it('a frozen leader that wakes after another took over writes nothing (the fence)', {
    timeout: 60_000,
  }, async () => {
    const leader = await leaderIndex();
    const [visitorOn] = followersOf(leader);
    assert.ok(visitorOn !== undefined, 'a follower');
    const { agent, visitor, cid } = await resumingChat('frank', visitorOn, visitorOn);
    await say(visitor, cid, 'before');
    // grace's socket is on the leader itself, and will not move: what it sends lands in the frozen process.
    const grace = await clientOn(leader, await staffToken('grace'), true);
    const stale = await clientOn(leader, await staffToken('frank'), true);
    cluster.stop(leader);
    // Out of the balancer at once, as one with a quicker health check would have it: a frozen process still accepts
    // connections (the kernel does) and never answers them, and the test's clients have no timeout on opening one.
    cluster.balancer.setUp(leader, false);
    const frozenAt = Date.now();
    stale.sendFrame({
      t: 'cmd',
      id: 'stale-1',
      op: 'message.send',
      args: { cid, clientMsgId: randomUUID(), text: 'from the frozen leader' },
    });
    grace.sendFrame({ t: 'cmd', id: 'stale-2', op: 'presence.set', args: { status: 'available' } });
    let next: number | undefined;
    for (let k = 0; k < 200 && (next === undefined || next === leader); k++) {
      next = await cluster.leader();
      await sleep(50);
    }
    assert.ok(next !== undefined && next !== leader, 'another instance leads');
    const tookOverMs = Date.now() - frozenAt;
    await say(visitor, cid, 'while frozen');
    await sleep(Math.max(0, 5_000 - (Date.now() - frozenAt)));
    const presenceBefore = await cluster.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM presence_history WHERE agent_id = 'grace'`,
    );
    cluster.cont(leader);
    // Woken, it either runs the queued write into the fence (refused: unavailable) or hears first that another
    // leads and steps down; either way its clients are sent elsewhere and the write is not acknowledged.
    const closed = await stale.waitClosed(10_000);
    assert.equal(closed.code, 1012, 'the woken leader sends its clients elsewhere');
    const reply = stale.frames.find((f) => (f.t === 'ack' || f.t === 'nack') && f.id === 'stale-1');
    assert.notEqual(reply?.t, 'ack', 'the stale write is not acknowledged');
    if (reply?.t === 'nack') assert.equal(reply.error.code, 'unavailable');
    const how = reply ? 'refused by the fence' : 'stepped down before reading it';
    const stored = await cluster.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM events WHERE cid = $1 AND body->>'text' = 'from the frozen leader'`,
      [cid],
    );
    assert.equal(stored[0]?.n, '0', 'the frozen leader wrote no message');
    const presenceAfter = await cluster.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM presence_history WHERE agent_id = 'grace'`,
    );
    assert.deepEqual(presenceAfter, presenceBefore, 'nor any presence');
    await say(agent, cid, 'after');
    await assertWhole(cid, [agent, visitor], ['before', 'while frozen', 'after']);
    console.log(
      `# a frozen leader: instance ${next} led ${tookOverMs} ms after the freeze; the woken one wrote nothing (its queued write: ${how})`,
    );
    await ok(agent, 'chat.end', { cid });
    await ok(agent, 'presence.set', { status: 'offline' });
    grace.close();
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}
