/// <reference types="mocha" />
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { ar } from '../i18n/ar';
import { en } from '../i18n/en';
import { nl } from '../i18n/nl';
import { zhHans } from '../i18n/zh-Hans';
import { zhHant } from '../i18n/zh-Hant';
import { createWidgetWorld, type WidgetWorld } from '../testing/widget-world';

const worlds: WidgetWorld[] = [];
const printed: unknown[] = [];
const originalError = console.error;
beforeEach(() => {
  printed.length = 0;
  console.error = (...args: unknown[]) => printed.push(args[0]);
});
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
  console.error = originalError;
});

const banner = (w: WidgetWorld) => (w.has('[part~="banner"]') ? w.$('[part~="banner"]') : undefined);

describe('a widget the server refuses', () => {
  const languages: [string, string][] = [
    ['en', en.unavailableHere],
    ['nl', nl.unavailableHere],
    ['zh-Hans', zhHans.unavailableHere],
    ['zh-Hant', zhHant.unavailableHere],
    ['ar', ar.unavailableHere],
  ];
  for (const [lang, text] of languages) {
    it(`tells the visitor chat is unavailable, in plain words (${lang}), as an alert that takes no focus`, async () => {
      // devAuthenticate refuses a token that is not a dev token: auth/invalid-token, closed for good.
      const w = await createWidgetWorld({ lang, token: 'not-a-token' });
      worlds.push(w);
      await w.open();
      const focused = w.panel().activeElement;
      await waitFor(() => banner(w)?.getAttribute('role') === 'alert', 'refusal banner', 5000);
      assert.strictEqual(banner(w)?.textContent?.trim(), text);
      assert.notInclude(w.panel().textContent ?? '', 'auth/', 'no developer jargon on screen');
      assert.strictEqual(w.panel().activeElement, focused, 'focus stays where it was');
      assert.lengthOf(printed, 1, 'the developer details go to the console, once');
      assert.match(String(printed[0]), /auth\/invalid-token/);
    });
  }

  it('says the chat service cannot be reached while it keeps trying, then clears when it is back', async () => {
    const w = await createWidgetWorld();
    worlds.push(w);
    w.transport.setUnreachable(true);
    await w.open();
    await waitFor(() => banner(w)?.textContent?.trim() === en.unreachable, 'unreachable banner', 20_000);
    assert.strictEqual(banner(w)?.getAttribute('role'), 'status');
    w.transport.setUnreachable(false);
    await waitFor(() => banner(w) === undefined, 'back online', 20_000);
  });
});
