import { randomId } from '../ids/ids';
import type { HubClock, HubStorage } from './hub.types';

/** What resume tokens need from the hub. */
export interface ResumeTokensDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Where tokens outlive a restart (all optional: without them tokens live in memory only). */
  readonly storage: Pick<HubStorage, 'saveResumeToken' | 'takeResumeToken' | 'findResumeToken'>;
  /** How long an unused token stays valid, ms. */
  readonly ttlMs: number;
}

/**
 * Resume tokens: secret, bound to the subject they were issued to, single-use (the connections module spends one
 * once its client is heard from after the welcome), and expiring.
 */
export interface ResumeTokens {
  /** The subject a token was issued to while it is valid: from memory, or from storage after a restart. */
  ownerOf(token: string): Promise<string | undefined>;
  /** Makes a token good for nobody (spent, or presented by someone else). */
  revoke(token: string): Promise<void>;
  /** Issues a new token to the subject (stored first, where storage keeps tokens). */
  issue(subjectId: string): Promise<string>;
  /** Forgets expired tokens. */
  sweep(now: number): void;
}

/**
 * Creates the resume tokens of a hub.
 *
 * @example
 * ```ts
 * const tokens = createResumeTokens({ clock, randomBytes, storage, ttlMs: 7 * 86_400_000 });
 * const token = await tokens.issue('v1');
 * await tokens.ownerOf(token); // 'v1'
 * ```
 */
export function createResumeTokens(deps: ResumeTokensDeps): ResumeTokens {
  const { clock, storage, ttlMs } = deps;
  const issued = new Map<string, { readonly subjectId: string; readonly issuedAt: number }>();

  return {
    async ownerOf(token) {
      const known = issued.get(token);
      if (known && clock.now() - known.issuedAt < ttlMs) return known.subjectId;
      // Tokens issued before a restart are known only to a storage that keeps them (the server's SQL storage).
      return storage.findResumeToken?.(token, clock.now() - ttlMs);
    },
    async revoke(token) {
      issued.delete(token);
      await storage.takeResumeToken?.(token);
    },
    async issue(subjectId) {
      const token = randomId('r', deps.randomBytes);
      await storage.saveResumeToken?.(token, subjectId, clock.now());
      issued.set(token, { subjectId, issuedAt: clock.now() });
      return token;
    },
    sweep(now) {
      for (const [token, { issuedAt }] of issued) if (now - issuedAt >= ttlMs) issued.delete(token);
    },
  };
}
