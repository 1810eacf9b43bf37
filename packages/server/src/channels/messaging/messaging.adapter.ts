import {
  type AttachmentRef,
  type ComposerLimits,
  composerLimits,
  helplineError,
  isHelplineError,
  messagingFailure,
  redactCardNumbers,
  textTooLong,
  type WindowState,
  whatsappWindow,
} from '@helpline/core';
import type { ChannelOutbound, ChannelsHub, OutboundMessage } from '@helpline/core/hub';
import { inboundMessageKey } from '@helpline/core/hub';
import { refusedFileNote } from '../../attachments/attachments.channel';
import type { Logger } from '../../log/logger';
import type { MessagingConfig, MessagingSender, WhatsAppTemplateConfig } from './messaging.config';
import { type MediaFetcher, type MessagingAttachments, mediaFileName } from './messaging.media';
import {
  buildSdkMessage,
  isWhatsAppLocale,
  type MessagesPort,
  mapSendError,
  type SdkContent,
} from './messaging.sender';
import type { MessagingStore } from './messaging.store';
import type {
  DeliveryReceipt,
  NormalizedInbound,
  OutboundContent,
  OutboundRecord,
  VonageChannel,
} from './messaging.types';
import { threadKeyOf } from './messaging.types';
import { normalizeInbound, normalizeStatus } from './messaging.webhook';

// The adapter between the Vonage Messages API and the hub: webhooks in (normalized, deduped, media kept, the
// WhatsApp window noted), sends out (checked against the channel's rules, kept whatever Vonage answers), statuses
// mapped to receipts. The hub's side is an intake with the shape of `hub.channels` (core/hub/channels.types.ts).

/** The hub's intake as the adapter uses it: `hub.channels` (core/hub/channels.types.ts). */
export type MessagingIntake = Pick<ChannelsHub, 'receive' | 'status'>;

/** A send of the adapter's own: text, media from the attachments store or a WhatsApp template. */
export interface MessagingSend {
  /** Our id of the message: a send retried with the same id goes out once. */
  readonly id: string;
  readonly channel: VonageChannel;
  readonly from: string;
  readonly to: string;
  readonly content: OutboundContent;
}

/** A WhatsApp template an agent may send in a conversation. */
export type TemplateChoice = Pick<WhatsAppTemplateConfig, 'name' | 'locale' | 'label' | 'parameters'>;

/** What the console needs to know of a messaging conversation before the agent types. */
export interface ConversationMessaging {
  readonly channel: VonageChannel;
  readonly sender: string;
  readonly customer: string;
  /** WhatsApp only: the customer-care window. Closed = only a template will be delivered. */
  readonly window?: WindowState | undefined;
  /** WhatsApp only: the templates configured for this number and queue. */
  readonly templates: readonly TemplateChoice[];
  readonly limits: ComposerLimits;
}

/** Options of {@link createMessagingAdapter}. */
export interface MessagingAdapterOptions {
  readonly config: MessagingConfig;
  readonly api: MessagesPort;
  readonly store: MessagingStore;
  /** Where inbound media is kept and outbound media shared from; absent = media is named in the text, not kept. */
  readonly attachments?: MessagingAttachments | undefined;
  readonly fetchMedia?: MediaFetcher | undefined;
  readonly now: () => number;
  readonly log: Logger;
}

/** The adapter. */
export interface MessagingAdapter {
  /** Connects the hub's intake (the hub is created after the adapter: its outbound senders are the adapter). */
  connect(intake: MessagingIntake): void;
  /** Takes in an inbound message webhook body; `duplicate` when it was handled before (nothing appended). */
  inbound(body: unknown): Promise<{ readonly duplicate: boolean; readonly cid?: string | undefined }>;
  /** Takes in a status webhook body; `known` when it is about a message we sent. */
  status(body: unknown): Promise<{ readonly duplicate: boolean; readonly known: boolean }>;
  /** Sends through the Messages API; the message is kept whatever happens, a refusal with a failed receipt. */
  send(message: MessagingSend): Promise<OutboundRecord>;
  /** The hub's `ChannelOutbound` for SMS, WhatsApp and Messenger: an agent's text, sent by {@link send}. */
  readonly outbound: ChannelOutbound;
  /** The window, templates and limits of a conversation; undefined when it is not one of ours. */
  conversation(cid: string): Promise<ConversationMessaging | undefined>;
  /** Our senders and the queue each feeds (the hub's `ChannelsOptions.addresses`). */
  addresses(): Record<string, string>;
}

const RANK: Readonly<Record<OutboundRecord['receipt'], number>> = {
  pending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 1.5,
};

/** True when a receipt moves a message forward: never back, and `failed` only before delivery. */
export function advances(current: OutboundRecord['receipt'], next: DeliveryReceipt): boolean {
  if (current === 'failed') return false;
  return RANK[next] > RANK[current];
}

/** What we keep of a send: card numbers in its text and caption redacted, as everywhere we store text. */
function redactedContent(content: OutboundContent): OutboundContent {
  if (content.kind === 'text') return { ...content, text: redactCardNumbers(content.text) };
  if (content.kind === 'template')
    return { ...content, parameters: content.parameters.map(redactCardNumbers) };
  return content.caption === undefined
    ? content
    : { ...content, caption: redactCardNumbers(content.caption) };
}

/** What the inbox keeps of an inbound message: the normalized message, its texts redacted. */
function inboxBody(message: NormalizedInbound): NormalizedInbound {
  return {
    ...message,
    text: redactCardNumbers(message.text),
    media: message.media.map((item) =>
      item.caption === undefined ? item : { ...item, caption: redactCardNumbers(item.caption) },
    ),
  };
}

/**
 * The id the console's messaging route gives a send it makes itself (a template, media), from the conversation and
 * the message's `clientMsgId`: the hub's delivery of that message finds the send under it.
 */
export function routeSendId(cid: string, clientMsgId: string): string {
  return `${cid}:${clientMsgId}`;
}

/** The media kind a file goes as: photos as images (the types every app shows), sound, video, else a document. */
export function mediaKindOf(type: string): Exclude<OutboundContent['kind'], 'text' | 'template'> {
  if (type === 'image/jpeg' || type === 'image/png') return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return 'file';
}

/**
 * What an agent's message becomes on a messaging app: its text, then each attachment as media. On WhatsApp one
 * photo or document with a text goes as one message, the text its caption.
 */
export function outboundParts(
  channel: VonageChannel,
  message: Pick<OutboundMessage, 'text' | 'attachments'>,
): OutboundContent[] {
  const files = message.attachments ?? [];
  const text = message.text.trim() === '' ? undefined : message.text;
  const media = files.map((file) => ({ kind: mediaKindOf(file.type), attachmentId: file.id }));
  const [only] = media;
  if (
    channel === 'whatsapp' &&
    text &&
    only &&
    media.length === 1 &&
    only.kind !== 'audio' &&
    only.kind !== 'video'
  )
    return [{ ...only, caption: text }];
  return [...(text === undefined ? [] : [{ kind: 'text' as const, text }]), ...media];
}

/** Creates the adapter. */
export function createMessagingAdapter(options: MessagingAdapterOptions): MessagingAdapter {
  const { config, api, store, log, now } = options;
  let intake: MessagingIntake | undefined;

  function senderOf(channel: VonageChannel, id: string): MessagingSender {
    const found = config.senders.find((s) => s.channel === channel && s.id === id);
    if (!found) throw messagingFailure('messaging/not-configured', { channel, sender: id });
    return found;
  }

  function templatesOf(sender: MessagingSender, queueId: string): TemplateChoice[] {
    if (sender.channel !== 'whatsapp') return [];
    return sender.templates
      .filter((t) => !t.queueIds || t.queueIds.includes(queueId))
      .map(({ name, locale, label, parameters }) => ({ name, locale, label, parameters }));
  }

  /**
   * Fetches and keeps each media item as an attachment of the message. A file that could not be fetched, or that the
   * store refused (type, size, scanner), is a line of the text instead: the message still goes in.
   */
  async function keepMedia(
    message: NormalizedInbound,
  ): Promise<{ attachments: AttachmentRef[]; lines: string[] }> {
    const attachments: AttachmentRef[] = [];
    const lines: string[] = [];
    for (const item of message.media) {
      if (!options.attachments || !options.fetchMedia) {
        lines.push(`[${item.kind}]`);
        continue;
      }
      let fetched: Awaited<ReturnType<MediaFetcher>>;
      try {
        fetched = await options.fetchMedia(item.url);
      } catch (error) {
        log.warn('messaging.media-failed', { channel: message.channel, kind: item.kind }, error);
        lines.push(`[${item.kind}: not received]`);
        continue;
      }
      const name = mediaFileName(item.kind, message.externalId, fetched.type, item.name);
      try {
        attachments.push(
          await options.attachments.put({
            name,
            type: fetched.type,
            bytes: fetched.bytes,
            origin: inboundMessageKey(message.channel, message.externalId),
          }),
        );
      } catch (error) {
        log.info('messaging.media-refused', { channel: message.channel, kind: item.kind });
        lines.push(refusedFileNote(name, error));
      }
    }
    return { attachments, lines };
  }

  function checkContent(
    message: MessagingSend,
    sender: MessagingSender,
    windowOpen: boolean,
    queueId: string,
  ) {
    const { content, channel } = message;
    if (content.kind === 'text') {
      const tooLong = textTooLong(content.text, composerLimits(channel, config.smsMaxSegments));
      if (content.text.trim() === '')
        throw helplineError('validation/field', {
          scope: 'messaging.send',
          field: 'text',
          detail: 'is empty',
        });
      if (tooLong)
        throw helplineError('validation/field', { scope: 'messaging.send', field: 'text', detail: tooLong });
    }
    if (content.kind === 'template') {
      if (channel !== 'whatsapp')
        throw messagingFailure('messaging/unsupported', { channel, what: 'a template' });
      const known = templatesOf(sender, queueId).find(
        (t) => t.name === content.name && t.locale === content.locale,
      );
      if (!known || !isWhatsAppLocale(content.locale))
        throw messagingFailure('messaging/template-unknown', { template: content.name, sender: sender.id });
      if (content.parameters.length !== known.parameters.length) {
        throw helplineError('validation/field', {
          scope: 'messaging.send',
          field: 'parameters',
          detail: `must have ${known.parameters.length} values (${known.parameters.join(', ')})`,
        });
      }
    } else if (channel === 'whatsapp' && !windowOpen) {
      throw messagingFailure('messaging/window-closed', { lastInbound: 'over 24 hours ago, or never' });
    }
    if (channel === 'sms' && content.kind !== 'text')
      throw messagingFailure('messaging/unsupported', { channel, what: content.kind });
  }

  async function toSdkContent(content: OutboundContent): Promise<SdkContent> {
    if (content.kind === 'text' || content.kind === 'template') return content;
    if (!options.attachments)
      throw messagingFailure('messaging/unsupported', { channel: 'this server', what: 'media' });
    const shared = await options.attachments.shareUrl(content.attachmentId);
    return { kind: content.kind, url: shared.url, caption: content.caption, name: shared.name };
  }

  async function send(message: MessagingSend): Promise<OutboundRecord> {
    const at = now();
    const { record, existing } = await store.beginOutbound({
      id: message.id,
      channel: message.channel,
      from: message.from,
      to: message.to,
      content: redactedContent(message.content),
      receipt: 'pending',
      createdAt: at,
      updatedAt: at,
    });
    if (existing) return record;
    try {
      const sender = senderOf(message.channel, message.from);
      const thread = await store.thread(threadKeyOf(message.channel, message.from, message.to));
      const window = whatsappWindow(thread?.lastInboundAt, now());
      checkContent(message, sender, window.open, thread?.queueId ?? sender.queueId);
      const sdk = buildSdkMessage(
        message.channel,
        { from: message.from, to: message.to, clientRef: message.id },
        await toSdkContent(message.content),
      );
      let externalId: string;
      try {
        ({ messageUUID: externalId } = await api.send(sdk));
      } catch (error) {
        throw await mapSendError(error, `send a ${message.channel} ${message.content.kind}`);
      }
      await store.updateOutbound(message.id, { externalId, receipt: 'pending' }, now());
      return { ...record, externalId, updatedAt: now() };
    } catch (error) {
      const typed = isHelplineError(error)
        ? error
        : messagingFailure('messaging/vonage-api', {
            status: 'no answer',
            operation: 'send',
            detail: 'unexpected failure',
          });
      // Kept with its error: the receipt says failed, the agent's message is not lost.
      await store.updateOutbound(
        message.id,
        { receipt: 'failed', error: { code: typed.code, detail: typed.message } },
        now(),
      );
      log.warn('messaging.send-failed', { channel: message.channel, code: typed.code });
      throw typed;
    }
  }

  function connected(): MessagingIntake {
    if (!intake)
      throw helplineError('unavailable', { detail: 'messaging is starting' }, { retryAfterMs: 1_000 });
    return intake;
  }

  return {
    connect(hub) {
      intake = hub;
    },
    async inbound(body) {
      const message = normalizeInbound(body);
      const key = { messageUuid: message.externalId, kind: 'message', status: '' } as const;
      const state = await store.takeIn({
        ...key,
        channel: message.channel,
        body: inboxBody(message),
        receivedAt: now(),
      });
      if (state === 'handled') return { duplicate: true };
      const sender = senderOf(message.channel, message.to);
      // The window opens before the hub hears of it: an agent answering at once must not be refused.
      await store.noteInbound(
        {
          threadKey: message.threadKey,
          channel: message.channel,
          sender: sender.id,
          customer: message.from,
          queueId: sender.queueId,
        },
        Number.isFinite(message.at) ? message.at : now(),
      );
      const media = await keepMedia(message);
      const text = [
        redactCardNumbers(message.text),
        ...media.lines,
        ...(message.unsupported ? [`[${message.unsupported}]`] : []),
      ]
        .filter((line) => line !== '')
        .join('\n');
      const received = await connected().receive({
        channel: message.channel,
        externalId: message.externalId,
        threadKey: message.threadKey,
        from: { address: message.from, ...(message.profileName ? { name: message.profileName } : {}) },
        to: message.to,
        text,
        ...(media.attachments.length > 0 ? { attachments: media.attachments } : {}),
        receivedAt: message.at,
      });
      // The files are the message's now: whoever may read it may download them. A duplicate's copies are never
      // bound, and the store forgets them with the other unsent uploads.
      if (!received.duplicate && media.attachments.length > 0) {
        await options.attachments?.adopt(
          media.attachments.map((file) => file.id),
          { cid: received.cid, clientMsgId: inboundMessageKey(message.channel, message.externalId) },
        );
      }
      await store.setConversation(message.threadKey, received.cid);
      await store.markHandled(key, now());
      return { duplicate: received.duplicate, cid: received.cid };
    },
    async status(body) {
      const update = normalizeStatus(body);
      const key = { messageUuid: update.externalId, kind: 'status', status: update.status } as const;
      const state = await store.takeIn({ ...key, channel: update.channel, body: update, receivedAt: now() });
      if (state === 'handled') return { duplicate: true, known: true };
      const record = await store.outboundByExternalId(update.externalId);
      if (record && advances(record.receipt, update.receipt)) {
        await store.updateOutbound(record.id, { receipt: update.receipt, error: update.error }, now());
      }
      const detail = update.error ? `${update.error.code}: ${update.error.detail}` : undefined;
      const known = await connected().status(update.channel, update.externalId, update.receipt, detail);
      await store.markHandled(key, now());
      return { duplicate: false, known: known || record !== undefined };
    },
    send,
    outbound: {
      async send(message) {
        const channel = message.channel as VonageChannel;
        // The console's messaging route sent this message's content itself (a template, a file with its caption)
        // before recording it: that send is this message's fate, nothing goes out twice.
        const routed =
          message.clientMsgId === undefined
            ? undefined
            : await store.outbound(routeSendId(message.cid, message.clientMsgId));
        let first: OutboundRecord | undefined = routed;
        if (!routed) {
          // A text, then each file as media (one message with a caption when the channel carries one).
          const parts = outboundParts(channel, message);
          for (const [index, content] of parts.entries()) {
            const record = await send({
              id: index === 0 ? message.messageId : `${message.messageId}.${index}`,
              channel,
              from: message.from,
              to: message.to.address,
              content,
            });
            first ??= record;
          }
        }
        if (!first?.externalId) {
          throw messagingFailure('messaging/vonage-api', {
            status: first?.receipt ?? 'failed',
            operation: 'send',
            detail: first?.error?.detail ?? 'not sent',
          });
        }
        return { externalId: first.externalId };
      },
    },
    async conversation(cid) {
      const thread = await store.threadOfConversation(cid);
      if (!thread) return undefined;
      const sender = config.senders.find((s) => s.channel === thread.channel && s.id === thread.sender);
      return {
        channel: thread.channel,
        sender: thread.sender,
        customer: thread.customer,
        ...(thread.channel === 'whatsapp' ? { window: whatsappWindow(thread.lastInboundAt, now()) } : {}),
        templates: sender ? templatesOf(sender, thread.queueId) : [],
        limits: composerLimits(thread.channel, config.smsMaxSegments),
      };
    },
    addresses() {
      return Object.fromEntries(config.senders.map((s) => [s.id, s.queueId]));
    },
  };
}
