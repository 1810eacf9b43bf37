/// <reference types="mocha" />
import {
  type AgentSession,
  createAgentSession,
  createVisitorSession,
  type VisitorSession,
  type WireCall,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { callSnapshotFor } from '@helpline/core/voice';
import { assert } from 'chai';
import { atom } from 'nanostores';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { adoptStyles, assertAccessible, cleanup, mount, waitForUi } from '../testing/harness';
import type { CallController, CallView } from '../voice/call.types';
import { CallRecordingControls, CallRecordings } from './CallRecording';

// The console's recording controls on a live call of a queue that records on demand: start, pause and resume as the
// call allows, the state said in a polite live region, the customer told; and the customer's recordings played back
// in labelled audio players, fetched with the caller's own function (tokens never go in URLs).

const queue = { ...supportQueue, recording: 'on-demand' as const };
const stored = {
  id: 'rec_1',
  cid: 'c_x',
  callId: 'v_x',
  customerId: 'v1',
  agentIds: ['alice'],
  source: 'browser' as const,
  mimeType: 'audio/wav',
  startedAt: Date.UTC(2026, 11, 6, 14, 2),
  updatedAt: Date.UTC(2026, 11, 6, 14, 5),
  bytes: 44,
  url: '/v1/recordings/rec_1',
};

let hub: Hub;
let agent: AgentSession;
let visitor: VisitorSession;
const $call = atom<CallView | undefined>(undefined);
const noop = async () => undefined;
const voice: CallController = {
  $call,
  answer: noop,
  reject: noop,
  hangUp: noop,
  hold: noop,
  resume: noop,
  mute: noop,
  unmute: noop,
  sendDigits: noop,
};

describe('call recording in the console', () => {
  before(adoptStyles);
  beforeEach(() => {
    hub = createHub({
      queues: [queue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      recordings: { directory: { list: async () => [stored] }, agentPlayback: true },
    });
    agent = createAgentSession({ transport: createMemoryTransport({ hub }), token: 'dev:agent:alice:Alice' });
    visitor = createVisitorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
      storageKey: false,
    });
    $call.set(undefined);
  });
  afterEach(() => {
    cleanup();
    agent.close();
    visitor.close();
    hub.close();
  });

  it('starts, pauses and resumes from the controls; the customer is told each time', async () => {
    // The agent's calls as the console's call session would show them.
    let last: WireCall | undefined;
    agent.connection.onNotice((notice) => {
      if (notice.type !== 'call') return;
      last = notice.call;
      $call.set({
        cid: notice.call.cid,
        callId: notice.call.callId,
        snapshot: callSnapshotFor(notice.call, 'agent', { muted: false }),
      });
    });
    const visitorSaw: string[] = [];
    visitor.connection.onNotice((notice) => {
      if (notice.type === 'call') visitorSaw.push(notice.call.recording);
    });
    await agent.setPresence('available');
    const cid = await visitor.startChat({ channel: 'voice' });
    await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'the call offered');
    await act(async () => {
      await agent.accept(cid);
    });
    await waitForUi(() => last?.state === 'connecting', 'picked up');
    await agent.connection.command('call.media', { cid, callId: last?.callId ?? '', media: 'connected' });
    await waitForUi(() => last?.state === 'active', 'active');

    const paused: string[] = [];
    const { container } = mount(
      <HelplineProvider agent={agent} voice={voice}>
        <CallRecordingControls onAction={(action) => paused.push(action)} />
      </HelplineProvider>,
    );
    const button = (name: string) =>
      [...container.querySelectorAll('button')].find((b) => b.textContent === name) as HTMLButtonElement;
    const status = () => container.querySelector('[role="status"]');
    await waitForUi(() => button('Start recording') !== undefined, 'start offered on demand');
    assert.strictEqual(status()?.getAttribute('aria-live'), 'polite');
    assert.strictEqual(status()?.textContent, '');
    act(() => button('Start recording').click());
    await waitForUi(() => status()?.textContent === 'Recording', 'recording');
    await assertAccessible(container);
    act(() => button('Pause recording').click());
    await waitForUi(() => status()?.textContent === 'Recording paused — nothing is captured', 'paused');
    assert.isUndefined(button('Pause recording'));
    act(() => button('Resume recording').click());
    await waitForUi(() => status()?.textContent === 'Recording', 'resumed');
    assert.deepEqual(paused, ['start', 'pause', 'resume'], 'the recorder hears of each action first');
    await waitForUi(
      () => visitorSaw.at(-1) === 'on' && visitorSaw.includes('paused'),
      'the customer was told',
    );
  });

  it("plays the customer's recordings back in labelled players, fetched with the caller's function", async () => {
    const fetched: string[] = [];
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <CallRecordings
          customerId="v1"
          fetchRecording={async (url) => {
            fetched.push(url);
            return new Blob([new Uint8Array(44)], { type: 'application/octet-stream' });
          }}
        />
      </HelplineProvider>,
    );
    await waitForUi(
      () => container.querySelector('audio')?.getAttribute('src')?.startsWith('blob:') === true,
      'player',
    );
    const audio = container.querySelector('audio');
    assert.ok(audio?.hasAttribute('controls'));
    assert.match(audio?.getAttribute('aria-label') ?? '', /^Recording of the call on /);
    assert.deepEqual(fetched, ['/v1/recordings/rec_1']);
    await assertAccessible(container);
  });

  it("without a fetch of its own, plays with the agent session's fetchRecording (the token in a header)", async () => {
    const requests: { url: string; authorization: string | null }[] = [];
    const own = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      recording: {
        server: 'https://help.example',
        fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
          requests.push({
            url: String(input),
            authorization: new Headers(init?.headers).get('authorization'),
          });
          return new Response(new Uint8Array(44));
        }) as typeof fetch,
      },
    });
    try {
      const { container } = mount(
        <HelplineProvider agent={own}>
          <CallRecordings customerId="v1" hideWhenUnavailable />
        </HelplineProvider>,
      );
      await waitForUi(
        () => container.querySelector('audio')?.getAttribute('src')?.startsWith('blob:') === true,
        'player',
      );
      assert.deepEqual(requests, [
        { url: 'https://help.example/v1/recordings/rec_1', authorization: 'Bearer dev:agent:alice:Alice' },
      ]);
    } finally {
      own.close();
    }
  });

  it('hideWhenUnavailable: an agent the server refuses playback sees nothing, not a refusal', async () => {
    const strict = createHub({
      queues: [queue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      recordings: { directory: { list: async () => [stored] }, agentPlayback: false },
    });
    const refused = createAgentSession({
      transport: createMemoryTransport({ hub: strict }),
      token: 'dev:agent:alice:Alice',
    });
    let settled = false;
    refused.connection.command('recording.list', { customerId: 'v1' }).catch(() => {
      settled = true;
    });
    try {
      const { container } = mount(
        <HelplineProvider agent={refused}>
          <div data-testid="history">
            <CallRecordings customerId="v1" hideWhenUnavailable />
          </div>
        </HelplineProvider>,
      );
      await waitForUi(() => settled && container.querySelector('.helpline-recordings') === null, 'hidden');
      assert.notOk(container.querySelector('[role="alert"]'), 'no refusal shown');
    } finally {
      refused.close();
      strict.close();
    }
  });
});
