import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  composerLimits,
  smsSegments,
  textTooLong,
  WHATSAPP_WINDOW_MS,
  whatsappWindow,
} from './composer.limits';

describe('SMS segments', () => {
  const cases: [string, string, 'gsm-7' | 'ucs-2', number, number][] = [
    ['empty', '', 'gsm-7', 0, 0],
    ['160 GSM characters fit one segment', 'a'.repeat(160), 'gsm-7', 1, 160],
    ['161 take two of 153', 'a'.repeat(161), 'gsm-7', 2, 161],
    ['306 take two, 307 three', 'a'.repeat(307), 'gsm-7', 3, 307],
    ['an extension character costs two septets', '€'.repeat(80), 'gsm-7', 1, 160],
    ['one more euro makes two segments', '€'.repeat(81), 'gsm-7', 2, 162],
    ['an emoji switches to UCS-2 (a surrogate pair is two units)', `${'a'.repeat(68)}👋`, 'ucs-2', 1, 70],
    ['71 UCS-2 units take two of 67', `${'a'.repeat(69)}👋`, 'ucs-2', 2, 71],
    ['Greek capitals are GSM-7', 'ΔΦΓΛΩΠΨΣΘΞ', 'gsm-7', 1, 10],
    ['Cyrillic is UCS-2', 'Привет', 'ucs-2', 1, 6],
  ];
  for (const [name, text, encoding, segments, units] of cases) {
    it(name, () => {
      const counted = smsSegments(text);
      assert.equal(counted.encoding, encoding);
      assert.equal(counted.segments, segments);
      assert.equal(counted.units, units);
    });
  }

  it('never splits an escape and its character, nor a surrogate pair', () => {
    // 152 septets, then a euro (2) does not fit the first 153-septet segment: it starts the second.
    assert.equal(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(20)}`).segments, 2);
    assert.equal(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments, 3);
    assert.equal(smsSegments(`${'a'.repeat(66)}👋${'a'.repeat(66)}`).segments, 3);
  });

  it('counts at least one segment per started block of units, and more segments for more text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 800 }), (text) => {
        const counted = smsSegments(text);
        if (counted.units === 0) return counted.segments === 0;
        return (
          counted.segments >= Math.ceil(counted.units / counted.perSegment) &&
          smsSegments(`${text}a`).segments >= counted.segments
        );
      }),
    );
  });
});

describe('composer limits', () => {
  it('limits SMS by segments and the apps by characters', () => {
    assert.equal(textTooLong('a'.repeat(306), composerLimits('sms', 2)), undefined);
    assert.match(
      textTooLong('a'.repeat(307), composerLimits('sms', 2)) ?? '',
      /3 SMS segments \(gsm-7\); at most 2/,
    );
    assert.equal(textTooLong('👋'.repeat(2_000), composerLimits('messenger', 6)), undefined);
    assert.match(
      textTooLong('a'.repeat(4_097), composerLimits('whatsapp', 6)) ?? '',
      /4097 characters; at most 4096/,
    );
  });
});

describe('the WhatsApp window', () => {
  it('is closed without an inbound message, open for 24 hours after one, closed from then on', () => {
    const at = Date.UTC(2026, 0, 1);
    assert.deepEqual(whatsappWindow(undefined, at), { open: false });
    assert.equal(whatsappWindow(at, at + WHATSAPP_WINDOW_MS - 1).open, true);
    assert.deepEqual(whatsappWindow(at, at + WHATSAPP_WINDOW_MS), {
      open: false,
      lastInboundAt: at,
      closesAt: at + WHATSAPP_WINDOW_MS,
    });
  });
});
