import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes } from './random.pool';

describe('pooled random bytes', () => {
  it('hands out each byte of a pool once, refilling it when it runs out', () => {
    const randomBytes = pooledRandomBytes(64);
    const ids = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const bytes = randomBytes(16);
      assert.equal(bytes.length, 16);
      ids.add(Buffer.from(bytes).toString('hex'));
    }
    assert.equal(ids.size, 1_000, 'no id repeats, across 250 refills');
  });

  it('gives a copy the next refill does not change, and serves a request larger than the pool', () => {
    const randomBytes = pooledRandomBytes(32);
    const first = randomBytes(16);
    const kept = Buffer.from(first).toString('hex');
    randomBytes(16);
    randomBytes(16);
    assert.equal(Buffer.from(first).toString('hex'), kept);
    const large = randomBytes(100);
    assert.equal(large.length, 100);
    assert.ok(large.some((byte) => byte !== 0));
    assert.equal(randomBytes(5).length, 5);
  });
});
