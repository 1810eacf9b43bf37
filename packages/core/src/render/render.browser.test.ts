/// <reference types="mocha" />
import payloads from './fixtures/xss-payloads.json' with { type: 'json' };
import { LINK_REL, renderMessage, renderToDom, tokenize, toPlainText } from './index';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const ALLOWED_TAGS = ['strong', 'em', 'code', 'a', 'br'];
const ALLOWED_ATTRIBUTES = ['href', 'rel', 'target'];
const ALLOWED_PROTOCOLS = ['https:', 'mailto:', 'tel:'];

/** Everything unsafe about the DOM under `root`, as readable findings (empty when safe). */
function findUnsafe(root: ParentNode): string[] {
  const findings: string[] = [];
  for (const element of root.querySelectorAll('*')) {
    const tag = element.localName;
    if (!ALLOWED_TAGS.includes(tag)) findings.push(`<${tag}> element`);
    for (const { name } of element.attributes) {
      if (/^on/i.test(name)) findings.push(`<${tag} ${name}> event handler attribute`);
      else if (!ALLOWED_ATTRIBUTES.includes(name)) findings.push(`<${tag} ${name}> attribute`);
    }
    if (tag === 'a') {
      // Not `instanceof`: elements of the Trusted Types iframe belong to another realm.
      const anchor = element as HTMLAnchorElement;
      if (!ALLOWED_PROTOCOLS.includes(anchor.protocol)) findings.push(`<a href="${anchor.href}">`);
      if (anchor.rel !== LINK_REL) findings.push(`<a rel="${anchor.rel}">`);
      const expectedTarget = anchor.protocol === 'https:' ? '_blank' : '';
      if (anchor.target !== expectedTarget)
        findings.push(`<a href="${anchor.href}" target="${anchor.target}">`);
    }
  }
  return findings;
}

const xssFlag = (win: Window): unknown => Reflect.get(win, '__xss');

/** A same-origin URL that answers with something that is not an image, so an `<img>` of it fails to load. */
const notAnImage = new URL('./fixtures/xss-payloads.json', import.meta.url).href;

function imageError(doc: Document): Promise<void> {
  return new Promise((resolve) => {
    const canary = doc.createElement('img');
    canary.addEventListener('error', () => {
      canary.remove();
      resolve();
    });
    canary.setAttribute('src', notAnImage);
    doc.body.append(canary);
  });
}

/**
 * Resolves once two images that cannot load, one after the other, have reported their errors: by then any
 * `<img src=x onerror=…>` that a payload had managed to inject earlier has fired its handler too. Events, not
 * a fixed sleep.
 */
async function imageErrorsSettled(doc: Document): Promise<void> {
  await imageError(doc);
  await imageError(doc);
}

describe('render in a real DOM', () => {
  let container: HTMLElement;
  const originalAlert = window.alert;

  beforeEach(() => {
    Reflect.deleteProperty(window, '__xss');
    window.alert = () => Reflect.set(window, '__xss', 'alert');
    container = document.createElement('div');
    document.body.append(container);
  });

  afterEach(() => {
    container.remove();
    window.alert = originalAlert;
  });

  it('the checker itself finds scripts, handlers and bad links (so the tests below can fail)', () => {
    const unsafe = document.createElement('div');
    unsafe.append(document.createElement('script'));
    const image = document.createElement('img');
    image.setAttribute('onerror', 'window.__xss=1');
    const link = document.createElement('a');
    link.setAttribute('href', 'javascript:void 0');
    unsafe.append(image, link);
    const findings = findUnsafe(unsafe).join('\n');
    check(findings.includes('<script> element'), findings);
    check(findings.includes('<img onerror> event handler attribute'), findings);
    check(findings.includes('<a href="javascript:void 0">'), findings);
  });

  it('the window.__xss check sees an injected onerror handler (so the test below can fail)', async () => {
    const injected = document.createElement('img');
    injected.setAttribute('onerror', 'window.__xss=1');
    injected.setAttribute('src', notAnImage);
    container.append(injected);
    await imageErrorsSettled(document);
    check(xssFlag(window) === 1, `window.__xss is ${String(xssFlag(window))}`);
  });

  it('renders markdown into the expected elements', () => {
    container.append(renderMessage('**Hi** _there_\n`<b>` [docs](https://example.com) tel:+15550100'));
    check(container.querySelector('strong')?.textContent === 'Hi', container.outerHTML);
    check(container.querySelector('em')?.textContent === 'there', container.outerHTML);
    check(container.querySelector('br') !== null, container.outerHTML);
    check(container.querySelector('code')?.textContent === '<b>', container.outerHTML);
    check(container.querySelector('b') === null, container.outerHTML);
    const [docs, phone] = container.querySelectorAll('a');
    check(docs?.href === 'https://example.com/' && docs.target === '_blank', container.outerHTML);
    check(
      ['noopener', 'noreferrer', 'nofollow'].every((token) => docs.relList.contains(token)),
      docs.rel,
    );
    check(phone?.href === 'tel:+15550100' && !phone.hasAttribute('target'), container.outerHTML);
    check(findUnsafe(container).length === 0, findUnsafe(container).join('\n'));
  });

  it(`keeps all ${payloads.length} XSS payloads inert`, async () => {
    for (const payload of payloads) {
      const bubble = document.createElement('p');
      const tokens = tokenize(payload);
      bubble.append(renderToDom(tokens));
      container.append(bubble);
      const findings = findUnsafe(bubble);
      check(findings.length === 0, `${JSON.stringify(payload)} → ${findings.join(', ')}`);
      // Line breaks are <br> elements, so textContent is the plain text without them.
      const expectedText = toPlainText(tokens).replaceAll('\n', '');
      check(bubble.textContent === expectedText, `${JSON.stringify(payload)} → ${bubble.textContent}`);
    }
    check(
      container.querySelector('script, img, svg, iframe, object, embed, style') === null,
      'a dangerous element',
    );
    await imageErrorsSettled(document);
    check(xssFlag(window) === undefined, `window.__xss was set to ${String(xssFlag(window))}`);
  });

  it('works in a document that enforces Trusted Types', async () => {
    const frame = document.createElement('iframe');
    container.append(frame);
    const frameDocument = frame.contentDocument;
    const frameWindow = frame.contentWindow;
    check(frameDocument && frameWindow, 'no iframe document');
    const policy = frameDocument.createElement('meta');
    policy.httpEquiv = 'Content-Security-Policy';
    policy.content = "require-trusted-types-for 'script'";
    frameDocument.head.append(policy);

    const violations: string[] = [];
    const firstViolation = new Promise<void>((resolve) => {
      frameDocument.addEventListener('securitypolicyviolation', (event) => {
        violations.push(event.violatedDirective);
        resolve();
      });
    });
    // Proof that the policy is in force: a script sink written with a plain string throws and is reported.
    let enforced = false;
    try {
      frameDocument.createElement('script').text = 'void 0';
    } catch (error) {
      // The frame's TypeError is not an instance of this realm's Error: compare by name.
      enforced = typeof error === 'object' && error !== null && Reflect.get(error, 'name') === 'TypeError';
    }
    check(enforced, "require-trusted-types-for 'script' is not enforced in the test frame");
    await firstViolation;
    check(violations.join() === 'require-trusted-types-for', violations.join());
    violations.length = 0;

    for (const payload of payloads) frameDocument.body.append(renderMessage(payload, frameDocument));
    check(findUnsafe(frameDocument.body).length === 0, findUnsafe(frameDocument.body).join('\n'));
    check(frameDocument.querySelectorAll('a').length > 0, 'the corpus rendered no link at all');
    await imageErrorsSettled(frameDocument);
    check(violations.length === 0, `CSP violations: ${violations.join(', ')}`);
    check(xssFlag(frameWindow) === undefined && xssFlag(window) === undefined, 'a payload ran');
  });
});
