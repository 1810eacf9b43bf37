import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helplineError } from '../protocol/errors';
import { normalizeVonageCode, sessionErrorOf, vonageError } from './vonage.errors';
import { fakeVonageError } from './vonage.fake';
import { jwtExpiresAt, refreshDelayMs } from './vonage.token';

describe('Vonage error mapping', () => {
  // [VonageError type, code as seen at run time or in SessionErrorCodes, expected Helpline code]
  const table = [
    ['SESSION_ERROR', 'session:error:empty-token', 'voice/vonage-token'],
    ['SESSION_ERROR', 'session:error:invalid-token', 'voice/vonage-token'],
    ['SESSION_ERROR', 'EXPIRED_TOKEN', 'voice/vonage-token'],
    ['SESSION_ERROR', 'INVALID_USER', 'voice/vonage-token'],
    ['SESSION_ERROR', 'AUTHORIZATION_ERROR', 'voice/vonage-token'],
    ['SESSION_ERROR', 'session:error:timeout', 'voice/vonage-session'],
    ['SESSION_ERROR', 'MAX_OPEN_SESSIONS', 'voice/vonage-session'],
    ['UNKNOWN_ERROR', 'session:error:no-active-session', 'voice/vonage-session'],
    ['NETWORK_ERROR', 'network:error', 'voice/vonage-network'],
    ['CS_ERROR', 'CONVERSATION_NOT_FOUND', 'voice/vonage-call'],
    ['INTERNAL_ERROR', 'internal', 'voice/vonage-call'],
  ] as const;
  for (const [type, code, expected] of table) {
    it(`${type} ${code} → ${expected}`, () => {
      const original = fakeVonageError(type, code);
      const error = vonageError(original, 'answer');
      assert.equal(error.code, expected);
      assert.equal(error.cause, original);
      if (expected === 'voice/vonage-network') assert.ok((error.retryAfterMs ?? 0) > 0);
      if (expected === 'voice/vonage-call') assert.match(error.message, /could not answer/);
    });
  }

  it('keeps a HelplineError as it is and types anything else as a call failure', () => {
    const own = helplineError('auth/forbidden', { operation: 'hold' });
    assert.equal(vonageError(own, 'hold'), own);
    assert.equal(vonageError('boom', 'hold').code, 'voice/vonage-call');
    assert.equal(vonageError(undefined, 'hold').code, 'voice/vonage-call');
  });

  it('maps sessionError reasons', () => {
    assert.equal(sessionErrorOf('EXPIRED_TOKEN').code, 'voice/vonage-token');
    assert.equal(sessionErrorOf('TRANSPORT_CLOSED').code, 'voice/vonage-network');
    assert.equal(sessionErrorOf('PING_TIMEOUT').code, 'voice/vonage-network');
    assert.equal(sessionErrorOf('NEW_REASON').code, 'voice/vonage-session');
  });

  it('normalizes both spellings of a code', () => {
    assert.equal(normalizeVonageCode('session:error:expired-token'), 'expired_token');
    assert.equal(normalizeVonageCode('EXPIRED_TOKEN'), 'expired_token');
    assert.equal(normalizeVonageCode(42), undefined);
  });
});

describe('Vonage token expiry', () => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it('reads exp from a JWT without verifying it', () => {
    assert.equal(
      jwtExpiresAt(`${part({ alg: 'RS256' })}.${part({ exp: 1_767_600_900 })}.sig`),
      1_767_600_900_000,
    );
    assert.equal(jwtExpiresAt('not-a-jwt'), undefined);
    assert.equal(jwtExpiresAt(`${part({})}.${part({ exp: 'soon' })}.sig`), undefined);
    assert.equal(jwtExpiresAt('a.%%%.c'), undefined);
  });

  it('schedules the refresh a margin ahead, at most half the remaining life ahead', () => {
    assert.equal(refreshDelayMs(900_000, 0, 60_000), 840_000);
    assert.equal(refreshDelayMs(60_000, 0, 60_000), 30_000);
    assert.equal(refreshDelayMs(1_000, 2_000, 60_000), 0);
  });
});
