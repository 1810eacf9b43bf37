import {
  connectionFlags,
  createBrowserOutbox,
  createVisitorSession,
  tokenize,
  toPlainText,
  type VisitorSession,
} from '@helpline/core';
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { VoiceLoader } from '../call/call.types';
import { forgetMessageBodies, renderChat, renderHome } from '../chat/chat.view';
import { identityFromJwt } from '../config/identity';
import type { SiteConfig } from '../config/site-config';
import {
  HelplineCallbackEvent,
  HelplineConversationEvent,
  HelplineErrorEvent,
  HelplineMessageEvent,
  HelplineUnreadEvent,
} from '../events';
import {
  createTranslator,
  loadCatalog,
  type MessageKey,
  resolveLocale,
  siteOverrides,
  type Translator,
  type WidgetLocale,
} from '../i18n/i18n';
import type { EmailOffer, PanelHandle, PanelHost, WidgetConnectOptions } from '../loader/settings';
import type { ServerConnector } from '../server/server-connector';
import { BADGE_CSS } from './badge.styles';
import type { PanelContext, PanelState } from './context';
import { errorText } from './form';
import { panelStyles } from './panel.styles';
import { StoreController } from './store-controller';
import {
  createWidgetModel,
  isFinished,
  type WidgetModel,
  type WidgetModelEvent,
  type WidgetView,
} from './widget.model';

const TITLES: Readonly<Record<WidgetView, MessageKey>> = {
  home: 'title',
  prechat: 'prechatTitle',
  chat: 'title',
  callback: 'callbackTitle',
  offline: 'offlineTitle',
  call: 'callTitle',
  voicemail: 'voicemailTitle',
};

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';
const ACTIVE_KEY = 'helpline:active';

/** Views outside the first-open chunk: imported the first time they are shown. */
type View = (ctx: PanelContext) => TemplateResult;
const LAZY_VIEWS = {
  callback: () => import('../callback/callback.view').then((m) => m.renderCallback),
  call: () => import('../call/call.view').then((m) => m.renderCall),
  offline: () => import('../offline/offline.view').then((m) => m.renderOffline),
  ended: () => import('../chat/ended.view').then((m) => m.renderEnded),
  prechat: () => import('../chat/prechat.view').then((m) => m.renderPrechat),
  voicemail: () => import('../voicemail/voicemail.view').then((m) => m.renderVoicemail),
} satisfies Record<string, () => Promise<View>>;
type LazyView = keyof typeof LAZY_VIEWS;

let serverConnector: ServerConnector | undefined;
const darkScheme = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

/** Replaces how the panel reaches a server from the `server` attribute (tests, custom backends). */
export function setServerConnector(connector: ServerConnector | undefined): void {
  serverConnector = connector;
}

function remember(active: boolean): void {
  try {
    if (active) localStorage.setItem(ACTIVE_KEY, '1');
    else localStorage.removeItem(ACTIVE_KEY);
  } catch {
    // Storage blocked: the conversation is restored on the next open instead of at page load.
  }
}

/**
 * `<helpline-panel>`: the chat, callback, offline-message and call panel the loader mounts on first open.
 * Lit, shadow DOM, constructable stylesheets only.
 *
 * @summary The visitor panel: chat, callback, offline message and click-to-call.
 * @csspart panel - The dialog box.
 * @csspart header - The title bar. @csspart title - The title. @csspart back - The back button.
 * @csspart minimize - The minimize button. @csspart banner - The reconnecting/offline banner.
 * @csspart body - The scrolling content. @csspart messages - The message log. @csspart message - A message.
 * @csspart message-visitor - The visitor's message. @csspart message-agent - An agent's message.
 * @csspart author - A message's sender. @csspart text - A message's text. @csspart meta - Time and delivery state.
 * @csspart status - Queue position, agent name, typing. @csspart composer - The message form.
 * @csspart send - The send button. @csspart button - Any action button. @csspart topic - A topic menu entry.
 * @csspart error - An error alert. @csspart field-error - A field's error. @csspart field - A form field.
 * @csspart footer - The end-of-chat area. @csspart csat - The rating form.
 * @csspart call-state - The call state. @csspart call-controls - Mute and hang up.
 * @cssprop --helpline-surface - Panel background (dark: --helpline-dark-surface).
 * @cssprop --helpline-raised - Agent bubbles and banners (dark: --helpline-dark-raised).
 * @cssprop --helpline-text - Text color (dark: --helpline-dark-text).
 * @cssprop --helpline-muted - Secondary text (dark: --helpline-dark-muted).
 * @cssprop --helpline-border - Borders of fields and buttons (dark: --helpline-dark-border).
 * @cssprop --helpline-error - Error text (dark: --helpline-dark-error).
 * @cssprop --helpline-focus - Focus ring (dark: --helpline-dark-focus).
 * @cssprop --helpline-radius - Panel corner radius (default 16px).
 */
export class HelplinePanelElement extends LitElement implements PanelHandle {
  static override styles = panelStyles;

  /** The loader that mounted this panel. */
  widget!: PanelHost;

  #i18n: Translator | undefined;
  #locale: WidgetLocale | undefined;
  #model: WidgetModel | undefined;
  #session: VisitorSession | undefined;
  #connecting = false;
  #connectError: MessageKey | undefined;
  #voice: VoiceLoader | undefined;
  #uploads: WidgetConnectOptions | undefined;
  #email: EmailOffer | undefined;
  #serverConfig: SiteConfig = {};
  #lastView: WidgetView | undefined;
  #wasOpen = false;
  readonly #views: Partial<Record<LazyView, View>> = {};
  #cleanups: (() => void)[] = [];
  readonly #state: PanelState = { slotMode: 'asap' };
  #ticker: ReturnType<typeof setInterval> | undefined;

  /** Re-reads the loader's attributes and settings. */
  sync(): void {
    const widget = this.widget;
    this.hidden = !widget.open;
    const theme = widget.getAttribute('theme');
    this.setAttribute(
      'theme',
      theme === 'dark' || (theme !== 'light' && darkScheme?.matches) ? 'dark' : 'light',
    );
    void this.#syncLocale();
    if (!this.#session && !this.#connecting) void this.#connect();
    this.#model?.setConfig(this.#config());
    this.#model?.setVisible(widget.open && document.visibilityState === 'visible');
    if (widget.open && !this.#wasOpen) {
      this.#lastView = undefined; // focus moves in on the next render
      this.#state.logScrolledBack = false; // what arrived while it was closed (the unread count) shows on opening
      void this.updateComplete.then(() => this.#animateIn());
    }
    this.#wasOpen = widget.open;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const onChange = () => this.sync();
    document.addEventListener('visibilitychange', onChange);
    darkScheme?.addEventListener('change', onChange);
    this.#cleanups.push(() => {
      document.removeEventListener('visibilitychange', onChange);
      darkScheme?.removeEventListener('change', onChange);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopTicking();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#model?.dispose();
    this.#session?.close();
    this.#model = undefined;
    this.#session = undefined;
  }

  /** Redraws every second while a call is being talked on and the panel shows it, so its timer runs. */
  #tickWhileTalking(): void {
    const talking = this.widget.open && this.#state.call?.$call.get()?.state === 'active';
    if (talking && this.#ticker === undefined) this.#ticker = setInterval(() => this.requestUpdate(), 1000);
    else if (!talking) this.#stopTicking();
  }

  #stopTicking(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  /** A short fade-in on open, skipped when the visitor prefers reduced motion (WAAPI: no style attribute). */
  #animateIn(): void {
    if (globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches) return;
    this.renderRoot.querySelector('[part~="panel"]')?.animate(
      [
        { opacity: 0, transform: 'translateY(12px)' },
        { opacity: 1, transform: 'none' },
      ],
      {
        duration: 180,
        easing: 'ease-out',
      },
    );
  }

  #config(): SiteConfig {
    return { ...this.#serverConfig, ...this.#connection()?.config, ...this.widget.settings.config };
  }

  #connection(): WidgetConnectOptions | undefined {
    return this.widget.settings.connection;
  }

  async #syncLocale(): Promise<void> {
    const locale = resolveLocale([this.widget.lang, document.documentElement.lang, ...navigator.languages]);
    const overrides = siteOverrides(this.#config().messages, locale);
    if (locale !== this.#locale) {
      this.#locale = locale;
      const catalog = await loadCatalog(locale);
      if (locale !== this.#locale) return;
      this.#i18n = createTranslator(locale, catalog, overrides);
    } else if (this.#i18n) {
      this.#i18n = createTranslator(locale, await loadCatalog(locale), overrides);
    }
    this.#syncLauncher();
    this.requestUpdate();
  }

  async #connect(): Promise<void> {
    this.#connecting = true;
    this.#connectError = undefined;
    try {
      let connection = this.#connection();
      const server = this.widget.getAttribute('server');
      if (!connection && server) {
        const connector = serverConnector ?? (await import('../server/server-connector')).connectToServer;
        const identity = this.widget.settings.identity;
        connection = await connector({
          server,
          site: this.widget.getAttribute('site') ?? 'default',
          ...(identity ? { identity } : {}),
        });
        this.#serverConfig = connection.config ?? {};
      }
      if (!connection) {
        // Nothing to connect to yet: `connect()` or a `server` attribute will call sync() again.
        return;
      }
      this.#start(connection);
    } catch (error) {
      // The server does not know this site: chat is unavailable here (the connector told the developer why).
      this.#connectError =
        (error as { code?: unknown }).code === 'site/unknown' ? 'unavailableHere' : 'errorConnect';
    } finally {
      this.#connecting = false;
      this.requestUpdate();
    }
  }

  #start(connection: WidgetConnectOptions): void {
    // The outbox a visitor session would import on its first connect, bundled with the panel (which connects at
    // once) instead: one request less. The key is the session's default, so a reload finds what was kept.
    const session = createVisitorSession({
      transport: connection.transport,
      token: connection.token,
      outbox: createBrowserOutbox({ key: 'visitor' }),
    });
    const identity = identityFromJwt(this.widget.settings.identity);
    const model = createWidgetModel({
      session,
      config: this.#config(),
      language: this.#locale ?? 'en',
      ...(identity ? { identity } : {}),
      onEvent: (event) => this.#announce(event),
    });
    this.#session = session;
    this.#model = model;
    this.#voice = connection.voice;
    if (connection.attachments) this.#uploads = connection;
    this.#email = connection.email;
    for (const store of [
      model.$view,
      model.$error,
      model.$fieldErrors,
      model.$busy,
      model.$closed,
      model.$callbackCancelled,
      model.$config,
      session.$connection,
      session.$interaction,
      session.$messages,
      session.$position,
      session.$agentTyping,
      session.$readByAgent,
    ] as const) {
      new StoreController<unknown>(this, store);
    }
    this.#cleanups.push(
      model.$unread.subscribe(() => this.#syncLauncher()),
      session.$interaction.subscribe((interaction) => {
        remember(interaction !== undefined && !isFinished(interaction));
        forgetMessageBodies(session.$messages.get());
      }),
      // After a reload the session brings back an open voice interaction: the call view takes its call over.
      model.$current.subscribe((interaction) => {
        if (interaction?.channel !== 'voice' || this.#state.call) return;
        const ctx = {
          model,
          voice: this.#voice,
          state: this.#state,
          requestUpdate: () => this.requestUpdate(),
        };
        import('../call/call.view').then((view) => view.reattachCall(ctx, interaction), model.fail);
      }),
    );
    model.setVisible(this.widget.open && document.visibilityState === 'visible');
    void model.restore();
  }

  #announce(event: WidgetModelEvent): void {
    const widget = this.widget;
    switch (event.type) {
      case 'message':
        widget.dispatchEvent(
          new HelplineMessageEvent(event.message, toPlainText(tokenize(event.message.text))),
        );
        break;
      case 'chat-start':
      case 'chat-end':
        widget.dispatchEvent(new HelplineConversationEvent(`helpline-${event.type}`, event.cid));
        break;
      case 'callback':
        widget.dispatchEvent(new HelplineCallbackEvent(event.cid, event.phone, event.slot));
        break;
      case 'error':
        if (this.#i18n)
          widget.dispatchEvent(new HelplineErrorEvent(event.error.key, errorText(event.error, this.#i18n)));
        break;
    }
  }

  #syncLauncher(): void {
    const i18n = this.#i18n;
    if (!i18n) return;
    const unread = this.#model?.$unread.get() ?? 0;
    const openLabel =
      unread > 0 ? `${i18n.t('openChat')} (${i18n.t('unread', { count: unread })})` : i18n.t('openChat');
    const changed = unread !== this.widget.unread;
    this.widget.labels = [openLabel, i18n.t('closeChat')];
    this.widget.unread = unread;
    if (changed) this.widget.dispatchEvent(new HelplineUnreadEvent(unread));
  }

  #context(model: WidgetModel, i18n: Translator): PanelContext {
    return {
      model,
      i18n,
      config: model.$config.get(),
      voice: this.#voice,
      state: this.#state,
      uploads: this.#uploads,
      email: this.#email,
      requestUpdate: () => this.requestUpdate(),
    };
  }

  #onKeydown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.widget.open = false;
      return;
    }
    if (event.key !== 'Tab') return;
    // Keep focus inside the open dialog (WCAG 2.4.3 with aria-modal): wrap around at both ends.
    const items = [...this.renderRoot.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (element) => !element.matches(':disabled') && element.getClientRects().length > 0,
    );
    const first = items[0];
    const last = items.at(-1);
    const active = this.shadowRoot?.activeElement;
    if (!first || !last) return;
    if (event.shiftKey && (active === first || !items.includes(active as HTMLElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  /** Renders a lazily loaded view, importing it on first use (a "loading" status shows meanwhile). */
  #lazy(name: LazyView, ctx: PanelContext): TemplateResult {
    const view = this.#views[name];
    if (view) return view(ctx);
    void Promise.all([LAZY_VIEWS[name](), import('./view.styles')]).then(
      ([loaded, { viewStyles }]) => {
        const root = this.shadowRoot;
        const sheet = viewStyles.styleSheet;
        if (root && sheet && !root.adoptedStyleSheets.includes(sheet)) {
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
        }
        this.#views[name] = loaded;
        this.requestUpdate();
      },
      (error: unknown) => ctx.model.fail(error),
    );
    return html`<p role="status">${ctx.i18n.t('loading')}</p>`;
  }

  #body(view: WidgetView, ctx: PanelContext): TemplateResult {
    switch (view) {
      case 'chat':
        return renderChat(ctx, (inner) => this.#lazy('ended', inner));
      case 'prechat':
      case 'offline':
      case 'callback':
      case 'call':
      case 'voicemail':
        return this.#lazy(view, ctx);
      default:
        return renderHome(ctx);
    }
  }

  override render(): TemplateResult | typeof nothing {
    const i18n = this.#i18n;
    if (!i18n) return nothing;
    const model = this.#model;
    const view = model?.$view.get() ?? 'home';
    const routed = view !== 'chat' && view !== 'home' && model?.session.$interaction.get() === undefined;
    const connection = model?.session.$connection.get();
    const flags = connection && connectionFlags(connection);
    // Refused for good (unknown site, origin, token…): the visitor gets plain words, the developer the details in
    // the browser console (the connection reports them once).
    const refused = connection?.context.closedBy === 'server';
    const unreachable = connection?.context.error?.code === 'connection/unreachable';
    let body: TemplateResult;
    if (model) body = this.#body(view, this.#context(model, i18n));
    else if (this.#connectError) body = html`<p part="error" role="alert">${i18n.t(this.#connectError)}</p>`;
    else body = html`<p role="status">${i18n.t('loading')}</p>`;
    return html`<section
      part="panel"
      role="dialog"
      aria-modal="true"
      aria-labelledby="title"
      dir=${i18n.dir}
      lang=${i18n.locale}
      @keydown=${this.#onKeydown}
    >
      <header part="header">
        ${
          routed
            ? html`<button part="back" aria-label=${i18n.t('back')} @click=${() => model?.navigate('home')}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M15.4 7.4 14 6l-6 6 6 6 1.4-1.4-4.6-4.6z" /></svg>
            </button>`
            : nothing
        }
        <h2 id="title" part="title" tabindex="-1">${i18n.t(TITLES[view])}</h2>
        <button part="minimize" aria-label=${i18n.t('minimize')} @click=${() => {
          this.widget.open = false;
        }}>
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 11h14v2H5z" /></svg>
        </button>
      </header>
      ${
        refused
          ? html`<p part="banner" role="alert">${i18n.t('unavailableHere')}</p>`
          : flags?.showOffline
            ? html`<p part="banner" role="status">${i18n.t(flags.isSuspended ? 'suspended' : unreachable ? 'unreachable' : 'reconnecting')}</p>`
            : nothing
      }
      <div part="body" class=${view === 'chat' ? 'chat' : ''}>${body}</div>
    </section>`;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // Chat logs stick to their end while the reader is there (chat.view.ts tells when they scroll back).
    const log = this.renderRoot.querySelector('[part~="messages"]');
    if (log && !this.#state.logScrolledBack) log.scrollTop = log.scrollHeight;
    this.#tickWhileTalking();
    const view = this.#model ? this.#model.$view.get() : undefined;
    if (!this.widget.open || view === undefined || view === this.#lastView) return;
    // A new screen takes focus: its first field when it has one marked, else its title (announced by name).
    const target =
      this.renderRoot.querySelector<HTMLElement>('[data-initial-focus]') ??
      this.renderRoot.querySelector<HTMLElement>('[part~="title"]');
    if (!target) return;
    this.#lastView = view;
    target.focus();
  }
}

let badgeSheet: CSSStyleSheet | undefined;

/** The launcher's unread badge only shows counts the panel keeps, so its styles load with the panel. */
function addBadgeStyles(root: Node): void {
  if (!(root instanceof ShadowRoot)) return;
  if (!badgeSheet) {
    badgeSheet = new CSSStyleSheet();
    badgeSheet.replaceSync(BADGE_CSS);
  }
  if (!root.adoptedStyleSheets.includes(badgeSheet))
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, badgeSheet];
}

/** Mounts the panel into the loader (the loader calls this once, on first open or to restore a chat). */
export function mountPanel(widget: PanelHost, container: HTMLElement): PanelHandle {
  // Lit's <style> fallback (browsers without constructable stylesheets) takes the page's CSP nonce from here.
  const nonce = widget.getAttribute('nonce');
  if (nonce) (globalThis as { litNonce?: string }).litNonce = nonce;
  if (!customElements.get('helpline-panel')) customElements.define('helpline-panel', HelplinePanelElement);
  addBadgeStyles(container.getRootNode());
  const panel = document.createElement('helpline-panel') as HelplinePanelElement;
  panel.widget = widget;
  container.prepend(panel);
  panel.sync();
  return panel;
}
