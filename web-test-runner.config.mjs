// @web/test-runner config for the browser tests (`*.browser.test.ts(x)` next to the code they test).
// Run through `npm run test:browser` (or `npm test`); `npx wtr` works too.
import { readFileSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { build } from 'esbuild';
import { ensureChromium } from './scripts/ensure-chromium.mjs';
import { realtimeHarnessPlugin } from './scripts/lib/realtime-harness.mjs';
import { browserTestFiles, repoRoot, testFilter } from './scripts/lib/test-files.mjs';

/**
 * Extra files served at a fixed URL path: `'/url/path.js': '/absolute/file/path.js'`.
 * msw's service worker (the tests of `@helpline/core/msw` and those using it) is served from the installed msw,
 * so it always matches msw's version, at the root so that its scope covers every test page.
 */
export const staticFiles = {
  '/mockServiceWorker.js': fileURLToPath(import.meta.resolve('msw/mockServiceWorker.js')),
};

const browserTestPath = /\.browser\.test\.tsx?$/;

/**
 * Serves every browser test file bundled by esbuild. WTR serves modules one by one and cannot load
 * CommonJS packages (React, @nanostores/lit), and @rollup/plugin-commonjs does not fix that under WTR;
 * bundling each test file does. `@helpline/*` resolve to sources through the root tsconfig `paths`.
 */
function bundleBrowserTests() {
  return {
    name: 'helpline-bundle-browser-tests',
    async serve(context) {
      if (!browserTestPath.test(context.path)) return undefined;
      try {
        const result = await build({
          entryPoints: [join(repoRoot, context.path)],
          absWorkingDir: repoRoot,
          tsconfig: join(repoRoot, 'tsconfig.json'),
          bundle: true,
          write: false,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          conditions: ['development', 'module'],
          sourcemap: 'inline',
          jsx: 'automatic',
          define: { 'process.env.NODE_ENV': '"development"' },
          logLevel: 'silent',
        });
        return { body: result.outputFiles[0]?.text ?? '', type: 'js' };
      } catch (error) {
        // Make a build error fail this file with esbuild's message instead of a bare "could not import".
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[helpline-bundle-browser-tests] ${context.path}: ${message}`);
        return {
          body: `throw new Error(${JSON.stringify(`esbuild could not bundle ${context.path}:\n${message}`)});`,
          type: 'js',
        };
      }
    },
  };
}

function serveStaticFiles() {
  return {
    name: 'helpline-static-files',
    serve(context) {
      const file = staticFiles[context.path];
      if (file === undefined) return undefined;
      return { body: readFileSync(file, 'utf8'), type: extname(file).slice(1) || 'txt' };
    },
  };
}

/**
 * Writes `{passed, failed, skipped, failedTests, skippedTests}` over all sessions to `$HELPLINE_WTR_RESULTS`,
 * so scripts/test.mjs needs no output parsing. A test file that fails outside any test (it could not be
 * imported, or threw at load) counts as one failed test.
 */
function totalsReporter(outputFile) {
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0, failedTests: [], skippedTests: [] };
      for (const session of sessions) {
        const file = relative(repoRoot, session.testFile);
        const failedBefore = totals.failed;
        const visit = (suite, path) => {
          for (const test of suite.tests) {
            const name = [...path, test.name].join(' > ');
            if (test.skipped) {
              totals.skipped += 1;
              totals.skippedTests.push(`${file}: ${name}`);
            } else if (test.passed) {
              totals.passed += 1;
            } else {
              totals.failed += 1;
              totals.failedTests.push(`${file}: ${name}`);
            }
          }
          for (const child of suite.suites) visit(child, [...path, child.name]);
        };
        if (session.testResults) visit(session.testResults, []);
        if (session.passed === false && totals.failed === failedBefore) {
          totals.failed += 1;
          const reason = session.errors?.[0]?.message ?? 'the test file failed outside any test';
          totals.failedTests.push(`${file}: ${reason}`);
        }
      }
      writeFileSync(outputFile, `${JSON.stringify(totals, null, 2)}\n`);
    },
  };
}

const filter = testFilter();
const resultsFile = process.env.HELPLINE_WTR_RESULTS;

export default {
  rootDir: repoRoot,
  files: browserTestFiles(filter),
  nodeResolve: { browser: true },
  staticLogging: !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase()),
  testFramework: { config: { timeout: 20000 } },
  // realtimeHarnessPlugin: `/__helpline/harness/…` starts real hub + WebSocket servers on 127.0.0.1 for the
  // transport, outbox and multi-tab tests (see scripts/lib/realtime-harness.mjs).
  plugins: [serveStaticFiles(), bundleBrowserTests(), realtimeHarnessPlugin()],
  reporters: [defaultReporter(), ...(resultsFile ? [totalsReporter(resultsFile)] : [])],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: ensureChromium(),
        headless: true,
        args: [
          '--no-sandbox', // we run as root in CI
          '--headless=new',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream',
          '--allow-loopback-in-peer-connection',
        ],
      },
    }),
  ],
};
