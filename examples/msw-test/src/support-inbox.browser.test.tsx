/// <reference types="mocha" />
// Tests the CRM's support inbox with no Helpline server: msw answers the HTTP API through its service worker
// and the WebSocket protocol in the page, from @helpline/core/msw's in-memory hub. The test plays the visitor.
import type { AgentSession } from '@helpline/core';
import { createHelplineMock, type HelplineMock } from '@helpline/core/msw';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { setupWorker } from 'msw/browser';
import { createRoot, type Root } from 'react-dom/client';
import { SupportInbox, signInAgent } from './support-inbox';

const worker = setupWorker();
let helpline: HelplineMock;
let agent: AgentSession | undefined;
let root: Root | undefined;
let page: HTMLElement;

before(() =>
  worker.start({
    quiet: true,
    // Every request to the Helpline server must be mocked; the test runner's own files pass through.
    onUnhandledRequest(request, print) {
      if (new URL(request.url).origin === new URL(helpline.url).origin) print.error();
    },
  }),
);
after(() => worker.stop());

beforeEach(() => {
  helpline = createHelplineMock(); // https://helpline.test, queue "support", agent alice, site "demo"
  worker.use(...helpline.handlers);
  page = document.createElement('div');
  document.body.append(page);
});

afterEach(() => {
  root?.unmount();
  page.remove();
  agent?.close();
  worker.resetHandlers();
  helpline.close();
});

async function showInbox(): Promise<AgentSession> {
  agent = await signInAgent(helpline.url, 'alice', 'Alice');
  const session = agent;
  root = createRoot(page);
  root.render(<SupportInbox agent={session} />);
  await session.setPresence('available');
  return session;
}

function buttonIn(container: Element, label: string): HTMLButtonElement {
  const button = [...container.querySelectorAll('button')].find((b) => b.textContent?.includes(label));
  if (!button) throw new Error(`no "${label}" button`);
  return button;
}

/** Types into the React-controlled composer and sends, as the agent would. */
async function reply(text: string): Promise<void> {
  const composer = page.querySelector<HTMLTextAreaElement>('.helpline-chat__composer textarea');
  if (!composer) throw new Error('no composer');
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(composer, text);
  composer.dispatchEvent(new Event('input', { bubbles: true }));
  const send = composer.form && buttonIn(composer.form, 'Send');
  await waitFor(() => send?.disabled === false, 'the Send button');
  send?.click();
}

describe('the support inbox, against a mocked Helpline server', () => {
  it('offers a visitor’s chat; the agent accepts it and replies', async () => {
    await showInbox();
    await helpline.visitor.say('Hi, my parcel is late.');

    await waitFor(() => page.querySelector('.helpline-offer') !== null, 'the offer');
    assert.include(page.querySelector('.helpline-offer')?.textContent, 'Ada');
    buttonIn(page.querySelector('.helpline-offer') as Element, 'Accept').click();

    await waitFor(
      () => page.textContent?.includes('Hi, my parcel is late.') === true,
      "the visitor's message",
    );
    await reply('It ships today.');
    const received = await helpline.visitor.waitForMessage('It ships today.');
    assert.strictEqual(received.from.name, 'Alice');
  });

  it('shows the server’s refusal on the offer and keeps it, so the agent can try again', async () => {
    await showInbox();
    const refused = helpline.failNext('offer.accept', 'agent/capacity');
    await helpline.visitor.say('Hello?');

    await waitFor(() => page.querySelector('.helpline-offer') !== null, 'the offer');
    const offer = page.querySelector('.helpline-offer') as Element;
    buttonIn(offer, 'Accept').click();
    await refused;
    await waitFor(() => offer.querySelector('[role="alert"]') !== null, 'the refusal on the offer');

    buttonIn(offer, 'Accept').click();
    await waitFor(() => page.textContent?.includes('Hello?') === true, 'the chat, accepted the second time');
  });
});
