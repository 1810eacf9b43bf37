// `npm run bench`: runs every `packages/*/src/**/*.bench.ts` and `scripts/bench/*.bench.ts`, prints one
// table and writes docs/benchmarks.md. Each module's default export is a `Bench` (see bench/bench.types.ts).
// HELPLINE_BENCH_FILTER=<substring>[,<substring>…] runs only the bench files whose path contains one of them, and
// replaces only their rows in docs/benchmarks.md (the others stay as last measured); the header names those benches.
// Exits 1 when a measurement is over its budget; budgets are measured here, not asserted in timed tests.
import { spawnSync } from 'node:child_process';
import { type Dirent, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { filteredNote, selectedBy } from './bench/bench.report';
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
  return files.filter((path) => selectedBy(filter, relative(repoRoot, path))).sort();
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

const cellText = (cell: string) => cell.replaceAll('|', '\\|');

/** A row of the table in docs/benchmarks.md as `markdown` writes it. */
function tableRow(row: BenchRow & { source: string }): string {
  return `| ${cellText(row.what)} | ${cellText(row.measured)} | ${cellText(row.budget)} | ${verdict(row.ok)} | ${cellText(row.competitors)} | \`${row.source}\` |`;
}

/**
 * The table rows of `previous` (docs/benchmarks.md as it is) in their order, with those of the bench files run now
 * replaced by `rows`; rows of bench files that no longer exist are dropped, new ones are added after their file's.
 */
function mergedRows(previous: string, rows: (BenchRow & { source: string })[], ran: Set<string>): string[] {
  const kept = previous
    .split('\n')
    .map((line) => ({ line, source: /^\|.*\| `([^`]+\.bench\.ts)`\s*\|$/.exec(line)?.[1] ?? '' }))
    .filter(({ source }) => source !== '')
    .filter(({ source }) => existsSync(join(repoRoot, source)));
  const lines: string[] = [];
  const placed = new Set<string>();
  for (const { line, source } of kept) {
    if (!ran.has(source)) lines.push(line);
    else if (!placed.has(source)) {
      placed.add(source);
      lines.push(...rows.filter((row) => row.source === source).map(tableRow));
    }
  }
  for (const row of rows) if (!placed.has(row.source)) lines.push(tableRow(row));
  return lines;
}

/** docs/benchmarks.md; `ran` are the bench files of a filtered run (undefined: every bench ran). */
function markdown(tableRows: string[], failures: string[], ran: readonly string[] | undefined): string {
  const cpu = cpus();
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (scripts/bench.ts); budgets are those of the design (§6). Sizes are brotli',
    '(quality 11) of minified ESM, KB = 1,024 bytes.',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version} on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}${ran ? ` (${filteredNote(ran)})` : ''}.`,
    '',
    '| what | measured | budget | ok | what users pick instead | source |',
    '|---|---|---|---|---|---|',
    ...tableRows,
  ];
  if (failures.length > 0)
    lines.push('', 'Benches that failed to run:', '', ...failures.map((failure) => `- ${failure}`));
  return `${lines.join('\n')}\n`;
}

const rows: (BenchRow & { source: string })[] = [];
const failures: string[] = [];
const files = benchFiles();
for (const file of files) {
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
const tableRows = process.env.HELPLINE_BENCH_FILTER
  ? mergedRows(
      existsSync(benchmarksFile) ? readFileSync(benchmarksFile, 'utf8') : '',
      rows,
      new Set(files.map((file) => relative(repoRoot, file))),
    )
  : rows.map(tableRow);
writeFileSync(
  benchmarksFile,
  markdown(
    tableRows,
    failures,
    process.env.HELPLINE_BENCH_FILTER ? files.map((file) => relative(repoRoot, file)) : undefined,
  ),
);
// Biome formats Markdown too (it aligns tables); format the file so that `npm test`'s lint stays clean.
spawnSync(join(repoRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', benchmarksFile], {
  stdio: 'ignore',
});
console.log(`\nwrote docs/benchmarks.md (${rows.length} rows)`);
if (failures.length > 0 || rows.some((row) => row.ok === false)) process.exitCode = 1;
