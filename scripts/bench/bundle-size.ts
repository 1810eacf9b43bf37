import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';
import { type OutputChunk, rollup } from 'rollup';
import { productionPlugins } from '../lib/production-plugins.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Sizes in bytes of one minified ESM bundle. */
export interface BundleSize {
  minified: number;
  brotli: number;
}

/**
 * Bundles `code` (an entry module written inline, e.g. `export { x } from '@helpline/core'`) the way an
 * application bundler would for production: ESM, minified, tree-shaken, `process.env.NODE_ENV` =
 * "production", dependencies included unless listed in `external`. `@helpline/*` resolve to sources
 * through the root tsconfig. Returns the minified and brotli (quality 11) sizes.
 */
export async function bundleSize(code: string, { external = [] as string[] } = {}): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: code, resolveDir: repoRoot, sourcefile: 'bench-entry.ts', loader: 'ts' },
    absWorkingDir: repoRoot,
    tsconfig: join(repoRoot, 'tsconfig.json'),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    // The Vonage client SDK (an optional peer, ~227 KB br) is only ever loaded by `import()` when a Vonage call
    // starts; without code splitting esbuild would inline it wherever that import is reachable.
    external: ['@vonage/client-sdk', ...external],
    logLevel: 'silent',
  });
  const output = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: output.byteLength, brotli: brotliSize(output) };
}

/** What an entry built with code splitting loads at once, and what each `import()` loads later. */
export interface SplitBundleSize extends BundleSize {
  /** The files loaded at once: the entry chunk and what it imports statically. */
  readonly files: readonly string[];
  /** Chunks reached only through `import()`, named by the module each starts at, with the bytes each adds. */
  readonly lazy: readonly (BundleSize & { readonly module: string })[];
}

const ENTRY = '\0bench-entry.ts';

/**
 * Bundles `code` (an inline entry module) the way Vite and Rollup ship an application: ESM, code splitting,
 * esbuild-minified chunks, `@helpline/core` from sources with its `"sideEffects": false`, and
 * `process.env.NODE_ENV` = "production". Returns the brotli and minified bytes of what loads at once (summed per
 * file, as a browser fetches them) and of each chunk that only `import()` reaches.
 */
export async function splitBundleSize(code: string): Promise<SplitBundleSize> {
  const bundle = await rollup({
    input: ENTRY,
    // An application's entry exports nothing anyone imports: the lazy chunks may import from it (Vite's default).
    preserveEntrySignatures: 'allow-extension',
    plugins: [
      {
        name: 'bench-entry',
        resolveId: (source) => (source === ENTRY ? source : null),
        load: (id) => (id === ENTRY ? code : null),
      },
      ...productionPlugins(),
    ],
  });
  const { output } = await bundle.generate({ format: 'es', chunkFileNames: '[name]-[hash].js' });
  await bundle.close();
  const chunks = new Map(
    output
      .filter((file): file is OutputChunk => file.type === 'chunk')
      .map((chunk) => [chunk.fileName, chunk]),
  );
  const closure = (start: string, loaded: ReadonlySet<string>): string[] => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name) || loaded.has(name)) return;
      seen.add(name);
      for (const imported of chunks.get(name)?.imports ?? []) visit(imported);
    };
    visit(start);
    return [...seen];
  };
  const sizeOf = (names: readonly string[]): BundleSize => {
    let minified = 0;
    let brotli = 0;
    for (const name of names) {
      const bytes = Buffer.from(chunks.get(name)?.code ?? '');
      minified += bytes.byteLength;
      brotli += brotliSize(bytes);
    }
    return { minified, brotli };
  };
  const entry = [...chunks.values()].find((chunk) => chunk.isEntry);
  if (!entry) throw new Error('no entry chunk');
  const files = closure(entry.fileName, new Set());
  const lazy = [...chunks.values()]
    .filter((chunk) => chunk.isDynamicEntry)
    .map((chunk) => ({
      module: relative(repoRoot, chunk.facadeModuleId ?? chunk.fileName),
      ...sizeOf(closure(chunk.fileName, new Set(files))),
    }));
  return { ...sizeOf(files), files, lazy };
}

/** Brotli size at quality 11, the way CDNs serve static assets. */
export function brotliSize(data: Uint8Array): number {
  return brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength },
  }).byteLength;
}

/** `5.21 KB br (17.80 KB min)`, with KB = 1,024 bytes as in the budgets. */
export function formatSize({ minified, brotli }: BundleSize): string {
  return `${kb(brotli)} br (${kb(minified)} min)`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KB`;
}
