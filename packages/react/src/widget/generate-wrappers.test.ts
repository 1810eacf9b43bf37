import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type CustomElementsManifest,
  eventPropName,
  generateWrappers,
  WIDGET_INTERNAL_TAGS,
} from './generate-wrappers';

/** Compares code, not layout: the committed file is formatted by Biome (line breaks, trailing commas). */
const squash = (text: string) =>
  text
    .replace(/\s+/g, ' ')
    .replace(/,\s*([}\])])/g, '$1')
    .replace(/([{[(])\s+/g, '$1')
    .replace(/\s+([}\])])/g, '$1')
    .trim();

describe('generateWrappers', () => {
  it('the committed wrappers are what the widget manifest generates (else: npm run generate:wrappers -w packages/react)', async () => {
    // The same function the widget build uses to write dist/custom-elements.json, run on its sources.
    const widgetScript = new URL('../../../widget/scripts/custom-elements.mjs', import.meta.url);
    const { customElementsManifest } = (await import(widgetScript.href)) as {
      customElementsManifest: (packageDir: string) => CustomElementsManifest;
    };
    const manifest = customElementsManifest(fileURLToPath(new URL('../../../widget', import.meta.url)));
    const committed = readFileSync(new URL('./widget-elements.generated.ts', import.meta.url), 'utf8');
    assert.equal(squash(generateWrappers(manifest, { exclude: WIDGET_INTERNAL_TAGS })), squash(committed));
    assert.match(committed, /tagName: 'helpline-widget'/);
    assert.doesNotMatch(committed, /helpline-panel/);
  });

  it('keeps public settable fields as properties, types only primitives, and names event props', () => {
    const source = generateWrappers({
      modules: [
        {
          declarations: [
            {
              customElement: true,
              tagName: 'helpline-panel',
              members: [
                { kind: 'field', name: 'mode', type: { text: "'chat' | 'call' | undefined" } },
                { kind: 'field', name: 'session', type: { text: 'VisitorSession' } },
                { kind: 'field', name: 'version', readonly: true, type: { text: 'string' } },
                { kind: 'field', name: '_cache', type: { text: 'string' } },
                { kind: 'field', name: 'hidden', privacy: 'protected', type: { text: 'boolean' } },
              ],
              events: [{ name: 'helpline-message-sent' }],
              attributes: [{ name: 'mode' }, { name: 'site', description: 'Site id.' }, { name: 'data-x' }],
            },
            { kind: 'class', name: 'NotAnElement' },
          ],
        },
      ],
    });
    assert.match(source, /export const HelplinePanel = createElementComponent<HelplinePanelProps>/);
    assert.match(source, /readonly mode\?: 'chat' \| 'call';/);
    assert.match(source, /readonly session\?: unknown;/);
    assert.match(source, /properties: \['mode', 'session'\]/);
    assert.match(source, /events: \{ onHelplineMessageSent: 'helpline-message-sent' \}/);
    assert.match(source, /readonly site\?: string;/);
    assert.match(source, /readonly 'data-x'\?: string;/);
    assert.equal(source.match(/readonly mode\?/g)?.length, 1, 'a field wins over its attribute');
    assert.doesNotMatch(source, /NotAnElement|version|_cache|hidden/);
    assert.doesNotMatch(
      generateWrappers(
        { modules: [{ declarations: [{ customElement: true, tagName: 'x-a' }] }] },
        { exclude: ['x-a'] },
      ),
      /x-a/,
    );
  });

  it('turns event names into React prop names', () => {
    assert.equal(eventPropName('helpline-toggle'), 'onHelplineToggle');
    assert.equal(eventPropName('close'), 'onClose');
    assert.equal(eventPropName('call:ended'), 'onCallEnded');
  });
});
