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
 * Creates token buckets with an injected clock. `share` is the part of the configured budget these buckets hold
 * (default all of it): in a cluster each instance holds 1/N of a limit it counts on its own
 * ({@link instanceShare}), so N instances behind a balancer admit what one would. A bucket holds at least one token.
 *
 * @example
 * ```ts
 * const buckets = createTokenBuckets({ burst: 5, perMinute: 10 }, Date.now);
 * const waitMs = buckets.take(`${ip}|${site}|${subject}`);
 * ```
 */
export function createTokenBuckets(
  config: BucketConfig,
  now: () => number,
  share: () => number = () => 1,
): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const burstOf = (part: number) => Math.max(1, config.burst * part);
  const level = (bucket: { tokens: number; at: number }, at: number, part: number) =>
    Math.min(burstOf(part), bucket.tokens + ((at - bucket.at) * config.perMinute * part) / 60_000);
  return {
    take(key) {
      const at = now();
      const part = share();
      const refillPerMs = (config.perMinute * part) / 60_000;
      const bucket = buckets.get(key) ?? { tokens: burstOf(part), at };
      const tokens = level(bucket, at, part);
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        return 0;
      }
      buckets.set(key, { tokens, at });
      return Math.ceil((1 - tokens) / refillPerMs);
    },
    prune() {
      const at = now();
      const part = share();
      for (const [key, bucket] of buckets) if (level(bucket, at, part) >= burstOf(part)) buckets.delete(key);
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The share of a limit one instance counts when `instances` are live: 1/N. Each instance of a deployment counts
 * the limits of the HTTP API and of sockets per address on its own; with an equal share each, and a balancer that
 * spreads a client's requests (round robin, least connections), they add up to the configured limit.
 */
export function instanceShare(instances: () => number): () => number {
  return () => 1 / Math.max(1, instances());
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
  'voicemail.start': 'newConversations',
  'voicemail.send': 'messages',
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
