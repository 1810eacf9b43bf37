import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError } from '@helpline/core';
import { consoleMessages, type MessageKey } from './en';
import { createTranslator } from './translator';

describe('console i18n', () => {
  it('fills placeholders and formats numbers for the locale', () => {
    const en = createTranslator('en');
    assert.equal(en.t('unreadCount', { count: 1200 }), '1,200 unread');
    assert.equal(en.t('offerTitle', { channel: 'Chat', name: 'Ada' }), 'Chat from Ada');
    assert.equal(en.t('offerTitle'), '{channel} from {name}', 'missing params stay visible');
    const nl = createTranslator('nl', { accept: 'Aannemen' });
    assert.equal(nl.t('accept'), 'Aannemen');
    assert.equal(nl.t('reject'), 'Decline', 'English for what is not overridden');
    assert.equal(nl.t('unreadCount', { count: 1200 }), '1.200 unread');
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
      // Throws if the code is not in core's catalog.
      assert.equal(createTranslator().error(helplineError(code as never)), consoleMessages[key]);
    }
  });
});
