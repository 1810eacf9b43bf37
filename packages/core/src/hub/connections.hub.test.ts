import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../protocol/protocol.limits';
import type { CommandFrame, ConversationEvent, Notice, ServerFrame } from '../protocol/protocol.types';
import { createTestClock, flush } from '../testing';
import { type AuthedConn, createConnectionsHub } from './connections.hub';
import { devAuthenticate } from './dev-auth';
import type { Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';
import { createTurns } from './turns';

const note = (text: string): ConversationEvent => ({ type: 'note', text });

function setup(
  options: { readable?: (subject: Subject, cid: string) => boolean; replayLimit?: number } = {},
) {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const commands: { subject: string; frame: CommandFrame }[] = [];
  const hooks: string[] = [];
  const sweeps: number[] = [];
  const connections = createConnectionsHub({
    clock,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    authenticate: devAuthenticate,
    storage,
    heartbeatMs: 15_000,
    replayLimit: options.replayLimit ?? 500,
    resumeTokenTtlMs: 86_400_000,
    serialized: createTurns().serialized,
    async readableBy(subject, cid) {
      return (options.readable ?? (() => true))(subject, cid) ? { until: undefined } : undefined;
    },
    async command(conn: AuthedConn, frame, _frameLength, reply) {
      commands.push({ subject: conn.subject.id, frame });
      reply.ok({});
    },
    connected: (subject) => hooks.push(`connected ${subject.id}`),
    standing: () => [],
    disconnected: (subject, last) => hooks.push(`disconnected ${subject.id}${last ? ' (last)' : ''}`),
    sweep: (now) => sweeps.push(now),
    reportFailure: () => {},
  });

  /** A client link that records the frames it gets and how it was closed. */
  function link() {
    const frames: ServerFrame[] = [];
    const closes: number[] = [];
    const conn = connections.connect({
      send: (raw) => frames.push(JSON.parse(raw) as ServerFrame),
      close: (code) => closes.push(code),
    });
    async function hello(token: string, resume?: { token: string; cursors: Record<string, number> }) {
      conn.receive(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, token, ...(resume ? { resume } : {}) }));
      await flush();
      await flush();
    }
    const of = <T extends ServerFrame['t']>(t: T) =>
      frames.filter((frame): frame is Extract<ServerFrame, { t: T }> => frame.t === t);
    return { conn, frames, closes, hello, of };
  }
  return { clock, storage, connections, commands, hooks, sweeps, link };
}

describe('connections hub: hello', () => {
  it('welcomes a subject with a resume token and registers their connection', async () => {
    const { connections, hooks, link } = setup();
    const v = link();
    await v.hello('dev:visitor:v1:Vera');
    const [welcome] = v.of('welcome');
    assert.equal(welcome?.subject.id, 'v1');
    assert.equal(welcome?.resumed, false);
    assert.match(welcome?.resumeToken ?? '', /^r/);
    assert.equal(connections.connsOf('v1').length, 1);
    assert.deepEqual(hooks, ['connected v1']);
  });

  it('refuses a bad token, a second hello, and commands before hello', async () => {
    const { link } = setup();
    const bad = link();
    await bad.hello('not-a-token');
    assert.equal(bad.of('bye')[0]?.error.code, 'auth/invalid-token');
    const early = link();
    early.conn.receive(JSON.stringify({ t: 'ping', ts: 1 }));
    await flush();
    assert.equal(early.of('bye')[0]?.error.code, 'auth/required');
    const twice = link();
    await twice.hello('dev:visitor:v1');
    await twice.hello('dev:visitor:v1');
    assert.equal(twice.of('bye')[0]?.error.code, 'protocol/invalid-frame');
  });

  it('hands commands to the hub, and answers a malformed command with a nack naming its id', async () => {
    const { commands, link } = setup();
    const a = link();
    await a.hello('dev:agent:alice');
    a.conn.receive(JSON.stringify({ t: 'cmd', id: 'k1', op: 'conversation.list', args: {} }));
    a.conn.receive(JSON.stringify({ t: 'cmd', id: 'k2', op: 'conversation.list', args: { nope: 1 } }));
    await flush();
    assert.deepEqual(
      commands.map((c) => [c.subject, c.frame.id]),
      [['alice', 'k1']],
    );
    assert.deepEqual(
      a.frames.filter((f) => f.t === 'ack' || f.t === 'nack').map((f) => [f.t, 'id' in f && f.id]),
      [
        ['ack', 'k1'],
        ['nack', 'k2'],
      ],
    );
  });
});

describe('connections hub: resume', () => {
  it('replays what the client missed, and the token is spent once the client is heard from', async () => {
    const { storage, link } = setup();
    for (const text of ['one', 'two', 'three']) await storage.appendEvent('c1', 0, note(text));
    const first = link();
    await first.hello('dev:visitor:v1');
    const token = first.of('welcome')[0]?.resumeToken ?? '';
    first.conn.disconnected();

    const second = link();
    await second.hello('dev:visitor:v1', { token, cursors: { c1: 1 } });
    const [welcome] = second.of('welcome');
    assert.equal(welcome?.resumed, true);
    assert.deepEqual(welcome?.heads, { c1: 3 });
    assert.deepEqual(
      second.of('evt').map((e) => e.seq),
      [2, 3],
    );
    // Heard from after its welcome: the old token is good no more.
    second.conn.receive(JSON.stringify({ t: 'ping', ts: 1 }));
    await flush();
    const third = link();
    await third.hello('dev:visitor:v1', { token, cursors: {} });
    assert.equal(third.of('bye')[0]?.error.code, 'auth/invalid-token');
  });

  it("a token presented by someone else is refused and good for nobody after; nothing is said of others' conversations", async () => {
    const { storage, link } = setup({ readable: (subject) => subject.id === 'v1' });
    await storage.appendEvent('c1', 0, note('private'));
    const owner = link();
    await owner.hello('dev:visitor:v1');
    const token = owner.of('welcome')[0]?.resumeToken ?? '';
    const thief = link();
    await thief.hello('dev:visitor:v2', { token, cursors: { c1: 0 } });
    assert.equal(thief.of('bye')[0]?.error.field, 'resume.token');
    const back = link();
    await back.hello('dev:visitor:v1', { token, cursors: { c1: 0 } });
    assert.equal(back.of('bye')[0]?.error.code, 'auth/invalid-token');
    assert.equal(thief.of('evt').length + back.of('evt').length, 0);
  });

  it('sends gap instead of a replay longer than the limit', async () => {
    const { storage, link } = setup({ replayLimit: 2 });
    for (const text of ['one', 'two', 'three']) await storage.appendEvent('c1', 0, note(text));
    const first = link();
    await first.hello('dev:visitor:v1');
    const token = first.of('welcome')[0]?.resumeToken ?? '';
    const second = link();
    await second.hello('dev:visitor:v1', { token, cursors: { c1: 0 } });
    assert.deepEqual(second.of('gap'), [{ t: 'gap', cid: 'c1', after: 0 }]);
    assert.equal(second.of('evt').length, 0);
  });
});

describe('connections hub: liveness', () => {
  it('drops a client after two unanswered pings; a client that answers stays', async () => {
    const { clock, connections, hooks, sweeps, link } = setup();
    const quiet = link();
    const lively = link();
    await quiet.hello('dev:agent:alice');
    await lively.hello('dev:agent:bob');
    for (let beat = 0; beat < 3; beat++) {
      await clock.advance(15_000);
      lively.conn.receive(JSON.stringify({ t: 'pong', ts: clock.now() }));
    }
    assert.equal(quiet.of('bye')[0]?.error.code, 'connection/timeout');
    assert.equal(lively.of('bye').length, 0);
    assert.deepEqual(connections.connsOf('alice').length + connections.connsOf('bob').length, 1);
    assert.ok(hooks.includes('disconnected alice (last)'));
    await clock.advance(60_000);
    assert.ok(sweeps.length > 0);
  });

  it('takes a pong that answers a ping sent before the welcome, and welcomes the hello after it', async () => {
    const { link } = setup();
    const early = link();
    // The heartbeat pings every open socket; a client may answer while its hello is still being authenticated.
    early.conn.receive(JSON.stringify({ t: 'pong', ts: 1 }));
    await flush();
    assert.deepEqual(early.of('bye'), []);
    await early.hello('dev:visitor:v1');
    assert.equal(early.of('welcome')[0]?.subject.id, 'v1');
  });

  it("pings go through the sink's own way of sending them when it has one", async () => {
    const { clock, connections } = setup();
    const sent: string[] = [];
    const pinged: string[] = [];
    const link = connections.connect({
      send: (raw) => sent.push(raw),
      ping: (raw) => pinged.push(raw),
      close() {},
    });
    link.receive(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, token: 'dev:agent:alice' }));
    await flush();
    await clock.advance(15_000);
    assert.deepEqual(
      pinged.map((raw) => (JSON.parse(raw) as ServerFrame).t),
      ['ping'],
    );
    assert.deepEqual(
      sent.map((raw) => (JSON.parse(raw) as ServerFrame).t),
      ['welcome'],
    );
  });

  it('an offer taken from an absent agent is told when they are back', async () => {
    const { connections, link } = setup();
    const revoked: Notice = { type: 'offer.revoked', cid: 'c1', reason: 'missed' };
    connections.notify('alice', revoked);
    const a = link();
    await a.hello('dev:agent:alice');
    assert.deepEqual(a.of('notice'), [{ t: 'notice', notice: revoked }]);
  });

  it('close says goodbye to every connection', async () => {
    const { connections, link } = setup();
    const a = link();
    await a.hello('dev:agent:alice');
    connections.close();
    assert.equal(a.of('bye')[0]?.error.code, 'connection/closed');
    assert.equal(a.of('bye')[0]?.code, CLOSE_CODES.goingAway);
    assert.equal(connections.count, 0);
  });

  it('close says goodbye with the code it is given (a cluster instance that stops leading: 1012)', async () => {
    const { connections } = setup();
    const sent: string[] = [];
    const closedWith: number[] = [];
    const link = connections.connect({
      send: (raw) => sent.push(raw),
      close: (code) => closedWith.push(code),
    });
    link.receive(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, token: 'dev:agent:alice' }));
    await flush();
    connections.close(CLOSE_CODES.serviceRestart);
    const bye = sent.map((raw) => JSON.parse(raw) as ServerFrame).find((frame) => frame.t === 'bye');
    assert.equal(bye?.t === 'bye' && bye.code, 1012);
    assert.deepEqual(closedWith, [1012]);
  });
});
