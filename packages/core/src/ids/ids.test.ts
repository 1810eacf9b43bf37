import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomId, toHex, uuidv7 } from './ids';

/** RFC 9562's layout written the long way (BigInt shifts), to hold the compact version to it. */
function referenceUuidv7(now: number, random: Uint8Array): string {
  const bytes = Uint8Array.from(random);
  const ms = BigInt(Math.max(0, Math.floor(now)));
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('ids', () => {
  it('toHex writes two lower-case digits per byte', () => {
    assert.equal(toHex(Uint8Array.from([0, 1, 15, 16, 171, 255])), '00010f10abff');
  });

  it('randomId is the prefix and 32 hex digits', () => {
    assert.match(randomId('int'), /^int_[0-9a-f]{32}$/);
  });

  it('uuidv7 puts the milliseconds first, then version 7 and the RFC variant', () => {
    const random = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const now of [
      0,
      1,
      255,
      256,
      1_733_472_000_123,
      2 ** 48 - 1,
      2 ** 48 + 5,
      Number.MAX_SAFE_INTEGER,
      -5,
      1.9,
    ]) {
      assert.equal(
        uuidv7(now, () => Uint8Array.from(random)),
        referenceUuidv7(now, random),
        `at ${now}`,
      );
    }
    assert.match(uuidv7(), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('uuidv7 ids sort by creation time', () => {
    const earlier = uuidv7(1_733_472_000_000);
    const later = uuidv7(1_733_472_000_001);
    assert.ok(earlier < later, `${earlier} < ${later}`);
  });
});
