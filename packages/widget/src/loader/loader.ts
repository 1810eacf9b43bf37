import type { SiteConfig } from '../config/site-config';
import { LOADER_CSS } from './loader.styles';
import type { PanelHandle, PanelModule, WidgetConnectOptions, WidgetSettings } from './settings';

/** Fired (bubbling, composed, cancelable) when the visitor asks to open or close the widget. */
export class HelplineToggleEvent extends Event {
  /** The event's type, `helpline-toggle`. */
  static readonly type = 'helpline-toggle';

  /** Whether the widget is about to open (`true`) or close (`false`). */
  readonly open: boolean;

  constructor(open: boolean) {
    super(HelplineToggleEvent.type, { bubbles: true, composed: true, cancelable: true });
    this.open = open;
  }
}

declare global {
  interface HTMLElementEventMap {
    'helpline-toggle': HelplineToggleEvent;
  }
  // The event bubbles and is composed, so host pages listen on document too.
  interface DocumentEventMap {
    'helpline-toggle': HelplineToggleEvent;
  }
  interface HTMLElementTagNameMap {
    'helpline-widget': HelplineWidgetElement;
  }
}

// Launcher labels before the panel (and its catalogs) load; the catalogs' openChat/closeChat must match
// (a test checks it). Once loaded, the panel sets `labels` with site overrides and the unread count.
const LABELS: Readonly<Record<string, readonly [string, string]>> = {
  en: ['Open chat', 'Close chat'],
  nl: ['Chat openen', 'Chat sluiten'],
  'zh-Hant': ['開啟聊天', '關閉聊天'],
  'zh-Hans': ['打开聊天', '关闭聊天'],
  ar: ['فتح الدردشة', 'إغلاق الدردشة'],
};

/**
 * The launcher labels for the first of `tags` in a shipped language (the same rule as `resolveLocale`, which
 * the loader does not import to stay small; a test keeps them in step).
 */
function labelsFor(tags: readonly string[]): readonly [string, string] {
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    const key = lower.startsWith('zh')
      ? /hant|-(tw|hk|mo)\b/.test(lower)
        ? 'zh-Hant'
        : 'zh-Hans'
      : lower.slice(0, 2);
    const labels = LABELS[key];
    if (labels && (key.length > 2 || !/^[a-z]{2}[a-z]/.test(lower))) return labels;
  }
  return LABELS.en as readonly [string, string];
}

/** Where the panel module comes from: a bundler chunk (ESM build) or a URL (classic build). */
let panelSource: (() => Promise<PanelModule>) | undefined;

/** Sets how the loader imports the panel. The entry points call it; tests may too. */
export function setPanelSource(source: () => Promise<PanelModule>): void {
  panelSource = source;
}

/** The widget the global `Helpline(…)` API talks to: the last one connected. */
let current: HelplineWidgetElement | undefined;
const queue: unknown[][] = [];

/** Runs queued `Helpline(…)` commands once a widget is on the page. */
function flush(): void {
  if (current) for (const args of queue.splice(0)) current.command(...(args as [string, ...unknown[]]));
}

let sheet: CSSStyleSheet | undefined;
const svgNS = 'http://www.w3.org/2000/svg';

function icon(className: string, path: string): SVGSVGElement {
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', className);
  const shape = document.createElementNS(svgNS, 'path');
  shape.setAttribute('d', path);
  svg.append(shape);
  return svg;
}

// Server-side rendering and Node imports have no HTMLElement; the class must still be definable there.
const BaseElement: typeof HTMLElement = globalThis.HTMLElement ?? (class {} as unknown as typeof HTMLElement);

/**
 * `<helpline-widget>`: the launcher every page carries. Framework-free and tiny; the chat, callback and call
 * panel is imported on the first click (and prefetched on hover or focus).
 *
 * @summary The tiny, framework-free loader that every page of a host site carries.
 * @csspart root - The fixed-position box holding the panel and the launcher.
 * @csspart launcher - The launcher button.
 * @csspart badge - The unread-count badge on the launcher.
 * @slot - The launcher's content (default: a chat icon).
 * @fires helpline-toggle - {@link HelplineToggleEvent}; cancel it to keep the current state.
 * @fires helpline-message - An agent message arrived (`HelplineMessageEvent`).
 * @fires helpline-unread - The unread count changed (`HelplineUnreadEvent`).
 * @fires helpline-chat-start - A chat started (`HelplineConversationEvent`).
 * @fires helpline-chat-end - A chat ended (`HelplineConversationEvent`).
 * @fires helpline-callback - A callback was requested (`HelplineCallbackEvent`).
 * @fires helpline-error - An action failed; the panel shows it too (`HelplineErrorEvent`).
 * @attr open - Present while the widget is open.
 * @attr site - The site id whose configuration the server sends.
 * @attr server - Base URL of the Helpline server (`https://help.example.com`).
 * @attr lang - Language of the widget (default: the page's `<html lang>`, then the browser's).
 * @attr position - `end` (default) or `start`: the corner, mirrored for right-to-left languages.
 * @attr theme - `auto` (default, follows the system), `light` or `dark`.
 * @attr nonce - CSP nonce for Lit's `<style>` fallback in browsers without constructable stylesheets.
 * @cssprop --helpline-accent - Launcher and button color (default #0b57d0).
 * @cssprop --helpline-on-accent - Text and icon color on the accent (default #fff).
 * @cssprop --helpline-offset - Distance of the launcher from the viewport edges (default 20px).
 * @cssprop --helpline-z-index - Stacking level of the widget (default 2147483000).
 * @cssprop --helpline-font - Font family (default system-ui).
 */
export class HelplineWidgetElement extends BaseElement {
  /** The tag name {@link defineHelplineWidget} registers by default. */
  static readonly tagName = 'helpline-widget';

  static readonly observedAttributes: readonly string[] = ['open', 'lang', 'theme', 'server'];

  /** What the page configured through the JS API; the panel reads it. */
  readonly settings: WidgetSettings = {};

  readonly #root: HTMLDivElement;
  readonly #launcher: HTMLButtonElement;
  readonly #badge: HTMLSpanElement;
  #labels: readonly [string, string] | undefined;
  #unread = 0;
  #panel: Promise<PanelHandle> | undefined;

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: 'open' });
    // A constructable stylesheet: no <style> element or style attribute, so `style-src 'self'` holds.
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(LOADER_CSS);
    }
    shadow.adoptedStyleSheets = [sheet];
    const root = document.createElement('div');
    root.part.add('root');
    const launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.part.add('launcher');
    const content = document.createElement('slot');
    content.append(icon('c', 'M3 4h18v13H8l-5 4z'), icon('x', 'M6 6l12 12M18 6L6 18'));
    const badge = document.createElement('span');
    badge.part.add('badge');
    badge.hidden = true;
    badge.setAttribute('aria-hidden', 'true');
    launcher.append(content, badge);
    launcher.onclick = () => this.toggle();
    launcher.onpointerenter = launcher.onfocus = () => this.prefetch();
    root.append(launcher);
    shadow.append(root);
    this.#root = root;
    this.#launcher = launcher;
    this.#badge = badge;
    this.#sync();
  }

  connectedCallback(): void {
    current = this;
    flush();
    // A visitor who reloads mid-chat gets the conversation (and its unread count) back without a click.
    try {
      if (localStorage.getItem('helpline:active')) this.#mount();
    } catch {
      // Storage is blocked (privacy mode, sandboxed frame): restore on the first open instead.
    }
  }

  disconnectedCallback(): void {
    if (current === this) current = undefined;
  }

  /** Whether the widget is open; reflects the `open` attribute. */
  get open(): boolean {
    return this.hasAttribute('open');
  }

  set open(value: boolean) {
    this.toggleAttribute('open', value);
  }

  /** Unread agent messages, shown as a badge on the launcher. The panel keeps it up to date. */
  get unread(): number {
    return this.#unread;
  }

  set unread(count: number) {
    this.#unread = count;
    this.#sync();
  }

  /** Launcher labels `[closed, open]`; the panel sets them from the catalog (with the unread count). */
  get labels(): readonly [string, string] | undefined {
    return this.#labels;
  }

  set labels(labels: readonly [string, string] | undefined) {
    this.#labels = labels;
    this.#sync();
  }

  /**
   * Opens or closes the widget as the visitor would: fires {@link HelplineToggleEvent} first and changes
   * nothing if a listener cancels it. Returns whether the widget is open afterwards.
   */
  toggle(): boolean {
    const next = !this.open;
    if (this.dispatchEvent(new HelplineToggleEvent(next))) this.open = next;
    return this.open;
  }

  /** Starts downloading the panel without showing it (the launcher does this on hover and focus). */
  prefetch(): void {
    panelSource?.().catch(() => undefined);
  }

  /**
   * Connects to a server through a transport of the page's choosing (instead of the `server` attribute).
   *
   * @example
   * ```ts
   * widget.connect({ transport: createMemoryTransport({ hub }), token: 'dev:visitor:v1:Ada' });
   * ```
   */
  connect(options: WidgetConnectOptions): void {
    this.settings.connection = options;
    this.#changed();
  }

  /** Vouches for a logged-in visitor with a short-lived signed JWT from the host site's backend. */
  identify(jwt: string): void {
    this.settings.identity = jwt;
    this.#changed();
  }

  /** Sets site configuration (topics, pre-chat fields, texts…) over what the server sends. */
  configure(config: SiteConfig): void {
    this.settings.config = { ...this.settings.config, ...config };
    this.#changed();
  }

  /**
   * Runs one command of the global API: `open`, `close`, `toggle`, `identify` (jwt), `config` (object),
   * `connect` (options), `on` / `off` (event name without `helpline-`, listener).
   */
  command(name: string, ...args: unknown[]): void {
    const [first, second] = args;
    if (name === 'open' || name === 'close') this.open = name === 'open';
    else if (name === 'toggle') this.toggle();
    else if (name === 'identify') this.identify(first as string);
    else if (name === 'config') this.configure(first as SiteConfig);
    else if (name === 'connect') this.connect(first as WidgetConnectOptions);
    else if (name === 'on') this.addEventListener(`helpline-${first}`, second as EventListener);
    else if (name === 'off') this.removeEventListener(`helpline-${first}`, second as EventListener);
  }

  /** Moves focus back to the launcher. */
  focusLauncher(): void {
    this.#launcher.focus();
  }

  attributeChangedCallback(name: string): void {
    if (name === 'open' && this.open) this.#mount();
    // Closing returns focus to the launcher when it was inside the panel (WCAG 2.4.3).
    if (name === 'open' && !this.open && this.shadowRoot?.activeElement) this.focusLauncher();
    this.#changed();
  }

  #changed(): void {
    this.#sync();
    this.#panel?.then((panel) => panel.sync());
  }

  #mount(): void {
    this.#panel ??= Promise.resolve()
      .then(() => (panelSource as () => Promise<PanelModule>)())
      .then((module) => module.mountPanel(this, this.#root))
      .catch((error: unknown) => {
        this.#panel = undefined;
        this.open = false;
        throw error;
      });
    this.#panel.catch(() => undefined);
  }

  #sync(): void {
    const defaults = labelsFor([this.lang, document.documentElement.lang, navigator.language]);
    const [openLabel, closeLabel] = this.#labels ?? defaults;
    this.#root.dir = defaults === LABELS.ar ? 'rtl' : 'ltr';
    this.#launcher.setAttribute('aria-expanded', `${this.open}`);
    this.#launcher.setAttribute('aria-label', this.open ? closeLabel : openLabel);
    this.#badge.hidden = this.#unread < 1;
    this.#badge.textContent = this.#unread > 99 ? '99+' : `${this.#unread}`;
  }
}

/**
 * Registers `<helpline-widget>` (or `tagName`) unless that tag is already taken, so a host page that loads
 * the widget twice does not throw. Returns the constructor registered under the tag.
 *
 * @example
 * ```ts
 * import { defineHelplineWidget } from '@helpline/widget';
 * defineHelplineWidget();
 * document.body.append(document.createElement('helpline-widget'));
 * ```
 */
export function defineHelplineWidget(
  tagName: string = HelplineWidgetElement.tagName,
  registry: CustomElementRegistry = customElements,
): CustomElementConstructor {
  const existing = registry.get(tagName);
  if (existing) return existing;
  // Each tag needs its own class: the registry rejects one constructor under two names.
  const element =
    tagName === HelplineWidgetElement.tagName
      ? HelplineWidgetElement
      : class extends HelplineWidgetElement {};
  registry.define(tagName, element);
  return element;
}

/** The global `Helpline(…)` function: queues commands until a widget is on the page. */
export interface HelplineGlobal {
  (command: string, ...args: unknown[]): void;
  /** Commands called before the widget script ran (the snippet's queue). */
  q?: ArrayLike<unknown>[];
  /** Set on the real API, so a second copy of the script keeps the first one's. */
  loaded?: true;
}

declare global {
  interface Window {
    Helpline?: HelplineGlobal;
  }
}

/**
 * Installs `window.Helpline(command, …args)`, replaying what the page queued before the script loaded:
 *
 * ```html
 * <script>window.Helpline=window.Helpline||function(){(Helpline.q=Helpline.q||[]).push(arguments)}</script>
 * <script>Helpline('on', 'message', (event) => console.log(event.text)); Helpline('open');</script>
 * ```
 */
export function installGlobalApi(win: Window = window): HelplineGlobal {
  const existing = win.Helpline;
  if (existing?.loaded) return existing;
  for (const args of existing?.q ?? []) queue.push(Array.from(args));
  const api: HelplineGlobal = (...args: unknown[]) => {
    queue.push(args);
    flush();
  };
  api.loaded = true;
  win.Helpline = api;
  flush();
  return api;
}
