import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOG, HelplineError, helplineError, type Message, type Queue } from '@helpline/core';
import { consoleMessages, type MessageKey } from './en';
import { CONSOLE_LOCALES, loadConsoleMessages, localizeQueues, resolveConsoleLocale } from './locales';
import { createTranslator } from './translator';

const QUEUE: Queue = {
  id: 'support',
  name: 'Support',
  priority: 0,
  slaTargetSeconds: 30,
  skills: [],
  closedAlternative: 'none',
  acw: { kind: 'optional' },
  dispositions: [],
  dispositionRequired: false,
  offerTimeoutSeconds: 20,
};

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const forms = (message: Message): Record<string, string> =>
  typeof message === 'string' ? { text: message } : { ...message };

describe('console catalogs', () => {
  it('translate every English key into every shipped language with the same placeholders', async () => {
    for (const locale of CONSOLE_LOCALES) {
      const catalog = await loadConsoleMessages(locale);
      assert.deepEqual(Object.keys(catalog).sort(), Object.keys(consoleMessages).sort(), locale);
      for (const [key, message] of Object.entries(catalog) as [MessageKey, Message][]) {
        const english: Message = consoleMessages[key];
        assert.equal(typeof message, typeof english, `${locale}.${key}: plural where English is`);
        const expected = placeholders(typeof english === 'string' ? english : english.other);
        for (const [form, text] of Object.entries(forms(message))) {
          assert.ok(text.trim().length > 0, `${locale}.${key}.${form} is empty`);
          // A form for one exact number ("zero", "one", "two") may spell the number out instead of {count}.
          const used = placeholders(text);
          const exact = form === 'zero' || form === 'one' || form === 'two';
          assert.deepEqual(
            used,
            exact ? expected.filter((name) => used.includes(name)) : expected,
            `${locale}.${key}.${form} placeholders`,
          );
        }
      }
    }
  });

  it("give every plural message exactly the forms the language's Intl.PluralRules selects", async () => {
    for (const locale of CONSOLE_LOCALES) {
      const catalog = await loadConsoleMessages(locale);
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [key, message] of Object.entries(catalog) as [MessageKey, Message][]) {
        if (typeof message !== 'string') {
          assert.deepEqual(Object.keys(message).sort(), [...categories].sort(), `${locale}.${key}`);
        }
      }
    }
  });

  it('resolves language tags to shipped languages, with the writing direction', async () => {
    assert.equal(resolveConsoleLocale('zh-TW'), 'zh-Hant');
    assert.equal(resolveConsoleLocale('zh-Hant-CN'), 'zh-Hant');
    assert.equal(resolveConsoleLocale('zh'), 'zh-Hans');
    assert.equal(resolveConsoleLocale('ar-EG'), 'ar');
    assert.equal(resolveConsoleLocale('nl_BE'), 'nl');
    assert.equal(resolveConsoleLocale('fr'), 'en');
    assert.equal(resolveConsoleLocale(undefined), 'en');
    const arabic = createTranslator('ar-EG', {}, await loadConsoleMessages('ar'));
    assert.equal(arabic.dir, 'rtl');
    assert.equal(createTranslator('nl').dir, 'ltr');
    const unread = [0, 1, 2, 3, 11, 100].map((count) => arabic.t('unreadCount', { count }));
    assert.equal(new Set(unread).size, 6, unread.join(' | '));
    assert.equal(unread[3], `${(3).toLocaleString('ar-EG')} رسائل غير مقروءة`);
  });
});

describe('localizeQueues', () => {
  it('names queues and dispositions in the viewer language, and leaves untranslated queues as they are', () => {
    const billing: Queue = {
      ...QUEUE,
      id: 'billing',
      name: 'Billing',
      names: { en: 'Billing', nl: 'Facturatie' },
      dispositions: [
        { id: 'paid', label: 'Paid', labels: { en: 'Paid', 'zh-Hant': '已付款' }, resolved: true },
        { id: 'other', label: 'Other', resolved: false },
      ],
    };
    const [nl] = localizeQueues([billing], 'nl-BE');
    assert.equal(nl?.name, 'Facturatie');
    assert.deepEqual(
      nl?.dispositions.map((d) => d.label),
      ['Paid', 'Other'],
    );
    const [zh] = localizeQueues([billing], 'zh-Hant');
    assert.equal(zh?.name, 'Billing');
    assert.equal(zh?.dispositions[0]?.label, '已付款');
    const plain = [QUEUE];
    assert.equal(localizeQueues(plain, 'nl'), plain);
  });
});

describe('console i18n', () => {
  it('fills placeholders and formats numbers for the locale', () => {
    const en = createTranslator('en');
    assert.equal(en.t('unreadCount', { count: 1200 }), '1,200 unread messages');
    assert.equal(en.t('unreadCount', { count: 1 }), '1 unread message');
    assert.equal(en.t('offerTitle', { channel: 'Chat', name: 'Ada' }), 'Chat from Ada');
    assert.equal(en.t('offerTitle'), '{channel} from {name}', 'missing params stay visible');
    const nl = createTranslator('nl', { accept: 'Aannemen' });
    assert.equal(nl.t('accept'), 'Aannemen');
    assert.equal(nl.t('reject'), 'Decline', 'English for what is not overridden');
    assert.equal(nl.t('unreadCount', { count: 1200 }), '1.200 unread messages');
  });

  it('formats durations, percentages and errors', () => {
    const i18n = createTranslator();
    assert.equal(i18n.duration(0), '0:00');
    assert.equal(i18n.duration(65.9), '1:05');
    assert.equal(i18n.duration(3725), '1:02:05');
    assert.equal(i18n.duration(-5), '0:00');
    assert.equal(i18n.percent(0.873), '87%');
    assert.equal(
      i18n.error(helplineError('wrapup/disposition-required', { queue: 'support' })),
      consoleMessages['error.wrapup/disposition-required'],
    );
    assert.equal(
      i18n.error(helplineError('validation/field', { scope: 's', field: 'f', detail: 'is bad' })),
      '[s] f is bad',
    );
    assert.equal(i18n.error(new Error('plain')), 'plain');
    assert.equal(i18n.error('weird'), consoleMessages.errorGeneric);
  });

  it('has an error text for every catalog code it names', () => {
    const codes = Object.keys(consoleMessages).filter((key) => key.startsWith('error.')) as MessageKey[];
    assert.ok(codes.length > 5);
    for (const key of codes) {
      const code = key.slice('error.'.length);
      assert.ok(Object.hasOwn(ERROR_CATALOG, code), `${code} is not in core's error catalog`);
      // As received on the wire: the messaging channels' codes have their own message templates.
      const error = HelplineError.fromPayload({ code: code as never, message: 'from the server' });
      assert.equal(createTranslator().error(error), consoleMessages[key]);
    }
  });
});
