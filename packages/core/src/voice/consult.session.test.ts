import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { atom } from 'nanostores';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub } from '../hub/hub';
import { isHelplineError } from '../protocol/errors';
import type { Notice } from '../protocol/protocol.types';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { createConsultSession } from './consult.session';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Alice talks to a visitor; Bob is available. Both have consult controls; Alice's follow her call. */
async function setup() {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
  });
  const base = { clock, random: () => 0.5 };
  const agent = (id: string) =>
    createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: `dev:agent:${id}:${id}`,
    });
  const alice = agent('alice');
  const bob = agent('bob');
  const v = createVisitorSession({
    ...base,
    transport: createMemoryTransport({ hub }),
    token: 'dev:visitor:v1:Ada',
  });
  cleanups.push(
    () => hub.close(),
    () => alice.close(),
    () => bob.close(),
    () => v.close(),
  );
  const visitorNotices: Notice[] = [];
  v.connection.onNotice((notice) => visitorNotices.push(notice));
  await alice.setPresence('available');
  await bob.setPresence('available');
  const cid = await v.startChat({ channel: 'voice' });
  const { call } = await v.connection.command('call.attach', { cid });
  assert.ok(call);
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer');
  await alice.accept(cid);
  await alice.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
  const $call = atom<{ cid: string; callId: string | undefined } | undefined>({ cid, callId: call.callId });
  const aliceConsults = createConsultSession({ connection: alice.connection, $call });
  const bobConsults = createConsultSession({ connection: bob.connection, $call: atom(undefined) });
  cleanups.push(aliceConsults.dispose, bobConsults.dispose);
  const visitorCall = () => visitorNotices.findLast((n) => n.type === 'call')?.call;
  return { hub, cid, $call, aliceConsults, bobConsults, visitorCall };
}

describe('consult session', () => {
  it('consult, answer, merge and return from the two consoles', async () => {
    const { aliceConsults, bobConsults, visitorCall } = await setup();
    const leg = await aliceConsults.consult({ kind: 'agent', id: 'bob' });
    assert.equal(leg.state, 'ringing');
    await waitFor(() => bobConsults.$leg.get()?.legId === leg.legId, 'rings for bob');
    await bobConsults.answer();
    await waitFor(() => aliceConsults.$leg.get()?.state === 'active', 'alice sees bob answered');
    await aliceConsults.merge();
    await waitFor(() => visitorCall()?.state === 'conferenced', 'conference');
    await aliceConsults.returnToCustomer();
    await waitFor(() => bobConsults.$leg.get()?.state === 'ended', 'bob dropped');
    await waitFor(() => visitorCall()?.state === 'active', 'alice and the visitor');
  });

  it('warm transfer: Bob keeps the customer', async () => {
    const { hub, cid, aliceConsults, bobConsults } = await setup();
    await aliceConsults.consult({ kind: 'agent', id: 'bob' });
    await waitFor(() => bobConsults.$leg.get() !== undefined, 'rings for bob');
    await bobConsults.answer();
    await aliceConsults.transfer();
    assert.equal(hub.interaction(cid)?.agentId, 'bob');
    await waitFor(() => bobConsults.$leg.get()?.outcome === 'transferred', 'the leg is over');
  });

  it('without a call or a leg, the actions are refused by state', async () => {
    const { $call, bobConsults, aliceConsults } = await setup();
    const byState = (error: unknown) => isHelplineError(error) && error.code === 'conflict/state';
    await assert.rejects(bobConsults.answer(), byState);
    await assert.rejects(bobConsults.hangUp(), byState);
    $call.set(undefined);
    await assert.rejects(aliceConsults.merge(), byState);
  });
});
