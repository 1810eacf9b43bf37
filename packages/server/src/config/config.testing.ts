// Helpers of the configuration's tests.
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './config';

/** A site every test configuration can use. */
export const TEST_SITE = { id: 'shop', origins: ['https://shop.example'] };

/** The issues `parseConfig` refuses `input` with; fails the test when it accepts it. */
export function issuesOf(input: unknown): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}
