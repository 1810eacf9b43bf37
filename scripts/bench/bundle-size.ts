import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

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
