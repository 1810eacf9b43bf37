import { type CommandOp, type HelplineError, helplineError } from '@helpline/core';
import type { AdmissionRequest } from '@helpline/core/hub';
import type { BucketConfig, LimitsConfig } from '../config/config.schema';

/** Token buckets by key: each key may spend `burst` at once and refills at `perMinute`. */
export interface TokenBuckets {
  /** Takes one token for `key`: 0 when allowed, else how many ms until one is available. */
  take(key: string): number;
  /** Forgets buckets that are full again (they behave exactly like new ones). */
  prune(): void;
  readonly size: number;
}

/**
 * Creates token buckets with an injected clock.
 *
 * @example
 * ```ts
 * const buckets = createTokenBuckets({ burst: 5, perMinute: 10 }, Date.now);
 * const waitMs = buckets.take(`${ip}|${site}|${subject}`);
 * ```
 */
export function createTokenBuckets(config: BucketConfig, now: () => number): TokenBuckets {
  const refillPerMs = config.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const level = (bucket: { tokens: number; at: number }, at: number) =>
    Math.min(config.burst, bucket.tokens + (at - bucket.at) * refillPerMs);
  return {
    take(key) {
      const at = now();
      const bucket = buckets.get(key) ?? { tokens: config.burst, at };
      const tokens = level(bucket, at);
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        return 0;
      }
      buckets.set(key, { tokens, at });
      return Math.ceil((1 - tokens) / refillPerMs);
    },
    prune() {
      const at = now();
      for (const [key, bucket] of buckets) if (level(bucket, at) >= config.burst) buckets.delete(key);
    },
    get size() {
      return buckets.size;
    },
  };
}

/** The typed refusal every limit answers with. */
export function rateLimited(retryAfterMs: number): HelplineError {
  return helplineError('limit/rate', { seconds: Math.ceil(retryAfterMs / 1000) }, { retryAfterMs });
}

type Category = 'newConversations' | 'messages' | 'typing' | 'commands';

const CATEGORY: Partial<Record<CommandOp, Category>> = {
  'chat.start': 'newConversations',
  'callback.request': 'newConversations',
  'offline.leave': 'newConversations',
  'message.send': 'messages',
  typing: 'typing',
};

/** The hub's admission hook with its buckets. */
export interface Admission {
  admit(request: AdmissionRequest): HelplineError | undefined;
  prune(): void;
}

/**
 * Rate limits for commands, keyed by (address, site, subject): new conversations, messages and typing have their
 * own buckets, every command also spends from a general one.
 */
export function createAdmission(limits: LimitsConfig, now: () => number): Admission {
  const buckets: Record<Category, TokenBuckets> = {
    newConversations: createTokenBuckets(limits.newConversations, now),
    messages: createTokenBuckets(limits.messages, now),
    typing: createTokenBuckets(limits.typing, now),
    commands: createTokenBuckets(limits.commands, now),
  };
  return {
    admit({ subject, op, meta }) {
      const key = `${meta.ip ?? '-'}|${meta.site ?? '-'}|${subject.id}`;
      const category = CATEGORY[op];
      const waitMs = (category ? buckets[category].take(key) : 0) || buckets.commands.take(key);
      return waitMs > 0 ? rateLimited(waitMs) : undefined;
    },
    prune() {
      for (const bucket of Object.values(buckets)) bucket.prune();
    },
  };
}
