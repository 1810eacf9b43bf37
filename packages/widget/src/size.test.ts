import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureWidget } from './build/sizes';

const KB = 1024;

// DESIGN §6 budgets, measured on a production bundle (rollup + esbuild minify, brotli quality 11).
describe('widget size budgets', () => {
  it('keeps the loader and the classic script ≤ 2 KB br, the chat first open ≤ 30 KB br, and Lit out of the loader', async () => {
    const sizes = await measureWidget();
    assert.ok(sizes.loader.brotli <= 2 * KB, `loader is ${sizes.loader.brotli} B br (budget 2048)`);
    assert.deepEqual(sizes.loader.files, ['define.js'], 'the loader is one file and imports nothing');
    assert.ok(
      sizes.chatFirstOpen.brotli <= 30 * KB,
      `chat first open is ${sizes.chatFirstOpen.brotli} B br (budget 30720)`,
    );
    // The classic script carries the same loader plus the <script data-*> bootstrap and the IIFE wrapper.
    assert.ok(sizes.classic.brotli <= 2 * KB, `classic build is ${sizes.classic.brotli} B br (budget 2048)`);
    // Lazy views stay out of the first open.
    assert.ok(sizes.callbackView.files.length > 0 && sizes.callbackView.brotli > 0);
    assert.ok(sizes.emailView.files.length > 0 && sizes.emailView.brotli > 0, '"continue by email" is lazy');
  });
});
