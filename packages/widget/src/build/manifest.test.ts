import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { customElementsManifest } from '../../scripts/custom-elements.mjs';

describe('custom-elements.json', () => {
  it('describes both elements from their JSDoc: attributes, parts, CSS properties, events, members', () => {
    const manifest = customElementsManifest(fileURLToPath(new URL('../..', import.meta.url)));
    const [loader, panel] = manifest.modules.map((module) => module.declarations[0]);
    assert.equal(loader?.tagName, 'helpline-widget');
    assert.deepEqual(
      loader?.attributes.map((a) => a.name),
      ['open', 'site', 'server', 'lang', 'position', 'theme', 'nonce'],
    );
    assert.deepEqual(
      loader?.cssParts.map((p) => p.name),
      ['root', 'launcher', 'badge'],
    );
    assert.ok(loader?.events.some((e) => e.name === 'helpline-message'));
    assert.ok(loader?.members.some((m) => m.name === 'connect' && m.kind === 'method'));
    assert.ok(loader?.cssProperties.some((p) => p.name === '--helpline-accent'));
    assert.equal(panel?.tagName, 'helpline-panel');
    assert.ok((panel?.cssParts.length ?? 0) > 20, 'every structural part of the panel is listed');
  });
});
