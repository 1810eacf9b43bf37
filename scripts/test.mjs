// `npm test`: every check this repository has, in order, ending with `N passed, N failed` on the last line.
//   install (npm ci when node_modules is missing) → Chromium → mail servers (scripts/ensure-mail.mjs, when email tests
//   are selected) → lint → typecheck → build → consumer check (the packed tarballs in a fresh app:
//   scripts/lib/consumer-check.mjs) → node tests → browser tests
// Lint, typecheck and build count as one check each. A failing step does not stop the later ones, so the
// totals are complete; only a failed install stops the run. HELPLINE_TEST_FILTER=<substring> narrows
// the test files (lint, typecheck and build still run). Exits 1 if anything failed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBrowserTests } from './lib/browser-tests.mjs';
import { runConsumerCheck } from './lib/consumer-check.mjs';
import { runNodeTests } from './lib/node-tests.mjs';
import { announce, bin, isCI, runCommand, Tally } from './lib/run.mjs';
import { browserTestFiles, isEmailTest, nodeTestFiles, repoRoot, testFilter } from './lib/test-files.mjs';

const tally = new Tally();

async function main() {
  const installed = await tally.step('install', 'setup', async () => {
    if (existsSync(join(repoRoot, 'node_modules', '.package-lock.json')))
      return { ok: true, note: 'node_modules present' };
    announce('install', 'npm ci');
    return (await runCommand('npm', ['ci', '--no-audit', '--no-fund'])) === 0;
  });
  if (!installed) return tally.finish();

  const chromium = await tally.step('chromium', 'setup', async () => {
    announce('chromium');
    const { ensureChromium } = await import('./ensure-chromium.mjs');
    const path = ensureChromium();
    console.log(path);
    return { ok: true, note: path };
  });

  // Real mail servers for the email tests (scripts/ensure-mail.mjs); without them those tests skip saying why.
  if (nodeTestFiles().some(isEmailTest)) {
    await tally.step('mail servers', 'setup', async () =>
      (await import('./ensure-mail.mjs')).prepareMailForTests(),
    );
  }

  await tally.step('lint', 'check', async () => {
    announce('lint', 'biome check .');
    return (await runCommand(bin('biome'), ['check', ...(isCI ? ['--colors=off'] : []), '.'])) === 0;
  });
  await tally.step('typecheck', 'check', async () => {
    announce('typecheck', 'tsc -p tsconfig.json --noEmit');
    return (
      (await runCommand(bin('tsc'), [
        '-p',
        'tsconfig.json',
        '--noEmit',
        ...(isCI ? ['--pretty', 'false'] : []),
      ])) === 0
    );
  });
  const built = await tally.step('build', 'check', async () => {
    announce('build', 'rollup -c rollup.config.mjs');
    return (await runCommand(bin('rollup'), ['-c', 'rollup.config.mjs'])) === 0;
  });
  // Packs what the build made; without a build there is nothing to pack (the failed build is counted already).
  // HELPLINE_TEST_FILTER narrows it away unless the filter names it (`consumer`).
  const filtered = testFilter() !== undefined && !'scripts/lib/consumer-check.mjs'.includes(testFilter());
  const consumerChecked = built && !filtered;
  if (consumerChecked) await tally.step('consumer check', 'tests', () => runConsumerCheck());

  const filter = testFilter();
  const nodeFiles = nodeTestFiles();
  const browserFiles = browserTestFiles();
  if (filter) console.log(`\nHELPLINE_TEST_FILTER=${filter}: only test files whose path contains it run.`);
  // Some test file must run: a repository (or a filter) with none would pass without testing anything.
  const requireFiles = nodeFiles.length + browserFiles.length === 0 && !consumerChecked;
  await tally.step('node tests', 'tests', () => runNodeTests(nodeFiles, { requireFiles }));
  if (chromium) {
    await tally.step('browser tests', 'tests', () => runBrowserTests(browserFiles));
  } else {
    console.log('\nBrowser tests did not run: no Chromium (counted as the failed "chromium" step).');
  }
  return tally.finish();
}

process.exitCode = await main();
