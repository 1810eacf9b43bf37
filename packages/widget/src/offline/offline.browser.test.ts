/// <reference types="mocha" />
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { createWidgetWorld, submit, type WidgetWorld } from '../testing/widget-world';

let w: WidgetWorld | undefined;
afterEach(() => w?.close());

describe('offline message in the widget', () => {
  it('offers a message form when every queue is closed, validates it, and confirms once sent', async () => {
    w = await createWidgetWorld({ config: { open: false } });
    await w.open();
    await w.waitForText('We are closed');
    assert.isFalse(w.has('[part~="start-chat"]'));
    w.$<HTMLButtonElement>('[part~="leave-message"]').click();
    await waitFor(() => w?.has('form[part~="offline"]') === true, 'offline form');
    submit(w.$<HTMLFormElement>('form[part~="offline"]'));
    await waitFor(() => (w?.panel().querySelectorAll('[part~="field-error"]').length ?? 0) >= 2, 'errors');
    assert.include(w.$('#field-email-error').textContent, 'Email is required.');
    assert.include(w.$('#offline-message-error').textContent, 'Message is required.');

    w.$<HTMLInputElement>('#field-name').value = 'Ada';
    w.$<HTMLInputElement>('#field-email').value = 'ada@example.com';
    w.$<HTMLTextAreaElement>('#offline-message').value = 'Please call me about order 42.';
    submit(w.$<HTMLFormElement>('form[part~="offline"]'));
    await w.waitForText('Thank you! We received your message');
    const left = w.hub.interactions().find((i) => i.channel === 'offline-message');
    assert.strictEqual(left?.prechat.email, 'ada@example.com');
  });
});
