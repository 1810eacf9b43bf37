/// <reference types="mocha" />
import { assert } from 'chai';
import { defineHelplineWidget, HelplineToggleEvent, HelplineWidgetElement } from './loader';

function mountWidget(): { widget: HelplineWidgetElement; launcher: HTMLButtonElement } {
  defineHelplineWidget();
  const widget = document.createElement('helpline-widget');
  document.body.append(widget);
  const launcher = widget.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
  if (!launcher) throw new Error('<helpline-widget> rendered no launcher button');
  return { widget, launcher };
}

describe('<helpline-widget> loader', () => {
  afterEach(() => {
    for (const widget of document.querySelectorAll('helpline-widget')) widget.remove();
  });

  it('can be defined twice, and leaves a tag registered by someone else alone', () => {
    const first = defineHelplineWidget();
    const second = defineHelplineWidget();
    assert.strictEqual(first, HelplineWidgetElement);
    assert.strictEqual(second, first);

    class SomeoneElses extends HTMLElement {}
    customElements.define('helpline-taken', SomeoneElses);
    assert.strictEqual(defineHelplineWidget('helpline-taken'), SomeoneElses);

    const renamed = defineHelplineWidget('acme-chat');
    assert.notStrictEqual(renamed, HelplineWidgetElement);
    assert.instanceOf(document.createElement('acme-chat'), HelplineWidgetElement);
  });

  it('starts closed with an accessible launcher', () => {
    const { widget, launcher } = mountWidget();
    assert.isFalse(widget.open);
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
    assert.strictEqual(launcher.getAttribute('aria-label'), 'Open chat');
    assert.strictEqual(launcher.type, 'button');
  });

  it('toggles open and aria-expanded on click and fires a bubbling, composed helpline-toggle', () => {
    const { widget, launcher } = mountWidget();
    const seen: HelplineToggleEvent[] = [];
    const record = (event: HelplineToggleEvent) => seen.push(event);
    document.addEventListener('helpline-toggle', record);
    try {
      launcher.click();
      assert.isTrue(widget.open);
      assert.isTrue(widget.hasAttribute('open'));
      assert.strictEqual(launcher.getAttribute('aria-expanded'), 'true');
      assert.strictEqual(launcher.getAttribute('aria-label'), 'Close chat');

      launcher.click();
      assert.isFalse(widget.open);
      assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
    } finally {
      document.removeEventListener('helpline-toggle', record);
    }
    assert.deepEqual(
      seen.map((event) => event.open),
      [true, false],
    );
    const [first] = seen;
    assert.instanceOf(first, HelplineToggleEvent);
    assert.strictEqual(first?.type, 'helpline-toggle');
    assert.isTrue(first?.bubbles);
    assert.isTrue(first?.composed);
    assert.isTrue(first?.cancelable);
  });

  it('keeps its state when a listener cancels helpline-toggle', () => {
    const { widget, launcher } = mountWidget();
    widget.addEventListener('helpline-toggle', (event) => event.preventDefault());
    launcher.click();
    assert.isFalse(widget.open);
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
    assert.isFalse(widget.toggle());
  });

  it('mirrors the open attribute set by the host page onto the launcher', () => {
    const { widget, launcher } = mountWidget();
    widget.setAttribute('open', '');
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'true');
    widget.open = false;
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
  });
});
