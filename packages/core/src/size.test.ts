import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleSize, splitBundleSize } from '../../../scripts/bench/bundle-size';

const KB = 1024;

describe('core bundle sizes (brotli of minified ESM)', () => {
  it('one small named import stays under 1 KB (DESIGN §6)', async () => {
    const { brotli } = await bundleSize(`export { transition } from '@helpline/core';`);
    assert.ok(brotli <= 1 * KB, `transition: ${brotli} B`);
  });

  it('the typical visitor import stays within 10 KB at once and under its current ceiling', async () => {
    // DESIGN §6 aims at 8 KB; the issue 15 budget is 10 KB. What loads with the page (the session with its
    // connection and resume memory, the WebSocket transport, and the renderer's plain-text path, built with code
    // splitting) measures about 9.06 KB (see docs/benchmarks.md). The ceiling, 2% above that, stops regressions; lower
    // it as the import shrinks. Raised from 9.25 KB for the interaction's `snoozedUntil` on the wire (its schema and
    // guard, 23 B at once), which written conversations need in every console.
    const { brotli, lazy } = await splitBundleSize(
      `export { createVisitorSession, createWebSocketTransport, renderMessage } from '@helpline/core';`,
    );
    assert.ok(brotli <= 9.3 * KB, `visitor import: ${brotli} B at once (ceiling ${9.3 * KB} B)`);
    // Later, by import(): the checks of what the server sends and the browser outbox (IndexedDB) on the first connect,
    // the markdown and link renderer with the first message that has markup or a link, the lanes that send messages
    // with the first message to send, the attachment uploader with the first upload. None of them comes with the page.
    assert.deepEqual(lazy.map((chunk) => chunk.module).sort(), [
      'packages/core/src/attachment/attachment.upload.ts',
      'packages/core/src/render/render.dom.ts',
      'packages/core/src/session/message.lanes.ts',
      'packages/core/src/session/outbox.browser.ts',
      'packages/core/src/session/visitor.checks.ts',
    ]);
  });

  it('keeps server-side code out of a visitor bundle', async () => {
    const { brotli: withHub } = await bundleSize(`export { createHub } from '@helpline/core/hub';`);
    const { brotli: visitor } = await bundleSize(`export { createVisitorSession } from '@helpline/core';`);
    const { brotli: both } = await bundleSize(
      `export { createHub } from '@helpline/core/hub'; export { createVisitorSession } from '@helpline/core';`,
    );
    // If the hub leaked into the visitor graph, adding it would cost next to nothing.
    assert.ok(both - visitor > withHub / 3, `hub ${withHub} B, visitor ${visitor} B, both ${both} B`);
  });

  it('leaves the hub out of the main entry: it is the @helpline/core/hub subpath', async () => {
    const main = await import('@helpline/core');
    const hub = await import('@helpline/core/hub');
    assert.equal(typeof hub.createHub, 'function');
    assert.equal(typeof hub.createMemoryTransport, 'function');
    for (const name of ['createHub', 'createMemoryStorage', 'createMemoryTransport', 'devAuthenticate']) {
      assert.ok(!(name in main), `${name} is exported from @helpline/core`);
    }
    // The whole main entry, bundled, holds none of the hub's modules.
    const { brotli: everything } = await bundleSize(`export * from '@helpline/core';`);
    const { brotli: everythingAndHub } = await bundleSize(
      `export * from '@helpline/core'; export { createHub } from '@helpline/core/hub';`,
    );
    assert.ok(
      everythingAndHub - everything > 1 * KB,
      `main ${everything} B, with the hub ${everythingAndHub} B`,
    );
  });
});
