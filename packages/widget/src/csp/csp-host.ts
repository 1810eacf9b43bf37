// The script of the strict-CSP host page (csp.test.ts): the ESM widget plus an in-process hub and an agent
// that answers, so the whole chat flow runs in a page with `script-src 'self' 'nonce-…'`, `style-src 'self'`
// and `require-trusted-types-for 'script'`.
import { waitFor } from '@helpline/core/testing';
import { createWidgetWorld } from '../testing/widget-world';

declare global {
  interface Window {
    violations: string[];
    flowDone: Promise<string>;
  }
}

window.violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});

async function flow(): Promise<string> {
  const lang = new URLSearchParams(location.search).get('lang') ?? 'en';
  const w = await createWidgetWorld({ lang, theme: 'light' });
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat');
  w.$<HTMLInputElement>('#field-name').value = '<img src=x onerror=alert(1)>';
  w.$<HTMLFormElement>('form[part~="prechat"]').requestSubmit();
  await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'offer');
  const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
  await w.agent.accept(cid);
  await waitFor(() => w.has('#message'), 'composer');
  w.$<HTMLTextAreaElement>('#message').value = 'Hello from a strict page **bold** https://shop.example';
  w.$<HTMLFormElement>('form[part~="composer"]').requestSubmit();
  await w.agent.sendMessage(cid, 'Hi! <script>alert(1)</script> [x](javascript:alert(1))');
  await waitFor(() => w.panel().querySelectorAll('[part~="message"]').length === 2, 'both messages');
  if (lang !== 'en') return 'rendered';
  await w.agent.end(cid);
  await waitFor(() => w.has('form[part~="csat"]'), 'rating');
  w.$<HTMLInputElement>('input[name="score"]').click();
  await waitFor(() => !w.$<HTMLButtonElement>('form[part~="csat"] button').disabled);
  w.$<HTMLFormElement>('form[part~="csat"]').requestSubmit();
  await w.waitForText('Thank you for your feedback!');
  return 'done';
}

window.flowDone = flow();
