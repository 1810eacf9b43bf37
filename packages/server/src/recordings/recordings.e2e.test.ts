// A recorded browser call end to end: the real server (dev mode, PGlite, the recordings store on its attachment
// bytes) and two Chromium processes whose fake microphones play one tone each — the visitor 440 Hz, Alice 660 Hz —
// with media peer-to-peer on 127.0.0.1. Alice starts recording (`on-demand`), pauses it for ~2 s, resumes, hangs up;
// her browser's recorder uploads the chunks. Sam, a supervisor, lists and fetches the recording; a page decodes it
// (decodeAudioData) and Goertzel says per 100 ms which tones it holds: both parties, and nothing of the pause. Like
// core's voice end-to-end tests it re-runs itself in a loopback-only network namespace (`unshare -n`).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchWithTone } from '../../../core/src/voice/e2e/microphone';
import { inLoopbackNamespace } from '../../../core/src/voice/e2e/namespace';
import type {} from '../../../core/src/voice/e2e/recording.harness';
import { parseConfig } from '../config/config';
import { silentLogger } from '../log/logger';
import { type HelplineServer, startServer } from '../server';
import { freshPgliteDir } from '../testing/databases';
import { TestClient } from '../testing/harness';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '../../../..');
const e2eDir = join(repoRoot, 'packages/core/src/voice/e2e');
const TONES = { visitor: 440, agent: 660 } as const;
/** A tone is in a window when it holds this share of the window's power (two equal tones: ~0.5 each). */
const PRESENT = 0.1;
/** How long each recorded stretch and the pause last. */
const STRETCH_MS = 2_000;

inLoopbackNamespace(fileURLToPath(import.meta.url), 'HELPLINE_RECORDING_E2E_NETNS', scenarios);

/** Serves the two bundled pages (`/visitor`, `/agent`) from an origin of its own. */
async function startPages(): Promise<{ origin: string; server: Server }> {
  const result = await build({
    entryPoints: {
      visitor: join(e2eDir, 'recording.visitor.page.ts'),
      agent: join(e2eDir, 'recording.agent.page.ts'),
    },
    outdir: '/out',
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(repoRoot, 'tsconfig.json'),
    logLevel: 'silent',
  });
  const scripts = new Map(
    result.outputFiles.map((file) => [`/${file.path.split('/').pop() ?? ''}`, file.text]),
  );
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const script = scripts.get(pathname);
    if (script !== undefined) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (pathname === '/visitor' || pathname === '/agent') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${pathname}</title></head>` +
            `<body><script type="module" src="${pathname}.js"></script></body></html>`,
        );
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function scenarios(): void {
  describe('a recorded browser call: both parties, nothing of the pause', () => {
    let dir = '';
    let pages: { origin: string; server: Server };
    let server: HelplineServer;
    const browsers: Browser[] = [];
    const errors: string[] = [];

    async function devToken(role: string, id: string, site?: string): Promise<string> {
      const response = await fetch(`${server.url}/v1/dev/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role, id, ...(site ? { site } : {}) }),
      });
      assert.equal(response.status, 201);
      return ((await response.json()) as { token: string }).token;
    }

    async function open(role: 'visitor' | 'agent', token: string, site?: string): Promise<Page> {
      const wav = join(dir, `${role}.wav`);
      const browser = await launchWithTone(wav, TONES[role]);
      browsers.push(browser);
      const page = await browser.newPage();
      page.on('pageerror', (error) => errors.push(`${role}: ${error.message}`));
      const query = new URLSearchParams({ socket: server.socketUrl, server: server.url, token });
      if (site) query.set('site', site);
      await page.goto(`${pages.origin}/${role}?${query}`);
      await page.waitForFunction(() => window.recTest?.ready === true, undefined, { timeout: 15_000 });
      return page;
    }

    const act = (page: Page, action: string) => page.evaluate((a) => window.recTest?.act(a) ?? null, action);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'helpline-recording-e2e-'));
      pages = await startPages();
      server = await startServer({
        dev: true,
        logger: silentLogger,
        port: 0,
        host: '127.0.0.1',
        storage: { kind: 'pglite', dataDir: await freshPgliteDir() },
        config: parseConfig({
          queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' }, recording: 'on-demand' }],
          agents: [
            { id: 'alice', name: 'Alice', queues: ['support'] },
            { id: 'sam', name: 'Sam', role: 'supervisor' },
          ],
          sites: [{ id: 'shop', origins: [pages.origin] }],
          consoleOrigins: [pages.origin],
        }),
      });
    });

    after(async () => {
      for (const browser of browsers.splice(0)) await browser.close();
      await server?.close();
      await new Promise<void>((resolve) => pages?.server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('records 440 Hz and 660 Hz together, and the paused stretch not at all', async () => {
      const agent = await open('agent', await devToken('agent', 'alice'));
      const visitor = await open('visitor', await devToken('visitor', 'v1', 'shop'), 'shop');
      const placed = act(visitor, 'call');
      await agent.waitForFunction(() => window.recTest?.call() !== null, undefined, { timeout: 15_000 });
      await act(agent, 'answer');
      const cid = await placed;
      assert.ok(cid);

      const startedAt = Date.now();
      assert.equal(await act(agent, 'start'), 'on');
      await new Promise((resolve) => setTimeout(resolve, STRETCH_MS));
      const pausedAt = Date.now();
      assert.equal(await act(agent, 'pause'), 'paused');
      await new Promise((resolve) => setTimeout(resolve, STRETCH_MS));
      const resumedAt = Date.now();
      assert.equal(await act(agent, 'resume'), 'on');
      await new Promise((resolve) => setTimeout(resolve, STRETCH_MS));
      const endedAt = Date.now();
      await act(agent, 'hangup');
      const recordedMs = pausedAt - startedAt + (endedAt - resumedAt);

      // Sam lists the call's recordings once the last chunk is in (the sizes stop changing), and fetches each.
      const sam = await devToken('supervisor', 'sam');
      const supervisor = await TestClient.connect(server.socketUrl, sam, { site: '', origin: null });
      let listed: { url: string; bytes: number }[] = [];
      let steadySince = Date.now();
      for (let deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        const { recordings } = await supervisor.ok('recording.list', { cid });
        const sizes = (list: { bytes: number }[]) => list.map((r) => r.bytes).join();
        if (sizes(recordings) !== sizes(listed) || recordings.length === 0) steadySince = Date.now();
        listed = recordings;
        if (Date.now() - steadySince > 1_500) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      supervisor.terminate();
      assert.ok(listed.length > 0, 'the call has a recording');

      let seconds = 0;
      const windows: { rms: number; shares: Readonly<Record<number, number>> }[] = [];
      for (const recording of listed) {
        const played = await fetch(`${server.url}${recording.url}`, {
          headers: { authorization: `Bearer ${sam}` },
        });
        assert.equal(played.status, 200);
        const base64 = Buffer.from(await played.arrayBuffer()).toString('base64');
        const decoded = await visitor.evaluate(
          ([bytes, tones]) => window.recTest?.decode(bytes, tones) ?? null,
          [base64, Object.values(TONES)] as const,
        );
        assert.ok(decoded);
        seconds += decoded.seconds;
        windows.push(...decoded.windows);
      }

      // Both parties in most windows of what was recorded.
      assert.ok(windows.length > 0, 'the recording has audio');
      const both = windows.filter(
        (w) => (w.shares[TONES.visitor] ?? 0) > PRESENT && (w.shares[TONES.agent] ?? 0) > PRESENT,
      );
      assert.ok(
        both.length >= windows.length * 0.8,
        `both tones in ${both.length} of ${windows.length} windows: ${JSON.stringify(windows.slice(0, 5))}`,
      );
      // Nothing of the pause: the length is the recorded time, not the call's, and no silent stretch stands in for it.
      const callMs = endedAt - startedAt;
      assert.ok(
        Math.abs(seconds * 1000 - recordedMs) < 1_000,
        `recorded ${seconds.toFixed(2)} s for ${recordedMs} ms recorded of a ${callMs} ms call`,
      );
      const silent = windows.filter((w) => w.rms < 0.01).length;
      console.log(
        'DBG',
        listed.length,
        seconds,
        recordedMs,
        callMs,
        windows.length,
        both.length,
        silent,
        JSON.stringify(windows.slice(0, 3)),
      );
      assert.ok(silent <= 3, `${silent} silent windows`);
      assert.deepEqual(errors, []);
    });
  });
}
