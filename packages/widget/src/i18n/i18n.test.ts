import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@helpline/core';
import { ar } from './ar';
import { en, type MessageKey } from './en';
import { createTranslator, loadCatalog, resolveLocale, siteOverrides, WIDGET_LOCALES } from './i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const forms = (message: Message): Record<string, string> =>
  typeof message === 'string' ? { text: message } : { ...message };

describe('message catalogs', () => {
  it('translate every key into every shipped language with the same placeholders', async () => {
    for (const locale of WIDGET_LOCALES) {
      const catalog = await loadCatalog(locale);
      assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort(), locale);
      for (const [key, message] of Object.entries(catalog) as [MessageKey, Message][]) {
        const english = en[key];
        assert.equal(typeof message, typeof english, `${locale}.${key}: plural where English is`);
        const expected = placeholders(typeof english === 'string' ? english : english.other);
        for (const [form, text] of Object.entries(forms(message))) {
          assert.ok(text.trim().length > 0, `${locale}.${key}.${form} is empty`);
          // A form for one exact number ("one", "two") may spell the number out instead of {count}.
          const used = placeholders(text);
          const spelled = form !== 'other' && form !== 'text' && form !== 'few' && form !== 'many';
          assert.deepEqual(
            spelled ? used : expected,
            spelled ? expected.filter((name) => used.includes(name)) : used,
            `${locale}.${key}.${form} placeholders`,
          );
        }
      }
    }
  });

  it("give every plural message exactly the forms the language's Intl.PluralRules selects", async () => {
    for (const locale of WIDGET_LOCALES) {
      const catalog = await loadCatalog(locale);
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [key, message] of Object.entries(catalog) as [MessageKey, Message][]) {
        if (typeof message === 'string') continue;
        assert.deepEqual(Object.keys(message).sort(), [...categories].sort(), `${locale}.${key}`);
      }
    }
  });

  it('says "1 character left" and picks the six Arabic forms', async () => {
    const english = createTranslator('en', en);
    assert.equal(english.t('charactersLeft', { count: 1 }), '1 character left');
    assert.equal(english.t('charactersLeft', { count: 12 }), '12 characters left');
    const arabic = createTranslator('ar', ar);
    const left = [0, 1, 2, 3, 11, 100].map((count) => arabic.t('charactersLeft', { count }));
    assert.equal(new Set(left).size, 6, left.join(' | '));
    assert.equal(left[1], 'يتبقى حرف واحد');
    const dutch = createTranslator('nl', await loadCatalog('nl'));
    assert.equal(dutch.t('unread', { count: 1 }), '1 ongelezen bericht');
  });

  it('resolves language tags to shipped languages', () => {
    assert.equal(resolveLocale(['zh-HK']), 'zh-Hant');
    assert.equal(resolveLocale(['zh-Hant-CN']), 'zh-Hant');
    assert.equal(resolveLocale(['zh-CN']), 'zh-Hans');
    assert.equal(resolveLocale(['zh']), 'zh-Hans');
    assert.equal(resolveLocale(['ar_SA']), 'ar');
    assert.equal(resolveLocale(['fr-FR', 'nl-BE']), 'nl');
    assert.equal(resolveLocale([null, undefined, '']), 'en');
  });

  it('writes small whole numbers as Intl.NumberFormat does, without building one where the digits are Latin', () => {
    for (const locale of WIDGET_LOCALES) {
      const translator = createTranslator(locale, en);
      const intl = new Intl.NumberFormat(locale);
      for (const value of [0, 1, 7, 42, 999, 1000, 4000, 12345, 2.5, -3])
        assert.equal(translator.formatNumber(value), intl.format(value), `${locale} ${value}`);
    }
  });

  it('fills placeholders with numbers in the language digits, and site overrides win', () => {
    const arabic = createTranslator('ar', ar, siteOverrides({ ar: { title: 'مرحبا' } }, 'ar'));
    assert.equal(arabic.dir, 'rtl');
    assert.equal(arabic.t('title'), 'مرحبا');
    assert.equal(
      arabic.t('queuePosition', { position: 3 }),
      `ترتيبك في قائمة الانتظار هو ${(3).toLocaleString('ar')}.`,
    );
    const english = createTranslator('en', en);
    assert.equal(english.formatWait(150), '3 minutes');
    assert.equal(english.formatWait(5), '1 minute');
    assert.equal(english.t('errorRate', { count: 8 }), 'Too many requests. Try again in 8 seconds.');
  });
});
