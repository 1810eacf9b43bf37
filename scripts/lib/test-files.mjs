// Which test files exist, shared by scripts/test*.mjs and web-test-runner.config.mjs.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const skippedDirectories = new Set(['node_modules', 'dist', '.git']);
const browserTest = /\.browser\.test\.tsx?$/;
const nodeTest = /\.test\.ts$/;

function walk(directory, found = []) {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirectories.has(entry.name)) walk(path, found);
    } else if (entry.isFile()) {
      found.push(path);
    }
  }
  return found;
}

function packageSourceFiles() {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => walk(join(packagesDir, entry.name, 'src')));
}

/** Repo-relative POSIX path, the form filters match and WTR takes. */
export function toRepoPath(path) {
  return relative(repoRoot, path).split(sep).join('/');
}

/** The developer's `HELPLINE_TEST_FILTER` (a substring of the file path), or undefined. */
export function testFilter() {
  return process.env.HELPLINE_TEST_FILTER || undefined;
}

function applyFilter(paths, filter) {
  return (filter ? paths.filter((path) => path.includes(filter)) : paths).sort();
}

/** `packages/*\/src/**\/*.test.ts`, `scripts/**\/*.test.ts` and `tests/**\/*.test.ts`, without browser tests; repo-relative. */
export function nodeTestFiles(filter = testFilter()) {
  const files = [
    ...packageSourceFiles(),
    ...walk(join(repoRoot, 'scripts')),
    ...walk(join(repoRoot, 'tests')),
  ]
    .map(toRepoPath)
    .filter((path) => nodeTest.test(path) && !browserTest.test(path));
  return applyFilter(files, filter);
}

/**
 * `packages/*\/src/**\/*.browser.test.ts(x)` and `examples/**\/*.browser.test.ts(x)` (the example apps' own tests,
 * written as an app developer would); repo-relative.
 */
export function browserTestFiles(filter = testFilter()) {
  const files = [...packageSourceFiles(), ...walk(join(repoRoot, 'examples'))]
    .map(toRepoPath)
    .filter((path) => browserTest.test(path));
  return applyFilter(files, filter);
}

/** Test files that need the mail servers of scripts/ensure-mail.mjs (the email channel's). */
export function isEmailTest(path) {
  return path.includes('/channels/email/');
}
