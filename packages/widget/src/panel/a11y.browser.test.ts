/// <reference types="mocha" />
import { waitFor } from '@helpline/core/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { assert } from 'chai';
import { axeViolations } from '../testing/axe';
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
afterEach(async () => {
  for (const created of worlds.splice(0)) created.close();
  await emulateMedia({ reducedMotion: 'no-preference', colorScheme: 'light' });
});

const activeInPanel = (w: WidgetWorld) => w.panel().activeElement;

for (const theme of ['light', 'dark'] as const) {
  describe(`accessibility in the ${theme} theme`, () => {
    it('has no axe violations on the start screen, the pre-chat form, the chat, its errors and the callback form', async () => {
      const w = await world({
        theme,
        config: {
          channels: { callback: true },
          topics: [{ id: 'billing', label: 'Billing', queueId: 'support' }],
        },
      });
      assert.deepEqual(await axeViolations(w), [], 'closed launcher');
      await w.open();
      assert.deepEqual(await axeViolations(w), [], 'start screen');
      w.$<HTMLButtonElement>('[part~="topic"]').click();
      await waitFor(() => w.has('form[part~="prechat"]'));
      submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
      await waitFor(() => w.has('form[part~="composer"]'));
      w.$<HTMLButtonElement>('[part~="end-chat"]').click();
      await waitFor(() => w.has('[part~="confirm-end"]'));
      assert.deepEqual(await axeViolations(w), [], 'asking before ending a chat nobody answered');
      w.$<HTMLButtonElement>('[part~="keep-waiting"]').click();
      const cid = Object.keys(w.agent.$offers.get())[0];
      if (cid) await w.agent.accept(cid);
      if (cid) await w.agent.sendMessage(cid, 'Hello, see **https://shop.example/help**');
      await waitFor(() => w.has('[part~="message-agent"]'));
      submit(w.$<HTMLFormElement>('form[part~="composer"]')); // empty: shows an error
      await waitFor(() => (w.$('[role="alert"]').textContent ?? '').length > 0);
      assert.deepEqual(await axeViolations(w), [], 'chat with an error');
      if (cid) await w.agent.end(cid);
      await waitFor(() => w.has('form[part~="csat"]'));
      assert.deepEqual(await axeViolations(w), [], 'end of chat with the rating form');
      w.$<HTMLButtonElement>('[part~="new-chat"]').click();
      await waitFor(() => w.has('[part~="request-callback"]'));
      w.$<HTMLButtonElement>('[part~="request-callback"]').click();
      await waitFor(() => w.has('form[part~="callback"]'));
      assert.deepEqual(await axeViolations(w), [], 'callback form');
    });
  });
}

describe('keyboard use', () => {
  it('opens from the keyboard, traps focus in the panel, closes with Escape and returns focus to the launcher', async () => {
    const w = await world();
    w.launcher().focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => w.widget.open && w.has('[part~="start-chat"]'), 'opened');
    await waitFor(
      () => activeInPanel(w)?.getAttribute('part') === 'title',
      'focus moves to the dialog title',
    );
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      await sendKeys({ press: 'Tab' });
      const active = activeInPanel(w);
      assert.isNotNull(active, `Tab ${i + 1} left the panel`);
      seen.add(active?.getAttribute('part') ?? '');
    }
    assert.includeMembers([...seen], ['minimize', 'button start-chat']);
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    assert.isNotNull(activeInPanel(w), 'Shift+Tab stays inside too');

    await sendKeys({ press: 'Escape' });
    await waitFor(() => !w.widget.open, 'closed');
    assert.strictEqual(w.widget.shadowRoot?.activeElement, w.launcher(), 'focus is back on the launcher');
  });

  it('runs a chat with the keyboard only: start, type, Enter sends', async () => {
    const w = await world({ config: { prechat: [] } });
    w.launcher().focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => w.has('[part~="start-chat"]'));
    w.$<HTMLButtonElement>('[part~="start-chat"]').focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => activeInPanel(w)?.id === 'message', 'the composer takes focus');
    await sendKeys({ type: 'Typed by keyboard' });
    await sendKeys({ press: 'Enter' });
    await waitFor(() => w.has('[part~="message-visitor"]'), 'sent with Enter');
    assert.include(w.$('[part~="message-visitor"]').textContent, 'Typed by keyboard');
  });

  it('respects reduced motion: the panel does not animate', async () => {
    await emulateMedia({ reducedMotion: 'reduce' });
    const w = await world();
    await w.open();
    assert.lengthOf(w.$('[part~="panel"]').getAnimations(), 0, 'no open animation');
    const launcher = w.launcher();
    assert.strictEqual(getComputedStyle(launcher).transitionDuration, '0s');
  });
});
