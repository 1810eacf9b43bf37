import { createHash, timingSafeEqual } from 'node:crypto';
import { vonageFailure } from '@helpline/core';
import { errors, jwtVerify } from 'jose';

/** Options of {@link createWebhookVerifier}. */
export interface WebhookVerifierOptions {
  /** The account's signature secret (HS256). */
  readonly secret: string;
  readonly applicationId: string;
  /** Oldest `iat` accepted, seconds. */
  readonly maxAgeSeconds: number;
  readonly now: () => number;
}

/** Checks Vonage's signed webhooks. */
export interface WebhookVerifier {
  /**
   * Verifies the `Authorization: Bearer <jwt>` Vonage signs each webhook with: HS256 with the signature secret,
   * issued within `maxAgeSeconds` and not in the future, a `jti` never seen before, our application id, and a
   * `payload_hash` equal to the SHA-256 of the body. Throws `voice/vonage-webhook` otherwise.
   */
  verify(authorization: string | undefined, body: Buffer): Promise<void>;
}

const CACHE_LIMIT = 100_000;
/** Clock skew allowed between Vonage and us, seconds. */
const SKEW_SECONDS = 30;

const refused = (detail: string) => vonageFailure('voice/vonage-webhook', { detail });

/** Creates a verifier with its own replay cache (`jti` until it would be too old anyway). */
export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const key = new TextEncoder().encode(options.secret);
  const seen = new Map<string, number>(); // jti → when it stops mattering (epoch ms)

  function prune(now: number): void {
    for (const [jti, until] of seen) {
      if (until > now && seen.size < CACHE_LIMIT) break;
      seen.delete(jti);
    }
  }

  return {
    async verify(authorization, body) {
      const match = authorization ? /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization) : null;
      if (!match?.[1]) throw refused('no signature');
      const now = options.now();
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(match[1], key, {
          algorithms: ['HS256'],
          currentDate: new Date(now),
          clockTolerance: SKEW_SECONDS,
          maxTokenAge: options.maxAgeSeconds,
          requiredClaims: ['iat', 'jti'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw refused('expired');
        if (error instanceof errors.JWTClaimValidationFailed)
          throw refused(`claim "${error.claim}" is wrong`);
        throw refused('signature does not verify');
      }
      const iat = payload.iat as number;
      if (iat * 1000 > now + SKEW_SECONDS * 1000) throw refused('issued in the future');
      const appId = payload.application_id;
      if (appId !== undefined && appId !== options.applicationId) throw refused('for another application');
      const hash = payload.payload_hash;
      if (body.length > 0 || hash !== undefined) {
        const actual = createHash('sha256').update(body).digest();
        const claimed =
          typeof hash === 'string' && /^[0-9a-f]{64}$/i.test(hash) ? Buffer.from(hash, 'hex') : undefined;
        if (!claimed || !timingSafeEqual(actual, claimed)) throw refused('body does not match payload_hash');
      }
      const jti = String(payload.jti);
      prune(now);
      if (seen.has(jti)) throw refused('replayed');
      seen.set(jti, (iat + options.maxAgeSeconds + SKEW_SECONDS) * 1000);
    },
  };
}
