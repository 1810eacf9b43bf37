/// <reference types="mocha" />
import { assert } from 'chai';
import { createRef } from 'react';
import { cleanup, click, mount } from '../testing/harness';
import { createElementComponent } from './createElementComponent';
import { HelplineWidget } from './widget-elements.generated';

/**
 * Stands in for `<helpline-widget>` with the part of its public surface under test (an `open` property
 * reflected to an attribute, a cancelable `helpline-toggle` event), so the wrapper is tested without the
 * widget's loader fetching its panel.
 */
class FakeWidget extends HTMLElement {
  get open(): boolean {
    return this.hasAttribute('open');
  }
  set open(value: boolean) {
    this.toggleAttribute('open', value);
  }
  toggle(): void {
    const event = new Event('helpline-toggle', { bubbles: true, composed: true, cancelable: true });
    if (this.dispatchEvent(event)) this.open = !this.open;
  }
}
if (!customElements.get('helpline-widget')) customElements.define('helpline-widget', FakeWidget);

class Fancy extends HTMLElement {
  config: unknown;
}
if (!customElements.get('x-fancy')) customElements.define('x-fancy', Fancy);
const XFancy = createElementComponent<{ config?: { a: number }; onFancyChange?: (event: Event) => void }>({
  tagName: 'x-fancy',
  displayName: 'XFancy',
  properties: ['config'],
  events: { onFancyChange: 'fancy-change' },
});

describe('widget element wrappers', () => {
  afterEach(cleanup);

  it('<HelplineWidget> sets `open` as a property and listens to helpline-toggle', async () => {
    const toggles: boolean[] = [];
    const ref = createRef<HTMLElement>();
    const view = mount(
      <HelplineWidget
        ref={ref}
        open
        site="shop"
        server="https://help.example.com"
        className="launcher"
        data-test="x"
        onHelplineToggle={() => toggles.push(true)}
      >
        Help
      </HelplineWidget>,
    );
    const element = view.container.querySelector('helpline-widget') as FakeWidget;
    assert.strictEqual(ref.current, element);
    assert.isTrue(element.open);
    assert.strictEqual(element.className, 'launcher');
    assert.strictEqual(element.getAttribute('site'), 'shop');
    assert.strictEqual(element.getAttribute('server'), 'https://help.example.com');
    assert.strictEqual(element.dataset.test, 'x');
    assert.strictEqual(element.textContent, 'Help');
    element.toggle();
    assert.deepEqual(toggles, [true]);
    assert.isFalse(element.open);
    view.render(<HelplineWidget open onHelplineToggle={(event) => event.preventDefault()} />);
    assert.isTrue(element.open, 'the property follows the prop');
    element.toggle();
    assert.isTrue(element.open, 'the newest handler cancelled it');
    assert.strictEqual(HelplineWidget.displayName, 'HelplineWidget');
  });

  it('sets object properties without stringifying them and removes listeners on unmount', async () => {
    const changes: string[] = [];
    const config = { a: 1 };
    const view = mount(<XFancy config={config} onFancyChange={(event) => changes.push(event.type)} />);
    const element = view.container.querySelector('x-fancy') as Fancy;
    assert.strictEqual(element.config, config);
    assert.isFalse(element.hasAttribute('config'));
    element.dispatchEvent(new Event('fancy-change'));
    view.unmount();
    element.dispatchEvent(new Event('fancy-change'));
    assert.deepEqual(changes, ['fancy-change']);
    await click(document.body);
  });
});
