import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterMessage } from './cluster.types';
import { createLocalBus } from './local.bus';

type Topics = {
  'conversation.appended': { cid: string; seq: number };
  'presence.changed': { agentId: string };
};

const agentOf = (message: ClusterMessage<Topics>) =>
  message.kind === 'presence.changed' ? message.payload.agentId : message.payload.cid;

describe('createLocalBus', () => {
  it('delivers to every subscriber asynchronously, in the order published, with its origin', async () => {
    const bus = createLocalBus<Topics>({ instanceId: 'i1' });
    const first: ClusterMessage<Topics>[] = [];
    const second: string[] = [];
    bus.subscribe((message) => first.push(message));
    bus.subscribe((message) => second.push(message.kind));
    bus.publish('conversation.appended', { cid: 'c1', seq: 1 }, { subjects: ['v1'] });
    bus.publish('presence.changed', { agentId: 'a1' });
    bus.publish('conversation.appended', { cid: 'c1', seq: 2 });
    assert.deepEqual(first, [], 'nothing is delivered during publish');
    await bus.flush();
    assert.deepEqual(first, [
      {
        kind: 'conversation.appended',
        payload: { cid: 'c1', seq: 1 },
        to: { subjects: ['v1'] },
        origin: 'i1',
      },
      { kind: 'presence.changed', payload: { agentId: 'a1' }, to: {}, origin: 'i1' },
      { kind: 'conversation.appended', payload: { cid: 'c1', seq: 2 }, to: {}, origin: 'i1' },
    ]);
    assert.deepEqual(second, ['conversation.appended', 'presence.changed', 'conversation.appended']);
  });

  it('narrows the payload by kind', async () => {
    const bus = createLocalBus<Topics>();
    const seqs: number[] = [];
    bus.subscribe((message) => {
      if (message.kind === 'conversation.appended') seqs.push(message.payload.seq);
    });
    bus.publish('conversation.appended', { cid: 'c1', seq: 9 });
    bus.publish('presence.changed', { agentId: 'a1' });
    await bus.flush();
    assert.deepEqual(seqs, [9]);
  });

  it('skips messages addressed to other instances only', async () => {
    const bus = createLocalBus<Topics>({ instanceId: 'i1' });
    const got: string[] = [];
    bus.subscribe((message) => got.push(agentOf(message)));
    bus.publish('presence.changed', { agentId: 'elsewhere' }, { instances: ['i2'] });
    bus.publish('presence.changed', { agentId: 'here' }, { instances: ['i2', 'i1'] });
    await bus.flush();
    assert.deepEqual(got, ['here']);
  });

  it('reports a handler that throws and still calls the others', async () => {
    const failures: string[] = [];
    const bus = createLocalBus<Topics>({ reportFailure: (what) => failures.push(what) });
    const got: string[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((message) => got.push(message.kind));
    bus.publish('presence.changed', { agentId: 'a1' });
    await bus.flush();
    assert.deepEqual(got, ['presence.changed']);
    assert.deepEqual(failures, ['bus handler of presence.changed']);
  });

  it('stops calling a handler once unsubscribed, even for messages already queued', async () => {
    const bus = createLocalBus<Topics>();
    const got: string[] = [];
    const unsubscribe = bus.subscribe((message) => got.push(message.kind));
    bus.publish('presence.changed', { agentId: 'a1' });
    unsubscribe();
    await bus.flush();
    assert.deepEqual(got, []);
  });

  it('delivers what was published before close, then nothing', async () => {
    const bus = createLocalBus<Topics>();
    const got: string[] = [];
    bus.subscribe((message) => got.push(message.kind));
    bus.publish('presence.changed', { agentId: 'a1' });
    assert.equal(bus.connected, true);
    await bus.close();
    assert.equal(bus.connected, false);
    bus.publish('presence.changed', { agentId: 'a2' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(got, ['presence.changed']);
  });

  it('schedules deliveries with the given scheduler', async () => {
    const tasks: (() => void)[] = [];
    const bus = createLocalBus<Topics>({ deliver: (task) => tasks.push(task) });
    const got: string[] = [];
    bus.subscribe((message) => got.push(agentOf(message)));
    bus.publish('presence.changed', { agentId: 'a1' });
    bus.publish('presence.changed', { agentId: 'a2' });
    assert.equal(tasks.length, 2);
    for (const task of tasks.splice(0)) task();
    assert.deepEqual(got, ['a1', 'a2']);
  });
});
