import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createWebhookVerifier } from './vonage.signature';

const SECRET = 'signature-secret-signature-secret';
const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';

async function sign(
  body: Buffer,
  claims: { iat: number; jti: string; hash?: string | null },
): Promise<string> {
  const hash = claims.hash === undefined ? createHash('sha256').update(body).digest('hex') : claims.hash;
  const jwt = await new SignJWT({ application_id: APP, ...(hash === null ? {} : { payload_hash: hash }) })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(claims.iat)
    .setJti(claims.jti)
    .sign(new TextEncoder().encode(SECRET));
  return `Bearer ${jwt}`;
}

describe('Vonage webhook signatures', () => {
  let now = Date.UTC(2026, 0, 5, 9);
  const verifier = createWebhookVerifier({
    secret: SECRET,
    applicationId: APP,
    maxAgeSeconds: 300,
    now: () => now,
  });
  const body = Buffer.from('{"uuid":"a","status":"answered"}');
  const seconds = () => Math.floor(now / 1000);

  it('accepts a fresh signature once, on the injected clock', async () => {
    await verifier.verify(await sign(body, { iat: seconds(), jti: 'j1' }), body);
    await assert.rejects(verifier.verify(await sign(body, { iat: seconds(), jti: 'j1' }), body), /replayed/);
  });

  it('refuses signatures that are too old, from the future, without a hash for a body, or malformed', async () => {
    await assert.rejects(
      verifier.verify(await sign(body, { iat: seconds() - 301 - 30, jti: 'j2' }), body),
      /expired/,
    );
    await assert.rejects(
      verifier.verify(await sign(body, { iat: seconds() + 120, jti: 'j3' }), body),
      /future|wrong/,
    );
    await assert.rejects(
      verifier.verify(await sign(body, { iat: seconds(), jti: 'j4', hash: null }), body),
      /payload_hash/,
    );
    await assert.rejects(verifier.verify('Bearer not.a.jwt', body), /signature does not verify/);
    await assert.rejects(verifier.verify('Basic abc', body), /no signature/);
  });

  it('accepts a GET without a body and without a hash', async () => {
    await verifier.verify(
      await sign(Buffer.alloc(0), { iat: seconds(), jti: 'j5', hash: null }),
      Buffer.alloc(0),
    );
  });

  it('forgets seen ids once they would be refused as too old anyway', async () => {
    await verifier.verify(await sign(body, { iat: seconds(), jti: 'j6' }), body);
    now += 400_000;
    // The old id is pruned; a new signature with a new id still works and the old one stays refused (too old).
    await verifier.verify(await sign(body, { iat: seconds(), jti: 'j7' }), body);
    await assert.rejects(
      verifier.verify(await sign(body, { iat: seconds() - 400, jti: 'j6' }), body),
      /expired/,
    );
  });
});
