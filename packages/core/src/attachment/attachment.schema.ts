import * as v from 'valibot';
import { id } from '../protocol/protocol.primitives';
import { ATTACHMENT_LIMITS } from './attachment.limits';

// The wire form of an attachment, for the `message.send` command and the `message` event. Every field is bounded;
// the name is free text (shown as text everywhere), the type a MIME type.

/** An {@link AttachmentRef} on the wire. */
export const attachmentRefSchema = v.object({
  id,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(ATTACHMENT_LIMITS.name)),
  type: v.pipe(
    v.string(),
    v.maxLength(ATTACHMENT_LIMITS.type),
    v.regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
  ),
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(ATTACHMENT_LIMITS.maxBytes)),
  /** Lower-case hex (64 digits from the server; the schema bounds it only, as the client's guard does). */
  sha256: v.optional(v.pipe(v.string(), v.maxLength(64), v.regex(/^[0-9a-f]+$/, 'must be hex digits'))),
  width: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
  height: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
});

/** The attachments of one message: at most {@link ATTACHMENT_LIMITS.perMessage}, each named once. */
export const attachmentListSchema = v.pipe(
  v.array(attachmentRefSchema),
  v.maxLength(ATTACHMENT_LIMITS.perMessage, `must have at most ${ATTACHMENT_LIMITS.perMessage} attachments`),
  v.check(
    (list) => new Set(list.map((ref) => ref.id)).size === list.length,
    'must name each attachment once',
  ),
  v.readonly(),
);
