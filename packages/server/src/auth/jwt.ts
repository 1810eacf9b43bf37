import { helplineError, isStorableText } from '@helpline/core';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

/** How to check one kind of JWT: a shared HS256 secret and/or a JWKS URL (RS256, ES256), plus expected claims. */
export interface JwtPolicy {
  readonly secret?: string | undefined;
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** Leeway for `exp`/`nbf`/`iat` between clocks, seconds. Default 5. */
  readonly clockToleranceSeconds?: number | undefined;
}

const ASYMMETRIC = ['RS256', 'ES256'];

/** Why jose refused a token, in words for `auth/invalid-token` (never the token itself). */
function reasonOf(error: unknown): string {
  const { code, claim, reason } = (error ?? {}) as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'nbf'
        ? 'not valid yet'
        : `claim "${claim}" ${reason === 'missing' ? 'is missing' : 'is wrong'}`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no matching key';
    default:
      return 'malformed';
  }
}

/**
 * A verifier for one {@link JwtPolicy}: resolves with the verified payload, or rejects with `auth/invalid-token`.
 * `exp` and `sub` are required; `alg: none` and any algorithm other than HS256 (with a secret) or RS256/ES256
 * (with a JWKS) are refused, so an attacker cannot pick the algorithm. A token whose `iat` lies in the future
 * beyond the clock tolerance is refused ("issued in the future").
 */
export function jwtVerifier(policy: JwtPolicy): (token: string) => Promise<JWTPayload & { sub: string }> {
  const secret = policy.secret ? new TextEncoder().encode(policy.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = policy.jwksUrl
    ? createRemoteJWKSet(new URL(policy.jwksUrl))
    : undefined;
  const clockTolerance = policy.clockToleranceSeconds ?? 5;
  const options = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance,
    ...(policy.issuer ? { issuer: policy.issuer } : {}),
    ...(policy.audience ? { audience: policy.audience } : {}),
  };
  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw helplineError('auth/invalid-token', { detail: 'malformed' });
    }
    try {
      let payload: JWTPayload;
      if (alg === 'HS256' && secret) {
        payload = (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
      } else if (alg !== undefined && ASYMMETRIC.includes(alg) && jwks) {
        payload = (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC })).payload;
      } else {
        throw helplineError('auth/invalid-token', { detail: `algorithm ${alg ?? 'missing'} not allowed` });
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        throw helplineError('auth/invalid-token', { detail: 'claim "sub" is missing' });
      }
      // jose compares `iat` with the clock only under `maxTokenAge`, which would also make `iat` required. A
      // future `iat` means a skewed issuer clock or a token minted ahead of time: refused, so it gets noticed.
      // jose has already checked that `iat`, when present, is a number.
      if (payload.iat !== undefined && payload.iat > Math.floor(Date.now() / 1000) + clockTolerance) {
        throw helplineError('auth/invalid-token', { detail: 'issued in the future' });
      }
      return payload as JWTPayload & { sub: string };
    } catch (error) {
      if ((error as { name?: unknown }).name === 'HelplineError') throw error;
      // Its own code: an app can renew an expired token, while any other refusal needs a fix.
      if ((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED') throw helplineError('auth/token-expired');
      throw helplineError('auth/invalid-token', { detail: reasonOf(error) });
    }
  };
}

/**
 * A string claim, or undefined when absent or not a short string that storage can keep (a NUL in a name would fail
 * the first write that carries it).
 */
export function stringClaim(payload: JWTPayload, name: string, max = 200): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 && value.length <= max && isStorableText(value)
    ? value
    : undefined;
}
