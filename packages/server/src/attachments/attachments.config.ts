import { ATTACHMENT_LIMITS, type AttachmentPolicy, DEFAULT_ATTACHMENT_POLICY } from '@helpline/core';
import * as v from 'valibot';

// A site's attachment allow-list in the configuration file (`sites[].attachments`), validated like every other
// section: a misspelled type or an impossible size is a ConfigError naming the field.

const mimeEntry = v.pipe(
  v.string(),
  v.regex(
    /^([a-z0-9][\w.+-]*|\*)\/([a-z0-9][\w.+-]*|\*)$/,
    'must be a lower-case MIME type such as image/png or image/*',
  ),
);

/** `sites[].attachments`: which types, how large, how many per message. Absent: {@link DEFAULT_ATTACHMENT_POLICY}. */
export const attachmentPolicySchema = v.strictObject({
  /** Allowed MIME types: exact, or a family (`image/*`). `[]` switches attachments off for the site. */
  types: v.optional(v.array(mimeEntry), [...DEFAULT_ATTACHMENT_POLICY.types]),
  /** Largest file in bytes (at most 1 GiB). */
  maxBytes: v.optional(
    v.pipe(
      v.number(),
      v.safeInteger('must be whole bytes'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(ATTACHMENT_LIMITS.maxBytes, `must be at most ${ATTACHMENT_LIMITS.maxBytes} (1 GiB)`),
    ),
    DEFAULT_ATTACHMENT_POLICY.maxBytes,
  ),
  /** Most attachments in one message (at most 10). */
  maxPerMessage: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(ATTACHMENT_LIMITS.perMessage)),
    DEFAULT_ATTACHMENT_POLICY.maxPerMessage,
  ),
});

/**
 * The policy that holds where no site is named: only what every site allows (the types all of them list, the
 * smallest size), so that leaving the site out never widens what a caller may upload.
 */
export function strictestPolicy(policies: readonly AttachmentPolicy[]): AttachmentPolicy {
  const [first, ...rest] = policies;
  if (!first) return DEFAULT_ATTACHMENT_POLICY;
  return {
    types: first.types.filter((type) => rest.every((policy) => policy.types.includes(type))),
    maxBytes: Math.min(...policies.map((policy) => policy.maxBytes)),
    maxPerMessage: Math.min(...policies.map((policy) => policy.maxPerMessage)),
  };
}
