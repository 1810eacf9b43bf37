import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import payloads from './fixtures/xss-payloads.json' with { type: 'json' };
import { LINK_REL, tokenize } from './render';
import { renderToDom } from './render.dom';
import { renderMessage } from './render.message';
import type { RenderToken } from './render.types';

// Node has no DOM: a recording fake stands in for it. It allows exactly the members the renderer may use,
// so touching any other one (innerHTML, insertAdjacentHTML, textContent, …) is caught as a violation.

type FakeNode = FakeText | FakeElement | FakeFragment;

interface FakeText {
  readonly type: 'text';
  readonly data: string;
}

interface FakeElement {
  readonly type: 'element';
  readonly tagName: string;
  readonly attributes: Map<string, string>;
  readonly childNodes: FakeNode[];
}

interface FakeFragment {
  readonly type: 'fragment';
  readonly childNodes: FakeNode[];
}

const ALLOWED_MEMBERS = new Set<PropertyKey>(['appendChild', 'setAttribute']);
const ALLOWED_DOCUMENT_MEMBERS = new Set<PropertyKey>([
  'createElement',
  'createTextNode',
  'createDocumentFragment',
]);

function fakeDocument(violations: string[]): Document {
  const guard = <T extends object>(target: T, allowed: Set<PropertyKey>, name: string): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        if (!allowed.has(property)) violations.push(`${name}.${String(property)}`);
        return Reflect.get(object, property, receiver);
      },
      set(_object, property) {
        violations.push(`${name}.${String(property)} =`);
        return false;
      },
    });
  // Proxies expose a node's API; the plain objects behind them are what the assertions read.
  const nodes = new WeakMap<object, FakeNode>();
  const api = (node: FakeElement | FakeFragment, name: string) => {
    const handle = guard(
      {
        appendChild(child: object) {
          const inner = nodes.get(child);
          assert.ok(inner, 'appended a node the fake document did not create');
          if (inner.type === 'fragment') node.childNodes.push(...inner.childNodes.splice(0));
          else node.childNodes.push(inner);
          return child;
        },
        setAttribute(attribute: string, value: string) {
          if (node.type === 'element') node.attributes.set(attribute, String(value));
        },
      },
      ALLOWED_MEMBERS,
      name,
    );
    nodes.set(handle, node);
    return handle;
  };
  const document = guard(
    {
      createElement: (tagName: string) =>
        api({ type: 'element', tagName, attributes: new Map(), childNodes: [] }, `<${tagName}>`),
      createTextNode: (data: string) => {
        const handle = guard({}, new Set(), '#text');
        nodes.set(handle, { type: 'text', data: String(data) });
        return handle;
      },
      createDocumentFragment: () => api({ type: 'fragment', childNodes: [] }, '#fragment'),
    },
    ALLOWED_DOCUMENT_MEMBERS,
    'document',
  );
  fakeRoots.set(document, nodes);
  return document as unknown as Document;
}

const fakeRoots = new WeakMap<object, WeakMap<object, FakeNode>>();

function unwrap(document: Document, handle: object): FakeNode {
  const node = fakeRoots.get(document)?.get(handle);
  assert.ok(node, 'not a node of this fake document');
  return node;
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function serialize(node: FakeNode): string {
  if (node.type === 'text') return escapeText(node.data);
  const inner = node.childNodes.map(serialize).join('');
  if (node.type === 'fragment') return inner;
  const attributes = [...node.attributes].map(([name, value]) => ` ${name}="${escapeText(value)}"`).join('');
  return node.tagName === 'br'
    ? `<br${attributes}>`
    : `<${node.tagName}${attributes}>${inner}</${node.tagName}>`;
}

function* elements(node: FakeNode): Generator<FakeElement> {
  if (node.type === 'text') return;
  if (node.type === 'element') yield node;
  for (const child of node.childNodes) yield* elements(child);
}

function render(tokens: readonly RenderToken[]): { root: FakeNode; violations: string[] } {
  const violations: string[] = [];
  const document = fakeDocument(violations);
  return { root: unwrap(document, renderToDom(tokens, document)), violations };
}

const ALLOWED_TAGS = new Set(['strong', 'em', 'code', 'a', 'br']);

function assertSafeTree(root: FakeNode, input: string): void {
  for (const element of elements(root)) {
    assert.ok(ALLOWED_TAGS.has(element.tagName), `<${element.tagName}> from ${JSON.stringify(input)}`);
    for (const name of element.attributes.keys()) assert.ok(['href', 'rel', 'target'].includes(name), name);
    if (element.tagName === 'a') {
      const href = element.attributes.get('href') ?? '';
      assert.ok(['https:', 'mailto:', 'tel:'].includes(new URL(href).protocol), href);
      assert.equal(element.attributes.get('rel'), LINK_REL);
    }
  }
}

describe('renderToDom', () => {
  it('builds strong, em, code, br and links', () => {
    const { root, violations } = render(
      tokenize('**Hi** _there_\n`<x>` [docs](https://example.com) mailto:a@b.example tel:+15550100'),
    );
    assert.deepEqual(violations, []);
    assert.equal(
      serialize(root),
      '<strong>Hi</strong> <em>there</em><br><code>&lt;x&gt;</code> ' +
        `<a href="https://example.com/" rel="${LINK_REL}" target="_blank">docs</a> ` +
        `<a href="mailto:a@b.example" rel="${LINK_REL}">mailto:a@b.example</a> ` +
        `<a href="tel:+15550100" rel="${LINK_REL}">tel:+15550100</a>`,
    );
  });

  it('puts HTML into one text node, verbatim', () => {
    const html = '<img src=x onerror=alert(1)>';
    const { root } = render(tokenize(html));
    assert.deepEqual(root, { type: 'fragment', childNodes: [{ type: 'text', data: html }] });
  });

  it('re-checks hand-built link tokens: a javascript: href renders its label as text', () => {
    const { root } = render([
      {
        kind: 'link',
        href: 'javascript:alert(1)',
        children: [{ kind: 'strong', children: [{ kind: 'text', text: 'x' }] }],
      },
    ]);
    assert.equal(serialize(root), '<strong>x</strong>');
  });

  it('canonicalises a hand-built href', () => {
    const { root } = render([
      { kind: 'link', href: ' HTTPS://Example.com', children: [{ kind: 'text', text: 'x' }] },
    ]);
    assert.equal(serialize(root), `<a href="https://example.com/" rel="${LINK_REL}" target="_blank">x</a>`);
  });

  it('drops tokens of an unknown kind', () => {
    const tokens = [
      { kind: 'html', html: '<script>alert(1)</script>' },
      { kind: 'text', text: 'ok' },
    ];
    assert.equal(serialize(render(tokens as unknown as RenderToken[]).root), 'ok');
  });

  it('renders every XSS payload with allowed tags and links only, through allowed DOM members only', () => {
    for (const payload of payloads) {
      const { root, violations } = render(tokenize(payload));
      assert.deepEqual(violations, [], payload);
      assertSafeTree(root, payload);
    }
  });

  it('renders any string safely', () => {
    const input = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...payloads));
    fc.assert(
      fc.property(input, (text) => {
        const { root, violations } = render(tokenize(text));
        assert.deepEqual(violations, []);
        assertSafeTree(root, text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderMessage', () => {
  it('tokenizes with the given options and renders into the given document', () => {
    const violations: string[] = [];
    const document = fakeDocument(violations);
    const fragment = renderMessage('**Ann** https://a.example', document, {
      markdown: false,
      autolink: false,
    });
    assert.deepEqual(unwrap(document, fragment), {
      type: 'fragment',
      childNodes: [{ type: 'text', data: '**Ann** https://a.example' }],
    });
    assert.deepEqual(violations, []);
  });

  it('renders text without markup or links itself, exactly as the tokenizer would', () => {
    // Plain text never waits for the tokenizer: lines, line breaks and the length cap are the fast path's own.
    const plain = fc.string({
      unit: fc.constantFrom('a', 'Z', ' ', '\n', '\r', 'é', '<', '!', '(', 'h', 't', ':', '/'),
    });
    fc.assert(
      fc.property(plain, fc.option(fc.nat(40), { nil: undefined }), (text, maxLength) => {
        const violations: string[] = [];
        const document = fakeDocument(violations);
        const options = maxLength === undefined ? {} : { maxLength };
        assert.deepEqual(
          unwrap(document, renderMessage(text, document, options)),
          unwrap(document, renderToDom(tokenize(text, options), document)),
          JSON.stringify(text),
        );
        assert.deepEqual(violations, []);
      }),
      { numRuns: 500 },
    );
  });
});
