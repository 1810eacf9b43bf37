// End-to-end: the reports of `npm start` over its seeded year of history (scripts/lib/demo-history.mjs). The
// supervisor opens the board, picks last month, and reads figures by queue and by agent — contacts, service level,
// handle time, occupancy, CSAT, FCR — then the busy hours; the live board above still starts empty. The section is
// checked with axe, under the demo's strict CSP. Screenshots go to test-results/e2e/reports-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startDemo } from '../../scripts/demo.mjs';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, SHOTS, visible, WAIT } from './e2e.testing';

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let dataDir: string;
const problems: string[] = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'helpline-e2e-reports-'));
  demo = await startDemo({ port: 0, serverPort: 0, dataDir: join(dataDir, 'db'), history: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A day in last month, `YYYY-MM-DD` (UTC, as the browser here runs). */
function dayOfLastMonth(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)).toISOString().slice(0, 10);
}

/** The text of every data cell of the figures table's row `name`, by column header. */
async function figuresRow(page: Page, name: string): Promise<Record<string, string>> {
  const table = page.locator('table[data-report="figures"]');
  const headers = await table.locator('thead th').allTextContents();
  const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  const cells = await row.locator('td').allTextContents();
  return Object.fromEntries(cells.map((cell, index) => [headers[index + 1] ?? String(index), cell.trim()]));
}

describe('the demo: reports over the seeded history', { timeout: 120_000 }, () => {
  test("the supervisor runs last month's report by queue and by agent, and the busy hours", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text()))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    await page.goto(demo.urls.supervisor);
    // The live board starts empty: the seeded history ends two days ago.
    await visible(page.getByRole('rowheader', { name: 'Support' }));
    assert.equal(await page.locator('[data-kpi="serviceLevel"] dd').textContent(), '—');

    const reports = page.getByRole('region', { name: 'Reports' });
    await reports.scrollIntoViewIfNeeded();
    await reports.getByRole('combobox', { name: 'Period' }).selectOption('month');
    await reports.getByLabel('Date').fill(dayOfLastMonth());
    await visible(reports.getByRole('rowheader', { name: 'Sales', exact: true }));
    await page.locator('.helpline-reports[aria-busy="false"]').waitFor({ timeout: WAIT });
    for (const queue of ['Sales', 'Support']) {
      const row = await figuresRow(page, queue);
      assert.ok(Number(row.Contacts?.replace(/,/g, '')) > 300, `${queue}: ${JSON.stringify(row)}`);
      assert.match(row['Service level'] ?? '', /^\d+(\.\d+)?%$/, queue);
      assert.match(row['Avg. handle time (m:ss)'] ?? '', /^\d+:\d\d$/, queue);
      assert.match(row['First-contact resolution'] ?? '', /^\d+(\.\d+)?%$/, queue);
      assert.equal(row.Occupancy, '—', 'occupancy is an agent figure');
    }
    await page.screenshot({ path: join(SHOTS, 'reports-month-by-queue.png'), fullPage: false });

    await reports.getByRole('combobox', { name: 'Group by' }).selectOption('agent');
    await visible(reports.getByRole('rowheader', { name: 'Alice', exact: true }));
    await page.locator('.helpline-reports[aria-busy="false"]').waitFor({ timeout: WAIT });
    for (const agent of ['Alice', 'Bob', 'Carol']) {
      const row = await figuresRow(page, agent);
      assert.match(row.Occupancy ?? '', /^\d+(\.\d+)?%$/, `${agent}: ${JSON.stringify(row)}`);
      assert.match(row['Avg. handle time (m:ss)'] ?? '', /^\d+:\d\d$/, agent);
    }
    await reports.screenshot({ path: join(SHOTS, 'reports-month-by-agent.png') });

    // Axe over the reports section, as the browser tests do for components (evaluated by DevTools, not a script tag:
    // the demo's CSP allows no inline script).
    await page.evaluate(readFileSync(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(context: unknown): Promise<{ violations: { id: string }[] }> } }
      ).axe;
      const result = await axe.run({ include: [['.helpline-reports']] });
      return result.violations.map((violation) => violation.id);
    });
    assert.deepEqual(violations, []);

    await reports.getByRole('combobox', { name: 'Report' }).selectOption('volume');
    await visible(reports.locator('table[data-report="volume"] td[data-level="4"]'));
    await reports.screenshot({ path: join(SHOTS, 'reports-month-volume.png') });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
