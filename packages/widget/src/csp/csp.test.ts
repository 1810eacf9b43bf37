import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..', '..');
const NONCE = 'r4nd0mN0nce';
const POLICY = `default-src 'self'; script-src 'self' 'nonce-${NONCE}'; style-src 'self'; img-src 'self' data:; require-trusted-types-for 'script'`;

let browser: Browser;
let script = '';

before(async () => {
  const result = await build({
    entryPoints: [join(here, 'csp-host.ts')],
    absWorkingDir: repoRoot,
    tsconfig: join(repoRoot, 'tsconfig.json'),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  script = result.outputFiles[0]?.text ?? '';
  browser = await chromium.launch({
    executablePath: process.env.HELPLINE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
});

after(async () => browser?.close());

/** A host page served with a strict CSP header (and the same policy as a meta tag, as some hosts do). */
async function openHostPage(lang: string) {
  const page = await browser.newPage({ viewport: { width: 800, height: 760 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.route('https://shop.test/**', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/widget.js') {
      await route.fulfill({ body: script, contentType: 'text/javascript; charset=utf-8' });
      return;
    }
    await route.fulfill({
      contentType: 'text/html; charset=utf-8',
      headers: { 'content-security-policy': POLICY },
      body: `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<title>Shop</title></head><body><h1>Shop</h1>
<script type="module" nonce="${NONCE}" src="/widget.js"></script></body></html>`,
    });
  });
  await page.goto(`https://shop.test/?lang=${lang}`);
  return { page, errors };
}

describe('widget on a strict CSP + Trusted Types host page (Chromium)', () => {
  it('runs the whole chat flow with zero policy violations and no script execution', async () => {
    const { page, errors } = await openHostPage('en');
    const enforced = await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<b>x</b>';
        return false;
      } catch {
        return true;
      }
    });
    assert.ok(enforced, 'Trusted Types are enforced on the page (the test could fail)');
    assert.equal(await page.evaluate(() => window.flowDone), 'done');
    const violations = await page.evaluate(() => window.violations);
    // The probe above is the only allowed violation: it proves enforcement.
    assert.deepEqual(
      violations.filter((v) => !v.startsWith('require-trusted-types-for trusted-types-sink')),
      [],
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('lays out Arabic right to left (screenshot in test-results/)', async () => {
    const { page, errors } = await openHostPage('ar');
    assert.equal(await page.evaluate(() => window.flowDone), 'rendered');
    // A string, not a function: tsx's name helpers do not exist in the page.
    const layout = (await page.evaluate(`(() => {
      const widget = document.querySelector('helpline-widget');
      const panel = widget.shadowRoot.querySelector('helpline-panel').shadowRoot;
      const left = (root, selector) => root.querySelector(selector).getBoundingClientRect().left;
      return {
        dir: panel.querySelector('[part~="panel"]').getAttribute('dir'),
        launcherLeft: left(widget.shadowRoot, '[part~="launcher"]'),
        visitorLeft: left(panel, '[part~="message-visitor"]'),
        agentLeft: left(panel, '[part~="message-agent"]'),
      };
    })()`)) as { dir: string; launcherLeft: number; visitorLeft: number; agentLeft: number };
    assert.equal(layout.dir, 'rtl');
    assert.ok(layout.launcherLeft < 400, 'the launcher sits at the inline end, the left in RTL');
    assert.ok(layout.visitorLeft < layout.agentLeft, "the visitor's messages sit at the end (left) side");
    const out = join(repoRoot, 'test-results');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'widget-rtl-ar.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
