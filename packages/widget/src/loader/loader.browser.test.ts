/// <reference types="mocha" />
import { assert } from 'chai';
import {
  defineHelplineWidget,
  HelplineToggleEvent,
  HelplineWidgetElement,
  installGlobalApi,
  setPanelSource,
} from '../index';
import type { PanelHandle, PanelHost, PanelModule } from './settings';

function mountWidget(attributes: Record<string, string> = {}): {
  widget: HelplineWidgetElement;
  launcher: HTMLButtonElement;
} {
  defineHelplineWidget();
  const widget = document.createElement('helpline-widget');
  for (const [name, value] of Object.entries(attributes)) widget.setAttribute(name, value);
  document.body.append(widget);
  const launcher = widget.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
  if (!launcher) throw new Error('<helpline-widget> rendered no launcher button');
  return { widget, launcher };
}

/** A panel source that records what the loader does with it, instead of the real Lit panel. */
function fakePanel() {
  const calls = { imports: 0, mounts: [] as PanelHost[], syncs: 0 };
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const module: PanelModule = {
    mountPanel(host) {
      calls.mounts.push(host);
      const handle: PanelHandle = {
        sync() {
          calls.syncs += 1;
        },
      };
      return handle;
    },
  };
  setPanelSource(async () => {
    calls.imports += 1;
    await gate;
    return module;
  });
  return { calls, release };
}

const realPanel = () => import('../panel/panel');

describe('<helpline-widget> loader', () => {
  beforeEach(() => localStorage.removeItem('helpline:active'));
  afterEach(() => {
    for (const widget of document.querySelectorAll('helpline-widget')) widget.remove();
    setPanelSource(realPanel);
    delete window.Helpline;
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

  it('starts closed with an accessible launcher and no panel code loaded', () => {
    const { calls } = fakePanel();
    const { widget, launcher } = mountWidget();
    assert.isFalse(widget.open);
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
    assert.strictEqual(launcher.getAttribute('aria-label'), 'Open chat');
    assert.strictEqual(launcher.type, 'button');
    assert.strictEqual(calls.imports, 0);
    assert.isTrue(widget.shadowRoot?.querySelector<HTMLElement>('[part~="badge"]')?.hidden);
  });

  it('toggles open and aria-expanded on click and fires a bubbling, composed helpline-toggle', () => {
    fakePanel();
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
    fakePanel();
    const { widget, launcher } = mountWidget();
    widget.addEventListener('helpline-toggle', (event) => event.preventDefault());
    launcher.click();
    assert.isFalse(widget.open);
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
    assert.isFalse(widget.toggle());
  });

  it('mirrors the open attribute set by the host page onto the launcher', () => {
    fakePanel();
    const { widget, launcher } = mountWidget();
    widget.setAttribute('open', '');
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'true');
    widget.open = false;
    assert.strictEqual(launcher.getAttribute('aria-expanded'), 'false');
  });

  it('prefetches the panel on hover and focus, and mounts it once on the first open', async () => {
    const { calls, release } = fakePanel();
    const { widget, launcher } = mountWidget();
    launcher.dispatchEvent(new PointerEvent('pointerenter'));
    assert.strictEqual(calls.imports, 1);
    launcher.focus();
    assert.strictEqual(calls.imports, 2, 'focus prefetches too (the browser caches the module)');
    assert.lengthOf(calls.mounts, 0, 'prefetching does not mount');

    launcher.click();
    launcher.click();
    launcher.click();
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.lengthOf(
      calls.mounts.filter((host) => host === widget),
      1,
      'mounted exactly once into this widget',
    );
    const syncs = calls.syncs;
    widget.configure({ open: false });
    await Promise.resolve();
    assert.isAbove(calls.syncs, syncs, 'settings changes reach the mounted panel');
  });

  it('labels the launcher in the page language and mirrors the corner for Arabic', () => {
    fakePanel();
    const cases: [string, string, 'ltr' | 'rtl'][] = [
      ['nl-BE', 'Chat openen', 'ltr'],
      ['zh-TW', '開啟聊天', 'ltr'],
      ['zh-CN', '打开聊天', 'ltr'],
      ['ar-EG', 'فتح الدردشة', 'rtl'],
      ['fr', 'Open chat', 'ltr'],
    ];
    for (const [lang, label, dir] of cases) {
      const { widget, launcher } = mountWidget({ lang });
      assert.strictEqual(launcher.getAttribute('aria-label'), label, lang);
      assert.strictEqual(widget.shadowRoot?.querySelector('[part~="root"]')?.getAttribute('dir'), dir, lang);
      widget.remove();
    }
  });

  it('mounts the panel without a click when the visitor had an open conversation (reload mid-chat)', async () => {
    const { calls, release } = fakePanel();
    localStorage.setItem('helpline:active', '1');
    const { widget } = mountWidget();
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(calls.mounts, [widget]);
    assert.isFalse(widget.open, 'restored in the background, still closed');
  });

  it('shows the unread badge and the labels the panel sets', () => {
    fakePanel();
    const { widget, launcher } = mountWidget();
    const badge = widget.shadowRoot?.querySelector<HTMLElement>('[part~="badge"]');
    widget.labels = ['Open chat (3 unread)', 'Close chat'];
    widget.unread = 3;
    assert.isFalse(badge?.hidden);
    assert.strictEqual(badge?.textContent, '3');
    assert.strictEqual(badge?.getAttribute('aria-hidden'), 'true', 'the label says it; the badge is visual');
    assert.strictEqual(launcher.getAttribute('aria-label'), 'Open chat (3 unread)');
    widget.unread = 120;
    assert.strictEqual(badge?.textContent, '99+');
    widget.unread = 0;
    assert.isTrue(badge?.hidden);
  });

  it('replays commands queued by the snippet before the script ran, then runs new ones at once', () => {
    fakePanel();
    const queued: IArguments[] = [];
    // What the embed snippet does: `Helpline=function(){(Helpline.q=Helpline.q||[]).push(arguments)}`.
    function snippet() {
      // biome-ignore lint/complexity/noArguments: the snippet's documented shape
      queued.push(arguments);
    }
    window.Helpline = Object.assign(snippet, { q: queued });
    const heard: string[] = [];
    window.Helpline('on', 'toggle', (event: HelplineToggleEvent) => heard.push(`toggle:${event.open}`));
    window.Helpline('open');
    window.Helpline('identify', 'header.eyJuYW1lIjoiQWRhIn0.signature');
    window.Helpline('config', { open: false });

    const api = installGlobalApi();
    assert.strictEqual(window.Helpline, api);
    assert.strictEqual(installGlobalApi(), api, 'a second copy keeps the first API');
    const { widget } = mountWidget();
    assert.isTrue(widget.open, 'queued open ran');
    assert.strictEqual(widget.settings.identity, 'header.eyJuYW1lIjoiQWRhIn0.signature');
    assert.deepEqual(widget.settings.config, { open: false });

    api('close');
    assert.isFalse(widget.open);
    widget.toggle();
    assert.deepEqual(heard, ['toggle:true']);
    api('off', 'toggle', () => undefined);
  });
});
