import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Connection } from '../connection/connection';
import { isHelplineError } from '../protocol/errors';
import type { ConversationEvent, Notice, WireCall } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { createAgentSession } from '../session/agent.session';
import { createSupervisorSession } from '../session/supervisor.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, salesQueue, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport/memory.transport';
import type { RecordingPolicy } from '../voice/voice.machine';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { RecordingAuditEntry, RecordingInfo } from './recordings.hub';

// Recording from the hub's side: the queue's policy decides the call's `recording` from its creation, the call's own
// agent starts, pauses and resumes it (each an event of the log naming the agent, and an audit entry), nobody else
// does; recordings are listed to supervisors, and to the call's agents only when the server allows it.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const stored: RecordingInfo = {
  id: 'rec_1',
  cid: 'c1',
  callId: 'v1',
  customerId: 'v1',
  agentIds: ['alice'],
  source: 'browser',
  mimeType: 'audio/webm;codecs=opus',
  startedAt: 1,
  updatedAt: 2,
  bytes: 1_000,
  url: '/v1/recordings/rec_1',
};

function setup(policy: RecordingPolicy, options: { agentPlayback?: boolean } = {}) {
  const clock = createTestClock();
  const audit: RecordingAuditEntry[] = [];
  const queues: Queue[] = [{ ...supportQueue, recording: policy }, salesQueue];
  const hub = createHub({
    queues,
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
    recordings: {
      directory: {
        async list(filter) {
          return [stored].filter((r) => r.cid === filter.cid || r.customerId === filter.customerId);
        },
      },
      agentPlayback: options.agentPlayback ?? false,
      async audit(entry) {
        audit.push(entry);
      },
    },
  });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };
  function party<T extends { close(): void; connection: Connection }>(
    session: (transport: MemoryTransport) => T,
  ) {
    const created = session(createMemoryTransport({ hub }));
    cleanups.push(() => created.close());
    const notices: Notice[] = [];
    const events: ConversationEvent[] = [];
    created.connection.onNotice((notice) => notices.push(notice));
    created.connection.onEvent((event) => events.push(event.ev));
    const lastCall = (): WireCall | undefined => {
      for (let i = notices.length - 1; i >= 0; i--) {
        const notice = notices[i];
        if (notice?.type === 'call') return notice.call;
      }
      return undefined;
    };
    return Object.assign(created, { notices, events, lastCall });
  }
  const visitor = (id = 'v1') =>
    party((t) => createVisitorSession({ ...base, transport: t, token: `dev:visitor:${id}:Visitor ${id}` }));
  const agent = (id: string) =>
    party((t) => createAgentSession({ ...base, transport: t, token: `dev:agent:${id}:${id}` }));
  const supervisor = () =>
    party((t) => createSupervisorSession({ ...base, transport: t, token: 'dev:supervisor:sam:Sam' }));
  return { clock, hub, audit, visitor, agent, supervisor };
}

/** A visitor calls the support queue and alice's media connects: the call is active. */
async function activeCall(context: ReturnType<typeof setup>) {
  const alice = context.agent('alice');
  await alice.setPresence('available');
  const v = context.visitor();
  const cid = await v.startChat({ channel: 'voice', queueId: 'support' });
  const { call } = await v.connection.command('call.attach', { cid });
  assert.ok(call);
  await waitFor(() => alice.$offers.get()[cid] !== undefined, 'voice offer');
  await alice.accept(cid);
  await waitFor(() => v.lastCall()?.state === 'connecting', 'picked up');
  await alice.connection.command('call.media', { cid, callId: call.callId, media: 'connected' });
  await waitFor(() => v.lastCall()?.state === 'active' && alice.lastCall()?.state === 'active', 'active');
  return { alice, v, cid, callId: call.callId, ringing: call };
}

async function refused(promise: Promise<unknown>, ...codes: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isHelplineError(error) && codes.includes(error.code));
}

describe('hub recording: the queue policy', () => {
  it('always: the call says recorded to both parties from the moment it rings', async () => {
    const context = setup('always');
    const { alice, v, ringing } = await activeCall(context);
    assert.equal(ringing.recording, 'on', 'the caller is told before anyone answers');
    assert.equal(ringing.recordingPolicy, 'always');
    for (const party of [v, alice]) {
      const calls = party.notices.filter((n) => n.type === 'call').map((n) => n.call.recording);
      assert.ok(calls.length > 0 && calls.every((r) => r === 'on'), `${calls}`);
    }
  });

  it('on-demand: off until the agent starts it; the start reaches both sides and the log names the agent', async () => {
    const context = setup('on-demand');
    const { alice, v, cid, callId } = await activeCall(context);
    assert.equal(v.lastCall()?.recording, 'off');
    const { call } = await alice.connection.command('call.recording', { cid, callId, action: 'start' });
    assert.equal(call.recording, 'on');
    await waitFor(() => v.lastCall()?.recording === 'on', 'the visitor is told');
    await waitFor(
      () => v.events.some((ev) => ev.type === 'call' && ev.recording === 'on' && ev.recordingBy === 'alice'),
      'the start is in the log',
    );
  });

  it('never: starting is refused by state and nothing is recorded', async () => {
    const context = setup('never');
    const { alice, v, cid, callId } = await activeCall(context);
    await refused(
      alice.connection.command('call.recording', { cid, callId, action: 'start' }),
      'conflict/state',
    );
    await refused(
      alice.connection.command('call.recording', { cid, callId, action: 'pause' }),
      'conflict/state',
    );
    assert.equal(v.lastCall()?.recording, 'off');
    assert.deepEqual(context.audit, []);
  });
});

describe('hub recording: pause and resume are audited', () => {
  it('every start, pause and resume is an audit entry and a log event naming the agent, in order', async () => {
    const context = setup('on-demand');
    const { alice, v, cid, callId } = await activeCall(context);
    await alice.connection.command('call.recording', { cid, callId, action: 'start' });
    await context.clock.advance(1_000);
    const paused = await alice.connection.command('call.recording', { cid, callId, action: 'pause' });
    assert.equal(paused.call.recording, 'paused');
    await waitFor(() => v.lastCall()?.recording === 'paused', 'the visitor sees the pause');
    await context.clock.advance(1_000);
    await alice.connection.command('call.recording', { cid, callId, action: 'resume' });
    await waitFor(() => v.lastCall()?.recording === 'on', 'the visitor sees the resume');
    assert.deepEqual(
      context.audit.map((entry) => [entry.action, entry.actor, entry.callId, entry.cid]),
      [
        ['start', 'alice', callId, cid],
        ['pause', 'alice', callId, cid],
        ['resume', 'alice', callId, cid],
      ],
    );
    assert.ok((context.audit[1]?.at ?? 0) > (context.audit[0]?.at ?? 0));
    const history = await alice.connection.command('history', { cid });
    const logged = history.events.flatMap((e) =>
      e.ev.type === 'call' && e.ev.recording ? [[e.ev.recording, e.ev.recordingBy]] : [],
    );
    assert.deepEqual(logged, [
      ['on', 'alice'],
      ['paused', 'alice'],
      ['on', 'alice'],
    ]);
  });

  it('a pause twice is refused by state and audited once', async () => {
    const context = setup('always');
    const { alice, cid, callId } = await activeCall(context);
    await alice.connection.command('call.recording', { cid, callId, action: 'pause' });
    await refused(
      alice.connection.command('call.recording', { cid, callId, action: 'pause' }),
      'conflict/state',
    );
    assert.deepEqual(
      context.audit.map((e) => e.action),
      ['pause'],
    );
  });
});

describe('hub recording: who may control and play back', () => {
  it("another agent cannot pause alice's recording; the visitor cannot either", async () => {
    const context = setup('always');
    const { v, cid, callId } = await activeCall(context);
    const bob = context.agent('bob');
    await bob.setPresence('available');
    await refused(
      bob.connection.command('call.recording', { cid, callId, action: 'pause' }),
      'not-found',
      'auth/forbidden',
    );
    await refused(v.connection.command('call.recording', { cid, callId, action: 'pause' }), 'auth/forbidden');
    const supervisor = context.supervisor();
    await refused(
      supervisor.connection.command('call.recording', { cid, callId, action: 'pause' }),
      'auth/forbidden',
    );
    assert.equal(v.lastCall()?.recording, 'on', 'still recording');
    assert.deepEqual(context.audit, []);
  });

  it('recordings are listed to supervisors; agents and visitors are refused without agentPlayback', async () => {
    const context = setup('always');
    const supervisor = context.supervisor();
    const listed = await supervisor.connection.command('recording.list', { cid: 'c1' });
    assert.deepEqual(
      listed.recordings.map((r) => r.id),
      ['rec_1'],
    );
    const alice = context.agent('alice');
    await refused(alice.connection.command('recording.list', { cid: 'c1' }), 'auth/forbidden');
    const v = context.visitor();
    await refused(v.connection.command('recording.list', { cid: 'c1' }), 'auth/forbidden');
  });

  it('with agentPlayback, the call’s agents see its recordings and other agents see none', async () => {
    const context = setup('always', { agentPlayback: true });
    const alice = context.agent('alice');
    const mine = await alice.connection.command('recording.list', { customerId: 'v1' });
    assert.deepEqual(
      mine.recordings.map((r) => r.id),
      ['rec_1'],
    );
    const bob = context.agent('bob');
    const theirs = await bob.connection.command('recording.list', { customerId: 'v1' });
    assert.deepEqual(theirs.recordings, []);
    const v = context.visitor();
    await refused(v.connection.command('recording.list', { cid: 'c1' }), 'auth/forbidden');
  });
});
