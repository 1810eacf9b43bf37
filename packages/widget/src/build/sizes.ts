// Sizes of the widget as a production bundler ships it (DESIGN §6): the size test and `npm run bench` share
// this. Node-only (rollup, as Vite uses it, with esbuild minification); not part of the package's exports.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { type OutputChunk, rollup } from 'rollup';
import { productionPlugins } from '../../../../scripts/lib/production-plugins.mjs';

const srcDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** Bytes of a set of files: minified and brotli (quality 11), summed per file as a browser fetches them. */
export interface SizeOf {
  readonly minified: number;
  readonly brotli: number;
  /** The files counted. */
  readonly files: readonly string[];
}

/** The sizes the budgets are about. */
export interface WidgetSizes {
  /** What every page of a bundler-using site carries: the ESM loader entry (`@helpline/widget/define`). */
  readonly loader: SizeOf;
  /** The classic-script build (`helpline-widget.iife.js`), also on every page. */
  readonly classic: SizeOf;
  /**
   * What the first click adds: the panel and everything it imports statically (Lit, core session, English), and what
   * its first connect imports (the browser outbox, the checks of the frames).
   */
  readonly chatFirstOpen: SizeOf;
  /** The callback view chunk, loaded when the visitor asks for a callback. */
  readonly callbackView: SizeOf;
  /** The "continue by email" chunk (view and texts), loaded when a chat shows on a site that offers it. */
  readonly emailView: SizeOf;
}

function brotli(code: string): number {
  const data = Buffer.from(code);
  return brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength },
  }).byteLength;
}

/** Chunks reachable from `start` through static imports (what the browser fetches before running it). */
function staticClosure(chunks: Map<string, OutputChunk>, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const imported of chunks.get(name)?.imports ?? []) visit(imported);
  };
  visit(start);
  return seen;
}

/**
 * Builds the widget the way an application bundler would for production (rollup, code splitting, minified)
 * plus the classic IIFE, and measures the loader, the classic script, the chat's first open and the
 * callback chunk.
 *
 * @example
 * ```ts
 * const { loader, chatFirstOpen } = await measureWidget();
 * ```
 */
export async function measureWidget(): Promise<WidgetSizes> {
  const bundle = await rollup({ input: { define: join(srcDir, 'define.ts') }, plugins: productionPlugins() });
  const { output } = await bundle.generate({ format: 'es', chunkFileNames: '[name]-[hash].js' });
  await bundle.close();
  const chunks = new Map(
    output
      .filter((file): file is OutputChunk => file.type === 'chunk')
      .map((chunk) => [chunk.fileName, chunk]),
  );
  const sizeOf = (names: Iterable<string>): SizeOf => {
    const files = [...names].sort();
    let minified = 0;
    let compressed = 0;
    for (const name of files) {
      const code = chunks.get(name)?.code ?? '';
      minified += Buffer.byteLength(code);
      compressed += brotli(code);
    }
    return { minified, brotli: compressed, files };
  };
  const chunkOf = (source: string) => {
    const chunk = [...chunks.values()].find((candidate) =>
      candidate.moduleIds.some((id) => id.endsWith(source)),
    );
    if (!chunk) throw new Error(`no chunk holds ${source}`);
    return chunk.fileName;
  };
  const loaderFiles = staticClosure(chunks, 'define.js');
  // The first open connects, and the first connect imports the browser outbox (core loads it by import() to send what
  // an earlier page left unsent) and the checks of what the server sends: they count in the first open.
  const panelFiles = [
    ...new Set([
      ...staticClosure(chunks, chunkOf('panel/panel.ts')),
      ...staticClosure(chunks, chunkOf('session/outbox.browser.ts')),
      ...staticClosure(chunks, chunkOf('session/visitor.checks.ts')),
    ]),
  ].filter((name) => !loaderFiles.has(name));
  const lazyFiles = (source: string) =>
    [...staticClosure(chunks, chunkOf(source))].filter(
      (name) => !loaderFiles.has(name) && !panelFiles.includes(name),
    );
  const callbackFiles = lazyFiles('callback/callback.view.ts');

  // Served as `text/javascript; charset=utf-8` (docs/widget.md says so for self-hosting).
  const classicBundle = await rollup({
    input: join(srcDir, 'classic.ts'),
    plugins: productionPlugins(),
  });
  // As packages/widget/rollup.extra.mjs builds it.
  const classic = await classicBundle.generate({ format: 'iife', strict: false });
  await classicBundle.close();
  const classicCode = classic.output[0].code;

  return {
    loader: sizeOf(loaderFiles),
    classic: {
      minified: Buffer.byteLength(classicCode),
      brotli: brotli(classicCode),
      files: ['helpline-widget.iife.js'],
    },
    chatFirstOpen: sizeOf(panelFiles),
    callbackView: sizeOf(callbackFiles),
    emailView: sizeOf(lazyFiles('email/email.view.ts')),
  };
}
