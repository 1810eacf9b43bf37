/// <reference types="mocha" />
import { sendMouse } from '@web/test-runner-commands';
import { assert } from 'chai';
import { createAudioGraph } from './audio.graph';
import {
  createCallRecorder,
  createIndexedDbChunkStore,
  createMemoryChunkStore,
  type RecordingChunk,
  sendPendingRecordings,
} from './call.recorder';
import { tonePower } from './tones.testing';

// The agent's browser records a call: both parties' tones in the recording, nothing of what was said while paused.
// The agent "says" 440 Hz and the customer 660 Hz; while the recording is paused both switch to 990 Hz (a card
// number read out). The uploaded chunks are joined, decoded with decodeAudioData and analysed per 100 ms window.

const AGENT = 440;
const CUSTOMER = 660;
const CARD = 990;

async function resumeByClick(context: AudioContext): Promise<void> {
  const button = document.createElement('button');
  button.textContent = 'start audio';
  button.style.cssText = 'position:fixed;left:0;top:0;width:100px;height:40px';
  const resumed = new Promise<void>((resolve) => {
    button.addEventListener('click', () => void context.resume().then(resolve), { once: true });
  });
  document.body.append(button);
  await sendMouse({ type: 'click', position: [20, 20] });
  await resumed;
  button.remove();
}

/** Waits `seconds` of the context's own clock (audio time, not a wall-clock sleep). */
async function audioTime(context: AudioContext, seconds: number): Promise<void> {
  const until = context.currentTime + seconds;
  while (context.currentTime < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

function oscillator(context: AudioContext, frequency: number) {
  const node = context.createOscillator();
  node.frequency.value = frequency;
  const destination = context.createMediaStreamDestination();
  node.connect(destination);
  node.start();
  return { node, stream: destination.stream };
}

describe('createCallRecorder in Chromium', () => {
  it('records both parties mixed, and nothing while paused', async function () {
    this.timeout(20_000);
    const graph = createAudioGraph();
    await resumeByClick(graph.context);
    const agent = oscillator(graph.context, AGENT);
    const customer = oscillator(graph.context, CUSTOMER);
    const uploaded: RecordingChunk[] = [];
    const recorder = createCallRecorder({
      cid: 'c1',
      callId: 'v1',
      microphone: agent.stream,
      remote: customer.stream,
      graph,
      store: createMemoryChunkStore(),
      timesliceMs: 500,
      upload: async (chunk) => {
        uploaded.push(chunk);
      },
    });
    await audioTime(graph.context, 1.5);
    recorder.pause();
    assert.equal(recorder.state, 'paused');
    await audioTime(graph.context, 0.2);
    agent.node.frequency.value = CARD;
    customer.node.frequency.value = CARD;
    await audioTime(graph.context, 1.5);
    agent.node.frequency.value = AGENT;
    customer.node.frequency.value = CUSTOMER;
    await audioTime(graph.context, 0.2);
    recorder.resume();
    await audioTime(graph.context, 1.5);
    await recorder.stop();

    assert.ok(uploaded.length >= 4, `chunks uploaded: ${uploaded.length}`);
    assert.deepEqual(
      uploaded.map((chunk) => chunk.index),
      uploaded.map((_, i) => i),
      'in order',
    );
    const joined = new Blob(
      uploaded.map((chunk) => chunk.data),
      { type: uploaded[0]?.type },
    );
    const decoder = new OfflineAudioContext(1, 48_000, 48_000);
    const audio = await decoder.decodeAudioData(await joined.arrayBuffer());
    const samples = audio.getChannelData(0);
    const window = Math.round(audio.sampleRate * 0.1);
    let both = 0;
    let card = 0;
    let windows = 0;
    // The first and last windows may hold the encoder's ramp: the middle ones tell.
    for (let start = window; start + window <= samples.length - window; start += window) {
      const block = samples.subarray(start, start + window);
      windows++;
      if (
        tonePower(block, audio.sampleRate, AGENT) > 0.1 &&
        tonePower(block, audio.sampleRate, CUSTOMER) > 0.1
      )
        both++;
      if (tonePower(block, audio.sampleRate, CARD) > 0.05) card++;
    }
    // About 3.4 s were recorded of the 4.9 s the call lasted: the pause is not in it.
    assert.isAbove(audio.duration, 2.6, `duration ${audio.duration}`);
    assert.isBelow(audio.duration, 4.2, `duration ${audio.duration}`);
    assert.equal(card, 0, 'nothing said during the pause reached the recording');
    assert.isAtLeast(both / windows, 0.9, `both parties in ${both} of ${windows} windows`);
    graph.close();
  });

  it('keeps chunks in IndexedDB until the server has them: a reload sends them, in order', async () => {
    const name = `helpline-recordings-test-${Math.random()}`;
    const before = createIndexedDbChunkStore(name);
    const chunk = (index: number): RecordingChunk => ({
      cid: 'c1',
      callId: 'v1',
      segment: 's1',
      index,
      type: 'audio/webm',
      data: new Blob([new Uint8Array([index])]),
    });
    for (const index of [2, 0, 1]) await before.put(chunk(index));
    // A new page: another store on the same database finds them.
    const after = createIndexedDbChunkStore(name);
    const sent: number[] = [];
    let fail = true;
    const flaky = async (c: RecordingChunk) => {
      if (c.index === 1 && fail) {
        fail = false;
        throw new Error('offline');
      }
      sent.push(c.index);
    };
    try {
      await sendPendingRecordings(after, flaky);
      assert.fail('the failure stops the sending');
    } catch (error) {
      assert.match(String(error), /offline/);
    }
    assert.deepEqual(
      (await after.all()).map((c) => c.index),
      [1, 2],
      'what was not sent stays',
    );
    assert.equal(await sendPendingRecordings(after, flaky), 2);
    assert.deepEqual(sent, [0, 1, 2]);
    assert.deepEqual(await after.all(), []);
  });
});
