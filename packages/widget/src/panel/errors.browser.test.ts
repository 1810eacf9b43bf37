/// <reference types="mocha" />
import { HelplineError } from '@helpline/core';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import type { HelplineErrorEvent } from '../events';
import { createEmbedWorld, type EmbedWorld, type EmbedWorldOptions } from '../testing/embed-world';
import {
  createWidgetWorld,
  submit,
  type WidgetWorld,
  type WidgetWorldOptions,
} from '../testing/widget-world';

const worlds: (WidgetWorld | EmbedWorld)[] = [];
async function world(options: WidgetWorldOptions = {}): Promise<WidgetWorld> {
  const created = await createWidgetWorld(options);
  worlds.push(created);
  return created;
}
/** The widget embedded with `server` against msw's mock of the server, for refusals the server sends. */
async function embedded(options: EmbedWorldOptions = {}): Promise<EmbedWorld> {
  const created = await createEmbedWorld(options);
  worlds.push(created);
  return created;
}
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});

/** What these tests use of a world, embedded or connected in-process. */
type PanelWorld = Pick<WidgetWorld, 'open' | '$' | 'has'>;

async function chatting(w: PanelWorld): Promise<void> {
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'));
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  await waitFor(() => w.has('form[part~="composer"]'), 'composer');
}

function alertText(w: PanelWorld): string {
  const alert = w.$('[role="alert"]');
  return alert.textContent?.trim() ?? '';
}

describe('bad input and refusals in the widget', () => {
  it('refuses an empty message with a visible, announced error linked to the field, and sends nothing', async () => {
    const w = await world();
    await chatting(w);
    const input = w.$<HTMLTextAreaElement>('#message');
    input.value = '   ';
    submit(w.$<HTMLFormElement>('form[part~="composer"]'));
    await waitFor(() => alertText(w) === 'Type a message first.', 'empty-message alert');
    assert.strictEqual(input.getAttribute('aria-invalid'), 'true');
    assert.include(input.getAttribute('aria-describedby') ?? '', w.$('[role="alert"]').id);
    assert.lengthOf(w.panel().querySelectorAll('[part~="message"]'), 0);
  });

  it('refuses an over-long message and keeps the text for editing', async () => {
    const w = await world({ lang: 'nl' });
    await chatting(w);
    const input = w.$<HTMLTextAreaElement>('#message');
    input.value = 'x'.repeat(4001);
    input.dispatchEvent(new InputEvent('input'));
    submit(w.$<HTMLFormElement>('form[part~="composer"]'));
    await waitFor(() => alertText(w).startsWith('Je bericht is te lang'), 'translated too-long alert');
    assert.include(alertText(w), '4.001', 'numbers in Dutch digits grouping');
    assert.strictEqual(input.value.length, 4001, 'nothing the visitor typed is lost');
    assert.include(w.$('[part~="counter"]').textContent, '-1');
  });

  it('shows a translated rate-limit error with the wait from retryAfterMs', async () => {
    const errors: string[] = [];
    const w = await embedded({ lang: 'nl' });
    void w.helpline.failNext(
      'chat.start',
      new HelplineError('limit/rate', 'Too many requests; try again in 8 s.', { retryAfterMs: 7200 }),
    );
    w.widget.addEventListener('helpline-error', (event: HelplineErrorEvent) => errors.push(event.key));
    await w.open();
    w.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => w.has('form[part~="prechat"]'));
    submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
    await waitFor(() => alertText(w).length > 0, 'alert');
    assert.strictEqual(alertText(w), 'Te veel verzoeken. Probeer het over 8 seconden opnieuw.');
    assert.deepEqual(errors, ['errorRate']);
  });

  it('keeps a rate-limited message as sending, without an alert, and sends it once the wait is over', async () => {
    const errors: string[] = [];
    const w = await embedded({ lang: 'nl' });
    const refused = w.helpline.failNext(
      'message.send',
      new HelplineError('limit/rate', 'Too many requests; try again in 1 s.', { retryAfterMs: 400 }),
    );
    w.widget.addEventListener('helpline-error', (event: HelplineErrorEvent) => errors.push(event.key));
    await chatting(w);
    const cid = await w.helpline.agent.accept();
    w.$<HTMLTextAreaElement>('#message').value = 'Hallo';
    submit(w.$<HTMLFormElement>('form[part~="composer"]'));
    await refused;
    await waitFor(() => w.has('[part~="message-visitor"]'), 'the message shown');
    const meta = () => w.$('[part~="message-visitor"] [part~="meta"]').textContent ?? '';
    assert.include(meta(), 'Versturen');
    await w.helpline.agent.waitForMessage('Hallo', cid);
    await waitFor(() => !meta().includes('Versturen'), 'sent again and confirmed');
    assert.notInclude(meta(), 'Niet verstuurd');
    assert.strictEqual(w.panel().querySelector('[role="alert"]')?.textContent?.trim() ?? '', '');
    assert.deepEqual(errors, []);
  });

  it('switches to the closed screen when the queue refuses the chat as closed', async () => {
    const w = await embedded();
    void w.helpline.failNext('chat.start', 'queue/closed');
    await w.open();
    w.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => w.has('form[part~="prechat"]'));
    submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
    await w.waitForText('We are closed right now.');
    w.$<HTMLButtonElement>('[part~="back"]').click();
    await w.waitForText('We are closed');
    assert.isTrue(w.has('[part~="leave-message"]'));
    assert.isFalse(w.has('[part~="start-chat"]'));
  });

  it('validates pre-chat fields (required, email, length) before anything is sent', async () => {
    const w = await world({
      config: {
        prechat: [
          { name: 'name', required: true },
          { name: 'email', type: 'email', required: true },
          { name: 'order', label: { en: 'Order number', nl: 'Ordernummer' }, maxLength: 8 },
        ],
      },
    });
    await w.open();
    w.$<HTMLButtonElement>('[part~="start-chat"]').click();
    await waitFor(() => w.has('form[part~="prechat"]'));
    w.$<HTMLInputElement>('#field-email').value = 'not-an-email';
    w.$<HTMLInputElement>('#field-order').value = '123456789';
    submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
    await waitFor(
      () => w.panel().querySelectorAll('[part~="field-error"]').length === 3,
      'three field errors',
    );
    const errors = [...w.panel().querySelectorAll('[part~="field-error"]')].map((e) => e.textContent?.trim());
    assert.deepEqual(errors, [
      'Name is required.',
      'Enter a valid email address.',
      'Order number is too long: 9 of at most 8 characters.',
    ]);
    assert.strictEqual(w.$('#field-name').getAttribute('aria-invalid'), 'true');
    assert.strictEqual(w.$('#field-name').getAttribute('aria-describedby'), 'field-name-error');
    assert.lengthOf(w.hub.interactions(), 0, 'no chat was started');
  });
});
