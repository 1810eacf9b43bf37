// Widget budgets (DESIGN §6): sizes of the production bundle, and in Chromium at 4× CPU slowdown the
// launcher's render time, long tasks on load, click → panel painted and JS heap (medians of
// HELPLINE_BENCH_RUNS cold starts, default 3).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { type OutputChunk, rollup } from 'rollup';
import { measureWidget } from '../../packages/widget/src/build/sizes';
import { productionPlugins } from '../lib/production-plugins.mjs';
import type { BenchRow } from './bench.types';
import { kb } from './bundle-size';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const KB = 1024;

/** The ESM build (loader + lazy chunks) as files to serve. */
async function productionFiles(): Promise<Map<string, string>> {
  const bundle = await rollup({
    input: { define: join(repoRoot, 'packages/widget/src/define.ts') },
    plugins: productionPlugins(),
  });
  const { output } = await bundle.generate({ format: 'es', chunkFileNames: '[name]-[hash].js' });
  await bundle.close();
  return new Map(
    output
      .filter((file): file is OutputChunk => file.type === 'chunk')
      .map((chunk) => [chunk.fileName, chunk.code]),
  );
}

interface Timings {
  launcherMs: number;
  longestTaskMs: number;
  tbtMs: number;
  openMs: number;
  openLongestTaskMs: number;
  heapLoaderKb: number;
  heapOpenKb: number;
}

async function chromiumTimings(files: Map<string, string>): Promise<Timings> {
  const browser = await chromium.launch({
    executablePath: process.env.HELPLINE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--js-flags=--expose-gc'],
  });
  try {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.route('https://shop.test/**', async (route) => {
      const path = new URL(route.request().url()).pathname.slice(1);
      const code = files.get(path);
      if (code !== undefined) return route.fulfill({ body: code, contentType: 'text/javascript' });
      return route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><body><h1>Shop</h1>
<script>
window.tasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); })
  .observe({ type: 'longtask', buffered: true });
</script>
<helpline-widget></helpline-widget>
<script type="module">
import './define.js';
const launcher = document.querySelector('helpline-widget').shadowRoot.querySelector('[part~="launcher"]');
requestAnimationFrame(() => requestAnimationFrame(() => { window.launcherAt = performance.now(); }));
</script></body></html>`,
      });
    });
    const heapKb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      return usedSize / 1024;
    };
    await page.goto('https://shop.test/');
    const baseline = await (async () => {
      await page.waitForFunction('window.launcherAt !== undefined');
      return 0;
    })();
    const launcherMs = (await page.evaluate('window.launcherAt')) as number;
    const loadTasks = (await page.evaluate('window.tasks')) as number[];
    const heapLoaded = await heapKb();
    // Heap of the page without the widget, for the difference.
    const blank = await browser.newPage();
    const blankCdp = await blank.context().newCDPSession(blank);
    await blank.setContent('<!doctype html><html><body><h1>Shop</h1></body></html>');
    await blankCdp.send('HeapProfiler.collectGarbage');
    const { usedSize: blankUsed } = (await blankCdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    await blank.close();

    await page.evaluate('window.tasks.length = 0');
    const openMs = (await page.evaluate(`new Promise((resolve) => {
      const widget = document.querySelector('helpline-widget');
      const start = performance.now();
      widget.shadowRoot.querySelector('[part~="launcher"]').click();
      const check = () => {
        const panel = widget.shadowRoot.querySelector('helpline-panel')?.shadowRoot?.querySelector('[part~="title"]');
        if (panel) requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
        else requestAnimationFrame(check);
      };
      check();
    })`)) as number;
    const openTasks = (await page.evaluate('window.tasks')) as number[];
    const heapOpen = await heapKb();
    return {
      launcherMs: launcherMs - baseline,
      longestTaskMs: Math.max(0, ...loadTasks),
      tbtMs: loadTasks.reduce((sum, duration) => sum + Math.max(0, duration - 50), 0),
      openMs,
      openLongestTaskMs: Math.max(0, ...openTasks),
      heapLoaderKb: heapLoaded - blankUsed / 1024,
      heapOpenKb: heapOpen - blankUsed / 1024,
    };
  } finally {
    await browser.close();
  }
}

/**
 * Each timing is the median of `runs` cold starts (a new browser each time): one run on a machine shared with other
 * work can be several times slower than the next.
 */
async function medianTimings(runs: number): Promise<Timings> {
  const samples: Timings[] = [];
  const files = await productionFiles();
  for (let run = 0; run < Math.max(1, runs); run++) samples.push(await chromiumTimings(files));
  const median = (key: keyof Timings) => {
    const values = samples.map((sample) => sample[key]).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)] ?? Number.NaN;
  };
  const first = samples[0] as Timings;
  return Object.fromEntries(
    Object.keys(first).map((key) => [key, median(key as keyof Timings)]),
  ) as unknown as Timings;
}

/** Widget rows of the bench table. */
export default async function widget(): Promise<BenchRow[]> {
  const sizes = await measureWidget();
  const rows: BenchRow[] = [
    {
      what: 'widget loader, ESM (every page)',
      measured: `${kb(sizes.loader.brotli)} br (${kb(sizes.loader.minified)} min)`,
      budget: '≤ 2 KB br',
      competitors: 'loader-only snippets 1.5–2.7 KB br that draw nothing',
      ok: sizes.loader.brotli <= 2 * KB,
    },
    {
      what: 'widget loader, classic <script> build',
      measured: `${kb(sizes.classic.brotli)} br (${kb(sizes.classic.minified)} min)`,
      budget: '≤ 2 KB br',
      competitors: 'loader-only snippets 1.5–2.7 KB br',
      ok: sizes.classic.brotli <= 2 * KB,
    },
    {
      what: 'widget, chat on first open (panel + Lit + core session + English)',
      measured: `${kb(sizes.chatFirstOpen.brotli)} br (${kb(sizes.chatFirstOpen.minified)} min)`,
      budget: '≤ 30 KB br',
      competitors: 'Rocket.Chat 61 KB br, Crisp ~90 KB, Flex WebChat 362 KB br',
      ok: sizes.chatFirstOpen.brotli <= 30 * KB,
    },
    {
      what: 'widget, callback view (on demand)',
      measured: `${kb(sizes.callbackView.brotli)} br`,
      budget: '—',
      competitors: '—',
      ok: null,
    },
  ];
  let timings: Timings;
  try {
    timings = await medianTimings(Number(process.env.HELPLINE_BENCH_RUNS ?? 3));
  } catch (error) {
    rows.push({
      what: 'widget timings in Chromium',
      measured: `not measured: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      budget: '—',
      competitors: '—',
      ok: false,
    });
    return rows;
  }
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  rows.push(
    {
      what: 'widget launcher rendered after navigation (4× CPU slowdown)',
      measured: ms(timings.launcherMs),
      budget: '—',
      competitors: '—',
      ok: null,
    },
    {
      what: 'widget page load: longest task / TBT (4× CPU)',
      measured: `${ms(timings.longestTaskMs)} / ${ms(timings.tbtMs)}`,
      budget: 'no task > 50 ms, 0 ms TBT',
      competitors: '—',
      ok: timings.longestTaskMs <= 50 && timings.tbtMs === 0,
    },
    {
      what: 'widget click → panel painted / longest task (4× CPU, not prefetched)',
      measured: `${ms(timings.openMs)} / ${ms(timings.openLongestTaskMs)}`,
      budget: '≤ 200 ms, longest task ≤ 50 ms',
      competitors: '—',
      ok: timings.openMs <= 200 && timings.openLongestTaskMs <= 50,
    },
    {
      what: 'widget JS heap: loader / chat open (over a blank page)',
      measured: `${timings.heapLoaderKb.toFixed(0)} KB / ${timings.heapOpenKb.toFixed(0)} KB`,
      budget: 'loader ≤ 100 KB, chat open ≤ 1 MB',
      competitors: 'Twilio Conversations +1.4 MB, Vonage +3.4 MB at load',
      ok: timings.heapLoaderKb <= 100 && timings.heapOpenKb <= 1024,
    },
  );
  return rows;
}
