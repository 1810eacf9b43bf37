import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localize } from '../config/site-config';
import { type ServerSiteConfig, toSiteConfig } from './site-config.map';

const base: ServerSiteConfig = {
  site: 'shop',
  name: 'Shop',
  prechat: [{ name: 'email', label: 'Email', type: 'email', required: true }],
  topics: [
    { id: 'billing', label: 'Billing', queueId: 'q-billing' },
    { id: 'tech', label: 'Technical', queueId: 'q-tech' },
  ],
  queues: [
    {
      id: 'q-billing',
      name: 'Billing',
      open: false,
      alternative: 'callback',
      callbackSlots: [{ start: 1_000, end: 2_000 }],
    },
    { id: 'q-tech', name: 'Tech', open: true, callbackSlots: [{ start: 5_000, end: 6_000 }] },
  ],
  voice: { provider: 'webrtc' },
};

describe('toSiteConfig', () => {
  it('keeps topics with their queues and the pre-chat form, and is open when some queue is open', () => {
    const config = toSiteConfig(base);
    assert.deepEqual(config.topics, [
      { id: 'billing', label: 'Billing', queueId: 'q-billing' },
      { id: 'tech', label: 'Technical', queueId: 'q-tech' },
    ]);
    assert.deepEqual(config.prechat, base.prechat);
    assert.equal(config.open, true);
    assert.deepEqual(config.channels, { chat: true, callback: true, voice: true, offlineMessage: true });
  });

  it('keeps translated topic and pre-chat labels, shown in the visitor language with English as fallback', () => {
    const config = toSiteConfig({
      ...base,
      topics: [
        { id: 'billing', label: { en: 'Billing', nl: 'Facturen', 'zh-Hant': '帳務' }, queueId: 'q-billing' },
      ],
      prechat: [{ name: 'name', label: { en: 'Your name', ar: 'اسمك' } }],
    });
    const topic = config.topics?.[0]?.label ?? '';
    assert.equal(localize(topic, 'nl'), 'Facturen');
    assert.equal(localize(topic, 'zh-Hant'), '帳務');
    assert.equal(localize(topic, 'ar'), 'Billing');
    assert.equal(localize(config.prechat?.[0]?.label ?? '', 'ar'), 'اسمك');
  });

  it('takes the callback slots of the chosen queue, else of the first topic', () => {
    assert.deepEqual(toSiteConfig(base).callbackSlots, [{ start: 1_000, end: 2_000 }]);
    assert.deepEqual(toSiteConfig(base, 'q-tech').callbackSlots, [{ start: 5_000, end: 6_000 }]);
  });

  it('is closed when every queue is, and offers only what the closed queues offer', () => {
    const config = toSiteConfig({
      site: 'shop',
      queues: [{ id: 'q', open: false, alternative: 'none' }],
    });
    assert.equal(config.open, false);
    assert.deepEqual(config.channels, { chat: true, callback: false, voice: false, offlineMessage: false });
    assert.equal(config.callbackSlots, undefined);
    assert.equal(config.topics, undefined);
  });

  it('offers the offline message for a closed queue whose alternative is one', () => {
    const config = toSiteConfig({
      site: 'shop',
      queues: [{ id: 'q', open: false, alternative: 'offline-message' }],
    });
    assert.equal(config.channels?.offlineMessage, true);
    assert.equal(config.channels?.callback, false);
  });
});
