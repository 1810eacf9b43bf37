// End-to-end: the CRM console of the `npm start` demo open in two tabs of one browser, as an agent who keeps a
// second tab does. The tabs share one WebSocket to the server (the leader tab's), one of them rings for an offer,
// either may answer it, and when the leader tab closes the other carries on. Screenshots go to
// test-results/e2e-tabs/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HelplineServer } from '@helpline/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, visible, WAIT } from './e2e.testing';

const _ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];
const shots = join(REPO_ROOT, 'test-results', 'e2e-tabs');

declare global {
  /** Tones the page's Web Audio ringtone started (counted by the init script below). */
  var __helplineTones: number | undefined;
}

/** Counts the oscillators a page starts: the ringtone is two per ring. */
function countTones(): void {
  globalThis.__helplineTones = 0;
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    globalThis.__helplineTones = (globalThis.__helplineTones ?? 0) + 1;
    return create.call(this);
  };
}

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const pageErrors: string[] = [];

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${WAIT} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A tab of `context` on `url`, with the WebSockets it opened. */
async function tab(context: BrowserContext, url: string): Promise<{ page: Page; sockets: string[] }> {
  const page = await context.newPage();
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  await page.goto(url);
  return { page, sockets };
}

async function signInAgent(page: Page, id: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Demo agent' }).selectOption(id);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('combobox', { name: 'Status' })
    .locator('option:checked', { hasText: 'Available' })
    .waitFor({ state: 'attached', timeout: WAIT });
}

const tones = (page: Page) => page.evaluate(() => globalThis.__helplineTones ?? 0);
const agentLog = (page: Page) => page.getByRole('log', { name: 'Messages' });
const visitorLog = (page: Page) => page.getByRole('log', { name: 'Conversation' });
const offers = (page: Page) =>
  page.getByRole('region', { name: 'Incoming offers' }).locator('.helpline-offer');

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-tabs-'));
  demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db') });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the agent console in two tabs', { timeout: 120_000 }, () => {
  test('one socket, one ringing tab, either tab answers, and the other carries on when the leader closes', async () => {
    // The demo script is plain JavaScript: its server is the one `startServer` returns.
    const { hub } = demo.server as HelplineServer;
    const agentBrowser = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await agentBrowser.addInitScript(countTones);
    const a = await tab(agentBrowser, demo.urls.crm);
    await signInAgent(a.page, 'alice');
    const b = await tab(agentBrowser, demo.urls.crm);
    await signInAgent(b.page, 'alice');
    await eventually(() => hub.connectionCount === 1, 'one connection at the server');
    assert.equal(a.sockets.length, 1, 'the first tab opened the socket');
    assert.equal(b.sockets.length, 0, 'the second tab opened none');

    const visitorBrowser = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const visitor = await visitorBrowser.newPage();
    await visitor.goto(demo.urls.website);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByRole('button', { name: 'Help with an order' }).click();
    await visitor.getByRole('textbox', { name: 'Your name (required)' }).fill('Vera Visitor');
    await visitor.getByRole('button', { name: 'Start a chat' }).click();
    await visitor.getByRole('textbox', { name: 'Your message' }).fill('Hello, where is my order?');
    await visitor.getByRole('button', { name: 'Send', exact: true }).click();

    // The offer shows in both tabs; only the leader tab rings.
    await visible(offers(a.page));
    await visible(offers(b.page));
    assert.equal(await offers(a.page).count(), 1);
    assert.equal(await offers(b.page).count(), 1);
    await eventually(async () => (await tones(a.page)) > 0, 'the leader tab rings');
    assert.equal(await tones(b.page), 0, 'the other tab is silent');
    await b.page.screenshot({ path: join(shots, '01-offer-in-the-second-tab.png') });

    // Accepted in the second tab: the toast leaves both, both show the chat.
    await offers(b.page).getByRole('button', { name: 'Accept' }).click();
    await eventually(
      async () => (await offers(a.page).count()) === 0 && (await offers(b.page).count()) === 0,
      'the toast gone from both tabs',
    );
    await visible(agentLog(a.page).getByText('Hello, where is my order?'));
    await visible(agentLog(b.page).getByText('Hello, where is my order?'));
    await a.page.getByRole('textbox', { name: 'Message' }).fill('Hi Vera, let me look.');
    await a.page.getByRole('button', { name: 'Send', exact: true }).click();
    await visible(visitorLog(visitor).getByText('Hi Vera, let me look.'));
    await visible(agentLog(b.page).getByText('Hi Vera, let me look.'));
    assert.equal(hub.connectionCount, 2, 'the agent’s one socket and the visitor’s');

    // The leader tab closes: the second tab takes the socket over and the chat goes on.
    await a.page.close();
    await eventually(() => b.sockets.length === 1, 'the second tab opened the socket');
    await visitor.getByRole('textbox', { name: 'Your message' }).fill('Are you still there?');
    await visitor.getByRole('button', { name: 'Send', exact: true }).click();
    await visible(agentLog(b.page).getByText('Are you still there?'));
    await b.page.getByRole('textbox', { name: 'Message' }).fill('Still here.');
    await b.page.getByRole('button', { name: 'Send', exact: true }).click();
    await visible(visitorLog(visitor).getByText('Still here.'));
    await b.page
      .getByRole('combobox', { name: 'Status' })
      .locator('option:checked', { hasText: 'Available' })
      .waitFor({ state: 'attached', timeout: WAIT });
    await eventually(() => hub.connectionCount === 2, 'still one socket for the agent');
    await b.page.screenshot({ path: join(shots, '02-second-tab-carries-on.png') });
    assert.deepEqual(pageErrors, []);
    await agentBrowser.close();
    await visitorBrowser.close();
  });
});
