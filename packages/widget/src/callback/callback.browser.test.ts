/// <reference types="mocha" />
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import {
  createWidgetWorld,
  submit,
  type WidgetWorld,
  type WidgetWorldOptions,
} from '../testing/widget-world';

const worlds: WidgetWorld[] = [];
async function world(options: WidgetWorldOptions = {}): Promise<WidgetWorld> {
  const created = await createWidgetWorld(options);
  worlds.push(created);
  return created;
}
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});

const HOUR = 3_600_000;

async function openCallback(w: WidgetWorld): Promise<void> {
  await w.open();
  w.$<HTMLButtonElement>('[part~="request-callback"]').click();
  await waitFor(() => w.has('form[part~="callback"]'), 'callback form');
}

describe('callback in the widget', () => {
  it('requests an "as soon as possible" callback in E.164 from a national number, confirms, and cancels', async () => {
    const w = await world({ lang: 'nl', config: { channels: { callback: true } } });
    await openCallback(w);
    const country = w.$<HTMLSelectElement>('#country');
    assert.strictEqual(country.value, 'NL', 'the country defaults from the language');
    assert.include(country.selectedOptions[0]?.textContent, 'Nederland');
    w.$<HTMLInputElement>('#phone').value = '06-1234 5678';
    submit(w.$<HTMLFormElement>('form[part~="callback"]'));
    await w.waitForText('We bellen je zo snel mogelijk op +31612345678.');
    const request = w.hub.interactions().find((i) => i.channel === 'callback');
    assert.strictEqual(request?.customer.phone, '+31612345678');
    assert.strictEqual(request?.customer.timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.include(['queued', 'offered'], request?.state, 'the request lands in the queue');

    w.$<HTMLButtonElement>('[part~="cancel-callback"]').click();
    await w.waitForText('Je terugbelverzoek is geannuleerd.');
  });

  it('turns the promise into what happened once the agent has called', async () => {
    const w = await world({ config: { channels: { callback: true } } });
    await openCallback(w);
    w.$<HTMLSelectElement>('#country').value = 'NL';
    w.$<HTMLInputElement>('#phone').value = '06 1234 5678';
    submit(w.$<HTMLFormElement>('form[part~="callback"]'));
    await w.waitForText('We will call you at +31612345678 as soon as possible.');
    await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'the callback is offered');
    const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
    await w.agent.accept(cid);
    await w.agent.callbackOutcome(cid, 'answered');
    await w.waitForText('We are calling you now at +31612345678.');
    assert.isFalse(w.has('[part~="cancel-callback"]'), 'too late to cancel');
    await w.agent.end(cid);
    await w.waitForText('We called you at +31612345678. Thank you!');
    assert.isFalse(w.has('[part~="cancel-callback"]'), 'nothing left to cancel');
    assert.strictEqual(w.$('[part~="callback-confirmation"]').getAttribute('role'), 'status');
    w.$<HTMLButtonElement>('[part~="back-home"]').click();
    await waitFor(() => w.has('[part~="request-callback"]'), 'back to the start screen');
  });

  it('says so when the customer could not be reached', async () => {
    const w = await world({ lang: 'nl', config: { channels: { callback: true } } });
    await openCallback(w);
    w.$<HTMLInputElement>('#phone').value = '06 1234 5678';
    submit(w.$<HTMLFormElement>('form[part~="callback"]'));
    await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'the callback is offered');
    const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
    await w.agent.accept(cid);
    await w.agent.callbackOutcome(cid, 'failed');
    await w.waitForText('We konden je niet bereiken op +31612345678.');
    assert.isFalse(w.has('[part~="cancel-callback"]'));
  });

  it('offers slots in the visitor time zone and sends the chosen one', async () => {
    const start = Math.ceil((Date.now() + 2 * HOUR) / HOUR) * HOUR;
    const slots = [
      { start, end: start + HOUR / 2 },
      { start: start + HOUR, end: start + 1.5 * HOUR },
      { start: Date.now() - HOUR, end: Date.now() - HOUR / 2 },
    ];
    const w = await world({ config: { channels: { callback: true }, callbackSlots: slots } });
    await openCallback(w);
    w.$<HTMLInputElement>('input[name="when"][value="slot"]').click();
    await waitFor(() => w.has('#slot'), 'slot picker');
    const options = [...w.$<HTMLSelectElement>('#slot').options];
    assert.lengthOf(options, 2, 'past slots are not offered');
    const expected = new Intl.DateTimeFormat('en', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: 'numeric',
      minute: '2-digit',
    }).format(start + HOUR);
    assert.include(options[1]?.textContent, expected);
    assert.include(w.$('#zone-note').textContent, Intl.DateTimeFormat().resolvedOptions().timeZone);
    w.$<HTMLSelectElement>('#slot').value = String(start + HOUR);
    w.$<HTMLSelectElement>('#country').value = 'GB';
    w.$<HTMLInputElement>('#phone').value = '020 7946 0000';
    submit(w.$<HTMLFormElement>('form[part~="callback"]'));
    await w.waitForText(`We will call you at +442079460000 on ${expected}.`);

    // A supervisor moves it to the earlier slot: the confirmation follows the server.
    const cid = w.hub.interactions().find((i) => i.channel === 'callback')?.id ?? '';
    await w.hub.execute({ id: 'sam', role: 'supervisor', name: 'Sam' }, 'callback.reschedule', {
      cid,
      at: start,
    });
    const earlier = new Intl.DateTimeFormat('en', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: 'numeric',
      minute: '2-digit',
    }).format(start);
    await w.waitForText(`We will call you at +442079460000 on ${earlier}.`);
  });

  it('rejects an invalid phone number with an accessible, translated error', async () => {
    const w = await world({ lang: 'ar', config: { channels: { callback: true } } });
    await openCallback(w);
    w.$<HTMLInputElement>('#phone').value = '12ab';
    submit(w.$<HTMLFormElement>('form[part~="callback"]'));
    await waitFor(() => (w.$('#phone-error').textContent ?? '').includes('أدخل رقم هاتف صالحًا.'), 'error');
    assert.strictEqual(w.$('#phone').getAttribute('aria-invalid'), 'true');
    assert.include(w.$('#phone').getAttribute('aria-describedby'), 'phone-error');
    assert.isUndefined(w.hub.interactions().find((i) => i.channel === 'callback'));
  });
});
