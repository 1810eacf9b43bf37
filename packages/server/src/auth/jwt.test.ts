import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '@helpline/core';
import { SignJWT } from 'jose';
import { jwtVerifier, stringClaim } from './jwt';

const SECRET = 'jwt-test-secret-that-is-long-enough-for-hs256';

/** An HS256 token for `alice`, `iat` that many seconds from now (none when undefined). */
async function token(iatFromNow: number | undefined, secret = SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice');
  if (iatFromNow !== undefined) jwt.setIssuedAt(now + iatFromNow);
  return jwt.setExpirationTime(now + 3600).sign(new TextEncoder().encode(secret));
}

/** The `auth/invalid-token` message a verification rejects with. */
async function refusal(verify: (token: string) => Promise<unknown>, jwt: string): Promise<string> {
  try {
    await verify(jwt);
  } catch (error) {
    assert.ok(isHelplineError(error));
    assert.equal(error.code, 'auth/invalid-token');
    return error.message;
  }
  assert.fail('the token was accepted');
}

describe('jwtVerifier: iat', () => {
  const verify = jwtVerifier({ secret: SECRET });

  it('refuses a token issued in the future beyond the clock tolerance', async () => {
    assert.match(await refusal(verify, await token(600)), /issued in the future/);
    assert.match(await refusal(verify, await token(30)), /issued in the future/);
  });

  it('accepts a token issued now, in the past, within the tolerance, or without iat', async () => {
    for (const iat of [0, -3600, 3, undefined]) {
      assert.equal((await verify(await token(iat))).sub, 'alice', `iat ${iat}`);
    }
  });

  it('uses the configured clock tolerance', async () => {
    const lenient = jwtVerifier({ secret: SECRET, clockToleranceSeconds: 60 });
    assert.equal((await lenient(await token(30))).sub, 'alice');
    assert.match(await refusal(lenient, await token(600)), /issued in the future/);
  });

  it('checks the signature before it looks at iat', async () => {
    const forged = await token(600, 'not-the-secret-but-long-enough-for-hs256');
    assert.match(await refusal(verify, forged), /signature does not verify/);
  });
});

describe('stringClaim', () => {
  it('takes a short, storable string and leaves out anything else', () => {
    const payload = {
      name: 'Ann 👋',
      empty: '',
      long: 'x'.repeat(121),
      nul: 'Ann\u0000',
      half: 'Ann \ud83d',
      n: 7,
    };
    assert.equal(stringClaim(payload, 'name', 120), 'Ann 👋');
    for (const claim of ['empty', 'long', 'nul', 'half', 'n', 'absent'])
      assert.equal(stringClaim(payload, claim, 120), undefined, claim);
  });
});
