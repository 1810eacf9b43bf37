/**
 * `@helpline/widget`: the visitor widget. `<helpline-widget>` is the tiny launcher every page carries; the
 * chat, callback and call panel is a separate chunk imported on first open.
 *
 * @example
 * ```ts
 * import { defineHelplineWidget } from '@helpline/widget';
 * defineHelplineWidget();
 * const widget = document.createElement('helpline-widget');
 * widget.setAttribute('server', 'https://help.example.com');
 * widget.setAttribute('site', 'shop');
 * document.body.append(widget);
 * ```
 *
 * @packageDocumentation
 */
import { setPanelSource } from './loader/loader';

// Bundlers turn this into a separate chunk: the loader's own code stays ~2 KB.
setPanelSource(() => import('./panel/panel'));

export type {
  AttachRequest,
  CallRequest,
  CallSnapshot,
  CallState,
  VoiceLoader,
  WidgetCall,
  WidgetVoice,
} from './call/call.types';
export type {
  CallbackSlot,
  LocalizedText,
  PrechatField,
  SiteChannels,
  SiteConfig,
  Topic,
} from './config/site-config';
export type { Catalog, MessageKey, PartialCatalog, SiteMessages, WidgetLocale } from './i18n/i18n';
export {
  defineHelplineWidget,
  type HelplineGlobal,
  HelplineToggleEvent,
  HelplineWidgetElement,
  installGlobalApi,
  setPanelSource,
} from './loader/loader';
export type {
  EmailOffer,
  PanelHandle,
  PanelHost,
  PanelModule,
  WidgetAttachmentOptions,
  WidgetConnectOptions,
  WidgetSettings,
} from './loader/settings';
export type { ServerConnector, ServerConnectRequest } from './server/server-connector';
