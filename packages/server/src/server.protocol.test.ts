import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CLOSE_CODES, LIMITS } from '@helpline/core';
import {
  type DeploymentKind,
  FOLLOWER,
  LEADER,
  type TestDeployment,
  testDeployments,
} from './testing/deployments';
import {
  activeChat,
  http,
  SITE_ORIGIN,
  staffToken,
  TEST_CONFIG,
  TestClient,
  type TestServerOptions,
  visitorToken,
} from './testing/harness';

const servers: TestDeployment[] = [];
const clients: TestClient[] = [];
// Each case's deployment ends with the case: two instances hold some twenty PostgreSQL sessions.
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const server of servers.splice(0)) await server.close();
});

function track<T extends TestClient>(client: T): T {
  clients.push(client);
  return client;
}

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

// Every case runs on one instance and on two in cluster mode behind a round-robin balancer (testing/deployments.ts).
// A case places its clients with `steer`: on two instances, both parties on one instance or one on each, on the
// leader or on the follower that relays to it; on one instance `steer` does nothing.
for (const kind of await testDeployments()) describeProtocol(kind);

function describeProtocol(kind: DeploymentKind): void {
  describe(`protocol against the real server (${kind.name})`, { skip: kind.skip ?? false }, () => {
    async function server(options: TestServerOptions = {}): Promise<TestDeployment> {
      const started = await kind.start(options);
      servers.push(started);
      return started;
    }

    it('answers a repeated send with the original ack and stores the message once', async () => {
      const s = await server();
      const { visitor, agent, cid } = await activeChat(s, 'alice', { visitor: FOLLOWER, agent: LEADER });
      track(visitor);
      track(agent);
      const first = await visitor.command('message.send', {
        cid,
        clientMsgId: uuid(1),
        text: 'Where is my order?',
      });
      const again = await visitor.command('message.send', {
        cid,
        clientMsgId: uuid(1),
        text: 'Where is my order?',
      });
      assert.ok(first.ok && again.ok);
      assert.deepEqual(again.result, first.result, 'the original ack, not a new one and not an error');
      await agent.ok('message.send', { cid, clientMsgId: uuid(2), text: 'Checking now.' });
      const stored = (await s.storage.events(cid, 0, 100)).filter((e) => e.ev.type === 'message');
      assert.deepEqual(
        stored.map((e) => (e.ev.type === 'message' ? e.ev.clientMsgId : '')),
        [uuid(1), uuid(2)],
      );
      const seen = agent.events(cid).filter((e) => e.ev.type === 'message');
      assert.equal(seen.length, 2, 'the agent saw each message once');
    });

    it('replays what a client missed when it resumes with its cursor', async () => {
      const s = await server();
      const {
        visitor,
        agent,
        cid,
        visitorToken: token,
      } = await activeChat(s, 'alice', {
        visitor: LEADER,
        agent: LEADER,
      });
      track(agent);
      const resumeToken = visitor.welcome?.resumeToken ?? '';
      const cursor = Math.max(...visitor.events(cid).map((e) => e.seq));
      visitor.terminate();
      for (let i = 0; i < 3; i++)
        await agent.ok('message.send', { cid, clientMsgId: uuid(10 + i), text: `reply ${i}` });
      // The visitor comes back on the other instance.
      s.steer(FOLLOWER);
      const back = track(
        await TestClient.connect(s.socketUrl, token, {
          resume: { token: resumeToken, cursors: { [cid]: cursor } },
        }),
      );
      assert.equal(back.welcome?.resumed, true);
      const head = back.welcome?.heads?.[cid] ?? 0;
      assert.equal(head, cursor + 3);
      await back.waitFor((f) => f.t === 'evt' && f.cid === cid && f.seq === head, 'replay to the head');
      assert.deepEqual(
        back.events(cid).map((e) => e.seq),
        [cursor + 1, cursor + 2, cursor + 3],
      );
      assert.deepEqual(
        back.events(cid).map((e) => (e.ev.type === 'message' ? e.ev.text : e.ev.type)),
        ['reply 0', 'reply 1', 'reply 2'],
      );
    });

    it('says gap when too much was missed, and the client backfills through history (socket and HTTP)', async () => {
      const s = await server({ replayLimit: 3 });
      const {
        visitor,
        agent,
        cid,
        visitorToken: token,
      } = await activeChat(s, 'alice', {
        visitor: FOLLOWER,
        agent: FOLLOWER,
      });
      track(agent);
      const resumeToken = visitor.welcome?.resumeToken ?? '';
      const cursor = Math.max(...visitor.events(cid).map((e) => e.seq));
      visitor.terminate();
      for (let i = 0; i < 6; i++)
        await agent.ok('message.send', { cid, clientMsgId: uuid(20 + i), text: `m${i}` });
      s.steer(LEADER);
      const back = track(
        await TestClient.connect(s.socketUrl, token, {
          resume: { token: resumeToken, cursors: { [cid]: cursor } },
        }),
      );
      const gap = await back.waitFor((f) => f.t === 'gap', 'gap');
      assert.deepEqual(gap, { t: 'gap', cid, after: cursor });
      assert.equal(back.events(cid).length, 0, 'no partial replay after a gap');
      const page = await back.ok('history', { cid, after: cursor });
      assert.deepEqual(
        page.events.map((e) => e.seq),
        Array.from({ length: 6 }, (_, i) => cursor + 1 + i),
      );
      assert.equal(page.lastSeq, cursor + 6);
      const viaHttp = await http(s, `/v1/conversations/${cid}/history?after=${cursor}&limit=4`, { token });
      assert.equal(viaHttp.status, 200);
      assert.deepEqual(viaHttp.body, { events: page.events.slice(0, 4), lastSeq: cursor + 6 });
    });

    it('authenticates every resume again: an expired token, a foreign or reused resume token is refused', async () => {
      // Each token is used on the other instance than the one that issued it.
      const s = await server();
      s.steer(LEADER);
      const alice = await TestClient.connect(s.socketUrl, await staffToken('alice'), {
        site: '',
        origin: null,
      });
      const resumeToken = alice.welcome?.resumeToken ?? '';
      alice.close();
      s.steer(FOLLOWER);
      const expired = track(
        await TestClient.connect(s.socketUrl, await staffToken('alice', { expiresIn: -60 }), {
          site: '',
          origin: null,
          resume: { token: resumeToken, cursors: {} },
        }),
      );
      const bye = await expired.waitFor((f) => f.t === 'bye', 'bye');
      assert.equal(bye.t === 'bye' && bye.error.code, 'auth/token-expired');
      assert.equal((await expired.waitClosed()).code, CLOSE_CODES.unauthorized);

      s.steer(FOLLOWER);
      const fresh = await TestClient.connect(s.socketUrl, await staffToken('alice'), {
        site: '',
        origin: null,
      });
      const token = fresh.welcome?.resumeToken ?? '';
      fresh.close();
      s.steer(LEADER);
      const bob = track(
        await TestClient.connect(s.socketUrl, await staffToken('bob'), {
          site: '',
          origin: null,
          resume: { token, cursors: {} },
        }),
      );
      assert.equal(
        (await bob.waitClosed()).code,
        CLOSE_CODES.unauthorized,
        "bob cannot take alice's resume token",
      );
      s.steer(FOLLOWER);
      const reused = track(
        await TestClient.connect(s.socketUrl, await staffToken('alice'), {
          site: '',
          origin: null,
          resume: { token, cursors: {} },
        }),
      );
      assert.equal((await reused.waitClosed()).code, CLOSE_CODES.unauthorized, 'a resume token works once');
    });

    it('spends a resume token only once the client is heard from after its welcome', async () => {
      const s = await server();
      const staff = { site: '', origin: null };
      s.steer(LEADER);
      const first = await TestClient.connect(s.socketUrl, await staffToken('alice'), staff);
      const token = first.welcome?.resumeToken ?? '';
      first.close();
      // The link drops right after the server sent its welcome: the client never saw the new token.
      s.steer(FOLLOWER);
      const lost = await TestClient.connect(s.socketUrl, await staffToken('alice'), {
        ...staff,
        resume: { token, cursors: {} },
      });
      assert.equal(lost.welcome?.resumed, true);
      lost.close();
      s.steer(LEADER);
      const again = track(
        await TestClient.connect(s.socketUrl, await staffToken('alice'), {
          ...staff,
          resume: { token, cursors: {} },
        }),
      );
      assert.equal(again.welcome?.resumed, true, 'the same token resumes again');
      // Heard from after its welcome: now the token is spent.
      await again.command('conversation.list', {});
      s.steer(FOLLOWER);
      const reused = track(
        await TestClient.connect(s.socketUrl, await staffToken('alice'), {
          ...staff,
          resume: { token, cursors: {} },
        }),
      );
      assert.equal(
        (await reused.waitClosed()).code,
        CLOSE_CODES.unauthorized,
        'spent once the client answered',
      );
    });

    it('refuses malformed, oversized and prototype-polluting frames with typed errors', async () => {
      // On the follower: it refuses what it can itself, and relays the rest to the leader's hub.
      const s = await server();
      s.steer(FOLLOWER);
      const before = track(await TestClient.open(s.socketUrl));
      before.sendRaw('{not json');
      const notJson = await before.waitFor((f) => f.t === 'bye', 'bye');
      assert.equal(notJson.t === 'bye' && notJson.error.code, 'protocol/invalid-frame');
      assert.equal((await before.waitClosed()).code, CLOSE_CODES.protocolError);

      s.steer(FOLLOWER);
      const early = track(await TestClient.open(s.socketUrl));
      early.sendFrame({ t: 'cmd', id: 'x1', op: 'conversation.list', args: {} });
      assert.equal((await early.waitClosed()).code, CLOSE_CODES.unauthorized, 'a command before hello');

      const { token } = await visitorToken(s);
      s.steer(FOLLOWER);
      const client = track(await TestClient.connect(s.socketUrl, token));
      const polluted = JSON.parse(
        '{"t":"cmd","id":"p1","op":"history","args":{"cid":"c_1","__proto__":{"admin":true}}}',
      );
      client.sendRaw(JSON.stringify(polluted).replace('"cid"', '"__proto__":{"admin":true},"cid"'));
      const nack = await client.waitFor((f) => f.t === 'nack' && f.id === 'p1', 'nack p1');
      assert.equal(nack.t === 'nack' && nack.error.code, 'protocol/invalid-frame');
      assert.match(nack.t === 'nack' ? nack.error.message : '', /forbidden key/);
      assert.equal(({} as Record<string, unknown>).admin, undefined);

      const tooLong = await client.command('chat.start', {
        channel: 'chat',
        queueId: 'x'.repeat(LIMITS.id + 1),
      });
      assert.ok(!tooLong.ok);
      assert.ok(['protocol/invalid-frame', 'validation/field'].includes(tooLong.error.code));
      assert.match(tooLong.error.field ?? '', /queueId$/);
      client.sendFrame({ t: 'cmd', id: 'u1', op: 'admin.drop-tables', args: {} });
      const unknown = await client.waitFor((f) => f.t === 'nack' && f.id === 'u1', 'nack u1');
      assert.equal(unknown.t === 'nack' && unknown.error.code, 'protocol/invalid-frame');
      const twice = await client.command('conversation.list', {});
      assert.ok(twice.ok, 'the connection survives refused commands');

      client.sendRaw(
        JSON.stringify({ t: 'cmd', id: 'big', op: 'history', args: { cid: 'x'.repeat(LIMITS.frameBytes) } }),
      );
      const closed = await client.waitClosed();
      assert.equal(
        closed.code,
        1009,
        'a frame over LIMITS.frameBytes is refused by the socket (message too big)',
      );

      s.steer(FOLLOWER);
      const again = track(await TestClient.connect(s.socketUrl, token));
      again.sendFrame({ t: 'hello', v: 1, token });
      const second = await again.waitFor((f) => f.t === 'bye', 'bye');
      assert.equal(second.t === 'bye' && second.error.code, 'protocol/invalid-frame');
    });

    it('checks subprotocol, origin, site and the number of sockets per address at the upgrade', async () => {
      const s = await server({
        config: { ...TEST_CONFIG, limits: { ...TEST_CONFIG.limits, connectionsPerIp: 2 } },
      });
      // Every socket on the follower: the upgrade is checked where the socket lands, and sockets per address are
      // counted per instance (docs/cluster.md, rate limits).
      const open = (options: Parameters<typeof TestClient.open>[1] = {}, url = s.socketUrl) => {
        s.steer(FOLLOWER);
        return TestClient.open(url, options);
      };
      await assert.rejects(open({ protocols: ['chat'] }), /upgrade refused: 400/);
      // A Helpline client is refused in its own protocol (a bye and a close code), which a browser can read.
      const refusal = async (client: TestClient) => {
        const bye = await client.waitFor((f) => f.t === 'bye', 'bye');
        return [bye.t === 'bye' && bye.error.code, (await client.waitClosed()).code];
      };
      const evil = track(await open({ origin: 'https://evil.example' }));
      assert.deepEqual(await refusal(evil), ['site/origin-not-allowed', CLOSE_CODES.forbidden]);
      const other = track(await open({ site: 'other', origin: SITE_ORIGIN }));
      assert.deepEqual(await refusal(other), ['site/origin-not-allowed', CLOSE_CODES.forbidden]);
      const nope = track(await open({ site: 'nope' }));
      assert.deepEqual(await refusal(nope), ['site/unknown', CLOSE_CODES.notFound]);
      const wrongPath = track(await open({}, s.socketUrl.replace('/v1/ws', '/ws')));
      assert.deepEqual(await refusal(wrongPath), ['connection/wrong-path', CLOSE_CODES.notFound]);
      const console = track(await open({ site: '', origin: 'https://crm.example' }));
      const plain = track(await open({ origin: null }));
      assert.equal(console.closed, undefined);
      assert.equal(plain.closed, undefined);
      const third = track(await open());
      const bye = await third.waitFor((f) => f.t === 'bye', 'bye');
      assert.equal(bye.t === 'bye' && bye.error.code, 'limit/rate');
      assert.ok(bye.t === 'bye' && (bye.error.retryAfterMs ?? 0) > 0);
      assert.equal((await third.waitClosed()).code, CLOSE_CODES.rateLimited);
    });

    it('rate-limits new conversations and messages per (address, site, subject) with retryAfterMs', async () => {
      const limits = {
        ...TEST_CONFIG.limits,
        newConversations: { burst: 1, perMinute: 1 },
        messages: { burst: 2, perMinute: 1 },
      };
      const s = await server({ config: { ...TEST_CONFIG, limits } });
      const { token } = await visitorToken(s);
      // Commands are admitted by the leader's hub, so a visitor on the follower meets the deployment's limits.
      s.steer(FOLLOWER);
      const visitor = track(await TestClient.connect(s.socketUrl, token));
      const { cid } = await visitor.ok('chat.start', { channel: 'chat' });
      const second = await visitor.command('chat.start', { channel: 'chat' });
      assert.ok(!second.ok);
      assert.equal(second.error.code, 'limit/rate');
      assert.ok((second.error.retryAfterMs ?? 0) > 30_000);
      await visitor.ok('message.send', { cid, clientMsgId: uuid(1), text: 'one' });
      await visitor.ok('message.send', { cid, clientMsgId: uuid(2), text: 'two' });
      const third = await visitor.command('message.send', { cid, clientMsgId: uuid(3), text: 'three' });
      assert.ok(!third.ok);
      assert.equal(third.error.code, 'limit/rate');
      const other = await visitorToken(s);
      s.steer(LEADER);
      const neighbour = track(await TestClient.connect(s.socketUrl, other.token));
      assert.ok(
        (await neighbour.command('chat.start', { channel: 'chat' })).ok,
        'another subject has its own bucket',
      );
    });

    it('pings, drops a silent client, and says going away on shutdown', async () => {
      const s = await server({ heartbeatMs: 150 });
      const { token } = await visitorToken(s);
      s.steer(FOLLOWER);
      const silent = track(await TestClient.connect(s.socketUrl, token));
      silent.answerPings = false;
      await silent.waitFor((f) => f.t === 'ping', 'ping');
      assert.equal((await silent.waitClosed(3_000)).code, CLOSE_CODES.timeout);

      s.steer(LEADER);
      const live = track(await TestClient.connect(s.socketUrl, token));
      await live.waitFor((f) => f.t === 'ping', 'ping');
      await s.close();
      // One instance is going away (1001); an instance of a cluster says "service restart" (1012): resume elsewhere.
      const bye = await live.waitFor((f) => f.t === 'bye', 'bye');
      assert.equal(bye.t === 'bye' && bye.code, s.shutdownCode);
      assert.equal((await live.waitClosed()).code, s.shutdownCode);
    });

    it('records every presence change of an agent for reporting', async () => {
      const s = await server();
      s.steer(FOLLOWER);
      const alice = track(
        await TestClient.connect(s.socketUrl, await staffToken('alice'), { site: '', origin: null }),
      );
      await alice.ok('presence.set', { status: 'available' });
      await alice.ok('presence.set', { status: 'away', reason: 'lunch' });
      await alice.ok('presence.set', { status: 'offline' });
      const deadline = Date.now() + 5_000;
      let history = await s.storage.presenceHistory('alice');
      // Presence history is written after the change is applied; poll the database until the writes landed.
      while (history.length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
        history = await s.storage.presenceHistory('alice');
      }
      assert.deepEqual(
        history.map((h) => h.status),
        ['available', 'away', 'offline'],
      );
    });

    it('redacts card numbers before storage and keeps texts and tokens out of the logs', async () => {
      const logLines: string[] = [];
      const s = await server({ logLines });
      const {
        visitor,
        agent,
        cid,
        visitorToken: token,
      } = await activeChat(s, 'alice', {
        visitor: LEADER,
        agent: FOLLOWER,
      });
      track(visitor);
      track(agent);
      await visitor.ok('message.send', {
        cid,
        clientMsgId: uuid(5),
        text: 'my card is 4111 1111 1111 1111 thanks',
      });
      const stored = (await s.storage.events(cid, 0, 100)).find((e) => e.ev.type === 'message');
      assert.ok(stored?.ev.type === 'message');
      assert.doesNotMatch(stored.ev.text, /4111 1111 1111 1111/);
      const echoed = await agent.waitFor(
        (f) => f.t === 'evt' && f.cid === cid && f.ev.type === 'message',
        'echo',
      );
      assert.ok(echoed.t === 'evt' && echoed.ev.type === 'message' && !echoed.ev.text.includes('4111 1111'));
      const logs = logLines.join('');
      assert.ok(logLines.length > 3);
      assert.ok(!logs.includes(token), 'no visitor token in the logs');
      assert.ok(!logs.includes('my card is'), 'no message text in the logs');
      assert.ok(!logs.includes('4111'), 'no card number in the logs');
      for (const line of logLines) assert.doesNotThrow(() => JSON.parse(line), 'every line is JSON');
    });
  });
}
