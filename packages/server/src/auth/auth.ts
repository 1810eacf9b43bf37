import { createHash, randomBytes } from 'node:crypto';
import { type Agent, helplineError } from '@helpline/core';
import type { IdentifierClaim, Subject } from '@helpline/core/hub';
import { SignJWT } from 'jose';
import type { SiteConfig } from '../config/config.schema';
import type { SqlStorage } from '../storage/sql.storage';
import { type JwtPolicy, jwtVerifier, stringClaim } from './jwt';

/** Visitor tokens the server issues: a prefix and 128 random bits, opaque to everyone. */
const VISITOR_TOKEN = /^hlv_[0-9a-f]{32}$/;
const CACHE_LIMIT = 50_000;

/** What {@link createAuth} needs. */
export interface AuthOptions {
  readonly storage: SqlStorage;
  /**
   * Agents and supervisors known to the configuration: a staff token must name one of them, and the subject's role
   * is the one configured here, never the token's.
   */
  readonly agents: readonly Agent[];
  readonly sites: ReadonlyMap<string, SiteConfig>;
  /** Staff JWTs: HS256 secret and/or JWKS URL, expected issuer and audience. */
  readonly staff: JwtPolicy;
  readonly anonymousTtlMs: number;
  readonly identifiedTtlMs: number;
  readonly now: () => number;
  /** Environment for site identity secrets (`identity.secretEnv`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A visitor session the server just issued. */
export interface IssuedVisitorSession {
  readonly token: string;
  readonly subject: Subject;
  readonly expiresAt: number;
}

/** Authentication for the hub and the HTTP API. */
export interface Auth {
  /** The hub's `authenticate`: a visitor token or a staff JWT → subject; throws `auth/invalid-token`. */
  authenticate(token: string): Promise<Subject>;
  /** Issues an anonymous visitor token for `site`, or an identified one when `identity` (a host JWT) verifies. */
  issueVisitor(site: string, identity?: string): Promise<IssuedVisitorSession>;
  /**
   * Dev mode only: a staff JWT signed with the dev secret for the configured agent `id`, carrying its configured
   * role. Rejects with `not-found` for an unknown agent and `validation/field` (field `role`) when `role` is not
   * the configured one.
   */
  devStaffToken(role: 'agent' | 'supervisor', id: string, name: string): Promise<string>;
  /** Dev mode only: a visitor token for a chosen visitor id. */
  devVisitorToken(site: string, id: string, name: string): Promise<IssuedVisitorSession>;
  /** The site a visitor token was issued for; `undefined` for any other token (staff, unknown, expired). */
  siteOfVisitor(token: string): Promise<string | undefined>;
  /** True when staff can log in at all (a secret or a JWKS is configured). */
  readonly staffConfigured: boolean;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * What a host's signed visitor JWT proves (docs/customers.md): its subject, always; its `email` and `phone` only when
 * the token says the host verified them (`email_verified`, `phone_number_verified`, as OpenID Connect names them) —
 * otherwise they are claims like any typed into a form.
 */
function visitorIdentifiers(
  subjectId: string,
  payload: Readonly<Record<string, unknown>>,
  email: string | undefined,
  phone: string | undefined,
): IdentifierClaim[] {
  const claims: IdentifierClaim[] = [{ kind: 'web', value: subjectId, verified: true, source: 'token' }];
  if (email)
    claims.push({ kind: 'email', value: email, verified: payload.email_verified === true, source: 'token' });
  if (phone)
    claims.push({
      kind: 'phone',
      value: phone,
      verified: payload.phone_number_verified === true,
      source: 'token',
    });
  return claims;
}

/**
 * The team-leader claim of a staff JWT (docs/cases.md, "Escalation"): like `role`, the configuration decides which
 * queues an agent leads (`agents[].leads`); a `leads` claim, when the host's auth sends one, must name exactly those
 * queues, or the token is refused — a claim users may influence never makes an agent a team leader.
 */
function checkLeadsClaim(claim: unknown, agent: Agent): void {
  if (claim === undefined) return;
  const configured = [...(agent.leads ?? [])].sort();
  const valid = Array.isArray(claim) && claim.every((q) => typeof q === 'string');
  const claimed = valid ? [...(claim as string[])].sort() : undefined;
  if (!claimed || claimed.length !== configured.length || claimed.some((q, i) => q !== configured[i]))
    throw helplineError('auth/invalid-token', {
      detail: `claim "leads" must be the queues ${agent.id} is configured to lead (${configured.join(', ') || 'none'})`,
    });
}

/** Builds the server's authentication over its storage and configuration. */
export function createAuth(options: AuthOptions): Auth {
  const { storage, now } = options;
  const agents = new Map(options.agents.map((agent) => [agent.id, agent]));
  const verifyStaff = jwtVerifier(options.staff);
  const siteVerifiers = new Map<string, ReturnType<typeof jwtVerifier>>();
  // Visitor sessions by token hash; the database stays the truth, the cache saves a query per hello.
  const cache = new Map<string, { subject: Subject; site: string; expiresAt: number }>();

  function siteVerifier(site: SiteConfig): ReturnType<typeof jwtVerifier> {
    let verifier = siteVerifiers.get(site.id);
    if (!verifier) {
      const identity = site.identity;
      const secret = identity?.secretEnv ? options.env[identity.secretEnv] : undefined;
      if (!identity || (!secret && !identity.jwksUrl)) {
        throw helplineError('auth/forbidden', { operation: `vouch for visitors of site ${site.id}` });
      }
      verifier = jwtVerifier({
        ...(secret ? { secret } : {}),
        ...(identity.jwksUrl ? { jwksUrl: identity.jwksUrl } : {}),
        ...(identity.issuer ? { issuer: identity.issuer } : {}),
        ...(identity.audience ? { audience: identity.audience } : {}),
      });
      siteVerifiers.set(site.id, verifier);
    }
    return verifier;
  }

  function siteOrThrow(siteId: string): SiteConfig {
    const site = options.sites.get(siteId);
    if (!site) throw helplineError('site/unknown', { site: siteId });
    return site;
  }

  async function save(site: string, subject: Subject, ttlMs: number): Promise<IssuedVisitorSession> {
    const token = `hlv_${randomBytes(16).toString('hex')}`;
    const createdAt = now();
    const expiresAt = createdAt + ttlMs;
    await storage.saveVisitorSession({ tokenHash: hashToken(token), site, subject, createdAt, expiresAt });
    return { token, subject, expiresAt };
  }

  async function visitor(token: string): Promise<Subject> {
    const hash = hashToken(token);
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > now()) return cached.subject;
    const found = await storage.findVisitorSession(hash, now());
    if (!found) throw helplineError('auth/invalid-token', { detail: 'unknown or expired visitor token' });
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(hash, { subject: found.subject, site: found.site, expiresAt: found.expiresAt });
    return found.subject;
  }

  async function staff(token: string): Promise<Subject> {
    const payload = await verifyStaff(token);
    const claimed = payload.role;
    if (claimed !== undefined && claimed !== 'agent' && claimed !== 'supervisor') {
      throw helplineError('auth/invalid-token', { detail: 'claim "role" must be agent or supervisor' });
    }
    const agent = agents.get(payload.sub);
    if (!agent)
      throw helplineError('auth/invalid-token', { detail: `${payload.sub} is not a configured agent` });
    // The configuration decides the role: a claim the host's auth may let users influence must not make an agent
    // a supervisor. A contradicting claim is refused rather than ignored, so a misconfigured IdP gets noticed.
    if (claimed !== undefined && claimed !== agent.role) {
      throw helplineError('auth/invalid-token', {
        detail: `claim "role" is ${claimed} but ${agent.id} is configured as ${agent.role}`,
      });
    }
    checkLeadsClaim(payload.leads, agent);
    return { id: agent.id, role: agent.role, name: stringClaim(payload, 'name', 120) ?? agent.displayName };
  }

  const devSecret = options.staff.secret;

  return {
    staffConfigured: Boolean(options.staff.secret || options.staff.jwksUrl),
    authenticate(token) {
      return VISITOR_TOKEN.test(token) ? visitor(token) : staff(token);
    },
    async siteOfVisitor(token) {
      if (!VISITOR_TOKEN.test(token)) return undefined;
      const hash = hashToken(token);
      const cached = cache.get(hash);
      if (cached && cached.expiresAt > now()) return cached.site;
      return (await storage.findVisitorSession(hash, now()))?.site;
    },
    async issueVisitor(siteId, identity) {
      const site = siteOrThrow(siteId);
      if (identity === undefined) {
        const id = `v_${randomBytes(16).toString('hex')}`;
        return save(site.id, { id, role: 'visitor', name: 'Visitor' }, options.anonymousTtlMs);
      }
      const payload = await siteVerifier(site)(identity);
      // The same person on the same site keeps one id across devices; ids of two sites never collide.
      const id = `u_${createHash('sha256').update(`${site.id}\u0000${payload.sub}`).digest('hex').slice(0, 32)}`;
      const name = stringClaim(payload, 'name', 120);
      const email = stringClaim(payload, 'email', 254);
      const phone = stringClaim(payload, 'phone', 16);
      const language = stringClaim(payload, 'language', 35);
      const validPhone = phone && /^\+[1-9]\d{6,14}$/.test(phone) ? phone : undefined;
      const subject: Subject = {
        id,
        role: 'visitor',
        name: name ?? 'Visitor',
        identified: true,
        customer: {
          ...(name ? { name } : {}),
          ...(email ? { email } : {}),
          ...(validPhone ? { phone: validPhone } : {}),
          ...(language ? { language } : {}),
        },
        identifiers: visitorIdentifiers(id, payload, email, validPhone),
      };
      return save(site.id, subject, options.identifiedTtlMs);
    },
    async devStaffToken(role, id, name) {
      if (!devSecret)
        throw helplineError('auth/forbidden', { operation: 'issue demo tokens without a secret' });
      const agent = agents.get(id);
      if (!agent) throw helplineError('not-found', { entity: 'Agent', id });
      // Refused here rather than minted and refused at hello, so the demo says why.
      if (role !== agent.role) {
        throw helplineError(
          'validation/field',
          {
            scope: 'dev/tokens',
            field: 'role',
            detail: `must be ${agent.role}: that is how ${id} is configured`,
          },
          { field: 'role' },
        );
      }
      const jwt = new SignJWT({
        role: agent.role,
        name,
        ...(agent.leads?.length ? { leads: [...agent.leads] } : {}),
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(id);
      if (options.staff.issuer) jwt.setIssuer(options.staff.issuer);
      if (options.staff.audience) jwt.setAudience(options.staff.audience);
      return jwt.setIssuedAt().setExpirationTime('12h').sign(new TextEncoder().encode(devSecret));
    },
    async devVisitorToken(siteId, id, name) {
      const site = siteOrThrow(siteId);
      return save(site.id, { id, role: 'visitor', name }, options.anonymousTtlMs);
    },
  };
}
