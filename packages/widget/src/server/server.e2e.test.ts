// The widget against the real server: `startServer` in process (dev mode, PGlite in a temp dir), a plain page
// with one classic <script> tag, Chromium through playwright-core, and an agent on core's session over `ws`.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type AgentSession, createAgentSession, createWebSocketTransport } from '@helpline/core';
import { type HelplineServer, parseConfig, silentLogger, startServer } from '@helpline/server';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';
// @ts-expect-error -- a plain .mjs helper of the repo scripts, without types.
import { startStaticServer, strictCsp } from '../../../../scripts/lib/static-server.mjs';
import { freshPgliteDir } from '../../../server/src/testing/databases';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..', '..');
const TIMEOUT = 10_000;

interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

let dir: string;
let server: HelplineServer;
let pages: StaticServer;
let browser: Browser;
const agents: AgentSession[] = [];

/** The widget's classic build (IIFE loader + ES panel with its lazy chunks), bundled from the sources now. */
async function bundleWidget(outdir: string): Promise<void> {
  const common = {
    bundle: true,
    minify: true,
    target: 'es2022',
    tsconfig: join(repoRoot, 'tsconfig.json'),
    external: ['@vonage/client-sdk'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent' as const,
  };
  await build({
    ...common,
    entryPoints: { 'helpline-widget.iife': join(here, '..', 'classic.ts') },
    format: 'iife',
    outdir,
  });
  await build({
    ...common,
    entryPoints: { 'helpline-panel': join(here, '..', 'panel', 'entry.ts') },
    format: 'esm',
    splitting: true,
    chunkNames: 'classic/[name]-[hash]',
    outdir,
  });
}

async function devToken(role: 'agent', id: string): Promise<string> {
  const response = await fetch(`${server.url}/v1/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, id }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}

async function agent(id: string): Promise<AgentSession> {
  const transport = createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: WebSocket });
  const session = createAgentSession({ transport, token: await devToken('agent', id) });
  agents.push(session);
  await session.setPresence('available');
  return session;
}

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A fresh browser context (its own localStorage) on the page of `site`. */
async function visit(site: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Amsterdam' });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${pages.url}/${site}.html`);
  return page;
}

async function openWidget(page: Page): Promise<void> {
  await page.locator('helpline-widget [part~="launcher"]').click();
}

async function startChat(page: Page, name: string): Promise<void> {
  await openWidget(page);
  // The site has topics: choosing one starts the chat (its queue), through the pre-chat form.
  await page.locator('[part~="topic"]', { hasText: 'Support' }).click();
  await page.locator('#field-name').fill(name);
  await page.locator('form[part~="prechat"] [part~="submit"]').click();
  await page.locator('form[part~="composer"]').waitFor();
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helpline-widget-e2e-'));
  const widgetDir = join(dir, 'widget');
  await bundleWidget(widgetDir);
  pages = (await startStaticServer({ mounts: { '/': dir } })) as StaticServer;
  const neverOpen = {
    timeZone: 'Europe/Amsterdam',
    weekly: {},
  };
  server = await startServer({
    dev: true,
    logger: silentLogger,
    port: 0,
    // A copy of the migrated PGlite template in a temp dir (migrating a new database takes seconds).
    storage: { kind: 'pglite', dataDir: await freshPgliteDir() },
    config: parseConfig({
      queues: [
        { id: 'support', name: 'Support', acw: { kind: 'none' } },
        // No opening hours at all: always closed, with an offline message instead.
        { id: 'night', name: 'Night', businessHours: neverOpen, closedAlternative: 'offline-message' },
      ],
      agents: [{ id: 'alice', name: 'Alice', queues: ['support'] }],
      sites: [
        {
          id: 'shop',
          origins: [pages.url],
          topics: [{ id: 'support', label: 'Support', queueId: 'support' }],
          prechat: [{ name: 'name', label: 'Name', required: true }],
        },
        {
          id: 'closed',
          origins: [pages.url],
          topics: [{ id: 'night', label: 'Night', queueId: 'night' }],
        },
      ],
    }),
  });
  const socketOrigin = server.url.replace(/^http/, 'ws');
  // 'nope' is a typo no server config has.
  for (const site of ['shop', 'closed', 'nope']) {
    await writeFile(
      join(dir, `${site}.html`),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${site}</title></head><body>
<script src="/widget/helpline-widget.iife.js" data-site="${site}" data-server="${server.url}"></script>
</body></html>`,
    );
  }
  // The page runs under the strict policy the demo uses: it may reach only the Helpline server.
  await pages.close();
  pages = (await startStaticServer({
    port: Number(new URL(pages.url).port),
    mounts: { '/': dir },
    csp: strictCsp([server.url, socketOrigin]),
  })) as StaticServer;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  for (const session of agents) session.close();
  await browser?.close();
  await server?.close();
  await pages?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the widget on helpline serve', () => {
  it('tells the visitor chat is unavailable on a site the server does not know, and the developer why', async () => {
    const page = await visit('nope');
    const reports: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().startsWith('[helpline]')) reports.push(message.text());
    });
    await openWidget(page);
    const alert = page.locator('helpline-panel [role="alert"]');
    await alert.waitFor();
    assert.equal(
      (await alert.textContent())?.trim(),
      'Chat is unavailable on this site right now. Please try again later.',
    );
    await until(() => reports.length > 0, 'the console report');
    assert.equal(reports.length, 1);
    assert.match(reports[0] ?? '', /site\/unknown: Site nope is not configured/);
    await page.context().close();
  });

  it('chats with an agent, keeps the conversation over a reload, and asks for CSAT after the end', async () => {
    const alice = await agent('alice');
    const page = await visit('shop');
    await startChat(page, 'Ada');
    await send(page, 'Hello from the widget');
    const cid = await until(() => Object.keys(alice.$offers.get())[0], 'the offer');
    await alice.accept(cid);
    await until(
      () => alice.$conversations.get()[cid]?.messages.some((m) => m.text === 'Hello from the widget'),
      'the visitor message at the agent',
    );
    await page.getByText('You are chatting with alice', { exact: false }).waitFor();
    await alice.sendMessage(cid, 'Hi Ada, how can I help?');
    await page.locator('[part~="message-agent"]', { hasText: 'how can I help?' }).waitFor();

    await page.reload();
    // Restored at load (the widget remembers an active chat), closed until the visitor opens it again.
    await page
      .locator('[part~="message-agent"]', { hasText: 'how can I help?' })
      .waitFor({ state: 'attached' });
    await openWidget(page);
    await page.locator('[part~="message-agent"]', { hasText: 'how can I help?' }).waitFor();
    await page.locator('[part~="message-visitor"]', { hasText: 'Hello from the widget' }).waitFor();
    await send(page, 'Still here after a reload');
    await until(
      () => alice.$conversations.get()[cid]?.messages.some((m) => m.text === 'Still here after a reload'),
      'the message after the reload, in the same conversation',
    );

    await alice.end(cid);
    await page.locator('form[part~="csat"]').waitFor();
    await page.locator('input[name="score"][aria-label="5 out of 5"]').check();
    await page.locator('form[part~="csat"] [part~="submit"]').click();
    await page.getByText('Thank you for your feedback!').waitFor();
    const history = await fetch(`${server.url}/v1/conversations/${cid}/history`, {
      headers: { authorization: `Bearer ${await devToken('agent', 'alice')}` },
    });
    assert.equal(history.status, 200);
    assert.match(JSON.stringify(await history.json()), /"type":"csat","score":5/);
    await page.context().close();
  });

  it('puts a callback request into the queue, where the agent is offered it', async () => {
    const alice = agents[0] ?? (await agent('alice'));
    const page = await visit('shop');
    await openWidget(page);
    await page.locator('[part~="request-callback"]').click();
    await page.locator('#country').selectOption('NL');
    await page.locator('#phone').fill('06-1234 5678');
    await page.locator('form[part~="callback"] [part~="submit"]').click();
    await page.getByText('+31612345678', { exact: false }).first().waitFor();
    const offer = await until(
      () => Object.values(alice.$offers.get()).find((o) => o.interaction.channel === 'callback'),
      'the callback offer',
    );
    assert.equal(offer.interaction.queueId, 'support');
    await page.context().close();
  });

  it('offers an offline message when the queue is closed, and the server takes it', async () => {
    const page = await visit('closed');
    await openWidget(page);
    await page.getByText('We are closed').waitFor();
    assert.equal(await page.locator('[part~="start-chat"]').count(), 0);
    await page.locator('[part~="leave-message"]').click();
    await page.locator('#field-name').fill('Bo');
    await page.locator('#field-email').fill('bo@example.com');
    await page.locator('#offline-message').fill('Please call me about order 42.');
    await page.locator('form[part~="offline"] [part~="submit"]').click();
    await page.getByText('Thank you! We received your message', { exact: false }).waitFor();
    await page.context().close();
  });
});
