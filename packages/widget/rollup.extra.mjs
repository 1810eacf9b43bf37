// Builds the exports map cannot express (see the extension point in the root rollup.config.mjs):
// - dist/helpline-widget.iife.js: the classic <script> build of the loader (rollup cannot code-split an IIFE);
// - dist/helpline-panel.js (+ dist/classic/*): the panel as a self-contained ES module the IIFE imports on
//   first open, Lit and core included;
// - dist/custom-elements.json: the manifest, from the elements' JSDoc.
import { join } from 'node:path';
import { productionPlugins } from '../../scripts/lib/production-plugins.mjs';
import { customElementsManifest } from './scripts/custom-elements.mjs';

export default function widgetExtras({ packageDir, onwarn }) {
  // The Vonage SDK stays outside, as in every production build: a classic page that uses Vonage maps it with an
  // import map (docs/widget.md).
  const plugins = () => productionPlugins({ tsconfig: join(packageDir, 'tsconfig.json') });
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
