import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { createTestClock } from '../testing';
import { voiceSnapshot } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import { type CallSignalNotice, createCallSignaling } from './voice.signaling';
import { alice, caller, connOf, inState } from './voice.testing';

const call: CallRecord = {
  callId: 'v1',
  cid: 'c1',
  startedBy: 'visitor',
  snapshot: voiceSnapshot({ direction: 'inbound', at: 0 }),
};
const offer = { kind: 'offer', peer: 'p_agent', sdp: 'v=0 offer' } as const;

function setup(budget = { burst: 3, perSecond: 2 }) {
  const clock = createTestClock();
  const sent: { to: string; notice: CallSignalNotice; connectionId: string | undefined }[] = [];
  const signaling = createCallSignaling({
    clock,
    ...budget,
    sendSignal: (to, notice, connectionId) => sent.push({ to, notice, connectionId }),
  });
  return { clock, signaling, sent };
}

function rateLimited(error: unknown): boolean {
  return isHelplineError(error) && error.code === 'limit/rate';
}

describe('call signaling: relay', () => {
  it('relays to the other party only, tagged with the sender’s side', () => {
    const { signaling, sent } = setup();
    signaling.relay(call, inState('chat', 'active').interaction, 'agent', offer);
    signaling.relay(call, inState('chat', 'active').interaction, 'visitor', { kind: 'restart', peer: 'p_v' });
    assert.deepEqual(sent, [
      {
        to: caller.id,
        notice: { type: 'call.signal', cid: 'c1', callId: 'v1', from: 'agent', signal: offer },
        connectionId: undefined,
      },
      {
        to: alice.id,
        notice: {
          type: 'call.signal',
          cid: 'c1',
          callId: 'v1',
          from: 'visitor',
          signal: { kind: 'restart', peer: 'p_v' },
        },
        connectionId: undefined,
      },
    ]);
  });

  it('goes to the connection bound to that side of the call, the latest bound winning', () => {
    const { signaling, sent } = setup();
    const { interaction } = inState('chat', 'active');
    signaling.bind(call, 'visitor', 'k-tab1');
    signaling.bind(call, 'agent', 'k-console');
    signaling.bind(call, 'visitor', 'k-tab2');
    signaling.relay(call, interaction, 'agent', offer);
    signaling.relay(call, interaction, 'visitor', offer);
    assert.deepEqual(
      sent.map(({ to, connectionId }) => [to, connectionId]),
      [
        [caller.id, 'k-tab2'],
        [alice.id, 'k-console'],
      ],
    );
    // Another call of the same interaction starts unbound.
    signaling.relay({ ...call, callId: 'v2' }, interaction, 'agent', offer);
    assert.equal(sent.at(-1)?.connectionId, undefined);
  });

  it('a side nobody holds (no agent assigned) gets nothing', () => {
    const { signaling, sent } = setup();
    signaling.relay(call, inState('voice', 'queued', { agentId: null }).interaction, 'visitor', offer);
    assert.deepEqual(sent, []);
  });
});

describe('call signaling: budget', () => {
  it('a connection spends a burst, then gets a rate limit with the wait until its next command', async () => {
    const { clock, signaling } = setup({ burst: 3, perSecond: 2 });
    const tab = connOf(caller);
    for (let i = 0; i < 3; i++) signaling.spend(tab);
    assert.throws(
      () => signaling.spend(tab),
      (error: unknown) => rateLimited(error) && isHelplineError(error) && error.retryAfterMs === 500,
    );
    // Another connection, even of the same subject, has a budget of its own.
    signaling.spend(connOf(caller, 'k-other'));
    await clock.advance(500);
    signaling.spend(tab);
    assert.throws(() => signaling.spend(tab), rateLimited);
  });

  it('refills at the sustained rate, never above the burst', async () => {
    const { clock, signaling } = setup({ burst: 3, perSecond: 2 });
    const tab = connOf(caller);
    signaling.spend(tab);
    await clock.advance(60_000);
    for (let i = 0; i < 3; i++) signaling.spend(tab);
    assert.throws(() => signaling.spend(tab), rateLimited);
  });
});
