import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { devAuthenticate } from '../hub/dev-auth';
import { createHub } from '../hub/hub';
import type { Queue } from '../queue/queue.types';
import { createTestClock, fakeVoiceProvider, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { type CallRecorder, type CallRecorderOptions, createMemoryChunkStore } from '../voice/call.recorder';
import { createCallSession } from '../voice/call.session';
import type { RecordingPolicy } from '../voice/voice.machine';
import type { RecordingTap } from './agent.recording';
import { createAgentSession } from './agent.session';
import { createSupervisorSession } from './supervisor.session';
import { createVisitorSession } from './visitor.session';

// The agent session drives its browser recorder from the call's `recording` field alone: whoever moves it (this
// tab, another tab of the agent, the server's policy), the recorder follows; chunks an earlier page left are sent on
// connect with the agent's token.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const SERVER = 'https://help.example';

function setup(policy: RecordingPolicy) {
  const clock = createTestClock();
  const queues: Queue[] = [{ ...supportQueue, recording: policy, voice: { provider: 'webrtc' } }];
  const hub = createHub({ queues, agents: [testAgent('alice')], authenticate: devAuthenticate, clock });
  cleanups.push(() => hub.close());
  const base = { clock, random: () => 0.5 };

  /** What the fake recorder was asked, in order. */
  const log: string[] = [];
  const started: CallRecorderOptions[] = [];
  const requests: { url: string; method: string; authorization: string | null }[] = [];
  const microphone = { id: 'mic' } as unknown as MediaStream;
  const remote = { id: 'far' } as unknown as MediaStream;
  let tapped: RecordingTap | undefined;

  const media = fakeVoiceProvider();
  const provider = { ...media.provider, tap: () => tapped };
  const store = createMemoryChunkStore();
  const fakeRecorder = (options: CallRecorderOptions): CallRecorder => {
    started.push(options);
    log.push(`start ${options.callId}`);
    let state: CallRecorder['state'] = 'recording';
    return {
      get state() {
        return state;
      },
      segment: 'seg_1',
      pause: () => {
        state = 'paused';
        log.push('pause');
      },
      resume: () => {
        state = 'recording';
        log.push('resume');
      },
      setRemote: (stream) => log.push(`remote ${(stream as unknown as { id: string }).id}`),
      stop: async () => {
        state = 'stopped';
        log.push('stop');
      },
    };
  };
  const fakeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({
      url: String(input),
      method: init?.method ?? 'GET',
      authorization: headers.get('authorization'),
    });
    return new Response(new Blob(['ogg']), { status: 200 });
  }) as typeof fetch;

  function agent() {
    const session = createAgentSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:alice',
      voice: { provider: () => provider, ringer: false },
      recording: { server: SERVER, store, recorder: fakeRecorder, fetch: fakeFetch },
    });
    cleanups.push(() => session.close());
    return session;
  }

  async function liveCall() {
    const alice = agent();
    await alice.setPresence('available');
    await waitFor(() => alice.$calls.get() !== undefined, 'voice loaded');
    const visitor = createVisitorSession({
      ...base,
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Caller',
      storageKey: false,
    });
    const visitorCalls = createCallSession({
      connection: visitor.connection,
      provider: fakeVoiceProvider().provider,
      ringer: false,
    });
    cleanups.push(() => {
      visitorCalls.dispose();
      visitor.close();
    });
    const cid = await visitorCalls.call(() =>
      visitor.startChat({ channel: 'voice', queueId: 'support', prechat: { name: 'Caller' } }),
    );
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    tapped = {
      microphone,
      remote: undefined,
      onRemote: (listener) => {
        listener(remote);
        return () => undefined;
      },
    };
    media.emit({ type: 'media', health: 'connected' });
    const calls = alice.$calls.get();
    assert.ok(calls);
    await waitFor(() => calls.$call.get()?.snapshot.value === 'active', 'active');
    const callId = calls.$call.get()?.callId;
    assert.ok(callId);
    return { alice, calls, cid, callId };
  }

  return { log, started, requests, store, microphone, liveCall, agent };
}

describe('agent session recording: the recorder follows the call', () => {
  it('on-demand: nothing before the start; pause, resume and the end move the recorder; uploads carry the token', async () => {
    const context = setup('on-demand');
    const { alice, calls, cid, callId } = await context.liveCall();
    assert.deepEqual(context.log, [], 'nothing recorded before the agent starts');

    // Started from anywhere (here a bare command, as another tab of the agent would): the field moves, the recorder follows.
    await alice.connection.command('call.recording', { cid, callId, action: 'start' });
    await waitFor(() => context.log.includes(`start ${callId}`), 'the recorder starts');
    const [options] = context.started;
    assert.equal(options?.cid, cid);
    assert.equal(options?.microphone, context.microphone, "the call's microphone, mixed with the far end");
    assert.deepEqual(context.log, [`start ${callId}`, 'remote far']);

    await alice.connection.command('call.recording', { cid, callId, action: 'pause' });
    await waitFor(() => context.log.at(-1) === 'pause', 'paused with the call');
    await alice.connection.command('call.recording', { cid, callId, action: 'resume' });
    await waitFor(() => context.log.at(-1) === 'resume', 'resumed with the call');

    // The chunks go up with the agent's token, to the route the server expects.
    await options?.upload({
      cid,
      callId,
      segment: 'seg_1',
      index: 0,
      type: 'audio/webm',
      data: new Blob(['a']),
    });
    const put = context.requests.find((request) => request.method === 'PUT');
    assert.equal(put?.url, `${SERVER}/v1/recordings/calls/${callId}/segments/seg_1/chunks/0?cid=${cid}`);
    assert.equal(put?.authorization, 'Bearer dev:agent:alice:alice');

    await calls.hangUp();
    await waitFor(() => context.log.at(-1) === 'stop', 'stopped and flushed at the end');
    assert.deepEqual(context.log, [`start ${callId}`, 'remote far', 'pause', 'resume', 'stop']);
  });

  it('always: recording from the connect, with no start by anyone', async () => {
    const context = setup('always');
    const { calls, callId } = await context.liveCall();
    await waitFor(() => context.log.includes(`start ${callId}`), 'recording from the connect');
    await calls.hangUp();
    await waitFor(() => context.log.at(-1) === 'stop', 'stopped at the end');
    assert.equal(context.started.length, 1, 'one recorder for the call');
  });

  it('on connect, chunks an earlier page left are sent with the agent token and forgotten', async () => {
    const context = setup('never');
    await context.store.put({
      cid: 'c_old',
      callId: 'call_old',
      segment: 'seg_old',
      index: 3,
      type: 'audio/webm',
      data: new Blob(['x']),
    });
    const alice = context.agent();
    alice.connection.open();
    await waitFor(() => context.requests.length === 1, 'pending chunks sent');
    await waitFor(() => context.log.length === 0 && context.requests.length === 1, 'settled');
    assert.deepEqual(await context.store.all(), [], 'forgotten once the server has them');
    assert.deepEqual(context.requests, [
      {
        url: `${SERVER}/v1/recordings/calls/call_old/segments/seg_old/chunks/3?cid=c_old`,
        method: 'PUT',
        authorization: 'Bearer dev:agent:alice:alice',
      },
    ]);
    assert.deepEqual(context.log, []);
  });

  it('fetchRecording: the bytes of a recording, with the token in a header, never in the URL', async () => {
    const context = setup('never');
    const alice = context.agent();
    const blob = await alice.fetchRecording('/v1/recordings/rec_1');
    assert.equal(await blob.text(), 'ogg');
    assert.deepEqual(context.requests, [
      { url: `${SERVER}/v1/recordings/rec_1`, method: 'GET', authorization: 'Bearer dev:agent:alice:alice' },
    ]);
  });

  it("a supervisor session's fetchRecording sends its own token; without a server URL it rejects", async () => {
    const requests: string[] = [];
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
    });
    cleanups.push(() => hub.close());
    const supervisor = createSupervisorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:supervisor:sue:Sue',
      recordings: {
        server: `${SERVER}/`,
        fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
          requests.push(`${String(input)} ${new Headers(init?.headers).get('authorization')}`);
          return new Response('ogg', { status: 403 });
        }) as typeof fetch,
      },
    });
    cleanups.push(() => supervisor.close());
    await assert.rejects(supervisor.fetchRecording('/v1/recordings/rec_1'), { code: 'auth/forbidden' });
    assert.deepEqual(requests, [`${SERVER}/v1/recordings/rec_1 Bearer dev:supervisor:sue:Sue`]);
    const bare = createSupervisorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:supervisor:sue:Sue',
    });
    cleanups.push(() => bare.close());
    await assert.rejects(bare.fetchRecording('/v1/recordings/rec_1'), { code: 'voice/unsupported' });
  });
});
