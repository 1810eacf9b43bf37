/// <reference types="mocha" />
import type { ChannelOutbound, OutboundMessage } from '@helpline/core/hub';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { axeViolations } from '../testing/axe';
import { createWidgetWorld, submit, type WidgetWorld } from '../testing/widget-world';

// "Get replies by email" in the widget, against an in-process hub whose email outbound records what it would send.

const worlds: WidgetWorld[] = [];
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});

async function chat(options: { readonly email?: ChannelOutbound; readonly lang?: string } = {}) {
  const w = await createWidgetWorld({
    ...(options.email ? { email: options.email } : {}),
    ...(options.lang ? { lang: options.lang } : {}),
  });
  worlds.push(w);
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
  w.$<HTMLInputElement>('#field-name').value = 'Ada';
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'offer reaches the agent');
  const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
  await w.agent.accept(cid);
  await waitFor(() => w.has('#message'), 'the composer');
  return { w, cid };
}

function recordingOutbound(): ChannelOutbound & { readonly sent: OutboundMessage[] } {
  const sent: OutboundMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
      return { externalId: `<out-${sent.length}@shop.example>` };
    },
  };
}

describe('continue by email in the widget', () => {
  // That its view is a chunk of its own, out of the first open, is checked on the production build (size.test.ts).
  it('is not offered where the server sends no mail', async () => {
    const { w, cid } = await chat();
    await w.agent.sendMessage(cid, 'Hello Ada');
    await w.waitForText('Hello Ada');
    assert.isFalse(w.has('[part~="email-offer"]'));
  });

  it('takes an address, refusing a bad one in the browser, announced, and confirms what will happen', async () => {
    const { w } = await chat({ email: recordingOutbound() });
    await waitFor(() => w.has('[part~="email-offer"]'), 'the offer');
    const offer = w.$<HTMLButtonElement>('[part~="email-offer"]');
    assert.strictEqual(offer.textContent?.trim(), 'Get replies by email');
    assert.strictEqual(offer.getAttribute('aria-expanded'), 'false');
    assert.deepEqual(await axeViolations(w), [], 'with the offer');

    offer.click();
    await waitFor(() => w.panel().activeElement?.id === 'email-address', 'focus in the field');
    const input = w.$<HTMLInputElement>('#email-address');
    assert.strictEqual(w.$('label[for="email-address"]').textContent, 'Your email address');
    assert.strictEqual(input.type, 'email');
    assert.strictEqual(input.autocomplete, 'email');
    input.value = 'ada@localhost';
    submit(w.$<HTMLFormElement>('form[part~="email-form"]'));
    await waitFor(() => w.$('#email-error').textContent !== '', 'the refusal');
    assert.strictEqual(w.$('#email-error').getAttribute('role'), 'alert');
    assert.strictEqual(
      w.$('#email-error').textContent,
      'Enter a valid email address, like name@example.com.',
    );
    assert.strictEqual(input.getAttribute('aria-invalid'), 'true');
    assert.include(input.getAttribute('aria-describedby') ?? '', 'email-error');
    assert.deepEqual(await axeViolations(w), [], 'with the refusal');

    input.value = '  ada@example.com ';
    submit(w.$<HTMLFormElement>('form[part~="email-form"]'));
    await waitFor(() => w.has('[part~="email-confirmation"]'), 'the confirmation');
    const confirmation = w.$('[part~="email-confirmation"]');
    assert.strictEqual(confirmation.getAttribute('role'), 'status');
    assert.include(
      confirmation.textContent ?? '',
      'If you leave, the conversation and new replies go to ada@example.com.',
    );
    assert.deepEqual(await axeViolations(w), [], 'confirmed');

    // Change, then Escape: the form closes and focus goes back to the confirmation's button.
    w.$<HTMLButtonElement>('[part~="email-change"]').click();
    await waitFor(() => w.has('#email-address'), 'the form again');
    assert.strictEqual(w.$<HTMLInputElement>('#email-address').value, 'ada@example.com');
    w.$('#email-address').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }),
    );
    await waitFor(() => w.has('[part~="email-confirmation"]'), 'closed');
  });

  it('speaks the visitor’s language (Dutch, Arabic right to left)', async () => {
    const dutch = await chat({ email: recordingOutbound(), lang: 'nl' });
    await waitFor(() => dutch.w.has('[part~="email-offer"]'), 'the offer');
    assert.strictEqual(
      dutch.w.$('[part~="email-offer"]').textContent?.trim(),
      'Antwoorden per e-mail ontvangen',
    );
    dutch.w.close();
    const arabic = await chat({ email: recordingOutbound(), lang: 'ar' });
    await waitFor(() => arabic.w.has('[part~="email-offer"]'), 'the offer');
    arabic.w.$<HTMLButtonElement>('[part~="email-offer"]').click();
    await waitFor(() => arabic.w.has('#email-address'), 'the form');
    assert.strictEqual(arabic.w.$('label[for="email-address"]').textContent, 'عنوان بريدك الإلكتروني');
    assert.strictEqual(
      arabic.w.$('#email-address').getAttribute('dir'),
      'ltr',
      'an address reads left to right',
    );
    assert.deepEqual(await axeViolations(arabic.w), [], 'in Arabic');
  });
});
