import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundleSize, kb } from '../../../../scripts/bench/bundle-size';

const BUDGET = 15 * 1024;

// DESIGN §6: the voice module (WebRTC with our own signaling) ≤ 15 KB brotli, loaded only when a call starts.
describe('@helpline/core/voice size', () => {
  it(`keeps the whole voice entry within ${kb(BUDGET)} brotli, nanostores included`, async () => {
    const size = await bundleSize(`export * from '@helpline/core/voice';`);
    assert.ok(size.brotli <= BUDGET, `voice entry is ${kb(size.brotli)} br, over ${kb(BUDGET)}`);
  });

  it('keeps WebRTC out of the main entry: a page without calls does not ship it', async () => {
    const main = await bundleSize(`export { createVisitorSession, voiceFlags } from '@helpline/core';`);
    const withCalls = await bundleSize(
      `export { createVisitorSession, voiceFlags } from '@helpline/core'; export { createCallSession, createWebRtcProvider } from '@helpline/core/voice';`,
    );
    // The call session and the provider are several KB on their own; the main entry carries none of it.
    assert.ok(withCalls.brotli - main.brotli > 4 * 1024, `${kb(main.brotli)} → ${kb(withCalls.brotli)}`);
  });
});
