// Consulting a number on the simulated phone line (no Vonage): the number is checked as a dial is, picks up after
// `answerMs`, and a transfer to it ends the agent's call `transferred`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAgentSession, createVisitorSession, isHelplineError, type Queue } from '@helpline/core';
import { type ConsultTelephony, createHub, createMemoryTransport, devAuthenticate } from '@helpline/core/hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import * as v from 'valibot';
import { silentLogger } from '../log/logger';
import { createBridgeTokens } from '../vonage/vonage.bridge';
import { outboundConfigSchema } from './outbound.config';
import { createDialPolicy } from './outbound.policy';
import { createSimulatedPhoneLine } from './outbound.simulated';

describe('consulting a number on the simulated phone line', () => {
  it('checks the number as a dial, picks up after answerMs, and a transfer ends the agent’s call transferred', async () => {
    const clock = createTestClock(Date.parse('2026-07-01T12:00:00Z'));
    const queues: Queue[] = [supportQueue];
    const config = v.parse(outboundConfigSchema, {
      callerId: '+442079460000',
      defaultRegion: 'GB',
      queues: { [supportQueue.id]: {} },
    });
    const listed = new Set(['+442079460999']);
    const check = createDialPolicy({ config, queues, doNotCall: { has: async (n) => listed.has(n) } });
    let inner: ConsultTelephony | undefined;
    const late = (): ConsultTelephony => {
      assert.ok(inner);
      return inner;
    };
    const hub = createHub({
      queues,
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock,
      telephony: {
        check: (subject, number, current) => late().check(subject, number, current),
        place: (leg) => late().place(leg),
        merge: (leg) => late().merge(leg),
        transfer: (leg) => late().transfer(leg),
        hangup: (leg) => late().hangup(leg),
      },
    });
    const line = createSimulatedPhoneLine({
      hub,
      bridgeTokens: createBridgeTokens(),
      log: silentLogger,
      clock,
      answerMs: 2_000,
    });
    inner = line.telephony(check, new Map(queues.map((queue) => [queue.id, queue])));
    const base = { clock, random: () => 0.5 };
    const alice = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
    });
    const visitor = createVisitorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
    });
    let legState = '';
    alice.connection.onNotice((notice) => {
      if (notice.type === 'consult') legState = notice.leg.state;
    });
    try {
      await alice.setPresence('available');
      const cid = await visitor.startChat({ channel: 'voice' });
      const { call } = await visitor.connection.command('call.attach', { cid });
      assert.ok(call);
      await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
      await alice.accept(cid);
      for (const party of [visitor, alice]) {
        await party.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
      }
      const ref = { cid, callId: call.callId };
      await assert.rejects(
        alice.connection.command('call.consult', {
          ...ref,
          to: { kind: 'external', number: '+442079460999' },
        }),
        (error: unknown) => isHelplineError(error) && error.code === 'dial/do-not-call',
      );
      const { leg } = await alice.connection.command('call.consult', {
        ...ref,
        to: { kind: 'external', number: '020 7946 0958' },
      });
      assert.deepEqual([leg.party, leg.state], [{ kind: 'external', id: '+442079460958' }, 'ringing']);
      // Not answered yet: a warm transfer waits for the pick-up.
      await assert.rejects(alice.connection.command('call.transfer', ref));
      await clock.advance(2_000);
      await waitFor(() => legState === 'active', 'the number picked up');
      const moved = await alice.connection.command('call.transfer', ref);
      assert.deepEqual([moved.call.state, moved.call.endReason], ['ended', 'transferred']);
    } finally {
      alice.close();
      visitor.close();
      line.close();
      hub.close();
    }
  });
});
