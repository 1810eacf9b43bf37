// End-to-end: the `npm start` stack (server in dev mode + the examples under a strict CSP) driven in Chromium.
// A visitor on the shop page, an agent in the CRM and the supervisor board, each in its own browser context.
// Screenshots of every step go to test-results/e2e/. A browser call through these pages, with fake media, is
// tests/e2e/demo.call.e2e.test.ts (it needs a network namespace).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConfigInput, DEV_CONFIG } from '@helpline/server';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, SHOTS, visible, WAIT } from './e2e.testing';

const shots = SHOTS;

/** The demo configuration plus a site whose only queue is closed, for the offline-message flow. */
function testConfig(): ConfigInput {
  const demoSite = DEV_CONFIG.sites[0];
  assert.ok(demoSite, 'the dev config has a site');
  return {
    ...DEV_CONFIG,
    queues: [
      ...DEV_CONFIG.queues,
      {
        id: 'after-hours',
        name: 'After hours',
        skills: [],
        businessHours: { timeZone: 'UTC', weekly: {} },
        closedAlternative: 'offline-message',
      },
    ],
    sites: [
      ...DEV_CONFIG.sites,
      {
        ...demoSite,
        id: 'closed-shop',
        name: 'Closed shop',
        topics: [{ id: 'after-hours', label: 'Anything', queueId: 'after-hours' }],
      },
    ],
  };
}

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const contexts: BrowserContext[] = [];
const cspViolations: string[] = [];
const pageErrors: string[] = [];
let step = 0;

async function open(url: string, context?: BrowserContext): Promise<Page> {
  const owner = context ?? (await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  if (!context) contexts.push(owner);
  const page = await owner.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text())) {
      cspViolations.push(message.text());
    }
  });
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  await page.goto(url);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  step++;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`) });
}

async function signInAgent(page: Page, id: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Demo agent' }).selectOption(id);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signing in makes the agent available; offers come only then.
  await page
    .getByRole('combobox', { name: 'Status' })
    .locator('option:checked', { hasText: 'Available' })
    .waitFor({ state: 'attached', timeout: WAIT });
}

async function startChat(page: Page, name: string, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Open chat' }).click();
  await page.getByRole('button', { name: 'Help with an order' }).click();
  await page.getByRole('textbox', { name: 'Your name (required)' }).fill(name);
  await page.getByRole('button', { name: 'Start a chat' }).click();
  await page.getByRole('textbox', { name: 'Your message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

function visitorLog(page: Page): Locator {
  return page.getByRole('log', { name: 'Conversation' });
}

function agentLog(page: Page): Locator {
  return page.getByRole('log', { name: 'Messages' });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-'));
  const closedPage = join(dataDir, 'closed-page');
  mkdirSync(closedPage);
  demo = await startDemo({
    port: 0,
    serverPort: 0,
    dataDir: join(dataDir, 'db'),
    config: testConfig(),
    mounts: { '/closed/': closedPage },
  });
  // The same shop page, embedded for the site whose only queue is closed.
  const shop = readFileSync(join(REPO_ROOT, 'examples', 'website', 'index.html'), 'utf8');
  writeFileSync(
    join(closedPage, 'index.html'),
    shop
      .replace('data-site="demo"', 'data-site="closed-shop"')
      .replace('http://127.0.0.1:8787', demo.urls.server),
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo, end to end', { timeout: 170_000 }, () => {
  let visitor: Page;
  let agent: Page;
  let supervisor: Page;

  test('the landing page links the three apps and names the demo accounts', async () => {
    const landing = await open(demo.urls.landing);
    for (const app of ['Website', 'CRM', 'Supervisor'])
      await visible(landing.getByRole('link', { name: app }));
    for (const account of ['alice', 'bob', 'carol', 'sam']) {
      await visible(landing.getByRole('cell', { name: account, exact: true }));
    }
    await shot(landing, 'landing');
  });

  test('visitor chat ↔ agent in the CRM: offer, typing, read state, reloads, two tabs, CSAT; KPIs move', async () => {
    supervisor = await open(demo.urls.supervisor);
    // The board has loaded (its queue rows come from the server) and today has no figures yet.
    await visible(supervisor.getByRole('rowheader', { name: 'Support' }));
    assert.equal(await supervisor.locator('[data-kpi="serviceLevel"] dd').textContent(), '—');
    await shot(supervisor, 'supervisor-before');

    agent = await open(demo.urls.crm);
    await signInAgent(agent, 'alice');
    await shot(agent, 'crm-signed-in');

    visitor = await open(demo.urls.website);
    await startChat(visitor, 'Vera Visitor', 'Hello, where is my order?');
    await shot(visitor, 'visitor-waiting');

    // The offer reaches Alice; she accepts it and sees the message.
    await agent.getByRole('button', { name: 'Accept' }).first().click();
    await visible(agentLog(agent).getByText('Hello, where is my order?'));
    await visible(visitor.getByRole('status').getByText('You are chatting with Alice.'));
    // The console shows the message, so the visitor sees it read.
    await visible(visitorLog(visitor).getByText('Read'));
    await shot(agent, 'crm-accepted');

    // Typing both ways.
    await agent.getByRole('textbox', { name: 'Message' }).pressSequentially('Let me check', { delay: 20 });
    await visible(visitor.getByText(/is typing…/));
    await visitor.getByRole('textbox', { name: 'Your message' }).pressSequentially('Thanks', { delay: 20 });
    await visible(agent.getByText('Vera Visitor is typing…'));
    await shot(visitor, 'visitor-sees-typing');
    await visitor.getByRole('textbox', { name: 'Your message' }).fill('');

    await agent.getByRole('textbox', { name: 'Message' }).fill('Hi Vera, it ships today.');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await visible(visitorLog(visitor).getByText('Hi Vera, it ships today.'));
    // The visitor's panel is open, so the agent's message is read.
    await visible(agentLog(agent).getByText('Read'));
    await shot(agent, 'crm-read-receipt');

    // Reload mid-chat on both sides: the conversation carries on.
    await visitor.reload();
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visible(visitorLog(visitor).getByText('Hi Vera, it ships today.'));
    await agent.reload();
    await visible(agentLog(agent).getByText('Hello, where is my order?'));
    await shot(agent, 'crm-after-reload');

    // A second tab of the same visitor shows the same chat; a message from one tab reaches the agent once.
    const secondTab = await open(demo.urls.website, visitor.context());
    await secondTab.getByRole('button', { name: 'Open chat' }).click();
    await visible(visitorLog(secondTab).getByText('Hi Vera, it ships today.'));
    await secondTab.getByRole('textbox', { name: 'Your message' }).fill('Sent from my second tab');
    await secondTab.getByRole('button', { name: 'Send', exact: true }).click();
    await visible(agentLog(agent).getByText('Sent from my second tab'));
    await visible(visitorLog(visitor).getByText('Sent from my second tab'));
    assert.equal(await agentLog(agent).getByText('Sent from my second tab').count(), 1);
    await shot(secondTab, 'visitor-second-tab');
    await secondTab.close();

    // One name for the customer in the console: the bubbles say what the inbox and the card say.
    const authors = await agentLog(agent).locator('.helpline-message__author').allTextContents();
    assert.deepEqual([...new Set(authors)].sort(), ['Vera Visitor', 'You']);

    // The supervisor sees Alice busy with Vera's chat, by name; the supervisor is not listed as an agent.
    await visible(supervisor.getByRole('cell', { name: /Vera Visitor · Chat · Active/ }));
    assert.equal(await supervisor.getByRole('rowheader', { name: 'Sam' }).count(), 0);
    // Topics in words, from the site's configuration.
    await visible(supervisor.getByText('Help with an order'));
    await shot(supervisor, 'supervisor-during-chat');

    // The visitor ends the chat and rates it; the agent wraps up with a disposition.
    await visitor.getByRole('button', { name: 'End chat' }).click();
    await visible(visitor.getByText('How would you rate this chat?'));
    await visitor.getByRole('radio', { name: '5 out of 5' }).check();
    await shot(visitor, 'visitor-csat');
    // The demo's queues ask NPS after the rating; both are sent together.
    await visitor.getByRole('button', { name: 'Next' }).click();
    await visible(visitor.getByText('How likely are you to recommend us to a friend or colleague?'));
    await visitor.getByRole('radio', { name: '9 out of 10' }).check();
    await shot(visitor, 'visitor-nps');
    await visitor.getByRole('button', { name: 'Send answers' }).click();
    await visible(visitor.getByText('Thank you for your feedback!'));

    // Support requires a disposition: finishing without one is refused, and the chat stays in wrap-up.
    await agent.getByRole('button', { name: 'Finish wrap-up' }).click();
    await visible(agent.getByText('Choose a disposition to finish wrap-up.'));
    await visible(agent.getByRole('combobox', { name: 'Disposition' }));
    await agent.getByRole('combobox', { name: 'Disposition' }).selectOption({ label: 'Resolved' });
    await agent.getByRole('button', { name: 'Finish wrap-up' }).click();
    await visible(agent.getByText('No interactions. Offers appear here when you are available.'));
    await shot(agent, 'crm-wrapped-up');

    // Today's KPIs now count the handled chat and its rating (a 9 is a promoter: NPS +100).
    await visible(supervisor.getByText('5 / 5'));
    await visible(supervisor.locator('[data-kpi="nps"]').getByText('+100'));
    await visible(supervisor.getByText('Average handle time'));
    await shot(supervisor, 'supervisor-kpis');
  });

  test('callback request → the agent worklist → closed with an outcome', async () => {
    const caller = await open(demo.urls.website);
    await caller.getByRole('button', { name: 'Open chat' }).click();
    await caller.getByRole('button', { name: 'Request a callback' }).click();
    await caller.getByRole('textbox', { name: 'Phone number' }).fill('+31612345678');
    await caller.getByRole('button', { name: 'Request callback' }).click();
    await visible(caller.getByText(/We will call you at .* as soon as possible\./));
    await shot(caller, 'visitor-callback-requested');

    // The callback is routed like any interaction: an offer first, then Alice's worklist.
    await agent
      .getByRole('region', { name: /^Callback from / })
      .getByRole('button', { name: 'Accept' })
      .click();
    const worklist = agent.getByRole('region', { name: 'Callbacks' });
    await visible(worklist.getByText('+31612345678'));
    await shot(agent, 'crm-callback-worklist');
    await worklist.getByRole('button', { name: 'Close', exact: true }).first().click();
    await worklist.getByRole('radio', { name: 'Reached the customer' }).check();
    await worklist.getByRole('button', { name: 'Close callback' }).click();
    await visible(worklist.getByText('No callbacks to make.'));
    await shot(agent, 'crm-callback-done');
    // The visitor's promise becomes what happened.
    await visible(caller.getByText('We called you at +31612345678. Thank you!'));
    await shot(caller, 'visitor-callback-done');
  });

  test('a closed queue takes an offline message', async () => {
    const closed = await open(`${demo.urls.landing}closed/`);
    await closed.getByRole('button', { name: 'Open chat' }).click();
    await visible(closed.getByRole('heading', { name: 'We are closed' }));
    await shot(closed, 'visitor-closed');
    await closed.getByRole('button', { name: 'Leave a message' }).click();
    await closed.getByRole('textbox', { name: 'Your name (required)' }).fill('Olga Offline');
    await closed.getByRole('textbox', { name: 'Email' }).fill('olga@example.com');
    await closed.getByRole('textbox', { name: 'Message (required)' }).fill('Do you ship to Norway?');
    await closed.getByRole('button', { name: 'Send message' }).click();
    await visible(closed.getByText('Thank you! We received your message and will get back to you.'));
    await shot(closed, 'visitor-offline-message');
  });

  test('the CRM and its console fit a 360 px phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
    contexts.push(phone);
    const crm = await open(demo.urls.crm, phone);
    await visible(crm.getByRole('button', { name: 'Sign in' }));
    await signInAgent(crm, 'bob');
    await visible(crm.getByRole('navigation', { name: 'Your interactions' }));
    const width = await crm.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the page is ${width} px wide on a 360 px screen`);
    await shot(crm, 'crm-phone');
  });

  test('no page threw, and none broke its Content-Security-Policy or Trusted Types', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});
