// End-to-end: escalation to a team leader in `npm start` (docs/cases.md, "Escalation"). Alice takes a chat and
// escalates it with a reason; Tess, the demo's team leader, gets the escalation in her console's inbox, reads the
// conversation, writes to Alice in their private thread, and takes the chat over; Alice's console shows the outcome.
// Screenshots go to test-results/e2e/escalation-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, demoPages, SHOTS, visible, WAIT } from './e2e.testing';

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const pages = demoPages(() => browser);
const open = (url: string): Promise<Page> => pages.open(url);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `escalation-${name}.png`), fullPage: true });

/** Signs a demo agent in to the CRM and waits until they are available. */
async function signIn(id: string): Promise<Page> {
  const page = await open(demo.urls.crm);
  await page.getByRole('combobox', { name: 'Demo agent' }).selectOption(id);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('combobox', { name: 'Status' })
    .locator('option:checked', { hasText: 'Available' })
    .waitFor({ state: 'attached', timeout: WAIT });
  return page;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-escalation-'));
  demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db') });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await pages.closeAll();
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo: escalation to a team leader', { timeout: 120_000 }, () => {
  test('Alice escalates her chat; Tess gets it in her inbox, consults and takes it over', async () => {
    const alice = await signIn('alice');
    const visitor = await open(demo.urls.website);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    await visitor.getByRole('button', { name: 'Help with an order' }).click();
    await visitor.getByRole('textbox', { name: 'Your name (required)' }).fill('Ada');
    await visitor.getByRole('button', { name: 'Start a chat' }).click();
    await visitor.getByRole('textbox', { name: 'Your message' }).fill('I want a refund of 900 euros');
    await visitor.getByRole('button', { name: 'Send', exact: true }).click();
    const offers = alice.getByRole('region', { name: 'Offers' });
    await offers.getByRole('button', { name: 'Accept' }).first().click();
    await visible(alice.getByText('I want a refund of 900 euros'));

    // Tess signs in once the chat is Alice's, so the chat itself is not routed to her.
    const tess = await signIn('tess');
    await alice.getByRole('button', { name: 'Escalate to a team leader' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Escalate to a team leader' });
    await dialog.getByRole('textbox', { name: 'Why are you escalating?' }).fill('Refund above my limit');
    await shot(alice, '01-reason-dialog');
    await dialog.getByRole('button', { name: 'Escalate', exact: true }).click();
    await visible(alice.getByText('Escalated: a team leader has been asked.'));

    const inbox = tess.getByRole('region', { name: 'Escalations' });
    const item = inbox.getByRole('button', { name: /Refund above my limit/ });
    await visible(item);
    await item.click();
    await visible(inbox.getByText('I want a refund of 900 euros', { exact: false }));
    await inbox.getByRole('button', { name: 'Accept' }).click();
    await inbox.getByRole('textbox', { name: 'Message' }).fill('What did you offer so far?');
    await inbox.getByRole('button', { name: 'Send' }).click();
    await visible(inbox.getByText('What did you offer so far?', { exact: false }));
    await shot(tess, '02-team-leader-inbox');

    await inbox.getByRole('button', { name: 'Take over' }).click();
    await visible(inbox.getByText('Taken over'));
    // The chat is Tess's now: it opens in her console with the conversation so far.
    await visible(tess.getByText('I want a refund of 900 euros').first());
    await shot(tess, '03-taken-over');

    assert.deepEqual(pages.problems, [], 'no page error, no CSP or Trusted Types violation');
  });
});
