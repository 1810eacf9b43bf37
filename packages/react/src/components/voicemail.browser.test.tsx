/// <reference types="mocha" />
import {
  type AgentSession,
  createAgentSession,
  createVisitorSession,
  type VisitorSession,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { adoptStyles, assertAccessible, cleanup, mount, waitForUi } from '../testing/harness';
import { ChatPanel } from './ChatPanel';

// A voicemail in the console: a caller of a closed queue leaves one (the hub's voicemail.start and voicemail.send, the
// recording claimed as the server's store claims it), the agent accepts the offer, and the conversation shows it as a
// voicemail with a labelled audio player that plays the recording fetched with the agent's token, and a Call back
// action. A recording the server refuses to play is said in words.

/** Half a second of a 440 Hz tone as a WAV file: something the browser can really decode and play. */
function wav(): Uint8Array {
  const rate = 8000;
  const samples = rate / 2;
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) view.setUint8(at + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++)
    view.setInt16(44 + i * 2, Math.sin((i / rate) * 2 * Math.PI * 440) * 8000, true);
  return bytes;
}

const RECORDING = wav();
const queue = {
  ...supportQueue,
  dispositionRequired: false,
  dispositions: [],
  businessHours: { timeZone: 'UTC', weekly: {} },
  voicemail: { afterSeconds: 30, maxSeconds: 60 },
};
const ref = { id: 'vm1', name: 'voicemail.wav', type: 'audio/wav', size: RECORDING.length };
const uuid = '01900000-0000-7000-8000-000000000001';

let hub: Hub;
let agent: AgentSession;
let visitor: VisitorSession;
const fetched: string[] = [];
/** Attachments the fake server refuses to play (as it refuses anyone but the voicemail's agents and supervisors). */
const refused = new Set<string>();

async function leaveVoicemail(): Promise<string> {
  const { cid } = await visitor.connection.command('voicemail.start', { queueId: queue.id });
  await visitor.connection.command('voicemail.send', { cid, clientMsgId: uuid, attachments: [ref] });
  await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'the voicemail offered');
  await act(async () => {
    await agent.accept(cid);
  });
  return cid;
}

describe('a voicemail in the console', () => {
  before(adoptStyles);

  beforeEach(async () => {
    fetched.length = 0;
    refused.clear();
    hub = createHub({
      queues: [queue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      attachments: { claim: async ({ ids }) => ids.map(() => ref) },
    });
    const transport = createMemoryTransport({ hub });
    agent = createAgentSession({
      transport,
      token: 'dev:agent:alice:Alice',
      voice: false,
      attachments: {
        baseUrl: 'https://help.example',
        fetch: (async (input: RequestInfo | URL) => {
          const url = new URL(String(input));
          fetched.push(url.pathname);
          const id = url.pathname.split('/').at(-1) ?? '';
          if (refused.has(id))
            return Response.json({ error: { code: 'not-found', message: 'no such file' } }, { status: 404 });
          return new Response(new Blob([RECORDING as BlobPart], { type: 'audio/wav' }));
        }) as typeof fetch,
      },
    });
    visitor = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada' });
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    cleanup();
    agent.close();
    visitor.close();
    hub.close();
  });

  it('shows the voicemail with a labelled player that plays the recording, and a Call back action', async () => {
    const cid = await leaveVoicemail();
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <ChatPanel id={cid} />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('audio')?.getAttribute('src') !== null, 'the recording');
    assert.match(container.querySelector('h2')?.textContent ?? '', /^Voicemail from /);
    assert.include(
      container.querySelector('.helpline-badge, [class*="channel"]')?.textContent ?? '',
      'Voicemail',
    );
    const audio = container.querySelector('audio') as HTMLAudioElement;
    assert.strictEqual(audio.getAttribute('aria-label'), 'Recording: voicemail.wav');
    assert.isTrue(audio.controls, 'the browser’s own keyboard-operable controls');
    assert.match(audio.src, /^blob:/);
    assert.deepEqual(
      fetched.filter((path) => path.startsWith('/v1/attachments/')),
      ['/v1/attachments/vm1'],
      'the recording fetched once, with the agent’s token',
    );
    // The recording really decodes: its length is the half second that was recorded.
    if (audio.readyState < HTMLMediaElement.HAVE_METADATA) {
      await new Promise((resolve) => audio.addEventListener('loadedmetadata', resolve, { once: true }));
    }
    assert.closeTo(audio.duration, 0.5, 0.05);
    const callBack = [...container.querySelectorAll('button')].find((b) =>
      /^.*Call .* back$/.test(b.textContent ?? ''),
    );
    assert.ok(callBack, 'a Call back button');
    // This console takes no calls: the button says so rather than doing nothing.
    assert.strictEqual(callBack?.getAttribute('aria-disabled'), 'true');
    await assertAccessible(container);
  });

  it('in another language, and a recording the server will not play is said in words', async () => {
    refused.add('vm1');
    const cid = await leaveVoicemail();
    const { container } = mount(
      <HelplineProvider agent={agent} locale="nl">
        <ChatPanel id={cid} />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'the refusal');
    assert.match(container.querySelector('h2')?.textContent ?? '', /^Voicemail van /);
    assert.isNull(container.querySelector('audio'), 'no player without a recording');
    assert.isNotEmpty(container.querySelector('[role="alert"]')?.textContent ?? '');
    await assertAccessible(container);
  });
});
