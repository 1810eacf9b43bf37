// End-to-end: the returning customer of `npm start` (scripts/lib/demo-cases.mjs). Dana Whitfield has an OPEN case in
// Support; she signs in on the shop page ("Returning customer") and chats. Alice's console shows the case on the offer,
// before she accepts, and then in the side panel with the offer to attach the chat; one click links it, and the case's
// conversations show both chats. Screenshots go to test-results/e2e/cases-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { RETURNING_CASE, RETURNING_VISITOR } from '../../scripts/lib/demo-cases.mjs';
import { CHROMIUM, CHROMIUM_ARGS, demoPages, SHOTS, visible, WAIT } from './e2e.testing';

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const pages = demoPages(() => browser);
const open = (url: string): Promise<Page> => pages.open(url);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `cases-${name}.png`), fullPage: true });

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-cases-'));
  demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db'), returningCustomer: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await pages.closeAll();
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo: a returning customer with an open case', { timeout: 120_000 }, () => {
  test('Alice sees the open case when the offer arrives, and attaches the chat in one click', async () => {
    const agent = await open(demo.urls.crm);
    await agent.getByRole('combobox', { name: 'Demo agent' }).selectOption('alice');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent
      .getByRole('combobox', { name: 'Status' })
      .locator('option:checked', { hasText: 'Available' })
      .waitFor({ state: 'attached', timeout: WAIT });

    const visitor = await open(demo.urls.website);
    await visitor.getByRole('button', { name: 'Returning customer (Dana)' }).click();
    await visible(visitor.getByRole('button', { name: `Signed in as ${RETURNING_VISITOR.name}` }));
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByRole('button', { name: 'Help with an order' }).click();
    await visitor.getByRole('textbox', { name: 'Your name (required)' }).fill('Dana');
    await visitor.getByRole('button', { name: 'Start a chat' }).click();
    await visitor.getByRole('textbox', { name: 'Your message' }).fill('Any news on my tent pole?');
    await visitor.getByRole('button', { name: 'Send', exact: true }).click();

    // The offer names the open case before Alice accepts.
    const offers = agent.getByRole('region', { name: 'Offers' });
    const openCases = offers.getByRole('list', { name: 'Open cases of this customer' });
    await visible(openCases.getByText(`Open case: ${RETURNING_CASE.subject}`));
    await shot(agent, '01-offer-shows-open-case');

    await offers.getByRole('button', { name: 'Accept' }).first().click();
    const cases = agent.getByRole('region', { name: 'Cases' });
    await visible(cases.getByText(`has an open case: “${RETURNING_CASE.subject}”`, { exact: false }));
    const item = cases.locator('.helpline-case').first();
    assert.equal(await item.getAttribute('data-unsolved'), 'true');
    await visible(item.getByText('Unsolved'));
    await shot(agent, '02-console-case-panel');

    await cases.getByRole('button', { name: 'Attach this conversation' }).click();
    await cases
      .getByRole('button', { name: 'Attach this conversation' })
      .waitFor({ state: 'detached', timeout: WAIT });
    await cases.getByRole('button', { name: new RegExp(RETURNING_CASE.subject.slice(0, 20)) }).click();
    await visible(cases.getByText('This conversation'));
    await visible(cases.getByText(RETURNING_CASE.note));
    assert.equal(
      await cases.locator('.helpline-case__timeline > li').count(),
      2,
      'both chats are on the case',
    );
    await shot(agent, '03-chat-attached');

    assert.deepEqual(pages.problems, [], 'no page error, no CSP or Trusted Types violation');
  });
});
