import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Subject } from '@helpline/core/hub';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { createVonageTokens } from './vonage.tokens';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const applicationId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const at = Date.UTC(2026, 0, 5, 9, 0, 0);
const visitor: Subject = { id: 'v1', role: 'visitor', name: 'Ann' };
const agent: Subject = { id: 'a1', role: 'agent', name: 'Bo' };

function tokens(privateKey = keys.privateKey) {
  return createVonageTokens({ applicationId, privateKey, ttlSeconds: 600, now: () => at });
}

async function verify(token: string) {
  const publicKey = await importSPKI(keys.publicKey, 'RS256');
  return jwtVerify(token, publicKey, { algorithms: ['RS256'], currentDate: new Date(at) });
}

describe('Vonage tokens', () => {
  it('mints a client token Vonage accepts: RS256 with application_id, iat, jti, exp, sub and acl', async () => {
    const minted = await tokens().client(visitor);
    const { payload, protectedHeader } = await verify(minted.token);
    assert.deepEqual(protectedHeader, { alg: 'RS256', typ: 'JWT' });
    assert.equal(payload.application_id, applicationId);
    assert.equal(payload.sub, 'hl-visitor-v1');
    assert.equal(payload.iat, at / 1000);
    assert.equal(payload.exp, at / 1000 + 600);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys((payload.acl as { paths: object }).paths).sort(), [
      '/*/conversations/**',
      '/*/knocking/**',
      '/*/legs/**',
      '/*/rtc/**',
      '/*/sessions/**',
    ]);
    assert.equal(minted.user, 'hl-visitor-v1');
    assert.equal(minted.expiresAt, at + 600_000);
  });

  it('gives agents user lookups on top, and each token its own jti', async () => {
    const minter = tokens();
    const first = await verify((await minter.client(agent)).token);
    const second = await verify((await minter.client(agent)).token);
    assert.equal(first.payload.sub, 'hl-agent-a1');
    assert.deepEqual((first.payload.acl as { paths: Record<string, unknown> }).paths['/*/users/**'], {
      methods: ['GET'],
    });
    assert.notEqual(first.payload.jti, second.payload.jti);
  });

  it('mints an application token without sub or acl, and reuses it until a minute before it expires', async () => {
    const minter = tokens();
    const token = await minter.app();
    const { payload } = await verify(token);
    assert.equal(payload.application_id, applicationId);
    assert.equal(payload.exp, at / 1000 + 900);
    assert.equal(payload.sub, undefined);
    assert.equal(payload.acl, undefined);
    assert.equal(await minter.app(), token);
    assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  });

  it('accepts a PKCS#1 key as older Vonage applications have them', async () => {
    const pkcs1 = createPrivateKey(keys.privateKey).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    const { payload } = await verify(await tokens(pkcs1).app());
    assert.equal(payload.application_id, applicationId);
  });

  it('refuses a broken key with a typed error, and tries again on the next request', async () => {
    const minter = tokens('not a key');
    await assert.rejects(minter.app(), { code: 'voice/vonage-api' });
    await assert.rejects(minter.app(), { code: 'voice/vonage-api' });
  });
});
