// Test harness for the widget as a site embeds it — `<helpline-widget server site>` — against msw's mock of the
// server (`@helpline/core/msw`): the site config and the visitor session over HTTP, the protocol over the
// WebSocket, all from an in-memory hub. For browser tests that need the embed path but not a real server.
import { createHelplineMock, type HelplineMock, type HelplineMockOptions } from '@helpline/core/msw';
import { waitFor } from '@helpline/core/testing';
import { type SetupWorker, setupWorker } from 'msw/browser';
import { defineHelplineWidget, type HelplineWidgetElement } from '../index';

let worker: Promise<SetupWorker> | undefined;

/** msw's worker, started once per test page (its handlers are replaced per world). */
function startedWorker(): Promise<SetupWorker> {
  worker ??= (async () => {
    const started = setupWorker();
    await started.start({ quiet: true, onUnhandledRequest: 'bypass' });
    return started;
  })();
  return worker;
}

/** Options of {@link createEmbedWorld}. */
export interface EmbedWorldOptions {
  readonly lang?: string;
  /** Options of the mocked server (queues, sites, agents). */
  readonly mock?: HelplineMockOptions;
}

/** A mocked server and a widget embedded against it. */
export interface EmbedWorld {
  /** The mocked server: its scripted agent, fault injection and hub. */
  readonly helpline: HelplineMock;
  readonly widget: HelplineWidgetElement;
  /** The panel's shadow root, once mounted. */
  panel(): ShadowRoot;
  /** An element in the panel, or a failing assertion. */
  $<E extends Element = HTMLElement>(selector: string): E;
  /** Whether an element is in the panel. */
  has(selector: string): boolean;
  /** Opens the widget and waits until the panel shows its start screen. */
  open(): Promise<void>;
  /** Waits until the panel's text contains `text`. */
  waitForText(text: string): Promise<void>;
  /** Removes the widget, forgets the visitor and closes the mock. */
  close(): void;
}

/**
 * Embeds `<helpline-widget server site="demo">` against a fresh msw mock of the server.
 *
 * @example
 * ```ts
 * const world = await createEmbedWorld({ lang: 'nl' });
 * world.helpline.failNext('chat.start', 'queue/closed');
 * await world.open();
 * ```
 */
export async function createEmbedWorld(options: EmbedWorldOptions = {}): Promise<EmbedWorld> {
  const helpline = createHelplineMock(options.mock);
  (await startedWorker()).resetHandlers(...helpline.handlers);
  defineHelplineWidget();
  const widget = document.createElement('helpline-widget');
  widget.setAttribute('server', helpline.url);
  widget.setAttribute('site', 'demo');
  if (options.lang) widget.setAttribute('lang', options.lang);
  document.body.append(widget);

  const panelRoot = () => widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot ?? undefined;
  const panel = (): ShadowRoot => {
    const root = panelRoot();
    if (!root) throw new Error('the panel is not mounted');
    return root;
  };
  const world: EmbedWorld = {
    helpline,
    widget,
    panel,
    $<E extends Element>(selector: string): E {
      const element = panel().querySelector<E>(selector);
      if (!element) throw new Error(`no ${selector} in the panel:\n${panel().textContent}`);
      return element;
    },
    has: (selector) => panelRoot()?.querySelector(selector) != null,
    async open() {
      const launcher = widget.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]');
      if (!launcher) throw new Error('no launcher');
      launcher.click();
      // The start screen's button shows once the site config and the visitor's token have come back.
      await waitFor(() => world.has('[part~="start-chat"]'), 'the start screen');
    },
    async waitForText(text) {
      await waitFor(() => (panelRoot()?.textContent ?? '').includes(text), `"${text}" in the panel`);
    },
    close() {
      widget.remove();
      helpline.close();
      for (const key of [
        `helpline:visitor:${helpline.url}/:demo`,
        'helpline:conversation:visitor',
        'helpline:active',
      ]) {
        localStorage.removeItem(key);
      }
    },
  };
  return world;
}
