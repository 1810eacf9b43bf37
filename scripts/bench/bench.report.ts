// Pure pieces of scripts/bench.ts's report, apart so they are tested without running a bench.

/**
 * Whether the bench file at `path` runs under `HELPLINE_BENCH_FILTER`: a substring of its path, or several separated
 * by commas (`cluster,attachments`); no filter runs every bench.
 */
export function selectedBy(filter: string | undefined, path: string): boolean {
  const parts = (filter ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return parts.length === 0 || parts.some((part) => path.includes(part));
}

/** `scripts/bench/cluster.bench.ts` → `cluster`. */
const benchName = (source: string) => (source.split('/').at(-1) ?? source).replace(/\.bench\.ts$/, '');

/**
 * The header's note on a filtered run: which benches' rows were measured now — every bench that ran, by name,
 * however many the filter matched.
 *
 * @example
 * ```ts
 * filteredNote(['scripts/bench/cluster.bench.ts', 'scripts/bench/channels.bench.ts']);
 * // 'the rows of the channels and cluster benches; the others as measured before'
 * ```
 */
export function filteredNote(sources: readonly string[]): string {
  const names = [...new Set(sources.map(benchName))].sort();
  if (names.length === 0) return 'no bench matched the filter; the rows as measured before';
  const list = new Intl.ListFormat('en', { type: 'conjunction' }).format(names);
  return `the rows of the ${list} bench${names.length === 1 ? '' : 'es'}; the others as measured before`;
}
