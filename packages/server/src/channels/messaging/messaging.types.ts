import type { MessagingChannel } from '@helpline/core';
import type { DeliveryStatus } from '@helpline/core/hub';

// The messaging adapter's own vocabulary: what Vonage's webhooks and sends become once normalized, before (and
// independently of) the hub's intake contract. Everything here is plain data, testable without Vonage or a hub.

/** The messaging channels this server speaks through the Vonage Messages API. */
export type VonageChannel = Extract<MessagingChannel, 'sms' | 'whatsapp' | 'messenger'>;

/** Every {@link VonageChannel}, in a stable order. */
export const VONAGE_CHANNELS = ['sms', 'whatsapp', 'messenger'] as const satisfies readonly VonageChannel[];

/** The kinds of media a message can carry in or out. */
export type MediaKind = 'image' | 'file' | 'audio' | 'video';

/** A media item of an inbound message, as Vonage announced it (its URL is fetched and stored by the adapter). */
export interface InboundMedia {
  readonly kind: MediaKind;
  /** Vonage's URL of the file: short-lived, fetched once when the message is taken in. */
  readonly url: string;
  readonly caption?: string | undefined;
  /** The file name the customer's app gave (files only). */
  readonly name?: string | undefined;
}

/** An inbound message, normalized from Vonage's webhook. */
export interface NormalizedInbound {
  readonly channel: VonageChannel;
  /** Vonage's `message_uuid`: the key that makes a retried webhook a no-op. */
  readonly externalId: string;
  /** One conversation per channel, business sender and customer: `whatsapp:+14155550101:+447700900001`. */
  readonly threadKey: string;
  /** The customer: an E.164 number (SMS, WhatsApp) or a page-scoped user id (Messenger). */
  readonly from: string;
  /** Our sender: an E.164 number or a Facebook page id. */
  readonly to: string;
  /** The text (a caption for media; empty when there is none). */
  readonly text: string;
  readonly media: readonly InboundMedia[];
  /** When the customer sent it (Vonage's `timestamp`), epoch ms. */
  readonly at: number;
  /** The customer's profile name (WhatsApp), when given. */
  readonly profileName?: string | undefined;
  /** Vonage's id of the message this one answers (WhatsApp replies), when given. */
  readonly inReplyTo?: string | undefined;
  /** A message type this server does not take in as content (location, contacts, …): named, not dropped. */
  readonly unsupported?: string | undefined;
  /** SMS only: how many segments the phone sent. */
  readonly segments?: number | undefined;
}

/** Vonage's message statuses. */
export type VonageStatus = 'submitted' | 'delivered' | 'read' | 'rejected' | 'undeliverable';

/**
 * Our receipt of an outbound message, the hub's `DeliveryStatus`: `sent` (handed to the network), `delivered` (on the
 * customer's device), `read` (opened, where the channel tells), or `failed` (refused by Vonage, rejected or
 * undeliverable).
 */
export type DeliveryReceipt = DeliveryStatus;

/** A status update of an outbound message, normalized from Vonage's webhook. */
export interface NormalizedStatus {
  readonly channel: VonageChannel;
  /** The `message_uuid` Vonage gave our send. */
  readonly externalId: string;
  readonly status: VonageStatus;
  readonly receipt: DeliveryReceipt;
  readonly at: number;
  /** Why it failed (rejected, undeliverable): Vonage's error title and detail. */
  readonly error?: { readonly code: string; readonly detail: string } | undefined;
}

/** What an agent sends: text, media from the attachments store, or a WhatsApp template. */
export type OutboundContent =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: MediaKind;
      /** The attachment's id in the attachments store. */
      readonly attachmentId: string;
      readonly caption?: string | undefined;
    }
  | {
      readonly kind: 'template';
      readonly name: string;
      readonly locale: string;
      readonly parameters: readonly string[];
    };

/** One outbound message. */
export interface OutboundMessage {
  /** Our id of the message (the conversation's `clientMsgId`): a send retried with it goes out once. */
  readonly id: string;
  readonly channel: VonageChannel;
  /** Our sender (number or page id). */
  readonly from: string;
  /** The customer. */
  readonly to: string;
  readonly content: OutboundContent;
}

/** What became of a send: the outbound record as kept. */
export interface OutboundRecord {
  readonly id: string;
  readonly channel: VonageChannel;
  readonly from: string;
  readonly to: string;
  readonly content: OutboundContent;
  /** Vonage's id, once it accepted the send. */
  readonly externalId?: string | undefined;
  readonly receipt: DeliveryReceipt | 'pending';
  /** The error code and message when the send failed. */
  readonly error?: { readonly code: string; readonly detail: string } | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The `threadKey` of a conversation on `channel` between our `business` sender and a `customer`. */
export function threadKeyOf(channel: VonageChannel, business: string, customer: string): string {
  return `${channel}:${business}:${customer}`;
}
