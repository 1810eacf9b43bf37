import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { vonageFailure } from '@helpline/core';
import type { Subject } from '@helpline/core/hub';
import { SignJWT } from 'jose';

// Client JWTs for the Vonage Client SDK, RS256 with the application's private key. Each carries only the ACL
// its holder needs: a visitor may open a session, place its one call (`serverCall` goes through knocking) and
// re-attach its leg; an agent also answers the calls the server rings its app with. Neither gets users,
// devices, push or media paths.
//
// The claims are Vonage's: `application_id`, `iat`, `jti`, `exp`, and for Client SDK users `sub` (the Vonage
// user) and `acl`; signed RS256 with jose (the library the server already verifies staff tokens with).

/** Paths a client token may use, with the methods allowed on each (all when absent). */
interface ACL {
  readonly paths: Readonly<Record<string, { readonly methods?: readonly string[] }>>;
}

const VISITOR_ACL: ACL = {
  paths: {
    '/*/sessions/**': {},
    '/*/knocking/**': {},
    '/*/legs/**': {},
    '/*/rtc/**': {},
    '/*/conversations/**': {},
  },
};

const AGENT_ACL: ACL = {
  paths: {
    ...VISITOR_ACL.paths,
    '/*/users/**': { methods: ['GET'] },
  },
};

const USER_PREFIX = { visitor: 'hl-visitor-', agent: 'hl-agent-' } as const;

/** The Vonage user name of one of our subjects (stable, reversible, distinct for visitors and staff). */
export function vonageUserOf(subject: Pick<Subject, 'id' | 'role'>): string {
  return `${subject.role === 'visitor' ? USER_PREFIX.visitor : USER_PREFIX.agent}${subject.id}`;
}

/** Our subject behind a Vonage user name, or undefined for names we did not issue. */
export function subjectOfVonageUser(
  user: string,
): { readonly id: string; readonly role: 'visitor' | 'agent' } | undefined {
  if (user.startsWith(USER_PREFIX.visitor))
    return { id: user.slice(USER_PREFIX.visitor.length), role: 'visitor' };
  if (user.startsWith(USER_PREFIX.agent)) return { id: user.slice(USER_PREFIX.agent.length), role: 'agent' };
  return undefined;
}

/** A client token as the browser receives it. */
export interface VonageClientToken {
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** The Vonage user the token is for. */
  readonly user: string;
}

/** Mints client and application JWTs. */
export interface VonageTokens {
  /** A short-lived client JWT for `subject`, limited to what its role needs. */
  client(subject: Subject): Promise<VonageClientToken>;
  /** An application JWT for the REST APIs (cached until a minute before it expires). */
  app(): Promise<string>;
}

/** Creates the token minter for one application. */
export function createVonageTokens(options: {
  readonly applicationId: string;
  readonly privateKey: string;
  readonly ttlSeconds: number;
  readonly now: () => number;
}): VonageTokens {
  const { applicationId, privateKey, ttlSeconds, now } = options;
  let key: KeyObject | undefined;
  let appToken: { token: Promise<string>; expiresAt: number } | undefined;
  const sign = async (claims: { sub?: string; acl?: ACL }, ttl: number): Promise<string> => {
    const issuedAt = Math.floor(now() / 1000);
    try {
      // PKCS#8 as Vonage's dashboard hands it out, or PKCS#1 (`BEGIN RSA PRIVATE KEY`) from older setups.
      key ??= createPrivateKey(privateKey);
      return await new SignJWT({ application_id: applicationId, ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttl)
        .setJti(randomUUID())
        .sign(key);
    } catch (error) {
      throw vonageFailure(
        'voice/vonage-api',
        { status: 'a key error', operation: 'sign a token' },
        { cause: error },
      );
    }
  };
  return {
    async client(subject) {
      const user = vonageUserOf(subject);
      const acl = subject.role === 'visitor' ? VISITOR_ACL : AGENT_ACL;
      const token = await sign({ sub: user, acl }, ttlSeconds);
      return { token, user, expiresAt: (Math.floor(now() / 1000) + ttlSeconds) * 1000 };
    },
    app() {
      if (!appToken || appToken.expiresAt - now() < 60_000) {
        const ttl = 900;
        const token = sign({}, ttl);
        appToken = { token, expiresAt: now() + ttl * 1000 };
        // A failed signing is not cached: the next request tries again.
        token.catch(() => {
          if (appToken?.token === token) appToken = undefined;
        });
      }
      return appToken.token;
    },
  };
}
