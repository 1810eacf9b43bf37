import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMessage, localizedText, type PluralMessage } from './message';

const charactersLeft: PluralMessage = { one: '{count} character left', other: '{count} characters left' };

function format(locale: string, message: Parameters<typeof formatMessage>[0], params = {}) {
  return formatMessage(message, params, new Intl.PluralRules(locale), new Intl.NumberFormat(locale));
}

describe('formatMessage', () => {
  it('picks the plural form of the language for count', () => {
    assert.equal(format('en', charactersLeft, { count: 1 }), '1 character left');
    assert.equal(format('en', charactersLeft, { count: 0 }), '0 characters left');
    assert.equal(format('en', charactersLeft, { count: 1200 }), '1,200 characters left');
    const arabic: PluralMessage = { zero: 'z', one: 'o', two: 't', few: 'f {count}', many: 'm', other: 'x' };
    const forms = [0, 1, 2, 3, 11, 100].map((count) => format('ar', arabic, { count }));
    assert.deepEqual(forms, ['z', 'o', 't', `f ${(3).toLocaleString('ar')}`, 'm', 'x']);
  });

  it('falls back to other when the form or the count is missing', () => {
    assert.equal(format('en', { other: '{count} left' }, { count: 1 }), '1 left');
    assert.equal(format('en', charactersLeft), '{count} characters left');
  });

  it('fills plain text and leaves unknown placeholders visible', () => {
    assert.equal(format('nl', '{name}: {n} van {m}', { name: 'Ada', n: 1200 }), 'Ada: 1.200 van {m}');
  });
});

describe('localizedText', () => {
  it('picks the exact tag, then the base language, then English, then the first', () => {
    const names = { en: 'Billing', nl: 'Facturatie', 'zh-Hant': '帳務' };
    assert.equal(localizedText(names, 'zh-Hant'), '帳務');
    assert.equal(localizedText(names, 'nl-BE'), 'Facturatie');
    assert.equal(localizedText(names, 'ar'), 'Billing');
    assert.equal(localizedText({ nl: 'Facturatie' }, 'en'), 'Facturatie');
    assert.equal(localizedText('Billing', 'nl'), 'Billing');
  });
});
