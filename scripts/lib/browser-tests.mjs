// Runs the browser tests with @web/test-runner and reads the totals its reporter writes.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce, bin, emptyTestResults, noFiles, runCommand } from './run.mjs';

/**
 * Runs web-test-runner.config.mjs over `files` (it applies HELPLINE_TEST_FILTER itself); returns the counts.
 * With `requireFiles`, finding no file is a failure (a developer's filter that matches nothing).
 */
export async function runBrowserTests(files, { requireFiles = false } = {}) {
  announce('browser tests', `${files.length} file(s)`);
  if (files.length === 0) return noFiles('browser', requireFiles);
  const resultsFile = join(tmpdir(), `helpline-wtr-results-${process.pid}.json`);
  rmSync(resultsFile, { force: true });
  const code = await runCommand(bin('web-test-runner'), ['--config', 'web-test-runner.config.mjs'], {
    env: { HELPLINE_WTR_RESULTS: resultsFile },
  });
  let results;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  } catch {
    return {
      ...emptyTestResults(),
      failed: 1,
      failedTests: [`web-test-runner wrote no results (exit code ${code})`],
    };
  } finally {
    rmSync(resultsFile, { force: true });
  }
  if (code !== 0 && results.failed === 0) {
    results.failed = 1;
    results.failedTests.push(`web-test-runner exited with code ${code}`);
  }
  return results;
}
