import type { AttachmentClientOptions, Transport } from '@helpline/core';
import type { VoiceLoader } from '../call/call.types';
import type { SiteConfig } from '../config/site-config';

/** How the widget reaches a Helpline server when the page does not use the `server` attribute. */
export interface WidgetConnectOptions {
  /** A transport to the server (the WebSocket transport, or the memory transport in tests and demos). */
  readonly transport: Transport;
  /** The visitor's bearer token, or a function returning a fresh one before each connect. */
  readonly token: string | (() => string | Promise<string>);
  /** Site configuration (topics, pre-chat form, open/closed, callback slots, texts). */
  readonly config?: SiteConfig | undefined;
  /** Loads the voice engine for click-to-call. Without it the call button is not shown. */
  readonly voice?: VoiceLoader | undefined;
  /**
   * Where files the visitor attaches are uploaded and fetched (the server's base URL, the site, its allow-list);
   * the token above is sent with each request. Without it the chat has no attach button.
   */
  readonly attachments?: WidgetAttachmentOptions | undefined;
  /**
   * "Get replies by email" in a chat: only when the server sends mail. The connection to a `helpline serve` site sets
   * it from the site config. Without it the chat does not offer it.
   */
  readonly email?: EmailOffer | undefined;
}

/**
 * The chat's "continue by email" offer, as the connection to a `helpline serve` site makes it: rendered by the panel
 * (its view is a chunk of its own, loaded on first use).
 */
export interface EmailOffer {
  /** Renders the offer into the chat of the panel context `context`. */
  render(context: unknown): unknown;
}

/** The upload settings of {@link WidgetConnectOptions.attachments}: core's upload client options but the token. */
export type WidgetAttachmentOptions = Omit<AttachmentClientOptions, 'token'>;

/** Everything the page told the loader before (or after) the panel loaded; the panel reads it. */
export interface WidgetSettings {
  connection?: WidgetConnectOptions;
  /** Signed identity JWT from `identify()`. */
  identity?: string;
  /** Site configuration from `configure()`, merged over the server's. */
  config?: SiteConfig;
}

/** What the lazily loaded panel module gives the loader. */
export interface PanelHandle {
  /** The loader's attributes or settings changed: re-read them. */
  sync(): void;
}

/** The panel module's entry point. */
export interface PanelModule {
  mountPanel(host: PanelHost, container: HTMLElement): PanelHandle;
}

/** The loader as the panel sees it. */
export interface PanelHost extends HTMLElement {
  readonly settings: WidgetSettings;
  open: boolean;
  /** Badge count on the launcher. */
  unread: number;
  /** Launcher labels [closed, open] in the visitor's language, with the unread count. */
  labels: readonly [string, string] | undefined;
  /** Moves focus to the launcher (after the panel closes). */
  focusLauncher(): void;
}
