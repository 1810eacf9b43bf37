import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventPropName, generateWrappers } from './generate-wrappers';

/** The manifest entry `<helpline-widget>` has today (the widget's `custom-elements.json` is not generated yet). */
const widgetManifest = {
  schemaVersion: '2.1.0',
  modules: [
    {
      kind: 'javascript-module',
      path: 'src/loader/loader.ts',
      declarations: [
        {
          kind: 'class',
          name: 'HelplineWidgetElement',
          tagName: 'helpline-widget',
          customElement: true,
          summary: 'The tiny, framework-free loader that every page of a host site carries.',
          members: [
            { kind: 'field', name: 'tagName', static: true, readonly: true, type: { text: 'string' } },
            {
              kind: 'field',
              name: 'open',
              type: { text: 'boolean' },
              description: 'Whether the widget is open; reflects the `open` attribute.',
            },
            { kind: 'field', name: '#launcher', privacy: 'private', type: { text: 'HTMLButtonElement' } },
            { kind: 'method', name: 'toggle' },
          ],
          events: [
            {
              name: 'helpline-toggle',
              type: { text: 'HelplineToggleEvent' },
              description: '{@link HelplineToggleEvent}; cancel it to keep the current state.',
            },
          ],
        },
      ],
    },
  ],
};

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('generateWrappers', () => {
  it('reproduces the committed <helpline-widget> wrapper from its manifest entry', () => {
    const committed = readFileSync(new URL('./widget-elements.generated.ts', import.meta.url), 'utf8');
    assert.equal(squash(generateWrappers(widgetManifest)), squash(committed));
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
    assert.doesNotMatch(source, /NotAnElement|version|_cache|hidden/);
  });

  it('turns event names into React prop names', () => {
    assert.equal(eventPropName('helpline-toggle'), 'onHelplineToggle');
    assert.equal(eventPropName('close'), 'onClose');
    assert.equal(eventPropName('call:ended'), 'onCallEnded');
  });
});
