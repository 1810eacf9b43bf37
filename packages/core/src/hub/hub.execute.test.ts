import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type HelplineError, helplineError } from '../protocol/errors';
import type { ServerFrame } from '../protocol/protocol.types';
import { createTestClock, flush, supportQueue, testAgent } from '../testing';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import type { AdmissionRequest, Subject } from './hub.types';

const hubs: Hub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function setup(admit?: (request: AdmissionRequest) => HelplineError | undefined) {
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock: createTestClock(),
    ...(admit ? { admit } : {}),
  });
  hubs.push(hub);
  return hub;
}

const ada: Subject = { id: 'v1', role: 'visitor', name: 'Ada' };
const eve: Subject = { id: 'v2', role: 'visitor', name: 'Eve' };

/** A socket-like client of the hub that records what it receives. */
function client(hub: Hub, token: string) {
  const frames: ServerFrame[] = [];
  const connection = hub.connect({ send: (raw) => frames.push(JSON.parse(raw) as ServerFrame), close() {} });
  connection.receive(JSON.stringify({ t: 'hello', v: 1, token }));
  return { frames, connection };
}

describe('hub.execute (commands outside a connection)', () => {
  it('runs a command with the same ownership rules as a frame', async () => {
    const hub = setup();
    const { cid } = await hub.execute(ada, 'chat.start', { channel: 'chat' });
    const history = await hub.execute(ada, 'history', { cid });
    assert.deepEqual(
      history.events.map((e) => e.ev.type),
      ['created', 'state'],
    );
    await assert.rejects(hub.execute(eve, 'history', { cid }), { code: 'not-found' });
    await assert.rejects(hub.execute(ada, 'offer.accept', { cid }), { code: 'auth/forbidden' });
  });

  it('validates arguments and unknown operations with typed errors', async () => {
    const hub = setup();
    await assert.rejects(hub.execute(ada, 'history', { cid: 'c_1', limit: 100_000 }), {
      code: 'validation/field',
      field: 'limit',
    });
    await assert.rejects(hub.execute(ada, 'history', { cid: 'x', __proto__: { a: 1 } }), {
      code: 'validation/field',
    });
    await assert.rejects(hub.execute(ada, 'nope' as 'history', {}), { code: 'protocol/unknown-command' });
  });

  it('asks the admission hook first', async () => {
    const seen: AdmissionRequest[] = [];
    const hub = setup((request) => {
      seen.push(request);
      return helplineError('limit/rate', { seconds: 2 }, { retryAfterMs: 2000 });
    });
    await assert.rejects(
      hub.execute(ada, 'chat.start', { channel: 'chat' }, { ip: '10.0.0.1', site: 'shop' }),
      {
        code: 'limit/rate',
        retryAfterMs: 2000,
      },
    );
    assert.deepEqual(
      seen.map((r) => [r.op, r.subject.id, r.meta.ip, r.meta.site]),
      [['chat.start', 'v1', '10.0.0.1', 'shop']],
    );
  });

  it('fans out to every connection of a subject, and to none after it disconnects', async () => {
    const hub = setup();
    const first = client(hub, 'dev:visitor:v1:Ada');
    const second = client(hub, 'dev:visitor:v1:Ada');
    await flush();
    const { cid } = await hub.execute(ada, 'chat.start', { channel: 'chat' });
    await flush();
    const events = (frames: ServerFrame[]) => frames.filter((f) => f.t === 'evt' && f.cid === cid).length;
    assert.equal(events(first.frames), 2);
    assert.equal(events(second.frames), 2);
    second.connection.disconnected();
    await hub.execute(ada, 'message.send', {
      cid,
      clientMsgId: '01900000-0000-7000-8000-000000000001',
      text: 'hi',
    });
    await flush();
    assert.equal(events(first.frames), 3);
    assert.equal(events(second.frames), 2);
    assert.equal(hub.connectionCount, 1);
  });
});
