import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ar } from './ar';
import { en } from './en';
import { createTranslator, loadCatalog, resolveLocale, siteOverrides, WIDGET_LOCALES } from './i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('message catalogs', () => {
  it('translate every key into every shipped language with the same placeholders', async () => {
    for (const locale of WIDGET_LOCALES) {
      const catalog = await loadCatalog(locale);
      assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort(), locale);
      for (const [key, text] of Object.entries(catalog)) {
        assert.ok(text.trim().length > 0, `${locale}.${key} is empty`);
        assert.deepEqual(placeholders(text), placeholders(en[key as keyof typeof en]), `${locale}.${key}`);
      }
    }
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
    assert.equal(english.t('errorRate', { seconds: 8 }), 'Too many requests. Try again in 8 seconds.');
  });
});
