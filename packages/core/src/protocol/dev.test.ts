import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** isDev as a browser bundle sees it: bundled for the browser, evaluated where `process` does not exist. */
async function isDevInBrowserBundle(define: Record<string, string>): Promise<boolean> {
  const result = await build({
    stdin: {
      contents: `import { isDev } from './dev'; globalThis.seen = isDev;`,
      loader: 'ts',
      resolveDir: HERE,
    },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    define,
    logLevel: 'silent',
  });
  const page: { seen?: boolean } = {};
  runInNewContext(result.outputFiles[0]?.text ?? '', { globalThis: page });
  return page.seen === true;
}

describe('isDev', () => {
  it('is false in a production browser build, where process does not exist', async () => {
    assert.equal(await isDevInBrowserBundle({ 'process.env.NODE_ENV': '"production"' }), false);
  });

  it('is true in a development build and in a browser without a bundler', async () => {
    assert.equal(await isDevInBrowserBundle({ 'process.env.NODE_ENV': '"development"' }), true);
    assert.equal(await isDevInBrowserBundle({}), true);
  });
});
