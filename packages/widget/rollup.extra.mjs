// Builds the exports map cannot express (see the extension point in the root rollup.config.mjs):
// - dist/helpline-widget.iife.js: the classic <script> build of the loader (rollup cannot code-split an IIFE);
// - dist/helpline-panel.js (+ dist/classic/*): the panel as a self-contained ES module the IIFE imports on
//   first open, Lit and core included;
// - dist/custom-elements.json: the manifest, from the elements' JSDoc.
import { join } from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import { customElementsManifest } from './scripts/custom-elements.mjs';

/** `@helpline/core` and `@helpline/core/<sub>` from their sources (the classic build bundles it), honouring its `sideEffects: false`. */
function coreFromSource(coreSrc) {
  return {
    name: 'helpline-core-from-source',
    async resolveId(source, importer) {
      const match = /^@helpline\/core(?:\/([\w-]+))?$/.exec(source);
      if (match) {
        return {
          id: join(coreSrc, match[1] ? `${match[1]}/index.ts` : 'index.ts'),
          moduleSideEffects: false,
        };
      }
      if (!importer?.startsWith(coreSrc) || !source.startsWith('.')) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? { ...resolved, moduleSideEffects: false } : null;
    },
  };
}

export default function widgetExtras({ packageDir, onwarn }) {
  const coreSrc = join(packageDir, '..', 'core', 'src');
  const plugins = () => [
    // The Vonage SDK (an optional peer, only the Vonage voice path imports it) is not bundled: a classic page
    // that uses Vonage maps `@vonage/client-sdk` with an import map (docs/widget.md).
    {
      name: 'helpline-vonage-sdk-external',
      resolveId: (source) => (source === '@vonage/client-sdk' ? { id: source, external: true } : null),
    },
    coreFromSource(coreSrc),
    nodeResolve({ browser: true, extensions: ['.ts', '.mjs', '.js'] }),
    esbuild({
      target: 'es2022',
      tsconfig: join(packageDir, 'tsconfig.json'),
      minify: true,
      charset: 'utf8',
      legalComments: 'none',
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
  ];
  const dist = join(packageDir, 'dist');
  return [
    {
      input: join(packageDir, 'src', 'classic.ts'),
      onwarn,
      plugins: [
        ...plugins(),
        {
          name: 'helpline-custom-elements-manifest',
          generateBundle() {
            this.emitFile({
              type: 'asset',
              fileName: 'custom-elements.json',
              source: `${JSON.stringify(customElementsManifest(packageDir), null, 2)}\n`,
            });
          },
        },
      ],
      // No "use strict" prologue: every page carries this file, and its code means the same either way (classes
      // are strict by themselves). packages/widget/src/build/sizes.ts measures it with the same options.
      output: {
        dir: dist,
        format: 'iife',
        strict: false,
        entryFileNames: 'helpline-widget.iife.js',
        sourcemap: true,
      },
    },
    {
      input: { 'helpline-panel': join(packageDir, 'src', 'panel', 'entry.ts') },
      onwarn,
      plugins: plugins(),
      output: {
        dir: dist,
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'classic/[name]-[hash].js',
        sourcemap: true,
      },
    },
  ];
}
