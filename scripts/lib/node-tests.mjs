// Runs the Node tests (node:test through tsx) and counts results from a TAP copy of the report.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce, emptyTestResults, noFiles, runCommand } from './run.mjs';

/** Reads node's TAP summary (`# pass N` …) and the names of skipped/todo tests. */
export function parseTapSummary(tap) {
  const count = (label) => {
    const matches = [...tap.matchAll(new RegExp(`^# ${label} (\\d+)$`, 'gm'))];
    const last = matches.at(-1);
    return last ? Number(last[1]) : undefined;
  };
  const pass = count('pass');
  const fail = count('fail');
  if (pass === undefined || fail === undefined) return undefined;
  const skippedTests = [...tap.matchAll(/^\s*(?:not )?ok \d+ - (.*?) # (SKIP|TODO)\b ?(.*)$/gm)].map(
    ([, name, kind, reason]) => `${name} (${kind.toLowerCase()}${reason ? `: ${reason}` : ''})`,
  );
  // Suites that contain a failing test are listed too: TAP does not say which lines are leaves.
  const failedTests = [...tap.matchAll(/^\s*not ok \d+ - (.*)$/gm)]
    .map(([, name]) => name)
    .filter((name) => !/ # (?:SKIP|TODO)\b/.test(name));
  return {
    passed: pass,
    failed: fail + (count('cancelled') ?? 0),
    skipped: (count('skipped') ?? 0) + (count('todo') ?? 0),
    failedTests,
    skippedTests,
  };
}

/**
 * The order the files start in: the suites under `tests/` first (faults, security, cluster, end to end: the
 * longest, up to 2.5 minutes each), then the docs' samples, then the packages' own. Two files run at a time; a long
 * file started last would run alone at the end while the other slot sits idle.
 */
export function longestFirst(files) {
  const rank = (file) => (file.startsWith('tests/') ? 0 : file.startsWith('scripts/') ? 1 : 2);
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Runs `files` with `node --import tsx --test`, streaming the spec reporter; returns the counts.
 * With `requireFiles`, finding no file is a failure (a developer's filter that matches nothing).
 */
export async function runNodeTests(files, { requireFiles = false } = {}) {
  announce('node tests', `${files.length} file(s)`);
  if (files.length === 0) return noFiles('node', requireFiles);
  const tapFile = join(tmpdir(), `helpline-node-tests-${process.pid}.tap`);
  rmSync(tapFile, { force: true });
  const code = await runCommand(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...longestFirst(files),
  ]);
  let tap = '';
  try {
    tap = readFileSync(tapFile, 'utf8');
  } catch {}
  rmSync(tapFile, { force: true });
  const results = parseTapSummary(tap);
  if (!results) {
    return {
      ...emptyTestResults(),
      failed: 1,
      failedTests: [`node --test wrote no summary (exit code ${code})`],
    };
  }
  if (code !== 0 && results.failed === 0) {
    results.failed = 1;
    results.failedTests.push(`node --test exited with code ${code}`);
  }
  return results;
}
