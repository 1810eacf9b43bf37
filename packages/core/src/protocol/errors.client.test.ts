import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_MESSAGES, HelplineError, helplineError } from './errors';
import { CLIENT_ERROR_MESSAGES, type ClientErrorCode, clientError } from './errors.client';

describe('client errors (the part of the catalog a visitor ships)', () => {
  it('say exactly what the catalog says, for every code a client raises', () => {
    for (const code of Object.keys(CLIENT_ERROR_MESSAGES) as ClientErrorCode[]) {
      assert.equal(CLIENT_ERROR_MESSAGES[code], ERROR_MESSAGES[code], code);
      const params = {
        detail: 'd',
        field: 'f',
        size: 2,
        max: 1,
        operation: 'o',
        entity: 'e',
        state: 's',
        url: 'u',
      };
      const error = clientError(code, params, { field: 'x' });
      assert.ok(error instanceof HelplineError);
      assert.deepEqual(error.toPayload(), helplineError(code, params, { field: 'x' }).toPayload());
    }
  });
});
