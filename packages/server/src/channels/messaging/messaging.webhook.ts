import { helplineError } from '@helpline/core';
import * as v from 'valibot';
import type {
  DeliveryReceipt,
  InboundMedia,
  MediaKind,
  NormalizedInbound,
  NormalizedStatus,
  VonageChannel,
  VonageStatus,
} from './messaging.types';
import { threadKeyOf } from './messaging.types';

// The Messages API's inbound and status webhooks (v1), as far as this server reads them. Objects are loose: Vonage
// adds fields over time (usage, pricing, referrals) and a new one must not make us refuse a customer's message.

/** Longest text taken in (WhatsApp's limit is 4,096; a concatenated SMS stays far below). */
export const INBOUND_TEXT_MAX = 4_096;

const channel = v.picklist(['sms', 'whatsapp', 'messenger'] as const satisfies readonly VonageChannel[]);
const uuid = v.pipe(v.string(), v.regex(/^[\w-]{8,64}$/, 'must be a message uuid'));
const party = v.pipe(v.string(), v.regex(/^\+?[\w.-]{1,64}$/, 'must be a number or an id'));
const timestamp = v.pipe(
  v.string(),
  v.check((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time'),
);
const httpsUrl = v.pipe(v.string(), v.maxLength(2_048), v.regex(/^https:\/\/\S+$/, 'must be an https URL'));
const caption = v.optional(v.pipe(v.string(), v.maxLength(INBOUND_TEXT_MAX)));
const media = v.looseObject({
  url: httpsUrl,
  caption,
  name: v.optional(v.pipe(v.string(), v.maxLength(255))),
});

/** Schema of the inbound message webhook. */
export const inboundSchema = v.looseObject({
  channel,
  message_uuid: uuid,
  to: party,
  from: party,
  timestamp,
  message_type: v.pipe(v.string(), v.regex(/^[a-z_]{1,32}$/, 'must be a message type')),
  text: v.optional(v.pipe(v.string(), v.maxLength(INBOUND_TEXT_MAX))),
  image: v.optional(media),
  file: v.optional(media),
  audio: v.optional(media),
  video: v.optional(media),
  sticker: v.optional(media),
  profile: v.optional(v.looseObject({ name: v.optional(v.pipe(v.string(), v.maxLength(256))) })),
  context: v.optional(v.looseObject({ message_uuid: v.optional(uuid) })),
  sms: v.optional(v.looseObject({ num_messages: v.optional(v.union([v.string(), v.number()])) })),
  // Interactive answers (WhatsApp buttons and lists): their title is what the customer tapped.
  reply: v.optional(v.looseObject({ title: v.optional(v.pipe(v.string(), v.maxLength(256))) })),
  button: v.optional(v.looseObject({ text: v.optional(v.pipe(v.string(), v.maxLength(256))) })),
});

/** Schema of the message status webhook. */
export const statusSchema = v.looseObject({
  channel,
  message_uuid: uuid,
  to: party,
  from: party,
  timestamp,
  status: v.picklist([
    'submitted',
    'delivered',
    'read',
    'rejected',
    'undeliverable',
  ] as const satisfies readonly VonageStatus[]),
  error: v.optional(
    v.looseObject({
      type: v.optional(v.string()),
      title: v.optional(v.union([v.string(), v.number()])),
      detail: v.optional(v.string()),
    }),
  ),
});

/** Vonage's status → our receipt. */
export const RECEIPT_OF: Readonly<Record<VonageStatus, DeliveryReceipt>> = {
  submitted: 'sent',
  delivered: 'delivered',
  read: 'read',
  rejected: 'failed',
  undeliverable: 'failed',
};

function parse<S extends v.GenericSchema>(schema: S, body: unknown, scope: string): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issue ? (v.getDotPath(issue) ?? 'body') : 'body';
  throw helplineError(
    'validation/field',
    { scope, field, detail: issue?.message ?? 'is not valid' },
    { field },
  );
}

/** Numbers arrive without their `+` (`447700900001`); we keep E.164. Messenger ids stay as they are. */
function partyOf(kind: VonageChannel, value: string): string {
  if (kind === 'messenger') return value;
  return value.startsWith('+') ? value : `+${value}`;
}

const MEDIA_KINDS = ['image', 'file', 'audio', 'video'] as const satisfies readonly MediaKind[];

/**
 * Validates and normalizes an inbound message webhook body. Throws `validation/field` naming the field. Media URLs
 * are listed for the adapter to fetch; types we do not take in as content (location, contacts, orders) are named in
 * `unsupported` with whatever text they carry, so the conversation shows that something came.
 */
export function normalizeInbound(body: unknown): NormalizedInbound {
  const raw = parse(inboundSchema, body, 'messaging.inbound');
  const from = partyOf(raw.channel, raw.from);
  const to = partyOf(raw.channel, raw.to);
  const mediaItems: InboundMedia[] = [];
  for (const kind of MEDIA_KINDS) {
    const item = raw[kind];
    if (item && raw.message_type === kind)
      mediaItems.push({ kind, url: item.url, caption: item.caption, name: item.name });
  }
  // A sticker is a small WebP picture.
  if (raw.message_type === 'sticker' && raw.sticker) mediaItems.push({ kind: 'image', url: raw.sticker.url });
  const text =
    raw.message_type === 'text'
      ? (raw.text ?? '')
      : raw.message_type === 'reply'
        ? (raw.reply?.title ?? '')
        : raw.message_type === 'button'
          ? (raw.button?.text ?? '')
          : (mediaItems[0]?.caption ?? '');
  const known = raw.message_type === 'text' || raw.message_type === 'reply' || raw.message_type === 'button';
  const numMessages = raw.sms?.num_messages;
  return {
    channel: raw.channel,
    externalId: raw.message_uuid,
    threadKey: threadKeyOf(raw.channel, to, from),
    from,
    to,
    text,
    media: mediaItems,
    at: Date.parse(raw.timestamp),
    ...(raw.profile?.name ? { profileName: raw.profile.name } : {}),
    ...(raw.context?.message_uuid ? { inReplyTo: raw.context.message_uuid } : {}),
    ...(known || mediaItems.length > 0 ? {} : { unsupported: raw.message_type }),
    ...(numMessages === undefined ? {} : { segments: Number(numMessages) }),
  };
}

/** Validates and normalizes a message status webhook body. Throws `validation/field` naming the field. */
export function normalizeStatus(body: unknown): NormalizedStatus {
  const raw = parse(statusSchema, body, 'messaging.status');
  const error =
    raw.error && (raw.status === 'rejected' || raw.status === 'undeliverable')
      ? {
          code: String(raw.error.title ?? raw.error.type ?? 'unknown'),
          detail: (raw.error.detail ?? '').slice(0, 500),
        }
      : undefined;
  return {
    channel: raw.channel,
    externalId: raw.message_uuid,
    status: raw.status,
    receipt: RECEIPT_OF[raw.status],
    at: Date.parse(raw.timestamp),
    ...(error ? { error } : {}),
  };
}
