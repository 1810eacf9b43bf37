import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Connection } from '../connection/connection';
import { isHelplineError } from '../protocol/errors';
import type { ConversationEvent, Notice, WireCall } from '../protocol/protocol.types';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, salesQueue, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import { createMemoryStorage } from './memory.storage';
import type { VoiceHubOptions } from './voice.hub';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(voice?: VoiceHubOptions, clock: TestClock = createTestClock()) {
  const hub = createHub({
    queues: [supportQueue, salesQueue],
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
    ...(voice ? { voice } : {}),
  });
  cleanups.push(() => hub.close());
  // Each party has a link of its own, so faults injected on one leave the other connected.
  const base = { clock, random: () => 0.5 };
  function party<T extends { close(): void; connection: Connection }>(
    session: (transport: MemoryTransport) => T,
  ) {
    const transport = createMemoryTransport({ hub });
    const created = session(transport);
    cleanups.push(() => created.close());
    const notices: Notice[] = [];
    const events: ConversationEvent[] = [];
    created.connection.onNotice((notice) => notices.push(notice));
    created.connection.onEvent((event) => events.push(event.ev));
    return Object.assign(created, { transport, notices, events, lastCall: () => lastCall(notices) });
  }
  const visitor = (id = 'v1') =>
    party((transport) =>
      createVisitorSession({ ...base, transport, token: `dev:visitor:${id}:Visitor ${id}` }),
    );
  const agent = (id = 'alice') =>
    party((transport) => createAgentSession({ ...base, transport, token: `dev:agent:${id}:${id}` }));
  return { clock, hub, visitor, agent };
}

function lastCall(notices: readonly Notice[]): WireCall | undefined {
  for (let i = notices.length - 1; i >= 0; i--) {
    const notice = notices[i];
    if (notice?.type === 'call') return notice.call;
  }
  return undefined;
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isHelplineError(error) && error.code === code);
}

/** A visitor calls, an agent answers: returns both parties and the call, in `connecting`. */
async function answeredCall(context: ReturnType<typeof setup>) {
  const alice = context.agent();
  await alice.setPresence('available');
  const v = context.visitor();
  const cid = await v.startChat({ channel: 'voice' });
  const { call: ringing } = await v.connection.command('call.attach', { cid });
  assert.ok(ringing);
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
  await alice.accept(cid);
  await waitFor(
    () => v.lastCall()?.state === 'connecting' && alice.lastCall()?.state === 'connecting',
    'picked up',
  );
  return { alice, v, cid, callId: ringing.callId };
}

describe('hub voice: click-to-call routes like a chat', () => {
  it('rings in the queue with a position, is picked up on accept and becomes active when media flows', async () => {
    const context = setup();
    const v = context.visitor();
    const cid = await v.startChat({ channel: 'voice', queueId: 'support' });
    const { call } = await v.connection.command('call.attach', { cid });
    assert.deepEqual([call?.state, call?.startedBy, call?.media], ['ringing', 'visitor', 'ok']);
    // Position and EWT reach the caller as for a chat.
    await waitFor(
      () => v.notices.some((n) => n.type === 'position' && n.cid === cid && n.position === 1),
      'a place in line',
    );

    const alice = context.agent();
    await alice.setPresence('available');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    assert.equal(alice.$offers.get()[cid]?.interaction.channel, 'voice');
    await alice.accept(cid);
    await waitFor(() => v.lastCall()?.state === 'connecting', 'picked up, visitor side');
    assert.equal(alice.lastCall()?.state, 'connecting');
    assert.equal(context.hub.interaction(cid)?.state, 'active');

    const callId = call?.callId ?? '';
    await alice.connection.command('call.media', { cid, callId, media: 'connected' });
    await waitFor(() => v.lastCall()?.state === 'active', 'active');
    assert.ok(v.lastCall()?.timestamps.answeredAt !== undefined);
    assert.ok(
      v.events.some((ev) => ev.type === 'call' && ev.state === 'active'),
      'the call is in the conversation log',
    );
  });

  it('a voice call blocks new chats for the agent who holds it', async () => {
    const context = setup();
    const { alice } = await answeredCall(context);
    const other = context.visitor('v2');
    const chat = await other.startChat({ channel: 'chat' });
    await context.clock.advance(5_000);
    assert.equal(alice.$offers.get()[chat], undefined);
  });
});

describe('hub voice: signaling relay', () => {
  it('relays signals to the other party only, tagged with the sender', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await answeredCall(context);
    const offer = { kind: 'offer', peer: 'p_agent', sdp: 'v=0 offer' } as const;
    await alice.connection.command('call.signal', { cid, callId, signal: offer });
    await waitFor(() => v.notices.some((n) => n.type === 'call.signal'), 'offer relayed');
    const relayed = v.notices.find((n) => n.type === 'call.signal');
    assert.deepEqual(relayed, { type: 'call.signal', cid, callId, from: 'agent', signal: offer });
    assert.ok(!alice.notices.some((n) => n.type === 'call.signal'), 'no echo to the sender');

    const candidate = {
      kind: 'candidate',
      peer: 'p_visitor',
      candidate: {
        candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    } as const;
    await v.connection.command('call.signal', { cid, callId, signal: candidate });
    await waitFor(() => alice.notices.some((n) => n.type === 'call.signal'), 'candidate relayed');
  });

  it('refuses signaling from anyone but the two parties, for a stale call, or before the call is picked up', async () => {
    const context = setup();
    const { v, cid, callId } = await answeredCall(context);
    const signal = { kind: 'restart', peer: 'p_x' } as const;
    const stranger = context.visitor('v2');
    await refused(stranger.connection.command('call.signal', { cid, callId, signal }), 'not-found');
    const bob = context.agent('bob');
    await refused(bob.connection.command('call.signal', { cid, callId, signal }), 'not-found');
    const supervisor = createVisitorSession({
      transport: createMemoryTransport({ hub: context.hub }),
      token: 'dev:supervisor:sam:Sam',
      clock: context.clock,
    });
    cleanups.push(() => supervisor.close());
    await refused(supervisor.connection.command('call.signal', { cid, callId, signal }), 'auth/forbidden');
    await refused(v.connection.command('call.signal', { cid, callId: 'v_stale', signal }), 'not-found');
    assert.ok(!context.agent('alice').notices.some((n) => n.type === 'call.signal'));

    const ringing = context.visitor('v3');
    const waiting = await ringing.startChat({ channel: 'voice' });
    const { call } = await ringing.connection.command('call.attach', { cid: waiting });
    await refused(
      ringing.connection.command('call.signal', { cid: waiting, callId: call?.callId ?? '', signal }),
      'conflict/state',
    );
  });

  it('bounds signal size and rate', async () => {
    const context = setup({ signalBurst: 5, signalsPerSecond: 1 });
    const { v, cid, callId } = await answeredCall(context);
    const huge = { kind: 'offer', peer: 'p_v', sdp: 'x'.repeat(16_385) } as const;
    await refused(v.connection.command('call.signal', { cid, callId, signal: huge }), 'validation/field');
    const signal = { kind: 'restart', peer: 'p_v' } as const;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => v.connection.command('call.signal', { cid, callId, signal })),
    );
    const limited = results.filter(
      (r) => r.status === 'rejected' && isHelplineError(r.reason) && r.reason.code === 'limit/rate',
    );
    // The attach that found the call spent one token of the burst of five.
    assert.equal(limited.length, 4);
    const first = limited[0];
    assert.ok(first?.status === 'rejected' && (first.reason.retryAfterMs ?? 0) > 0);
    await context.clock.advance(1_000);
    await v.connection.command('call.signal', { cid, callId, signal });
  });
});

describe('hub voice: hold and hang-up', () => {
  it('shows hold to both sides, and only the holder resumes', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await answeredCall(context);
    await v.connection.command('call.media', { cid, callId, media: 'connected' });
    const { call } = await alice.connection.command('call.hold', { cid, callId });
    assert.deepEqual([call.state, call.heldBy], ['held', 'agent']);
    await waitFor(() => v.lastCall()?.heldBy === 'agent', 'the visitor sees the hold');
    await waitFor(
      () => v.events.some((ev) => ev.type === 'call' && ev.state === 'held' && ev.heldBy === 'agent'),
      'hold in the log',
    );
    await refused(v.connection.command('call.resume', { cid, callId }), 'conflict/state');
    await alice.connection.command('call.resume', { cid, callId });
    await waitFor(() => v.lastCall()?.state === 'active' && v.lastCall()?.heldBy === undefined, 'resumed');
  });

  for (const side of ['visitor', 'agent'] as const) {
    it(`records a hang-up by the ${side} on both sides and ends the voice interaction`, async () => {
      const context = setup();
      const { alice, v, cid, callId } = await answeredCall(context);
      await alice.connection.command('call.media', { cid, callId, media: 'connected' });
      const party = side === 'visitor' ? v : alice;
      await party.connection.command('call.hangup', { cid, callId });
      for (const seen of [v, alice]) {
        await waitFor(() => seen.lastCall()?.state === 'ended', 'ended');
        assert.deepEqual([seen.lastCall()?.endedBy, seen.lastCall()?.endReason], [side, 'completed']);
      }
      const interaction = context.hub.interaction(cid);
      assert.deepEqual([interaction?.state, interaction?.endedBy], ['wrap-up', side]);
      await refused(v.connection.command('call.hold', { cid, callId }), 'conflict/state');
    });
  }

  it('a visitor who hangs up while waiting abandons the interaction', async () => {
    const context = setup();
    const v = context.visitor();
    const cid = await v.startChat({ channel: 'voice' });
    const { call } = await v.connection.command('call.attach', { cid });
    await v.connection.command('call.hangup', { cid, callId: call?.callId ?? '' });
    const interaction = context.hub.interaction(cid);
    assert.deepEqual(
      [interaction?.state, interaction?.endReason, interaction?.endedBy],
      ['ended', 'abandoned', 'visitor'],
    );
  });

  it('a transferred call ends for this agent and rings again in the queue for the next one', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await answeredCall(context);
    await alice.connection.command('call.media', { cid, callId, media: 'connected' });
    await alice.setPresence('away', 'break'); // So that the next offer goes to bob.
    await alice.transfer(cid, { toQueueId: 'sales' });
    await waitFor(() => v.lastCall()?.callId !== callId, 'a new call');
    assert.deepEqual([v.lastCall()?.state, v.lastCall()?.startedBy], ['ringing', 'visitor']);
    assert.ok(
      v.events.some(
        (ev) =>
          ev.type === 'call' &&
          ev.callId === callId &&
          ev.state === 'ended' &&
          ev.endReason === 'transferred' &&
          ev.endedBy === 'agent',
      ),
      "the first call ended as alice's leg, transferred",
    );
    const bob = context.agent('bob');
    await bob.setPresence('available');
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offered to bob');
    await bob.accept(cid);
    await waitFor(() => v.lastCall()?.state === 'connecting', 'picked up by bob');
  });

  it('ending the interaction ends its call', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await answeredCall(context);
    await v.connection.command('call.media', { cid, callId, media: 'connected' });
    await alice.end(cid);
    await waitFor(() => v.lastCall()?.state === 'ended', 'call ended');
    assert.equal(v.lastCall()?.endedBy, 'agent');
  });
});

describe('hub voice: reload and outages', () => {
  async function talking(context: ReturnType<typeof setup>) {
    const call = await answeredCall(context);
    await call.alice.connection.command('call.media', {
      cid: call.cid,
      callId: call.callId,
      media: 'connected',
    });
    await waitFor(() => call.v.lastCall()?.state === 'active', 'active');
    return call;
  }

  it('a reloaded visitor re-attaches within the grace period and the call goes on', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await talking(context);
    // The page reloads: its socket dies, and the agent's media notices silence.
    v.close();
    await alice.connection.command('call.media', { cid, callId, media: 'reconnecting' });
    await waitFor(() => alice.lastCall()?.media === 'reconnecting', 'reconnecting shown');
    await context.clock.advance(15_000);
    const reloaded = context.visitor();
    const { call } = await reloaded.connection.command('call.attach', { cid });
    assert.equal(call?.state, 'active');
    // The new page's media connects with the agent again.
    await reloaded.connection.command('call.media', { cid, callId, media: 'connected' });
    await waitFor(() => alice.lastCall()?.media === 'ok', 'restored');
    await context.clock.advance(60_000);
    assert.equal(alice.lastCall()?.state, 'active');
    // Signals now reach the reloaded page.
    await alice.connection.command('call.signal', {
      cid,
      callId,
      signal: { kind: 'offer', peer: 'p_a2', sdp: 'v=0' },
    });
    await waitFor(() => reloaded.notices.some((n) => n.type === 'call.signal'), 'signal to the new page');
  });

  it('a page that never comes back: the hub ends the call cleanly on both sides after 20 s', async () => {
    const context = setup();
    const { alice, v, cid, callId } = await talking(context);
    v.close();
    await alice.connection.command('call.media', { cid, callId, media: 'reconnecting' });
    await context.clock.advance(19_000);
    assert.equal(alice.lastCall()?.state, 'active');
    await context.clock.advance(1_000);
    await waitFor(() => alice.lastCall()?.state === 'ended', 'ended');
    assert.deepEqual([alice.lastCall()?.endReason, alice.lastCall()?.endedBy], ['failed', 'system']);
    const interaction = context.hub.interaction(cid);
    assert.deepEqual([interaction?.state, interaction?.endReason], ['wrap-up', 'failed']);
    // The visitor sees the same end when it looks.
    const back = context.visitor();
    const { call } = await back.connection.command('call.attach', { cid });
    assert.deepEqual([call?.state, call?.endedBy], ['ended', 'system']);
  });

  it('a signaling outage of one side alone never ends a call whose media flows', async () => {
    const context = setup();
    const { v, alice } = await talking(context);
    v.transport.setUnreachable(true);
    v.transport.dropAll();
    await context.clock.advance(120_000);
    assert.equal(alice.lastCall()?.state, 'active');
    v.transport.setUnreachable(false);
    await context.clock.advance(35_000);
    await waitFor(
      () => v.$connection.get().value === 'caught-up' || v.$connection.get().value === 'connected',
    );
  });

  it('a call with neither party connected ends after the absence grace period', async () => {
    const context = setup();
    const { v, alice, cid } = await talking(context);
    for (const party of [v, alice]) {
      party.transport.setUnreachable(true);
      party.transport.dropAll();
    }
    await context.clock.advance(59_000);
    assert.equal(context.hub.interaction(cid)?.state, 'active');
    await context.clock.advance(1_000);
    assert.deepEqual(
      [context.hub.interaction(cid)?.state, context.hub.interaction(cid)?.endReason],
      ['wrap-up', 'failed'],
    );
  });

  it('a picked-up call whose media never connects fails after 30 s', async () => {
    const context = setup();
    const { alice, cid } = await answeredCall(context);
    await context.clock.advance(30_000);
    await waitFor(() => alice.lastCall()?.state === 'ended', 'failed');
    assert.equal(alice.lastCall()?.endReason, 'failed');
    assert.equal(context.hub.interaction(cid)?.endReason, 'failed');
  });
});

describe('hub voice: calls inside a chat', () => {
  async function chatting(context: ReturnType<typeof setup>) {
    const alice = context.agent();
    await alice.setPresence('available');
    const v = context.visitor();
    const cid = await v.startChat({ channel: 'chat' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'chat offered');
    await alice.accept(cid);
    return { alice, v, cid };
  }

  it('the visitor escalates a chat to a call; the agent answers; hanging up leaves the chat running', async () => {
    const context = setup();
    const { alice, v, cid } = await chatting(context);
    const { call } = await v.connection.command('call.start', { cid });
    assert.deepEqual([call.state, call.startedBy], ['ringing', 'visitor']);
    await waitFor(() => alice.lastCall()?.state === 'ringing', 'rings for the agent');
    await refused(v.connection.command('call.answer', { cid, callId: call.callId }), 'auth/forbidden');
    await alice.connection.command('call.answer', { cid, callId: call.callId });
    await v.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
    await v.connection.command('call.hangup', { cid, callId: call.callId });
    await waitFor(() => alice.lastCall()?.state === 'ended', 'call ended');
    assert.equal(context.hub.interaction(cid)?.state, 'active', 'the chat goes on');
    await v.sendMessage('still here');
    // A second call in the same conversation is a new call.
    const again = await alice.connection.command('call.start', { cid });
    assert.notEqual(again.call.callId, call.callId);
    assert.deepEqual([again.call.state, again.call.startedBy], ['ringing', 'agent']);
  });

  it('the agent cannot call a visitor who is offline; a declined call is rejected by the callee', async () => {
    const context = setup();
    const { alice, v, cid } = await chatting(context);
    const { call } = await alice.connection.command('call.start', { cid });
    await waitFor(() => v.lastCall()?.state === 'ringing', 'rings for the visitor');
    await refused(alice.connection.command('call.start', { cid }), 'conflict/state');
    const { call: declined } = await v.connection.command('call.hangup', { cid, callId: call.callId });
    assert.deepEqual([declined.endReason, declined.endedBy], ['rejected', 'visitor']);

    v.transport.setUnreachable(true);
    v.transport.dropAll();
    await waitFor(() => v.$connection.get().value === 'reconnecting', 'visitor offline');
    await refused(alice.connection.command('call.start', { cid }), 'voice/unreachable');
  });

  it('an unanswered call in a chat counts as missed after 45 s', async () => {
    const context = setup();
    const { alice, cid } = await chatting(context);
    await alice.connection.command('call.start', { cid });
    await context.clock.advance(45_000);
    await waitFor(() => alice.lastCall()?.state === 'ended', 'missed');
    assert.deepEqual([alice.lastCall()?.endReason, alice.lastCall()?.endedBy], ['missed', 'system']);
  });

  it('an offline message never carries a call', async () => {
    const context = setup();
    const v = context.visitor();
    const cid = await v.leaveOfflineMessage({ text: 'call me' });
    await refused(v.connection.command('call.start', { cid }), 'conflict/state');
  });
});

describe('hub voice: calls after a restart', () => {
  it('a call picked up goes on, and fails when its media never connects; a waiting call rings again for the caller', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const start = () => {
      const hub = createHub({
        queues: [supportQueue],
        agents: [testAgent('alice'), testAgent('bob')],
        authenticate: devAuthenticate,
        clock,
        storage,
      });
      cleanups.push(() => hub.close());
      return hub;
    };
    const base = { clock, random: () => 0.5 };
    const visitorOf = (hub: Hub, id: string) => {
      const transport = createMemoryTransport({ hub });
      const visitor = createVisitorSession({ ...base, transport, token: `dev:visitor:${id}:${id}` });
      cleanups.push(() => visitor.close());
      return visitor;
    };

    const first = start();
    const alice = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub: first }),
      token: 'dev:agent:alice:Alice',
    });
    cleanups.push(() => alice.close());
    await alice.setPresence('available');
    const talking = await visitorOf(first, 'v1').startChat({ channel: 'voice' });
    await waitFor(() => alice.$offers.get()[talking] !== undefined, 'offered');
    await alice.accept(talking);
    const waiting = await visitorOf(first, 'v2').startChat({ channel: 'voice' });
    await clock.advance(1_000);
    assert.equal(first.interaction(talking)?.state, 'active');
    assert.equal(first.interaction(waiting)?.state, 'queued');
    first.close();

    const second = start();
    await second.restore();
    // The call picked up goes on (its media runs between the browsers); it ends as failed when that media never
    // connects, as it would have without the restart.
    const { call: picked } = await visitorOf(second, 'v1').connection.command('call.attach', {
      cid: talking,
    });
    assert.equal(picked?.state, 'connecting');
    assert.equal(second.interaction(talking)?.state, 'active');
    await clock.advance(30_000);
    await waitFor(
      () => second.interaction(talking)?.state === 'wrap-up',
      'the call that never connected ended',
    );
    assert.equal(second.interaction(talking)?.endReason, 'failed');
    const { call } = await visitorOf(second, 'v2').connection.command('call.attach', { cid: waiting });
    assert.deepEqual(
      [call?.state, call?.startedBy],
      ['ringing', 'visitor'],
      'the caller takes the new call back',
    );
  });

  it('a waiting call whose caller does not come back after the restart ends instead of ringing for ever', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const start = () => {
      const hub = createHub({
        queues: [supportQueue],
        agents: [testAgent('alice')],
        authenticate: devAuthenticate,
        clock,
        storage,
      });
      cleanups.push(() => hub.close());
      return hub;
    };
    const first = start();
    const caller = createVisitorSession({
      clock,
      random: () => 0.5,
      transport: createMemoryTransport({ hub: first }),
      token: 'dev:visitor:v1:Ada',
    });
    cleanups.push(() => caller.close());
    const cid = await caller.startChat({ channel: 'voice' });
    caller.close();
    first.close();

    const second = start();
    await second.restore();
    assert.equal(second.interaction(cid)?.state, 'queued');
    await clock.advance(61_000);
    await waitFor(() => second.interaction(cid)?.state !== 'queued', 'no longer waiting');
  });
});
