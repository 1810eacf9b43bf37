// End-to-end: the demo in other languages. The shop's widget in Arabic (right to left), the CRM's console in
// Arabic and the supervisor board in Dutch, switched with the demo's language picker, with the topics and queue
// names the demo configuration translates. Screenshots go to test-results/e2e/languages-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, SHOTS, visible, WAIT } from './e2e.testing';

const shots = SHOTS;

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const problems: string[] = [];

/** A page in its own browser context (its own storage, so its own language choice). */
async function open(url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  await page.goto(url);
  return page;
}

async function chooseLanguage(page: Page, tag: string): Promise<void> {
  // The switch is labelled in the page's current language; its name attribute stays.
  await page.locator('select[name="language"]').selectOption(tag);
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-languages-'));
  demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db') });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo in other languages', { timeout: 120_000 }, () => {
  test('an Arabic visitor chats with an agent whose console is in Arabic; the board is in Dutch', async () => {
    const agent = await open(demo.urls.crm);
    await chooseLanguage(agent, 'ar');
    // The CRM's own words follow the language too, and the page reads right to left.
    await agent.getByRole('combobox', { name: 'وكيل العرض' }).selectOption('alice');
    await agent.getByRole('button', { name: 'تسجيل الدخول' }).click();
    assert.equal(await agent.locator('html').getAttribute('dir'), 'rtl');
    await visible(agent.getByRole('heading', { name: 'العملاء' }));
    const console = agent.locator('.helpline-console');
    await visible(console.getByRole('combobox', { name: 'الحالة' }));
    assert.equal(await console.getAttribute('dir'), 'rtl');
    assert.equal(await console.getAttribute('lang'), 'ar');
    await console
      .getByRole('combobox', { name: 'الحالة' })
      .locator('option:checked', { hasText: 'متاح' })
      .waitFor({ state: 'attached', timeout: WAIT });

    const visitor = await open(demo.urls.website);
    await chooseLanguage(visitor, 'ar');
    await visitor.getByRole('button', { name: 'فتح الدردشة' }).click();
    // The topic comes translated from the server's site configuration.
    await visitor.getByRole('button', { name: 'مساعدة بشأن طلب' }).click();
    await visitor.getByRole('textbox', { name: 'اسمك (مطلوب)' }).fill('ليلى');
    await visitor.getByRole('button', { name: 'ابدأ الدردشة' }).click();
    await visitor.getByRole('textbox', { name: 'رسالتك' }).fill('مرحبًا، أين طلبي؟');
    await visitor.getByRole('button', { name: 'إرسال', exact: true }).click();

    await console.getByRole('button', { name: 'قبول' }).first().click();
    await visible(console.getByRole('log', { name: 'الرسائل' }).getByText('مرحبًا، أين طلبي؟'));
    await visitor.screenshot({ path: join(shots, 'languages-01-widget-ar.png') });
    await agent.screenshot({ path: join(shots, 'languages-02-console-ar.png') });

    const supervisor = await open(demo.urls.supervisor);
    await chooseLanguage(supervisor, 'nl');
    // Queue names come translated from the server's configuration.
    await visible(supervisor.getByRole('rowheader', { name: 'Klantenservice' }));
    await visible(
      supervisor.getByRole('heading', { name: 'Wachtrijen' }).or(supervisor.getByText('Wachtrijen')),
    );
    assert.equal(await supervisor.locator('.helpline-board').getAttribute('lang'), 'nl');
    await supervisor.screenshot({ path: join(shots, 'languages-03-board-nl.png') });

    assert.deepEqual(problems, [], 'no CSP violations or page errors');
  });
});
