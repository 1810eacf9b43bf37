/// <reference types="mocha" />
import { sendMouse } from '@web/test-runner-commands';
import { assert } from 'chai';
import { type AudioGraph, createAudioGraph } from './audio.graph';
import { probeTones } from './tones.testing';

const TONES = { mic: 660, customer: 440, supervisor: 990 } as const;
const FREQUENCIES = Object.values(TONES);
const HEARD = 0.05;

/** Sound starts from a user gesture (autoplay policy): a real click on a button that resumes the context. */
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

/** What `stream` carries, once it has settled: the set of tones above the threshold. */
async function heard(graph: AudioGraph, stream: MediaStream): Promise<number[]> {
  const probe = probeTones(graph.context, stream, FREQUENCIES);
  try {
    // A route change ramps for 10 ms and the analyser's window is 4096 samples (~85 ms): let 300 ms of audio pass.
    const start = graph.context.currentTime;
    while (graph.context.currentTime - start < 0.3) await new Promise((resolve) => setTimeout(resolve, 20));
    const powers = probe.read();
    return FREQUENCIES.filter((frequency) => (powers[frequency] ?? 0) > HEARD).sort((a, b) => a - b);
  } finally {
    probe.stop();
  }
}

function tone(context: AudioContext, frequency: number): MediaStream {
  const oscillator = context.createOscillator();
  oscillator.frequency.value = frequency;
  const destination = context.createMediaStreamDestination();
  oscillator.connect(destination);
  oscillator.start();
  return destination.stream;
}

describe('createAudioGraph in Chromium', () => {
  let graph: AudioGraph;

  beforeEach(async () => {
    graph = createAudioGraph();
    await resumeByClick(graph.context);
  });
  afterEach(() => graph.close());

  it('mixes the routed sources into each output and nothing else', async () => {
    for (const [id, frequency] of Object.entries(TONES))
      graph.setSource(id, tone(graph.context, frequency), { local: true });
    graph.route('supervisor', ['mic', 'customer']);
    graph.route('customer', ['mic']);
    assert.deepEqual(await heard(graph, graph.output('supervisor')), [440, 660]);
    assert.deepEqual(await heard(graph, graph.output('customer')), [660]);
    assert.deepEqual(graph.routes(), { customer: ['mic'], supervisor: ['customer', 'mic'] });
  });

  it('changes a route on the same track (no renegotiation) and hears a source added after the route', async () => {
    graph.setSource('mic', tone(graph.context, TONES.mic), { local: true });
    const stream = graph.output('customer');
    const track = stream.getAudioTracks()[0];
    graph.route('customer', ['mic', 'supervisor']);
    assert.deepEqual(await heard(graph, stream), [660]);
    graph.setSource('supervisor', tone(graph.context, TONES.supervisor), { local: true });
    assert.deepEqual(await heard(graph, stream), [660, 990]);
    graph.route('customer', ['mic']);
    assert.deepEqual(await heard(graph, stream), [660]);
    assert.equal(graph.output('customer').getAudioTracks()[0], track);
    assert.equal(track?.readyState, 'live');
  });

  it('silences a source everywhere with its gain, and forgets a removed one', async () => {
    graph.setSource('mic', tone(graph.context, TONES.mic), { local: true });
    graph.setSource('customer', tone(graph.context, TONES.customer), { local: true });
    graph.route('recording', ['mic', 'customer']);
    graph.setSourceGain('mic', 0);
    assert.deepEqual(await heard(graph, graph.output('recording')), [440]);
    graph.setSourceGain('mic', 1);
    graph.removeSource('customer');
    assert.deepEqual(await heard(graph, graph.output('recording')), [660]);
  });

  it("ends an output's track when the output is removed", () => {
    const track = graph.output('speaker').getAudioTracks()[0];
    graph.removeOutput('speaker');
    assert.equal(track?.readyState, 'ended');
    assert.deepEqual(graph.routes(), {});
  });
});
