// The XSS corpus end to end: the widget and the React console on one page served with the strict CSP and Trusted
// Types, in Chromium. core's renderer gets the same corpus in packages/core/src/render/render*.test.ts.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStorableText } from '@helpline/core';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import payloads from '../../packages/core/src/render/fixtures/xss-payloads.json';
import type { XssReport } from './xss/xss.page';

const CORPUS_SIZE = payloads.length;
/** Payloads per page (each page is one conversation carrying every payload both ways). */
// Small, because the widget and the console render a long conversation in quadratic time (reported).
const BATCH = 52;
let externalLinks = 0;

/** The shape of scripts/lib/static-server.mjs, which ships no types. */
interface StaticServerModule {
  startStaticServer(options: {
    mounts: Record<string, string>;
    csp?: string;
  }): Promise<{ url: string; close(): Promise<void> | void }>;
  strictCsp(connect: readonly string[]): string;
}
const staticServerPath = '../../scripts/lib/static-server.mjs';
const { startStaticServer, strictCsp } = (await import(staticServerPath)) as StaticServerModule;

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..', '..');
let out = '';
let site: { url: string; close(): Promise<void> | void };
let browser: Browser;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'helpline-xss-'));
  await build({
    entryPoints: { page: join(here, 'xss', 'xss.page.tsx') },
    bundle: true,
    format: 'esm',
    outdir: out,
    jsx: 'automatic',
    tsconfig: join(root, 'tsconfig.json'),
    loader: { '.css': 'text' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  copyFileSync(join(here, 'xss', 'index.html'), join(out, 'index.html'));
  site = await startStaticServer({ mounts: { '/': out }, csp: strictCsp([]) });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
});

after(async () => {
  await browser?.close();
  await site?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('XSS corpus through the widget and the agent console under a strict CSP with Trusted Types', () => {
  it('the page is served with the strict policy (so a violation would be reported)', async () => {
    const response = await fetch(`${site.url}/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /require-trusted-types-for 'script'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  });

  it('the checks can fail: a javascript: link is found, blocked and reported; Trusted Types refuse a script', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${site.url}/`);
      await page.waitForFunction(() => typeof Reflect.get(window, '__xssRun') === 'function');
      const caught = await page.evaluate(async () => {
        const seen: string[] = [];
        document.addEventListener('securitypolicyviolation', (event) => seen.push(event.violatedDirective));
        let trustedTypes = 'allowed';
        try {
          document.createElement('script').textContent = 'window.__xss = 1';
        } catch {
          trustedTypes = 'refused';
        }
        const link = document.createElement('a');
        link.href = 'javascript:window.__xss=2';
        document.body.append(link);
        link.click();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const found = (Reflect.get(window, '__xssFindUnsafe') as () => { unsafe: string[] })().unsafe;
        link.remove();
        return { seen, trustedTypes, found, executed: Reflect.get(window, '__xss') };
      });
      assert.equal(caught.trustedTypes, 'refused');
      assert.equal(caught.executed, undefined, 'the policy blocked the javascript: link');
      assert.ok(caught.seen.length > 0, 'and reported it');
      assert.ok(
        caught.found.some((f) => f.includes('javascript:')),
        `the DOM check finds it: ${caught.found.join(', ')}`,
      );
    } finally {
      await page.close();
    }
  });

  for (let offset = 0; offset < CORPUS_SIZE; offset += BATCH) {
    const last = Math.min(CORPUS_SIZE, offset + BATCH);
    it(`payloads ${offset + 1}–${last}: nothing runs, nothing unsafe is linked, nothing violates the policy`, {
      timeout: 60_000,
    }, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      try {
        await page.goto(`${site.url}/`);
        await page.waitForFunction(() => typeof Reflect.get(window, '__xssRun') === 'function');
        const report = (await page.evaluate(
          ([from, limit]) =>
            (Reflect.get(window, '__xssRun') as (offset: number, limit: number) => Promise<unknown>)(
              from,
              limit,
            ),
          [offset, BATCH] as const,
        )) as XssReport;
        assert.equal(report.payloads, last - offset);
        const unstorable = payloads.slice(offset, last).filter((payload) => !isStorableText(payload)).length;
        assert.equal(report.refused, unstorable, 'text the database cannot store is refused before sending');
        assert.equal(report.executed, undefined, 'no payload ran');
        assert.deepEqual(dialogs, [], 'no dialog opened');
        assert.deepEqual(report.violations, [], 'no CSP or Trusted Types violation');
        assert.deepEqual(report.unsafe, [], 'no handler, script element or javascript:/data: link');
        assert.ok(
          report.widgetMessages >= (report.payloads - unstorable) * 2,
          'every payload shown both ways',
        );
        assert.deepEqual(report.consoleTexts, { lastMessageShown: true, customerNameAsText: true });
        assert.deepEqual(errors, [], 'no page errors');
        externalLinks += report.externalLinks;
      } finally {
        await page.close();
      }
    });
  }

  it('safe external links rendered across the corpus, so the noopener check ran', () => {
    assert.ok(CORPUS_SIZE >= 500, 'the corpus has at least 500 payloads');
    assert.ok(externalLinks > 0);
  });
});
