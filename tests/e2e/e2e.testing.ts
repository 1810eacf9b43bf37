// What every end-to-end test shares: where Chromium is and how it is started here, how long to wait, where
// screenshots go, and waiting for something to show.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Debian's Chromium, or the one CHROME_PATH names. */
export const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Chromium's flags on this kind of machine (root, no GPU, nothing fetched in the background). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** How long a step may take to show before the test fails. */
export const WAIT = 20_000;

/** Where the end-to-end tests save their screenshots (`npm run docs:screenshots` copies some into the guides). */
export const SHOTS = join(REPO_ROOT, 'test-results', 'e2e');

/** Waits until the first element of `locator` is visible. */
export async function visible(locator: Locator, timeout = WAIT): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** Pages of one walk through the demo, each in a browser context of its own, and what went wrong in any of them. */
export interface DemoPages {
  /** Opens `url` in a new 1400 × 900 context. */
  open(url: string): Promise<Page>;
  /** Uncaught page errors and CSP or Trusted Types violations, as the console reported them. */
  readonly problems: readonly string[];
  /** Closes every context opened. */
  closeAll(): Promise<void>;
}

/** Starts collecting the pages of a walk through the demo in `browser` (see {@link DemoPages}). */
export function demoPages(browser: () => Browser): DemoPages {
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  return {
    problems,
    async open(url) {
      const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text()))
          problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
      await page.goto(url);
      return page;
    },
    async closeAll() {
      for (const context of contexts.splice(0)) await context.close();
    },
  };
}
