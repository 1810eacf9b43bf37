import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Connection } from '../connection/connection';
import { isHelplineError } from '../protocol/errors';
import type { ConversationEvent, Notice } from '../protocol/protocol.types';
import { createAgentSession } from '../session/agent.session';
import { createSupervisorSession } from '../session/supervisor.session';
import { createVisitorSession } from '../session/visitor.session';
import { createMemorySupervisionAudit } from '../supervision/supervision.types';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { SupervisionOptions } from './supervision.hub';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(supervision: SupervisionOptions = {}) {
  const clock = createTestClock();
  const audit = supervision.audit ?? createMemorySupervisionAudit();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
    supervision: { ...supervision, audit },
  });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };
  function party<T extends { close(): void; connection: Connection }>(session: T) {
    cleanups.push(() => session.close());
    const notices: Notice[] = [];
    const events: ConversationEvent[] = [];
    session.connection.onNotice((notice) => notices.push(notice));
    session.connection.onEvent((event) => events.push(event.ev));
    return Object.assign(session, { notices, events });
  }
  const transport = () => createMemoryTransport({ hub });
  return {
    audit,
    visitor: () =>
      party(createVisitorSession({ ...base, transport: transport(), token: 'dev:visitor:v1:Ada' })),
    agent: (id: string) =>
      party(createAgentSession({ ...base, transport: transport(), token: `dev:agent:${id}:${id}` })),
    supervisor: (id = 'sam') =>
      party(
        createSupervisorSession({ ...base, transport: transport(), token: `dev:supervisor:${id}:${id}` }),
      ),
  };
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isHelplineError(error) && error.code === code);
}

const supervisionNotices = (notices: readonly Notice[]) =>
  notices.filter((notice) => notice.type.startsWith('supervision'));

/** Ada chats, Alice accepts: an active chat. */
async function activeChat(context: ReturnType<typeof setup>) {
  const alice = context.agent('alice');
  await alice.setPresence('available');
  const visitor = context.visitor();
  const cid = await visitor.startChat({ channel: 'chat' });
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'chat offer');
  await alice.accept(cid);
  return { alice, visitor, cid };
}

/** Ada calls, Alice answers, both report media: an active browser call. */
async function activeCall(context: ReturnType<typeof setup>) {
  const alice = context.agent('alice');
  await alice.setPresence('available');
  const visitor = context.visitor();
  const cid = await visitor.startChat({ channel: 'voice' });
  const { call } = await visitor.connection.command('call.attach', { cid });
  assert.ok(call);
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
  await alice.accept(cid);
  for (const party of [visitor, alice]) {
    await party.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
  }
  return { alice, visitor, cid, callId: call.callId };
}

describe('supervision on the hub', () => {
  it("refuses monitor, whisper and barge to visitors and agents (the call's own agent too), typed", async () => {
    const context = setup();
    const { alice, visitor, cid } = await activeCall(context);
    const bob = context.agent('bob');
    for (const mode of ['monitoring', 'whispering', 'barging'] as const) {
      await refused(visitor.connection.command('supervision.start', { cid, mode }), 'auth/forbidden');
      await refused(bob.connection.command('supervision.start', { cid, mode }), 'auth/forbidden');
      await refused(alice.connection.command('supervision.start', { cid, mode }), 'auth/forbidden');
    }
    for (const who of [visitor, bob, alice]) {
      await refused(who.connection.command('supervision.mode', { cid, mode: 'barging' }), 'auth/forbidden');
      await refused(who.connection.command('supervision.stop', { cid }), 'auth/forbidden');
      await refused(who.connection.command('supervision.note', { cid, text: 'hi' }), 'auth/forbidden');
    }
    await refused(bob.connection.command('supervision.audit', {}), 'auth/forbidden');
    assert.deepEqual(await context.audit.list({ limit: 10 }), [], 'nothing refused is audited');
  });

  it('monitors a browser call, switches to whisper and barge, relays signaling, audits every step', async () => {
    const context = setup();
    const { alice, visitor, cid, callId } = await activeCall(context);
    const sam = context.supervisor();
    const leg = await sam.supervision.start(cid, 'monitoring');
    assert.equal(leg.state, 'monitoring');
    assert.equal(leg.target, 'call');
    assert.equal(leg.media, 'webrtc');
    assert.equal(leg.callId, callId);
    assert.equal(leg.agentId, 'alice');
    assert.equal(leg.agentNotified, false, 'silent monitoring is not shown to the agent by default');
    // The agent's browser mixes the call for the supervisor, so it learns of the leg (its console does not show it).
    await waitFor(
      () => alice.supervision.$legs.get()[leg.legId] !== undefined,
      'the agent browser hears of the leg',
    );

    await sam.connection.command('supervision.signal', {
      cid,
      legId: leg.legId,
      signal: { kind: 'restart', peer: 'p_sup' },
    });
    await waitFor(
      () => alice.notices.some((n) => n.type === 'supervision.signal' && n.from === 'supervisor'),
      'signal to the agent',
    );
    await alice.connection.command('supervision.signal', {
      cid,
      legId: leg.legId,
      signal: { kind: 'offer', peer: 'p_agent', sdp: 'v=0' },
    });
    await waitFor(
      () => sam.notices.some((n) => n.type === 'supervision.signal' && n.from === 'agent'),
      'signal to the supervisor',
    );
    const bob = context.agent('bob');
    await refused(
      bob.connection.command('supervision.signal', {
        cid,
        legId: leg.legId,
        signal: { kind: 'restart', peer: 'p' },
      }),
      'not-found',
    );

    const whispering = await sam.supervision.setMode(cid, 'whispering');
    assert.equal(whispering.state, 'whispering');
    assert.equal(whispering.agentNotified, true, 'an agent who hears the supervisor is told');
    const barging = await sam.supervision.setMode(cid, 'barging');
    assert.equal(barging.state, 'barging');
    await refused(sam.supervision.setMode(cid, 'barging'), 'conflict/state');
    // Another supervisor cannot steer Sam's leg.
    const sue = context.supervisor('sue');
    await refused(sue.supervision.setMode(cid, 'monitoring'), 'conflict/state');

    const ended = await sam.supervision.stop(cid);
    assert.equal(ended.state, 'ended');
    assert.equal(ended.endReason, 'stopped');
    await waitFor(() => alice.supervision.$legs.get()[leg.legId] === undefined, 'the agent browser lets go');

    const audit = await sam.supervision.audit({ cid });
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.mode ?? entry.endReason, entry.supervisorId, entry.agentId]),
      [
        ['end', 'stopped', 'sam', 'alice'],
        ['mode', 'barging', 'sam', 'alice'],
        ['mode', 'whispering', 'sam', 'alice'],
        ['start', 'monitoring', 'sam', 'alice'],
      ],
    );
    assert.deepEqual(supervisionNotices(visitor.notices), [], 'the customer never hears of a supervisor');
  });

  it('ends the leg with the call', async () => {
    const context = setup();
    const { alice, cid, callId } = await activeCall(context);
    const sam = context.supervisor();
    const leg = await sam.supervision.start(cid, 'barging');
    await alice.connection.command('call.hangup', { cid, callId });
    await waitFor(() => sam.supervision.$legs.get()[leg.legId] === undefined, 'leg ended');
    const last = (await sam.supervision.audit({ cid }))[0];
    assert.equal(last?.action, 'end');
    assert.equal(last?.endReason, 'interaction-ended');
  });

  it('tells the agent of silent monitoring when configured', async () => {
    const context = setup({ notifyAgent: true });
    const { cid } = await activeCall(context);
    const leg = await context.supervisor().supervision.start(cid, 'monitoring');
    assert.equal(leg.agentNotified, true);
  });

  it('monitors a chat read-only; private notes reach the agent and never the visitor, on any path', async () => {
    const context = setup();
    const { alice, visitor, cid } = await activeChat(context);
    const sam = context.supervisor();
    const leg = await sam.supervision.start(cid, 'monitoring');
    assert.equal(leg.target, 'chat');
    assert.equal(leg.media, 'none');
    await refused(sam.supervision.setMode(cid, 'whispering'), 'conflict/state');
    await refused(sam.supervision.start(cid, 'barging'), 'conflict/state');
    assert.ok(sam.supervision.$legs.get()[leg.legId], 'a refused start leaves the live leg alone');
    // A silent chat monitor is not shown to the agent at all by default.
    assert.deepEqual(supervisionNotices(alice.notices), []);

    await visitor.sendMessage('My order never came');
    await alice.sendMessage(cid, 'Let me look');
    await waitFor(
      () => sam.events.filter((ev) => ev.type === 'message').length >= 2,
      'the supervisor reads the conversation live',
    );
    // Read-only: a supervisor cannot write into the conversation.
    await refused(
      sam.connection.command('message.send', {
        cid,
        clientMsgId: '01900000-0000-7000-8000-000000000001',
        text: 'hi',
      }),
      'auth/forbidden',
    );

    const before = (await visitor.connection.command('history', { cid })).events.length;
    const note = await sam.supervision.note(cid, 'Offer the refund');
    await waitFor(() => (alice.supervision.$notes.get()[cid] ?? []).length === 1, 'the agent gets the note');
    assert.equal(alice.supervision.$notes.get()[cid]?.[0]?.text, 'Offer the refund');
    // Never an event of the conversation: no history, replay, transcript or email leg can carry it.
    const history = await visitor.connection.command('history', { cid });
    assert.equal(history.events.length, before);
    assert.ok(!JSON.stringify(history).includes('Offer the refund'));
    const staffHistory = await alice.connection.command('history', { cid });
    assert.ok(!JSON.stringify(staffHistory).includes('Offer the refund'));
    assert.ok(!JSON.stringify(visitor.notices).includes('Offer the refund'));
    assert.ok(!JSON.stringify(visitor.events).includes('Offer the refund'));
    assert.deepEqual(supervisionNotices(visitor.notices), []);
    assert.equal(note.supervisorId, 'sam');

    await alice.connection.command('chat.end', { cid });
    await waitFor(() => sam.supervision.$legs.get()[leg.legId] === undefined, 'leg ends with the chat');
    const actions = (await sam.supervision.audit({ cid })).map((entry) => entry.action);
    assert.deepEqual(actions, ['end', 'note', 'start']);
  });

  it('a second start by the same supervisor replaces the first leg', async () => {
    const context = setup();
    const { cid } = await activeChat(context);
    const sam = context.supervisor();
    const first = await sam.supervision.start(cid, 'monitoring');
    const second = await sam.supervision.start(cid, 'monitoring');
    assert.notEqual(first.legId, second.legId);
    const { legs } = await sam.connection.command('supervision.list', {});
    assert.deepEqual(
      legs.map((leg) => leg.legId),
      [second.legId],
    );
    const audit = await sam.supervision.audit({ cid });
    assert.equal(audit[1]?.endReason, 'replaced');
  });
});
