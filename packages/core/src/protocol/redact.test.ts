import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isLuhnValid, redactCardNumbers } from './redact';

describe('card-number redaction', () => {
  const cases: [string, string][] = [
    ['4111111111111111', '•••• 1111'],
    ['my card is 4111 1111 1111 1111.', 'my card is •••• 1111.'],
    ['5500-0000-0000-0004 exp 12/29', '•••• 0004 exp 12/29'],
    ['378282246310005', '•••• 0005'],
    // Not Luhn-valid: an order number stays.
    ['order 4111111111111112', 'order 4111111111111112'],
    // Too short to be a card.
    ['call +31 20 123 4567', 'call +31 20 123 4567'],
    ['two: 4111111111111111 and 5500000000000004', 'two: •••• 1111 and •••• 0004'],
  ];
  for (const [input, expected] of cases) {
    it(`redacts ${JSON.stringify(input)}`, () => assert.equal(redactCardNumbers(input), expected));
  }

  it('implements Luhn', () => {
    assert.ok(isLuhnValid('79927398713'));
    assert.ok(!isLuhnValid('79927398710'));
    assert.ok(!isLuhnValid(''));
  });

  it('never leaves a Luhn-valid 16-digit run in the output', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }),
        fc.string(),
        (a, body, b) => {
          const partial = body.join('');
          const check = [...Array(10).keys()].find((d) => isLuhnValid(partial + d)) ?? 0;
          const card = partial + check;
          const out = redactCardNumbers(`${a} ${card} ${b}`);
          assert.ok(!out.includes(card));
        },
      ),
    );
  });
});
