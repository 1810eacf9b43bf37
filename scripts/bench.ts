// `npm run bench`: runs every `packages/*/src/**/*.bench.ts` and `scripts/bench/*.bench.ts`, prints one
// table and writes docs/benchmarks.md. Each module's default export is a `Bench` (see bench/bench.types.ts).
// HELPLINE_BENCH_FILTER=<substring> runs only the bench files whose path contains it.
// Exits 1 when a measurement is over its budget; budgets are measured here, not asserted in timed tests.
import { spawnSync } from 'node:child_process';
import { type Dirent, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './bench/bench.types';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

function walk(directory: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : walk(path);
    return entry.isFile() ? [path] : [];
  });
}

function benchFiles(): string[] {
  const packageDirs = readdirSync(join(repoRoot, 'packages'), { withFileTypes: true }).filter((entry) =>
    entry.isDirectory(),
  );
  const files = [
    ...packageDirs.flatMap((entry) => walk(join(repoRoot, 'packages', entry.name, 'src'))),
    ...walk(join(repoRoot, 'scripts', 'bench')),
  ].filter((path) => path.endsWith('.bench.ts'));
  const filter = process.env.HELPLINE_BENCH_FILTER;
  return files.filter((path) => !filter || path.includes(filter)).sort();
}

function isBenchRow(value: unknown): value is BenchRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    ['what', 'measured', 'budget', 'competitors'].every((key) => typeof row[key] === 'string') &&
    (typeof row.ok === 'boolean' || row.ok === null)
  );
}

async function runBench(file: string): Promise<BenchRow[]> {
  const module: { default?: unknown } = await import(pathToFileURL(file).href);
  if (typeof module.default !== 'function') throw new Error(`${file} has no default export function`);
  const rows: unknown = await module.default();
  if (!Array.isArray(rows) || !rows.every(isBenchRow)) throw new Error(`${file} did not return BenchRow[]`);
  return rows;
}

const verdict = (ok: boolean | null): string => (ok === null ? '—' : ok ? 'ok' : 'OVER');

function printTable(rows: (BenchRow & { source: string })[]): void {
  const header = ['what', 'measured', 'budget', 'ok', 'what users pick instead'];
  const cells = rows.map((row) => [row.what, row.measured, row.budget, verdict(row.ok), row.competitors]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(format(header));
  console.log(format(widths.map((width) => '-'.repeat(width))));
  for (const line of cells) console.log(format(line));
}

function markdown(rows: (BenchRow & { source: string })[], failures: string[]): string {
  const cellText = (cell: string) => cell.replaceAll('|', '\\|');
  const cpu = cpus();
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (scripts/bench.ts); budgets are those of the design (§6). Sizes are brotli',
    '(quality 11) of minified ESM, KB = 1,024 bytes.',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version} on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}.`,
    '',
    '| what | measured | budget | ok | what users pick instead | source |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${cellText(row.what)} | ${cellText(row.measured)} | ${cellText(row.budget)} | ${verdict(row.ok)} | ${cellText(row.competitors)} | \`${row.source}\` |`,
    ),
  ];
  if (failures.length > 0)
    lines.push('', 'Benches that failed to run:', '', ...failures.map((failure) => `- ${failure}`));
  return `${lines.join('\n')}\n`;
}

const rows: (BenchRow & { source: string })[] = [];
const failures: string[] = [];
for (const file of benchFiles()) {
  const source = relative(repoRoot, file);
  try {
    for (const row of await runBench(file)) rows.push({ ...row, source });
  } catch (error) {
    failures.push(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

printTable(rows);
for (const failure of failures) console.error(`bench failed: ${failure}`);
const benchmarksFile = join(repoRoot, 'docs', 'benchmarks.md');
writeFileSync(benchmarksFile, markdown(rows, failures));
// Biome formats Markdown too (it aligns tables); format the file so that `npm test`'s lint stays clean.
spawnSync(join(repoRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', benchmarksFile], {
  stdio: 'ignore',
});
console.log(`\nwrote docs/benchmarks.md (${rows.length} rows)`);
if (failures.length > 0 || rows.some((row) => row.ok === false)) process.exitCode = 1;
