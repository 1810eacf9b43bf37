import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub, type Hub } from '../hub/hub';
import { helplineError, isHelplineError } from '../protocol/errors';
import type { Queue } from '../queue/queue.types';
import {
  createTestClock,
  fakeRinger,
  fakeVoiceProvider,
  supportQueue,
  type TestClock,
  testAgent,
  waitFor,
} from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { type CallSession, createCallSession } from '../voice/call.session';
import { type AgentSession, type AgentSessionOptions, createAgentSession } from './agent.session';
import { agentCapabilities } from './agent.voice';
import { createVisitorSession } from './visitor.session';

// The agent session's own calls: consoles take calls without host code, and a console that cannot take them says
// so at hello, so the router offers it none.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The support queue as the reference server describes it: browser calls over WebRTC. */
const voiceQueue: Queue = { ...supportQueue, voice: { provider: 'webrtc' } };

function setup(queues: readonly Queue[] = [voiceQueue], clock: TestClock = createTestClock()) {
  const hub: Hub = createHub({
    queues,
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
  });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };

  function agent(id: string, voice?: AgentSessionOptions['voice']) {
    const session = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: `dev:agent:${id}:${id}`,
      ...(voice === undefined ? {} : { voice }),
    });
    cleanups.push(() => session.close());
    return session;
  }

  /** An agent whose console takes calls, with a fake media engine. */
  function caller(id: string) {
    const media = fakeVoiceProvider();
    const ring = fakeRinger();
    const session = agent(id, { provider: () => media.provider, ringer: ring.ringer });
    return { session, media, ring };
  }

  function visitor(id = 'v1') {
    const session = createVisitorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: `dev:visitor:${id}:Visitor ${id}`,
      storageKey: false,
    });
    const media = fakeVoiceProvider();
    const calls = createCallSession({
      connection: session.connection,
      provider: media.provider,
      ringer: false,
    });
    cleanups.push(() => {
      calls.dispose();
      session.close();
    });
    return {
      session,
      calls,
      media,
      call: () =>
        calls.call(() =>
          session.startChat({ channel: 'voice', queueId: 'support', prechat: { name: `Caller ${id}` } }),
        ),
    };
  }

  return { hub, clock, agent, caller, visitor };
}

async function callsOf(session: AgentSession): Promise<CallSession> {
  await waitFor(() => session.$calls.get() !== undefined, 'the call session');
  const calls = session.$calls.get();
  assert.ok(calls);
  return calls;
}

describe('agent voice: what a console declares at hello', () => {
  it('voice: false declares no calls; a provider declares calls; a Node client declares nothing', () => {
    assert.deepEqual(agentCapabilities(false), { voice: false });
    assert.deepEqual(agentCapabilities({ provider: () => fakeVoiceProvider().provider }), { voice: true });
    assert.equal(agentCapabilities(undefined), undefined);
    assert.equal(agentCapabilities({}), undefined);
  });
});

describe('agent voice: the router offers calls only to consoles that can take them', () => {
  it('a console without voice gets chats but no calls; the call goes to an agent who can take it', async () => {
    const context = setup();
    const alice = context.agent('alice', false);
    await alice.setPresence('available');
    const caller = context.visitor();
    const cid = await caller.call();
    await context.clock.advance(5_000);
    assert.deepEqual(alice.$offers.get(), {}, 'no call offered to a console without voice');

    const bob = context.caller('bob');
    await bob.session.setPresence('available');
    await waitFor(() => bob.session.$offers.get()[cid] !== undefined, 'the call offered to Bob');

    const chat = await context.visitor('v2').session.startChat({ channel: 'chat', queueId: 'support' });
    await waitFor(() => alice.$offers.get()[chat] !== undefined, 'the chat offered to Alice');
  });

  it('between two connections of a console without voice (a reload), still no call; a console with voice takes it', async () => {
    const context = setup();
    const first = context.agent('alice', false);
    await first.setPresence('available');
    const cid = await context.visitor().call();
    first.close();
    await context.clock.advance(5_000);
    assert.equal(context.hub.interaction(cid)?.state, 'queued', 'no offer while Alice has no connection');

    const again = context.caller('alice');
    await waitFor(
      () => again.session.$offers.get()[cid] !== undefined,
      'offered once a console with voice is back',
    );
  });

  it('one console with voice is enough: another tab without voice does not take the calls away', async () => {
    const context = setup();
    const withVoice = context.caller('alice');
    await withVoice.session.setPresence('available');
    const other = context.agent('alice', false);
    await other.setPresence('available');
    const cid = await context.visitor().call();
    await waitFor(() => withVoice.session.$offers.get()[cid] !== undefined, 'offered to Alice');
    // The tab with voice goes: the calls stop.
    withVoice.session.close();
    const cid2 = await context.visitor('v2').call();
    await context.clock.advance(5_000);
    assert.equal(context.hub.interaction(cid2)?.state, 'queued');
  });
});

describe('agent voice: the session creates its call session and answers through it', () => {
  it('loads voice when the server names it on a queue, rings for an offer, and picks it up microphone first', async () => {
    const context = setup();
    const alice = context.caller('alice');
    await alice.session.setPresence('available');
    const calls = await callsOf(alice.session);

    const visitor = context.visitor();
    const cid = await visitor.call();
    await waitFor(() => calls.$call.get()?.flags.canAnswer === true, 'the call rings at Alice');
    assert.equal(calls.$call.get()?.cid, cid);
    assert.equal(calls.$call.get()?.remoteName, 'Caller v1');
    assert.ok(alice.ring.log.includes('start'), 'the ringtone plays');

    // The offer toast's Accept: the agent session picks the call up through its call session.
    await alice.session.accept(cid);
    assert.deepEqual(alice.media.log.slice(0, 2), ['prepare', 'answer offerer=true resume=false']);
    assert.equal(context.hub.interaction(cid)?.state, 'active');
    assert.equal(alice.session.$interactions.get()[cid]?.channel, 'voice');
    await waitFor(() => visitor.calls.$call.get()?.snapshot.value === 'connecting', 'picked up');
    assert.ok(alice.ring.log.includes('stop'), 'the ringtone stops');
    alice.media.emit({ type: 'media', health: 'connected' });
    await waitFor(() => visitor.calls.$call.get()?.snapshot.value === 'active', 'audio flows');

    await calls.hold();
    await waitFor(() => visitor.calls.$call.get()?.snapshot.value === 'held', 'held on both sides');
    await calls.resume();
    await calls.sendDigits('42#');
    await waitFor(() => visitor.calls.$call.get()?.digitsReceived === '42#', 'digits reach the visitor');
    await calls.hangUp();
    await waitFor(
      () => visitor.calls.$call.get()?.snapshot.context.endedBy === 'agent',
      'the visitor sees the agent hung up',
    );
    assert.equal(context.hub.interaction(cid)?.state, 'wrap-up');
  });

  it('an offer that came before voice loaded rings too (queues that name no engine: WebRTC)', async () => {
    const context = setup([supportQueue]);
    const alice = context.caller('alice');
    await alice.session.setPresence('available');
    assert.equal(alice.session.$calls.get(), undefined, 'no voice loaded before a call');
    const cid = await context.visitor().call();
    const calls = await callsOf(alice.session);
    await waitFor(
      () => calls.$call.get()?.cid === cid && calls.$call.get()?.flags.canAnswer === true,
      'rings',
    );
    await calls.answer();
    assert.equal(context.hub.interaction(cid)?.state, 'active');
  });

  it('declining stops the ringing and opens no microphone', async () => {
    const context = setup();
    const alice = context.caller('alice');
    await alice.session.setPresence('available');
    const calls = await callsOf(alice.session);
    const cid = await context.visitor().call();
    await waitFor(() => calls.$call.get()?.flags.canAnswer === true, 'rings');
    await alice.session.reject(cid);
    await waitFor(() => alice.ring.log.includes('stop'), 'no longer ringing');
    assert.notEqual(context.hub.interaction(cid)?.state, 'active');
    assert.ok(!alice.media.log.includes('prepare'), 'the microphone stayed closed');
  });

  it('a microphone that cannot open accepts nothing: the offer keeps ringing', async () => {
    const context = setup();
    const media = fakeVoiceProvider({
      prepare: async () => {
        throw Object.assign(new Error('denied'), { code: 'voice/permission-denied' });
      },
    });
    const alice = context.agent('alice', { provider: () => media.provider, ringer: false });
    await alice.setPresence('available');
    const calls = await callsOf(alice);
    const cid = await context.visitor().call();
    await waitFor(() => calls.$call.get()?.flags.canAnswer === true, 'rings');
    await assert.rejects(alice.accept(cid));
    assert.equal(context.hub.interaction(cid)?.state, 'offered');
    assert.equal(calls.$call.get()?.flags.canAnswer, true);
  });

  it('voice that cannot load accepts nothing: the offer stays for someone who can take it', async () => {
    const context = setup();
    const alice = context.agent('alice', {
      provider: () =>
        Promise.reject(helplineError('voice/unsupported', { detail: 'the engine did not load' })),
      ringer: false,
    });
    await alice.setPresence('available');
    const cid = await context.visitor().call();
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await assert.rejects(
      alice.accept(cid),
      (error: unknown) => isHelplineError(error) && error.code === 'voice/unsupported',
    );
    assert.equal(context.hub.interaction(cid)?.state, 'offered');
    assert.equal(alice.$calls.get(), undefined);
  });

  it('after a reload the new session takes the live call back as a new peer', async () => {
    const context = setup();
    const alice = context.caller('alice');
    await alice.session.setPresence('available');
    const cid = await context.visitor().call();
    await waitFor(() => alice.session.$offers.get()[cid] !== undefined, 'offered');
    await alice.session.accept(cid);
    alice.session.close();

    const reloaded = context.caller('alice');
    // The console's components listen to the session: that opens its connection.
    reloaded.session.$interactions.listen(() => undefined);
    const calls = await callsOf(reloaded.session);
    await waitFor(() => reloaded.media.log.some((line) => line.includes('resume=true')), 'media rejoined');
    assert.deepEqual(reloaded.media.log.slice(0, 2), ['prepare', 'answer offerer=true resume=true']);
    assert.equal(calls.$call.get()?.cid, cid);
  });

  it('voice: false creates no call session, even where the server offers voice', async () => {
    const context = setup();
    const alice = context.agent('alice', false);
    await alice.setPresence('available');
    await waitFor(() => alice.$queues.get().length > 0, 'queues loaded');
    assert.equal(alice.$calls.get(), undefined);
  });
});
