// End-to-end: docs/crm-walkthrough.md followed to the letter. Its configuration runs a real server, its token
// endpoint runs as a process, its src/main.tsx is bundled (esbuild standing in for Vite) and served with /api
// passed to the endpoint (as its Vite proxy does). In Chromium the console signs in with the endpoint's token and
// goes available; a customer starts a chat on site `shop`; the agent accepts it and reads the message.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createVisitorSession, createWebSocketTransport, type VisitorSession } from '@helpline/core';
import { type HelplineServer, parseConfig, startServer } from '@helpline/server';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import WebSocket from 'ws';
import { silentLogger } from '../../packages/server/src/log/logger';
import { freshPgliteDir } from '../../packages/server/src/testing/databases';
import { type DocSample, extractSamples } from '../../scripts/docs/samples';
import { pointAt, writeSamplesTsconfig } from '../../scripts/docs/samples.run';
import { CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT } from './e2e.testing';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'walkthrough-test-secret-of-at-least-32-bytes';
const dir = join(root, 'test-results', 'crm-walkthrough');
const shots = SHOTS;

const samples = extractSamples(
  readFileSync(join(root, 'docs', 'crm-walkthrough.md'), 'utf8'),
  'docs/crm-walkthrough.md',
);
const one = (predicate: (sample: DocSample) => boolean, what: string): DocSample => {
  const found = samples.filter(predicate);
  assert.equal(found.length, 1, `docs/crm-walkthrough.md has one ${what}`);
  return found[0] as DocSample;
};
const configSample = one((s) => s.mode === 'config', 'configuration');
const endpointSample = one((s) => s.mode === 'serves', 'token endpoint');
const consoleSample = one((s) => s.language === 'tsx', 'src/main.tsx');

let server: HelplineServer;
let endpoint: ChildProcess;
let page: Server;
let browser: Browser;
let visitor: VisitorSession | undefined;
let pageUrl: string;

/** Starts the walkthrough's token endpoint; resolves with the URL it prints. */
function startEndpoint(file: string, tsconfig: string): Promise<string> {
  return new Promise((resolve, reject) => {
    endpoint = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: dir,
      env: { ...process.env, HELPLINE_JWT_SECRET: SECRET, PORT: '0', TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /https?:\/\/[\w.:-]+/.exec(output)?.[0];
      if (url) resolve(url);
    };
    endpoint.stdout?.on('data', collect);
    endpoint.stderr?.on('data', collect);
    endpoint.on('exit', (code) => reject(new Error(`the token endpoint exited (${code}): ${output}`)));
  });
}

/** Serves the bundled app, and passes /api to the token endpoint like the walkthrough's Vite proxy. */
function servePage(
  files: Record<string, { type: string; body: Uint8Array | string }>,
  api: string,
): Promise<string> {
  page = createServer(async (request, response) => {
    if (request.url?.startsWith('/api/')) {
      const answer = await fetch(new URL(request.url, api));
      response.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'text/plain',
      });
      response.end(await answer.text());
      return;
    }
    const file = files[request.url === '/' ? '/index.html' : (request.url ?? '')];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  return new Promise((resolve) =>
    page.listen(0, '127.0.0.1', () => resolve(`http://localhost:${(page.address() as AddressInfo).port}`)),
  );
}

before(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(shots, { recursive: true });
  const tsconfig = writeSamplesTsconfig(dir, root);
  const config = JSON.parse(configSample.code) as { consoleOrigins: string[] };
  // The page is served on a free port instead of Vite's 5173: the test adds its origin.
  server = await startServer({
    config: parseConfig({ ...config, consoleOrigins: [...config.consoleOrigins, 'http://localhost:*'] }),
    storage: { kind: 'pglite', dataDir: await freshPgliteDir() },
    port: 0,
    jwtSecret: SECRET,
    logger: silentLogger,
  });
  writeFileSync(join(dir, 'token-endpoint.ts'), `${endpointSample.code}\nexport {};\n`);
  const api = await startEndpoint(join(dir, 'token-endpoint.ts'), tsconfig);
  writeFileSync(join(dir, 'src', 'main.tsx'), pointAt(consoleSample.code, server));
  const bundle = await build({
    entryPoints: [join(dir, 'src', 'main.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    outdir: join(dir, 'dist'),
    tsconfig,
    jsx: 'automatic',
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const files: Record<string, { type: string; body: Uint8Array | string }> = {};
  for (const output of bundle.outputFiles) {
    const name = `/${output.path.split('/').pop()}`;
    files[name] = { type: name.endsWith('.css') ? 'text/css' : 'text/javascript', body: output.contents };
  }
  files['/index.html'] = {
    type: 'text/html',
    body: '<!doctype html><html lang="en"><title>My CRM</title><link rel="stylesheet" href="/main.css"><div id="root"></div><script type="module" src="/main.js"></script>',
  };
  pageUrl = await servePage(files, api);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  visitor?.close();
  await browser?.close();
  page?.close();
  endpoint?.kill('SIGTERM');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/crm-walkthrough.md, followed step by step', { timeout: 120_000 }, () => {
  test('the console signs in with the endpoint’s token, and the agent answers a customer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const agent = await context.newPage();
    const errors: string[] = [];
    agent.on('pageerror', (error) => errors.push(error.message));
    await agent.goto(pageUrl);
    const status = agent.getByRole('combobox', { name: 'Status' });
    await status.waitFor({ state: 'visible', timeout: WAIT });
    await status.selectOption('available');
    await status
      .locator('option:checked', { hasText: 'Available' })
      .waitFor({ state: 'attached', timeout: WAIT });

    // A customer of site `shop`, as the widget would be (the test speaks for it from Node).
    const session = (await (
      await fetch(`${server.url}/v1/sessions/visitor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site: 'shop' }),
      })
    ).json()) as { token: string };
    visitor = createVisitorSession({
      transport: createWebSocketTransport({ url: server.socketUrl, site: 'shop', WebSocketImpl: WebSocket }),
      token: session.token,
      storageKey: false,
    });
    await visitor.startChat({ topic: 'support', prechat: { name: 'Ada' } });
    await visitor.sendMessage('Hello, where is my parcel?');

    await agent.getByRole('button', { name: 'Accept' }).first().click({ timeout: WAIT });
    await agent
      .getByRole('log', { name: 'Messages' })
      .getByText('Hello, where is my parcel?')
      .waitFor({ state: 'visible', timeout: WAIT });
    await agent.screenshot({ path: join(shots, 'walkthrough-console.png') });
    assert.deepEqual(errors, [], 'no page errors');
  });
});
