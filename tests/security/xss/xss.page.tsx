// The XSS host page: the widget (visitor side) and the React <AgentConsole> (agent side) on one page under a strict
// CSP with Trusted Types, both connected to an in-page hub. `window.__xssRun()` pushes every payload of the corpus
// through each render path and reports what it finds. Bundled by xss.test.ts with esbuild.
import { isHelplineError, isStorableText } from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate } from '@helpline/core/hub';
import { createAgentSession } from '@helpline/core/session';
import { supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import { AgentConsole, HelplineProvider } from '@helpline/react';
import { defineHelplineWidget } from '@helpline/widget';
import { createRoot } from 'react-dom/client';
import payloads from '../../../packages/core/src/render/fixtures/xss-payloads.json';

/** What the page reports back to the test. */
export interface XssReport {
  readonly payloads: number;
  /** Payloads the database could not store (NUL, lone surrogates), refused as `validation/field` before sending. */
  readonly refused: number;
  readonly executed: unknown;
  readonly violations: readonly string[];
  readonly unsafe: readonly string[];
  readonly links: number;
  readonly externalLinks: number;
  readonly widgetMessages: number;
  readonly consoleTexts: Readonly<Record<string, boolean>>;
}

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(`${event.violatedDirective}: ${event.blockedURI} ${event.sample}`);
});
// Every payload that manages to run code in this corpus calls alert or sets window.__xss.
window.alert = () => Reflect.set(window, '__xss', 'alert');

/** Every element of the page, across open shadow roots. */
function allElements(root: ParentNode = document.body): Element[] {
  const found: Element[] = [];
  for (const element of root.querySelectorAll('*')) {
    found.push(element);
    if (element.shadowRoot) found.push(...allElements(element.shadowRoot));
  }
  return found;
}

const SCRIPTY = new Set(['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'meta', 'link']);
const URL_ATTRIBUTES = [
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'srcdoc',
];

/** Handler attributes, script-capable elements and dangerous URLs anywhere in the page. */
function findUnsafe(): { unsafe: string[]; links: number; externalLinks: number } {
  const unsafe: string[] = [];
  let links = 0;
  let externalLinks = 0;
  for (const element of allElements()) {
    const name = element.localName;
    if (SCRIPTY.has(name) && !(name === 'script' && element.getAttribute('src') === '/page.js'))
      unsafe.push(`<${name}>`);
    for (const attribute of element.attributes) {
      if (/^on/i.test(attribute.name)) unsafe.push(`${name}[${attribute.name}]`);
      if (
        URL_ATTRIBUTES.includes(attribute.name.toLowerCase()) &&
        /^\s*(javascript|data|vbscript):/i.test(attribute.value)
      )
        unsafe.push(`${name}[${attribute.name}=${attribute.value.slice(0, 40)}]`);
    }
    if (element instanceof HTMLAnchorElement && element.hasAttribute('href')) {
      links++;
      if (!['https:', 'mailto:', 'tel:'].includes(element.protocol))
        unsafe.push(`<a href="${element.href.slice(0, 60)}">`);
      if (element.protocol === 'https:') {
        externalLinks++;
        const rel = element.rel.split(/\s+/);
        if (!rel.includes('noopener'))
          unsafe.push(`<a href="${element.href.slice(0, 60)}" rel="${element.rel}">`);
      }
    }
  }
  return { unsafe, links, externalLinks };
}

const settle = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100)));

// One batch of the corpus per page: a conversation of 1,000+ messages renders too slowly for a test (reported).
async function run(offset = 0, limit = payloads.length): Promise<XssReport> {
  const batch = payloads.slice(offset, offset + limit);
  // Text the database cannot store is refused before it is sent: those payloads are checked for that, the rest
  // go through every render path.
  const corpus = batch.filter(isStorableText);
  const unstorable = batch.filter((payload) => !isStorableText(payload));
  // A payload without ':' (dev tokens are colon-separated) as the visitor's name, a short one as the agent's.
  const visitorName =
    payloads.find((p) => !p.includes(':') && p.includes('<img')) ?? '<img src=x onerror=alert(1)>';
  const agentName = payloads.find((p) => p.length <= 120 && p.includes('<svg')) ?? '<svg onload=alert(1)>';
  const hub = createHub({
    queues: [{ ...supportQueue, acw: { kind: 'none' }, dispositionRequired: false }],
    agents: [testAgent('alice', { displayName: agentName })],
    authenticate: devAuthenticate,
  });
  const transport = createMemoryTransport({ hub });
  const agent = createAgentSession({ transport, token: `dev:agent:alice:${agentName}` });
  await agent.setPresence('available');
  const consoleRoot = document.getElementById('console');
  if (!consoleRoot) throw new Error('no #console');
  createRoot(consoleRoot).render(
    <HelplineProvider agent={agent}>
      <AgentConsole queues={[supportQueue]} />
    </HelplineProvider>,
  );

  defineHelplineWidget();
  const widget = document.createElement('helpline-widget');
  widget.connect({ transport, token: `dev:visitor:v1:${visitorName}` });
  document.body.append(widget);
  const panel = () => {
    const root = widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot;
    if (!root) throw new Error('the panel is not mounted');
    return root;
  };
  const $ = <E extends Element>(selector: string): E => {
    const found = panel().querySelector<E>(selector);
    if (!found) throw new Error(`no ${selector}`);
    return found;
  };
  const has = (selector: string) =>
    widget.shadowRoot?.querySelector('helpline-panel')?.shadowRoot?.querySelector(selector) != null;
  widget.shadowRoot?.querySelector<HTMLButtonElement>('button[part~="launcher"]')?.click();
  await waitFor(() => has('[part~="start-chat"]'), 'start screen', 5_000);
  $<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => has('form[part~="prechat"]'), 'pre-chat form', 5_000);
  // Every text field of the pre-chat form gets a payload (the e-mail field only if it takes any text).
  for (const field of panel().querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(
    'form[part~="prechat"] input:not([type=email]):not([type=checkbox]), form[part~="prechat"] textarea',
  )) {
    field.value = payloads[1] ?? '';
    field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
  }
  $<HTMLFormElement>('form[part~="prechat"]').requestSubmit();
  await waitFor(() => Object.keys(agent.$offers.get()).length === 1, 'offer', 5_000);
  const cid = Object.keys(agent.$offers.get())[0] ?? '';
  await agent.accept(cid);
  await waitFor(() => has('form[part~="composer"]'), 'composer', 5_000);

  // Visitor messages through the widget's own composer, agent messages through the session the console uses.
  const widgetMessages = () =>
    panel().querySelectorAll('[part~="message-agent"], [part~="message-visitor"]').length;
  for (const payload of corpus) {
    const composer = $<HTMLTextAreaElement>('form[part~="composer"] textarea');
    composer.value = payload;
    composer.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    $<HTMLFormElement>('form[part~="composer"]').requestSubmit();
    await agent.sendMessage(cid, payload);
  }
  let refused = 0;
  for (const payload of unstorable) {
    await agent.sendMessage(cid, payload).then(
      () => undefined,
      (error: unknown) => {
        if (isHelplineError(error) && error.code === 'validation/field') refused++;
      },
    );
  }
  await waitFor(() => widgetMessages() >= corpus.length * 2, 'every payload shown in the widget', 30_000);
  await waitFor(
    () =>
      (agent.$conversations.get()[cid]?.messages.filter((m) => m.status === 'sent').length ?? 0) >=
      corpus.length * 2,
    'every payload confirmed',
    30_000,
  );
  // A plain last message: the console shows it once it has rendered everything before it.
  const sentinel = `end of payloads ${offset}`;
  await agent.sendMessage(cid, sentinel);
  await settle();
  const consoleText = consoleRoot.textContent ?? '';
  // The console names the customer once, everywhere: the pre-chat name (a payload) when one was given, else the
  // name the visitor signed in with (a payload too).
  const customerName = agent.$conversations.get()[cid]?.interaction?.customer.name?.trim() || visitorName;
  const consoleTexts = {
    // The console rendered up to the last message, and shows the customer's name as text.
    lastMessageShown: consoleText.includes(sentinel),
    customerNameAsText: customerName.length > 0 && consoleText.includes(customerName),
  };
  const { unsafe, links, externalLinks } = findUnsafe();
  return {
    payloads: batch.length,
    refused,
    executed: Reflect.get(window, '__xss'),
    violations,
    unsafe,
    links,
    externalLinks,
    widgetMessages: widgetMessages(),
    consoleTexts,
  };
}

Reflect.set(window, '__xssRun', run);
Reflect.set(window, '__xssFindUnsafe', findUnsafe);
