/// <reference types="mocha" />
import { assert } from 'chai';
import { createWidgetWorld, type WidgetWorld } from '../testing/widget-world';

let w: WidgetWorld | undefined;
afterEach(() => w?.close());

describe('languages in the widget', () => {
  const cases = [
    ['en', 'Chat with us', 'ltr'],
    ['nl', 'Chat met ons', 'ltr'],
    ['zh-Hant', '與我們聊天', 'ltr'],
    ['zh-Hans', '与我们聊天', 'ltr'],
    ['ar', 'تحدث معنا', 'rtl'],
  ] as const;
  for (const [lang, title, dir] of cases) {
    it(`shows ${lang} with dir=${dir} and the language on the dialog`, async () => {
      w = await createWidgetWorld({ lang });
      await w.open();
      await w.waitForText(title);
      const panel = w.$('[part~="panel"]');
      assert.strictEqual(panel.getAttribute('dir'), dir);
      assert.strictEqual(panel.getAttribute('lang'), lang);
      if (dir === 'rtl') {
        // Logical CSS mirrors: the minimize button sits at the start (left) edge of the header.
        const header = w.$('[part~="header"]').getBoundingClientRect();
        const minimize = w.$('[part~="minimize"]').getBoundingClientRect();
        assert.isBelow(minimize.left - header.left, header.width / 2);
      }
    });
  }

  it('applies per-site overrides for the language, falling back to the base language', async () => {
    w = await createWidgetWorld({
      lang: 'nl-BE',
      config: {
        messages: { nl: { greeting: 'Dag! Waarmee kunnen we helpen?' }, en: { greeting: 'Hi there' } },
      },
    });
    await w.open();
    await w.waitForText('Dag! Waarmee kunnen we helpen?');
    assert.include(w.panel().textContent, 'Start een chat');
  });
});
