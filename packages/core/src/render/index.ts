/**
 * The one safe message renderer: untrusted text plus a tiny markdown subset becomes a tree of
 * `RenderToken`s, and tokens become DOM nodes, never HTML strings. Visitor and agent content alike.
 *
 * - `tokenize` — text → tokens (pure, runs in Node and browsers, linear time).
 * - `renderToDom` / `renderMessage` — tokens / text → `DocumentFragment` (browser).
 * - `toPlainText` — tokens → text for notifications, aria labels and transcripts.
 * - `sanitizeUrl` — the link allowlist (`https:`, `mailto:`, `tel:`) on its own.
 *
 * @example
 * ```ts
 * import { renderMessage, toPlainText, tokenize } from '@helpline/core/render';
 *
 * bubble.replaceChildren(renderMessage(message.text));
 * new Notification(agentName, { body: toPlainText(tokenize(message.text)) });
 * ```
 *
 * @packageDocumentation
 */
export { LINK_PROTOCOLS, LINK_REL, sanitizeUrl, tokenize, toPlainText } from './render';
export { renderToDom } from './render.dom';
export { renderMessage } from './render.message';
export type {
  BreakToken,
  CodeToken,
  EmphasisToken,
  LinkProtocol,
  LinkToken,
  PlainTextOptions,
  RenderToken,
  TextToken,
  TokenizeOptions,
} from './render.types';
