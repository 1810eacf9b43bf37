// Running steps and tallying results for scripts/test*.mjs. Node builtins only: this must work before
// `npm ci` has created node_modules.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './test-files.mjs';

/** `CI=true` (any value but empty, `0` or `false`): plain output, no colors. */
export const isCI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
// Child processes (rollup, node --test, web-test-runner) print no color codes into CI logs.
if (isCI) process.env.NO_COLOR ??= '1';

/** Path of an npm-installed executable of this repo (`node_modules/.bin/<name>`). */
export function bin(name) {
  return join(repoRoot, 'node_modules', '.bin', name);
}

/** Runs a command from the repo root with its output streamed to ours; resolves to its exit code. */
export function runCommand(command, args, { env = {}, cwd = repoRoot } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    });
    child.on('error', (error) => {
      console.error(`Cannot run ${command}: ${error.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Prints a step's header so each step's output is easy to find in a long log. */
export function announce(name, detail) {
  console.log(`\n=== ${name}${detail ? `: ${detail}` : ''}`);
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Collects steps: a check (lint, typecheck, build) counts as one passed or failed test; a test runner adds
 * its own counts; a setup step (install, Chromium) counts only when it fails.
 */
export class Tally {
  passed = 0;
  failed = 0;
  skipped = 0;
  /** @type {{name: string, status: string, ms: number}[]} */
  rows = [];
  /** @type {string[]} */
  skippedTests = [];
  /** @type {string[]} */
  failures = [];

  /** Runs `fn` (which returns true on success) as a step and records how it went and how long it took. */
  async step(name, kind, fn) {
    const started = performance.now();
    let outcome;
    try {
      outcome = await fn();
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      outcome = { ok: false };
    }
    const ms = performance.now() - started;
    if (kind === 'tests') {
      this.passed += outcome.passed;
      this.failed += outcome.failed;
      this.skipped += outcome.skipped;
      this.skippedTests.push(...outcome.skippedTests);
      this.failures.push(...outcome.failedTests.map((test) => `${name}: ${test}`));
      const counts = `${outcome.passed} passed, ${outcome.failed} failed${outcome.skipped ? `, ${outcome.skipped} skipped` : ''}`;
      this.rows.push({ name, status: outcome.note ? `${counts} (${outcome.note})` : counts, ms });
      return outcome.failed === 0;
    }
    const ok = outcome === true || outcome?.ok === true;
    if (kind === 'check') {
      if (ok) this.passed += 1;
      else this.failed += 1;
    } else if (!ok) {
      this.failed += 1;
    }
    if (!ok) this.failures.push(`${name} failed`);
    this.rows.push({ name, status: ok ? (outcome?.note ?? 'ok') : 'FAILED', ms });
    return ok;
  }

  /** Prints the timing table and, alone on the last line, `N passed, N failed[, N skipped]`. */
  finish() {
    const width = Math.max(...this.rows.map((row) => row.name.length), 4);
    const total = this.rows.reduce((sum, row) => sum + row.ms, 0);
    console.log('\n=== summary');
    for (const row of this.rows)
      console.log(`  ${row.name.padEnd(width)}  ${seconds(row.ms).padStart(7)}  ${row.status}`);
    console.log(`  ${'total'.padEnd(width)}  ${seconds(total).padStart(7)}`);
    if (this.failures.length > 0) {
      console.log('Failures:');
      for (const failure of this.failures) console.log(`  - ${failure}`);
    }
    if (this.skipped > 0) {
      console.log(
        `Skipped ${this.skipped} (marked skip/todo in the test files): ${this.skippedTests.join('; ')}`,
      );
    }
    console.log(
      `${this.passed} passed, ${this.failed} failed${this.skipped > 0 ? `, ${this.skipped} skipped` : ''}`,
    );
    return this.failed > 0 ? 1 : 0;
  }
}

/** Results of a test runner as {@link Tally.step} expects them. */
export function emptyTestResults(note) {
  return { passed: 0, failed: 0, skipped: 0, failedTests: [], skippedTests: [], note };
}

/** Results when a runner has no file to run: a note, or one failure when files were required. */
export function noFiles(kind, required) {
  const filter = process.env.HELPLINE_TEST_FILTER;
  const what = `no ${kind} test file${filter ? ` matches HELPLINE_TEST_FILTER=${filter}` : ''}`;
  if (!required) return emptyTestResults(what);
  console.error(what);
  return { ...emptyTestResults(), failed: 1, failedTests: [what] };
}
