// `npm run bench`: call recording in the agent's browser (docs/voice.md#recording). One Chromium page at 4× CPU
// slowdown (CDP Emulation.setCPUThrottlingRate) plays two oscillators (the agent and the customer) through the call's
// audio graph; the main thread's busy time per second (CDP Performance.getMetrics TaskDuration) is measured for the
// same span without and then with createCallRecorder running (mix → MediaRecorder Opus → chunks → a store and an
// upload that keeps them in memory). The difference is the recorder's cost; the bytes it produced give storage per
// minute of call.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { BenchRow } from './bench.types';

const SECONDS = 10;

const PAGE_SCRIPT = `
import { createAudioGraph, createCallRecorder, createMemoryChunkStore } from '@helpline/core/voice';
window.bench = {
  async start() {
    const graph = createAudioGraph();
    await graph.context.resume();
    const tone = (hz) => {
      const node = graph.context.createOscillator();
      node.frequency.value = hz;
      const out = graph.context.createMediaStreamDestination();
      node.connect(out);
      node.start();
      return out.stream;
    };
    window.bench.graph = graph;
    window.bench.mic = tone(440);
    window.bench.remote = tone(660);
    graph.setSource('mic', window.bench.mic, { local: true });
    graph.setSource('remote', window.bench.remote, { local: true });
    graph.route('speaker', ['mic', 'remote']);
  },
  record() {
    window.bench.bytes = 0;
    window.bench.recorder = createCallRecorder({
      cid: 'c1', callId: 'v1', graph: window.bench.graph,
      microphone: window.bench.mic, remote: window.bench.remote,
      store: createMemoryChunkStore(),
      upload: async (chunk) => { window.bench.bytes += chunk.data.size; },
    });
  },
  async stop() {
    await window.bench.recorder.stop();
    return window.bench.bytes;
  },
};
`;

async function taskSeconds(cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? 0;
}

/** Extra main-thread time per second while recording, and recording bytes per minute of call. */
export default async function recordingBench(): Promise<BenchRow[]> {
  const bundled = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: 'tsconfig.json',
    logLevel: 'silent',
  });
  const code = bundled.outputFiles[0]?.text ?? '';
  const browser = await chromium.launch({
    executablePath: process.env.HELPLINE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    await page.route('https://agent.test/**', (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ body: code, contentType: 'text/javascript' })
        : route.fulfill({
            contentType: 'text/html',
            body: '<!doctype html><html><body><script type="module" src="/bench.js"></script></body></html>',
          }),
    );
    await page.goto('https://agent.test/');
    await page.waitForFunction('window.bench !== undefined');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.evaluate('window.bench.start()');
    const span = async () => {
      const before = await taskSeconds(cdp);
      const started = Date.now();
      await page.waitForTimeout(SECONDS * 1000);
      return ((await taskSeconds(cdp)) - before) / ((Date.now() - started) / 1000);
    };
    const idle = await span();
    await page.evaluate('window.bench.record()');
    const recording = await span();
    const bytes = (await page.evaluate('window.bench.stop()')) as number;
    const extraMsPerSecond = Math.max(0, (recording - idle) * 1000);
    const bytesPerMinute = (bytes / SECONDS) * 60;
    return [
      {
        what: 'call recording in the agent tab: extra main-thread time while recording (mix + MediaRecorder + chunks), 4× CPU slowdown',
        measured: `${extraMsPerSecond.toFixed(1)} ms/s`,
        budget: '≤ 50 ms/s',
        competitors: '—',
        ok: extraMsPerSecond <= 50,
      },
      {
        what: 'call recording storage per minute of call (Opus in WebM, 32 kbit/s, both sides mixed)',
        measured: `${(bytesPerMinute / 1024).toFixed(0)} KB/min`,
        budget: '—',
        competitors: '—',
        ok: null,
      },
    ];
  } finally {
    await browser.close();
  }
}
