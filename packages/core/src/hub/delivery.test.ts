import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { ConversationEvent, Notice, ServerFrame } from '../protocol/protocol.types';
import { createDelivery, type Recipient } from './delivery';
import type { StoredEvent, Subject } from './hub.types';

/** A connection of `subject` that records the raw frames it gets. */
function connection(
  id: string,
  subject: Subject | undefined,
  state: { replaying?: string[]; closed?: boolean } = {},
) {
  const raw: string[] = [];
  const conn = {
    id,
    subject,
    closed: state.closed ?? false,
    replaying: new Set(state.replaying),
    sink: { send: (frame: string) => raw.push(frame), close() {} },
  } satisfies Recipient;
  const frames = () => raw.map((frame) => JSON.parse(frame) as ServerFrame);
  return { conn, raw, frames };
}

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };

function setup(conns: Recipient[]) {
  const delivery = createDelivery({
    connsOf: (subjectId) => conns.filter((conn) => conn.subject?.id === subjectId),
    all: () => conns,
  });
  return delivery;
}

const stored = (seq: number, ev: ConversationEvent): StoredEvent => ({ cid: 'c1', seq, at: 1_000, ev });

/** Counts the calls of `JSON.stringify` while `task` runs. */
function serializations(task: () => void): number {
  const spy = mock.method(JSON, 'stringify');
  try {
    task();
    return spy.mock.callCount();
  } finally {
    spy.mock.restore();
  }
}

describe('delivery: fan-out', () => {
  it('serializes an event once for all its recipients, however many connections they have', () => {
    const visitorTabs = [connection('k1', vera), connection('k2', vera)];
    const agent = connection('k3', alice);
    const supervisor = connection('k4', sue);
    const all = [...visitorTabs, agent, supervisor];
    const delivery = setup(all.map((c) => c.conn));
    const message = stored(1, { type: 'read', participantId: 'v1', seq: 1 });
    const count = serializations(() => delivery.fanOut([message], [['v1', 'alice', 'sue']]));
    assert.equal(count, 1);
    for (const { frames } of all)
      assert.deepEqual(frames(), [{ t: 'evt', cid: 'c1', seq: 1, at: 1_000, ev: message.ev }]);
  });

  it('serializes each form once: the visitor gets a staff-only event withheld, the staff get it as stored', () => {
    const visitorTabs = [connection('k1', vera), connection('k2', vera)];
    const agents = [connection('k3', alice), connection('k4', sue)];
    const delivery = setup([...visitorTabs, ...agents].map((c) => c.conn));
    const internal = stored(2, { type: 'note', text: 'VIP' });
    const count = serializations(() => delivery.fanOut([internal], [['v1', 'alice', 'sue']]));
    assert.equal(count, 2);
    for (const { frames } of visitorTabs)
      assert.deepEqual(
        frames().map((f) => f.t === 'evt' && f.ev.type),
        ['withheld'],
      );
    for (const { frames } of agents)
      assert.deepEqual(
        frames().map((f) => f.t === 'evt' && f.ev.type),
        ['note'],
      );
  });

  it('holds an event back from a connection still waiting for its replay, and sends nothing to a closed one', () => {
    const replaying = connection('k1', vera, { replaying: ['c1'] });
    const closed = connection('k2', vera, { closed: true });
    const live = connection('k3', vera);
    const delivery = setup([replaying.conn, closed.conn, live.conn]);
    delivery.fanOut([stored(1, { type: 'read', participantId: 'v1', seq: 1 })], [['v1', 'v1']]);
    assert.deepEqual([replaying.raw.length, closed.raw.length, live.raw.length], [0, 0, 1]);
    delivery.sendEvent(replaying.conn, stored(1, { type: 'read', participantId: 'v1', seq: 1 }));
    assert.equal(replaying.raw.length, 1);
  });
});

describe('delivery: notices', () => {
  const revoked: Notice = { type: 'offer.revoked', cid: 'c1', reason: 'missed' };

  it('a notice to a subject or a role is serialized once for all their connections', () => {
    const tabs = [connection('k1', alice), connection('k2', alice)];
    const supervisors = [connection('k3', sue), connection('k4', { ...sue, id: 'sam' })];
    const delivery = setup([...tabs, ...supervisors].map((c) => c.conn));
    const notice: Notice = { type: 'position', cid: 'c1', position: 2 };
    assert.equal(
      serializations(() => delivery.notify('alice', notice)),
      1,
    );
    assert.equal(
      serializations(() => delivery.notifyRole('supervisor', notice)),
      1,
    );
    for (const { frames } of [...tabs, ...supervisors]) assert.deepEqual(frames(), [{ t: 'notice', notice }]);
  });

  it('an offer taken from an absent agent waits for their return; other notices do not', () => {
    const delivery = setup([]);
    delivery.notify('alice', revoked);
    delivery.notify('alice', { type: 'position', cid: 'c1', position: 2 });
    const back = connection('k1', alice);
    delivery.sendMissed(back.conn);
    delivery.sendMissed(back.conn);
    assert.deepEqual(back.frames(), [{ t: 'notice', notice: revoked }]);
  });

  it('a consult leg that changed while its end was away is told on their return, as it stands now', () => {
    const delivery = setup([]);
    const leg = (legId: string, state: 'ringing' | 'active' | 'ended') =>
      ({
        type: 'consult',
        leg: {
          legId,
          cid: 'c1',
          callId: 'v1',
          agentId: 'alice',
          party: { kind: 'agent', id: 'bob' },
          state,
        },
      }) satisfies Notice;
    delivery.notify('bob', leg('k1', 'ringing'));
    delivery.notify('bob', leg('k2', 'ringing'));
    delivery.notify('bob', leg('k1', 'ended'));
    const back = connection('k9', { ...alice, id: 'bob' });
    delivery.sendMissed(back.conn);
    assert.deepEqual(back.frames(), [
      { t: 'notice', notice: leg('k2', 'ringing') },
      { t: 'notice', notice: leg('k1', 'ended') },
    ]);
  });

  it('sends to the connection a command came from, and nowhere for an HTTP request', () => {
    const first = connection('k1', vera);
    const second = connection('k2', vera);
    const delivery = setup([first.conn, second.conn]);
    const frame: ServerFrame = { t: 'notice', notice: { type: 'position', cid: 'c1', position: 1 } };
    delivery.sendTo({ id: 'k2', subject: vera, meta: {}, afterReply: [] }, frame);
    delivery.sendTo({ id: 'h_1', subject: vera, meta: {}, afterReply: [] }, frame);
    assert.deepEqual([first.raw.length, second.raw.length], [0, 1]);
  });
});
