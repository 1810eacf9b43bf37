import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleSize, kb } from '../../../scripts/bench/bundle-size';
import { consoleMessages } from './i18n/en';

const BUDGET = 2 * 1024;

describe('@helpline/react size', () => {
  it(`keeps the hooks entry within ${BUDGET} bytes brotli, React and core excluded (DESIGN §6)`, async () => {
    const size = await bundleSize(`export * from './packages/react/src/hooks';`, {
      external: ['react', 'react-dom', '@helpline/core', 'nanostores'],
    });
    assert.ok(size.brotli <= BUDGET, `hooks entry is ${kb(size.brotli)} br, over ${kb(BUDGET)}`);
  });

  it('keeps components, styles and texts out of the hooks entry', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./hooks/index.ts', import.meta.url))],
      tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)),
      bundle: true,
      write: false,
      format: 'esm',
      external: ['react', 'react-dom', '@helpline/core', 'nanostores'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    assert.ok(code.includes('useSyncExternalStore'));
    for (const marker of [
      'helpline-chat',
      consoleMessages.wrapUpFinish,
      'createElementComponent',
      'tokenize',
    ]) {
      assert.ok(!code.includes(marker), `the hooks entry contains ${marker}`);
    }
  });
});
