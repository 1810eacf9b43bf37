// What every end-to-end test shares: where Chromium is and how it is started here, how long to wait, where
// screenshots go, and waiting for something to show.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator } from 'playwright-core';

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
