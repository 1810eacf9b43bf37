// `npm run test:browser`: only the browser tests (HELPLINE_TEST_FILTER=<substring> narrows the files).
import { ensureChromium } from './ensure-chromium.mjs';
import { runBrowserTests } from './lib/browser-tests.mjs';
import { Tally } from './lib/run.mjs';
import { browserTestFiles, testFilter } from './lib/test-files.mjs';

const tally = new Tally();
if (await tally.step('chromium', 'setup', () => ({ ok: true, note: ensureChromium() }))) {
  await tally.step('browser tests', 'tests', () =>
    runBrowserTests(browserTestFiles(), { requireFiles: Boolean(testFilter()) }),
  );
}
process.exitCode = tally.finish();
