import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { e164 } from '@helpline/core/protocol';
import fc from 'fast-check';
import * as v from 'valibot';
import { CALLING_CODES, countryOptions, defaultRegion, E164, toE164 } from './phone';

describe('phone numbers', () => {
  it('turns national and international input into E.164', () => {
    const cases: [string, string, string | undefined][] = [
      ['NL', '06-1234 5678', '+31612345678'],
      ['NL', '+31 6 12345678', '+31612345678'],
      ['NL', '0031 6 12345678', '+31612345678'],
      ['GB', '020 7946 0000', '+442079460000'],
      ['IT', '06 6982 0000', '+390669820000'],
      ['US', '(415) 555-0132', '+14155550132'],
      ['NL', '12ab', undefined],
      ['NL', '123', undefined],
      ['NL', '+0 123 456 789', undefined],
      ['XX', '0612345678', undefined],
    ];
    for (const [region, input, expected] of cases)
      assert.equal(toE164(region, input), expected, `${region} ${input}`);
  });

  it('only ever returns numbers the protocol accepts', () => {
    const regions = [...CALLING_CODES.keys()];
    fc.assert(
      fc.property(fc.constantFrom(...regions), fc.string({ maxLength: 24 }), (region, input) => {
        const number = toE164(region, input);
        return number === undefined || (E164.test(number) && v.is(e164, number));
      }),
    );
  });

  it('preselects the country from the language, and names countries in it', () => {
    assert.equal(defaultRegion(['nl']), 'NL');
    assert.equal(defaultRegion(['nl-BE']), 'BE');
    assert.equal(defaultRegion(['zh-Hant']), 'TW');
    assert.equal(defaultRegion(['ar']), 'EG');
    assert.equal(defaultRegion(['not a tag', undefined, 'en-GB']), 'GB');
    assert.equal(defaultRegion([]), 'US');
    const dutch = countryOptions('nl');
    assert.equal(dutch.find((option) => option.region === 'DE')?.name, 'Duitsland');
    assert.equal(dutch.length, CALLING_CODES.size);
  });
});
