/// <reference types="mocha" />
import { createHelplineMock, type HelplineMock } from '@helpline/core/msw';
import { waitFor } from '@helpline/core/testing';
import { defineHelplineWidget, type HelplineWidgetElement } from '@helpline/widget';
import { assert } from 'chai';
import { setupWorker } from 'msw/browser';
import { createRef } from 'react';
import { cleanup, click, mount } from '../testing/harness';
import { createElementComponent } from './createElementComponent';
import { HelplineWidget } from './widget-elements.generated';

// The real <helpline-widget>, whose `server` is answered by msw's mock of a Helpline server (site config,
// visitor session, socket): the wrapper is tested against the element it wraps, with no server running.
defineHelplineWidget();
const worker = setupWorker();
let helpline: HelplineMock;
before(() => worker.start({ quiet: true, onUnhandledRequest: 'bypass' }));
after(() => worker.stop());
beforeEach(() => {
  helpline = createHelplineMock({ url: 'https://help.example.com', sites: [{ id: 'shop' }] });
  worker.use(...helpline.handlers);
});
afterEach(() => {
  worker.resetHandlers();
  helpline.close();
  for (const key of ['helpline:visitor:https://help.example.com/:shop', 'helpline:conversation:visitor'])
    localStorage.removeItem(key);
});

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

  it('<HelplineWidget> sets `open` as a property, listens to helpline-toggle, and the widget reaches its server', async () => {
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
    const element = view.container.querySelector('helpline-widget') as HelplineWidgetElement;
    assert.strictEqual(ref.current, element);
    assert.isTrue(element.open);
    assert.strictEqual(element.className, 'launcher');
    assert.strictEqual(element.getAttribute('site'), 'shop');
    assert.strictEqual(element.getAttribute('server'), 'https://help.example.com');
    assert.strictEqual(element.dataset.test, 'x');
    assert.strictEqual(element.textContent, 'Help');
    // Opened by the prop, the widget loaded its panel and reached the (mocked) server with the props' site.
    const panel = () => element.shadowRoot?.querySelector('helpline-panel')?.shadowRoot;
    await waitFor(() => panel()?.querySelector('[part~="start-chat"]') != null, 'the connected panel');
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
