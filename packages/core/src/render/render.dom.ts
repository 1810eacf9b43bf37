import { LINK_REL, sanitizeUrl, tokenize } from './render';
import { provideRichRenderer } from './render.message';
import type { RenderToken } from './render.types';

// Only createElement, createTextNode, setAttribute and appendChild below: no HTML parsing sink is ever
// touched, which is what keeps this renderer safe and working under `require-trusted-types-for 'script'`.

function appendTokens(parent: Node, tokens: readonly RenderToken[], doc: Document): void {
  for (const token of tokens) {
    const node = nodeFor(token, doc);
    if (node !== undefined) parent.appendChild(node);
  }
}

function elementWith(doc: Document, tagName: 'strong' | 'em', children: readonly RenderToken[]): HTMLElement {
  const element = doc.createElement(tagName);
  appendTokens(element, children, doc);
  return element;
}

function nodeFor(token: RenderToken, doc: Document): Node | undefined {
  switch (token.kind) {
    case 'text':
      return doc.createTextNode(token.text);
    case 'break':
      return doc.createElement('br');
    case 'code': {
      const code = doc.createElement('code');
      code.appendChild(doc.createTextNode(token.text));
      return code;
    }
    case 'strong':
    case 'em':
      return elementWith(doc, token.kind, token.children);
    case 'link': {
      // Tokens may have been built or stored by someone else: the href is checked again here.
      const href = sanitizeUrl(token.href);
      if (href === undefined) {
        const label = doc.createDocumentFragment();
        appendTokens(label, token.children, doc);
        return label;
      }
      const anchor = doc.createElement('a');
      anchor.setAttribute('href', href);
      anchor.setAttribute('rel', LINK_REL);
      if (href.startsWith('https:')) anchor.setAttribute('target', '_blank');
      appendTokens(anchor, token.children, doc);
      return anchor;
    }
    default:
      // A token of an unknown kind (from untyped callers) is dropped rather than guessed at.
      return undefined;
  }
}

/**
 * Builds DOM nodes for render tokens: text nodes, `<strong>`, `<em>`, `<code>`, `<br>` and
 * `<a href rel="noopener noreferrer nofollow">` (plus `target="_blank"` for https). Never parses HTML, so it
 * works under Trusted Types and a strict CSP. Link hrefs are sanitized again, so hand-built tokens are safe
 * too. Use `renderMessage` to go straight from text.
 *
 * @example
 * ```ts
 * bubble.append(renderToDom(tokenize(message.text)));
 * ```
 */
export function renderToDom(tokens: readonly RenderToken[], doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  appendTokens(fragment, tokens, doc);
  return fragment;
}

// This module in a page makes `renderMessage` format at once: nothing waits for it to load.
provideRichRenderer((text, doc, options) => renderToDom(tokenize(text, options), doc));
