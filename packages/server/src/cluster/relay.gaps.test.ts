import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionMeta } from '@helpline/core/hub';
import { createSharedBus, recordingHub, recordingSink } from './engine.testing';
import type { EngineTopics } from './engine.topics';
import { createRelayClient } from './relay.follower';
import { serveRelay } from './relay.leader';

// A bus send that fails is dropped (the log has what matters), so the relay numbers each connection's frames: a gap
// ends the connection, and its client resumes from the log instead of going on without what was lost.

const META: ConnectionMeta = { ip: '127.0.0.1' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the relay between a follower and the leader', () => {
  it('delivers frames both ways in order', async () => {
    const shared = createSharedBus<EngineTopics>();
    const { hub, state } = recordingHub();
    serveRelay({ bus: shared.join('leader'), hub, epoch: 1 });
    const relay = createRelayClient({ bus: shared.join('follower') });
    const client = recordingSink();
    const connection = relay.connect({ instanceId: 'leader', epoch: 1 }, client, META);
    connection.receive('one');
    connection.receive('two');
    await settle();
    assert.deepEqual(state.received, ['one', 'two']);
    state.sink?.send('a');
    state.sink?.send('b');
    await settle();
    assert.deepEqual(client.frames, ['a', 'b']);
    assert.equal(client.closed, undefined);
  });

  it("closes the client's socket when frames from the leader went missing", async () => {
    const shared = createSharedBus<EngineTopics>();
    const relay = createRelayClient({ bus: shared.join('follower') });
    const detached: string[] = [];
    const leader = shared.join('leader');
    leader.subscribe((message) => {
      if (message.kind === 'relay.detach') detached.push(message.payload.connectionId);
    });
    const client = recordingSink();
    relay.connect({ instanceId: 'leader', epoch: 1 }, client, META);
    const connectionId = 'follower.1';
    const out = (n: number, raw: string) =>
      leader.publish('relay.out', { connectionId, epoch: 1, n, raw }, { instances: ['follower'] });
    out(1, 'first');
    out(3, 'third: the second was lost');
    out(4, 'fourth');
    await settle();
    assert.deepEqual(client.frames, ['first']);
    assert.deepEqual(client.closed, { code: 1012, reason: 'relay lost frames' });
    assert.deepEqual(detached, [connectionId], "the leader's hub lets the connection go");
    assert.equal(relay.size, 0);
  });

  it("ends the connection in the leader's hub when frames from the follower went missing", async () => {
    const shared = createSharedBus<EngineTopics>();
    const { hub, state } = recordingHub();
    serveRelay({ bus: shared.join('leader'), hub, epoch: 1 });
    const follower = shared.join('follower');
    const closes: EngineTopics['relay.close'][] = [];
    follower.subscribe((message) => {
      if (message.kind === 'relay.close') closes.push(message.payload);
    });
    const connectionId = 'follower.1';
    const to = { instances: ['leader'] };
    follower.publish('relay.attach', { connectionId, epoch: 1, meta: META }, to);
    follower.publish('relay.in', { connectionId, epoch: 1, n: 1, raw: 'one' }, to);
    follower.publish('relay.in', { connectionId, epoch: 1, n: 3, raw: 'three' }, to);
    follower.publish('relay.in', { connectionId, epoch: 1, n: 4, raw: 'four' }, to);
    await settle();
    assert.deepEqual(state.received, ['one']);
    assert.equal(state.gone, true);
    assert.deepEqual(closes[0], { connectionId, epoch: 1, code: 1012, reason: 'relay lost frames' });
    // What still comes for it is for a connection the leader no longer knows: closed again, never delivered.
    assert.ok(closes.every((close) => close.code === 1012));
  });
});
