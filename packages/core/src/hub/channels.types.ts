import type { AttachmentRef } from '../attachment/attachment.types';
import type { MessagingChannel } from '../interaction/interaction.types';

// The contract between the hub and the adapters of the messaging channels (email over IMAP/SMTP; SMS, WhatsApp and
// Messenger over the Vonage Messages API). An adapter turns what its provider delivers into an InboundMessage and
// hands it to `hub.channels.receive`; it implements ChannelOutbound to carry an agent's reply back out, and reports
// what the provider says about that reply through `hub.channels.status`. Everything between — which conversation a
// message joins, reopening, routing, dedupe, storage — is the hub's.

/**
 * The address of a customer on a messaging channel: an email address, an E.164 phone number (SMS), a WhatsApp id (the
 * number without `+`, as Vonage gives it) or a Messenger page-scoped id (PSID).
 */
export interface ChannelAddress {
  /** As the provider gives it. Emails compare case-insensitively; adapters need not lower-case them. */
  readonly address: string;
  /** A display name when the channel carries one (an email's `From: "Ann" <ann@…>`); shown as text, never HTML. */
  readonly name?: string | undefined;
}

/**
 * One message a customer sent on a messaging channel, as an adapter hands it to {@link ChannelsHub.receive}.
 *
 * @example
 * ```ts
 * await hub.channels.receive({
 *   channel: 'email',
 *   externalId: '<CAF=abc@mail.example.com>',
 *   threadKey: '<root-4711@mail.example.com>',
 *   from: { address: 'ann@example.com', name: 'Ann' },
 *   to: 'support@shop.example',
 *   subject: 'Where is my order?',
 *   text: 'Hello, …',
 *   receivedAt: Date.now(),
 * });
 * ```
 */
export interface InboundMessage {
  readonly channel: MessagingChannel;
  /**
   * The provider's id of this one message, the dedupe key: an email's `Message-ID` (with its angle brackets, as in the
   * header), Vonage's `message_uuid`. A message received twice under the same `(channel, externalId)` — an IMAP
   * re-fetch after a reconnect, a webhook retried — is appended once; the second call answers `duplicate: true`.
   */
  readonly externalId: string;
  /**
   * What joins messages into one conversation, chosen by the adapter and stable across restarts. Email: the root
   * `Message-ID` of the thread (the first of `References`, else `In-Reply-To`, else its own `Message-ID`), or the
   * conversation's reply token when the customer wrote to a tokenised address. Messaging apps: the customer's address
   * and our number, e.g. `whatsapp:447700900000>447700900001`. Compared exactly, per channel.
   */
  readonly threadKey: string;
  /** The customer. */
  readonly from: ChannelAddress;
  /**
   * Our side: the mailbox (`support@shop.example`) or number (E.164 for SMS, the WhatsApp or Messenger sender id) the
   * customer wrote to. It picks the queue of a new conversation ({@link ChannelsOptions.addresses}) and is the sender
   * of our replies.
   */
  readonly to: string;
  /** Email only: the subject line, as text. */
  readonly subject?: string | undefined;
  /**
   * The message as plain text, already made safe by the adapter: HTML mail through the renderer's text conversion,
   * quoted history folded away. Never HTML. It is cut to the protocol's message length limit.
   */
  readonly text: string;
  /**
   * Files that came with the message (an email's attachments, a WhatsApp photo), already kept by the adapter in the
   * attachment store (checked and scanned there). The adapter binds each to the message once `receive` resolves
   * (`adopt` with the conversation and the `clientMsgId` `<channel>:<externalId>`), so those who may read the
   * message may download them. The text may then be empty.
   */
  readonly attachments?: readonly AttachmentRef[] | undefined;
  /** When the provider received it (epoch ms); falls back to the hub's clock when not finite. */
  readonly receivedAt: number;
}

/**
 * The key a customer's message is stored under in its conversation (its `clientMsgId`): `<channel>:<externalId>`.
 * Adapters bind the files of the message to it (the attachment store's `adopt`).
 *
 * @example
 * ```ts
 * inboundMessageKey('whatsapp', 'aaaaaaaa-bbbb-…'); // 'whatsapp:aaaaaaaa-bbbb-…'
 * ```
 */
export function inboundMessageKey(channel: MessagingChannel, externalId: string): string {
  return `${channel}:${externalId}`;
}

/** What {@link ChannelsHub.receive} did with a message. */
export interface ReceiveResult {
  /** The conversation (interaction id) the message is in. */
  readonly cid: string;
  /** True when the message started a new conversation. */
  readonly created: boolean;
  /** True when it reopened a resolved conversation (which is queued again, or offered back to its last agent). */
  readonly reopened: boolean;
  /** True when this `(channel, externalId)` was received before: nothing was appended, `cid` is where it went. */
  readonly duplicate: boolean;
}

/**
 * One agent message to carry out on its channel, as the hub hands it to {@link ChannelOutbound.send} after the
 * message is stored in the conversation.
 */
export interface OutboundMessage {
  readonly channel: MessagingChannel;
  /** The conversation (interaction id). */
  readonly cid: string;
  /** The conversation event of the message; status updates are keyed by the `externalId` `send` returns. */
  readonly seq: number;
  /** The message id in the conversation (the `messageId` of its `message` event). */
  readonly messageId: string;
  /**
   * The sender's id of the message (its `clientMsgId`): a console route that sent the content itself (a WhatsApp
   * template) keys its own send by it, so the adapter finds that send instead of sending again.
   */
  readonly clientMsgId?: string | undefined;
  /** The conversation's thread key (see {@link InboundMessage.threadKey}). */
  readonly threadKey: string;
  /** Our side, the address the conversation came in on (see {@link InboundMessage.to}): the sender of the reply. */
  readonly from: string;
  /** The customer, with the address as the adapter gave it in the conversation's first message. */
  readonly to: ChannelAddress;
  /** Email only: the subject of the conversation (the adapter prefixes `Re:` as it sees fit). */
  readonly subject?: string | undefined;
  /** The agent's text, plain; may be empty when the message carries attachments. */
  readonly text: string;
  /** The files the agent attached: an email carries them as MIME parts, a messaging app as media. */
  readonly attachments?: readonly AttachmentRef[] | undefined;
  /** Who wrote it, for a signature or a `From` display name. */
  readonly agent: { readonly id: string; readonly displayName: string };
  /**
   * The `externalId`s of the conversation's messages on this channel, oldest first — the customer's and ours. Email
   * builds `In-Reply-To` (the last) and `References` (all) from it; other channels may ignore it.
   */
  readonly references: readonly string[];
}

/**
 * Carries agents' messages out on one messaging channel; given per channel in {@link ChannelsOptions.outbound}.
 * `send` resolves with the provider's id of the sent message (an email's `Message-ID`, Vonage's `message_uuid`),
 * which later {@link ChannelsHub.status} calls refer to. A rejection is recorded as a `failed` receipt that the
 * console shows; the message stays in the conversation. The hub does not retry: an adapter that can retry does so
 * inside `send`.
 */
export interface ChannelOutbound {
  send(message: OutboundMessage): Promise<{ readonly externalId: string }>;
}

/**
 * What a provider says about a message we sent: accepted by the provider (`sent`), on the customer's device
 * (`delivered`), seen (`read`), or not deliverable (`failed`, e.g. a bounce or an expired WhatsApp window).
 */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** Every delivery status, in the order a message passes through them. */
export const DELIVERY_STATUSES = [
  'sent',
  'delivered',
  'read',
  'failed',
] as const satisfies readonly DeliveryStatus[];

/** The hub's intake for channel adapters: `hub.channels`. */
export interface ChannelsHub {
  /**
   * Takes one customer message: finds the conversation of its `threadKey` (open or resolved) or creates one in the
   * queue its `to` maps to, appends the message (once per `externalId`), and reopens a resolved conversation. Resolves
   * once the message is stored, so an adapter may then acknowledge it to its provider (IMAP flag, webhook 200).
   * Rejects with a `HelplineError`: `validation/field` for a malformed message, `not-found` when `to` maps to no queue
   * (nothing is stored: keep the message and retry once configured).
   */
  receive(message: InboundMessage): Promise<ReceiveResult>;
  /**
   * Records what the provider said about a message we sent, found by the `externalId` its `send` returned: a
   * receipt event in its conversation, which the console shows. A status that does not move a message forward
   * (`delivered` after `read`, a repeat) is ignored. `detail` says why a message `failed` (a provider's error text,
   * shown to staff only). Resolves `false` when no sent message has that id (a provider's late or foreign callback).
   */
  status(
    channel: MessagingChannel,
    externalId: string,
    status: DeliveryStatus,
    detail?: string,
  ): Promise<boolean>;
}

/** The messaging channels of a hub (`HubOptions.channels`). */
export interface ChannelsOptions {
  /**
   * Our addresses and the queue each feeds: a mailbox (`support@shop.example`, compared case-insensitively) or a
   * number / sender id (`+447700900001`), mapped to a queue id. A message to an address not listed goes to
   * `defaultQueueId`.
   */
  readonly addresses?: Readonly<Record<string, string>> | undefined;
  /** The queue of a message whose `to` is not in `addresses`; without it such a message is refused (`not-found`). */
  readonly defaultQueueId?: string | undefined;
  /** Per channel, what carries agents' messages out; a channel without one keeps replies in the console only. */
  readonly outbound?: Readonly<Partial<Record<MessagingChannel, ChannelOutbound>>> | undefined;
}
