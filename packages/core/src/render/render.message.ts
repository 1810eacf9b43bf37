import type { TokenizeOptions } from './render.types';

// `renderMessage` without the tokenizer in the page that calls it: most messages are plain text, which needs only
// text nodes and `<br>`; the markdown subset and links (`render.dom.ts` with `render.ts`, about 2 KB br) load with
// the first message that needs them. Whatever renders meanwhile is that plain text, upgraded in place once they are
// here. Only createElement, createTextNode and appendChild build the plain text: no HTML parsing sink is touched.

/** Longest input rendered by default (`TokenizeOptions.maxLength`). */
export const DEFAULT_MAX_LENGTH = 100_000;

/** Renders text with the markdown subset and links: `renderToDom(tokenize(text, options), doc)`. */
type RichRenderer = (text: string, doc: Document, options?: TokenizeOptions) => DocumentFragment;

let rich: RichRenderer | undefined;
let loading = false;
/** Messages shown as plain text until the rich renderer is here: the nodes standing in for each. */
const waiting: { readonly nodes: Node[]; readonly render: () => DocumentFragment }[] = [];

const MARKUP = /[\\`*_[]/;
const LINK = /https:\/\/|mailto:|tel:\+/i;

/**
 * Called by `render.dom.ts` when it is evaluated: in a page that bundles the DOM renderer anyway (it imports
 * `renderToDom`), every message is rendered rich at once; otherwise when the first one that needs it loads it.
 *
 * @internal
 */
export function provideRichRenderer(renderer: RichRenderer): void {
  rich = renderer;
  for (const { nodes, render } of waiting.splice(0)) {
    const [first] = nodes;
    // A message no longer on screen has nothing to upgrade.
    if (!first?.parentNode) continue;
    first.parentNode.insertBefore(render(), first);
    for (const node of nodes) node.parentNode?.removeChild(node);
  }
}

/** Appends `text` as text nodes, a `<br>` for each line break (as the tokenizer splits lines). */
function appendPlain(fragment: DocumentFragment, text: string, doc: Document): Node[] {
  const nodes: Node[] = [];
  text.split(/\r\n?|\n/).forEach((line, index) => {
    if (index > 0) nodes.push(fragment.appendChild(doc.createElement('br')));
    if (line !== '') nodes.push(fragment.appendChild(doc.createTextNode(line)));
  });
  return nodes;
}

/**
 * Renders untrusted message text (a tiny markdown subset, see `tokenize`) into a `DocumentFragment`:
 * `renderToDom(tokenize(text, options), doc)`. The one way widget, console and transcripts show messages.
 *
 * Plain text renders at once. The markdown subset and links need the tokenizer, which a page that does not import
 * it loads with the first message that has markup or a link: until it is here (a few milliseconds, once), that
 * message shows as plain text and is then formatted in place.
 *
 * @example
 * ```ts
 * bubble.replaceChildren(renderMessage('**Hello!** Track it at https://shop.example/orders/42'));
 * nameLabel.replaceChildren(renderMessage(agent.name, document, { markdown: false, autolink: false }));
 * ```
 */
export function renderMessage(
  text: string,
  doc: Document = document,
  options: TokenizeOptions = {},
): DocumentFragment {
  const source = typeof text === 'string' ? text : '';
  const plain =
    !((options.markdown ?? true) && MARKUP.test(source)) &&
    !((options.autolink ?? true) && LINK.test(source)) &&
    // Written as the tokenizer's cut is: a NaN limit means no limit.
    !(source.length > (options.maxLength ?? DEFAULT_MAX_LENGTH));
  if (rich && !plain) return rich(source, doc, options);
  const fragment = doc.createDocumentFragment();
  const nodes = appendPlain(fragment, source, doc);
  if (!plain) {
    waiting.push({ nodes, render: () => (rich as RichRenderer)(source, doc, options) });
    // A failed load is tried again by the next such message; this one stays plain text.
    if (!loading) {
      loading = true;
      import('./render.dom').catch(() => {
        loading = false;
      });
    }
  }
  return fragment;
}
