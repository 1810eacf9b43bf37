import type { AttachmentRef } from '../attachment/attachment.types';
import type { IdentifierClaim } from '../customer/customer.types';
import { randomId } from '../ids/ids';
import {
  type Customer,
  isMessagingChannel,
  MESSAGING_CHANNELS,
  type MessagingChannel,
} from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { ConversationEvent } from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import { channelCustomerId } from './channels.customer';
import type {
  ChannelAddress,
  ChannelsHub,
  ChannelsOptions,
  DeliveryStatus,
  InboundMessage,
  OutboundMessage,
  ReceiveResult,
} from './channels.types';
import { inboundMessageKey } from './channels.types';
import type { Change, ConversationLog } from './conversation.log';
import type { HubClock, HubStorage, StoredEvent, Subject } from './hub.types';
import type { Intake } from './intake.hub';
import type { Live } from './live';
import type { RoutingHub } from './routing.hub';

// The spine of the messaging channels: adapters hand customers' messages to `receive`, which finds or creates the
// conversation of their thread (reopening a resolved one) and stores each message once; an agent's reply in such a
// conversation goes out through the channel's ChannelOutbound after it is stored, and the provider's statuses come
// back as receipts. The conversation's facts an adapter needs later are kept in its `prechat` (see THREAD_FIELDS).

/** Where a messaging conversation keeps its thread's facts: in its `prechat`, as text. */
export const THREAD_FIELDS = {
  /** Our address the customer wrote to (the sender of our replies). */
  address: 'channel.address',
  /** The thread key (see `InboundMessage.threadKey`). */
  threadKey: 'channel.thread',
  /** An email's subject. */
  subject: 'channel.subject',
  /** The customer's address as the adapter gave it (the recipient of our replies). */
  customer: 'channel.customer',
} as const;

/** What the channels' intake needs from the hub. */
export interface ChannelsHubDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly options: ChannelsOptions;
  readonly storage: Pick<HubStorage, 'threadOf' | 'channelMessage' | 'messageByClientId' | 'events'>;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  readonly intake: Pick<Intake, 'routeNew' | 'draftInteraction'>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'addEvent' | 'step' | 'commit'>;
  readonly serialized: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  readonly routing: Pick<RoutingHub, 'enqueue' | 'enqueuePreferring'>;
  /** Where a failure nobody waits for goes (an outbound send's bookkeeping). */
  readonly reportFailure: (what: string, error: unknown) => void;
}

/** An agent's message in a messaging conversation, as `message.send` gives it. */
export interface AgentReply {
  readonly clientMsgId: string;
  readonly text: string;
  readonly attachments: readonly AttachmentRef[];
}

/** The hub's side of the messaging channels: the adapters' intake, and agents' replies going out. */
export interface ChannelsEngine extends ChannelsHub {
  /**
   * An agent writes in a messaging conversation they hold (`active`, `pending` or `snoozed`): the message is stored
   * with the machine's `AGENT_REPLY` step, then sent on its channel. Throws `conflict/state` in any other state.
   */
  reply(subject: Subject, current: Live, message: AgentReply): Promise<StoredEvent>;
}

/** Later statuses rank higher; a status that does not move a message forward is ignored. */
const STATUS_RANK: Readonly<Record<DeliveryStatus, number>> = { sent: 0, delivered: 1, read: 2, failed: 3 };

/** How many recent threads and statuses stay in memory (storage and the log keep them all). */
const RECENT_LIMIT = 10_000;
/** Events read per page when a conversation's log is scanned. */
const EVENT_PAGE = 500;

/** Keeps `key` as the newest entry of a bounded map (the oldest goes past the limit). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > RECENT_LIMIT) map.delete(map.keys().next().value as string);
}

/** The dedupe key of a customer's message in its conversation (its `clientMsgId`). */
const inboundKey = inboundMessageKey;

function invalid(field: string, detail: string) {
  return helplineError('validation/field', { scope: 'channels.receive', field, detail });
}

function checkInbound(message: InboundMessage): void {
  if (!(MESSAGING_CHANNELS as readonly string[]).includes(message.channel))
    throw invalid('channel', `"${String(message.channel)}" is not a messaging channel`);
  for (const field of ['externalId', 'threadKey', 'to'] as const) {
    const value = message[field];
    if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'must be a non-empty string');
  }
  if (typeof message.from?.address !== 'string' || message.from.address.trim() === '')
    throw invalid('from.address', 'must be a non-empty string');
  if (typeof message.text !== 'string') throw invalid('text', 'must be a string');
}

/** The customer behind an address: one id per channel and address, so their conversations meet in their history. */
function customerOf(channel: MessagingChannel, from: ChannelAddress): Subject {
  const address = channel === 'email' ? from.address.trim().toLowerCase() : from.address.trim();
  const phone = channel === 'sms' || channel === 'whatsapp' ? `+${address.replace(/^\+/, '')}` : undefined;
  const known: Partial<Customer> = {
    ...(from.name ? { name: from.name } : {}),
    ...(channel === 'email' ? { email: address } : {}),
    ...(phone ? { phone } : {}),
  };
  return {
    id: channelCustomerId(channel, address),
    role: 'visitor',
    name: from.name ?? address,
    customer: known,
    identifiers: channelIdentifiers(channel, address, phone),
  };
}

/**
 * What a channel's address proves (docs/customers.md): a `From` header can be forged by anyone, and so can an SMS
 * sender (SMS spoofing needs no more than a bulk-SMS account), so an email address and an SMS number are claims; a
 * WhatsApp number and a Messenger id are the platform's own account ids in a webhook Vonage signed, so they are verified.
 */
function channelIdentifiers(
  channel: MessagingChannel,
  address: string,
  phone: string | undefined,
): IdentifierClaim[] {
  if (channel === 'email') return [{ kind: 'email', value: address, verified: false, source: 'email-from' }];
  const verified = channel !== 'sms';
  const own: IdentifierClaim = { kind: channel, value: phone ?? address, verified, source: 'carrier' };
  return phone ? [own, { kind: 'phone', value: phone, verified, source: 'carrier' }] : [own];
}

/** The visitor of a chat continued by email, as the sender of their mails in it. */
function chatVisitor(current: Live): Subject {
  const { customer, participants } = current.interaction;
  const name = participants.find((p) => p.id === customer.id)?.displayName ?? customer.name ?? customer.id;
  return { id: customer.id, role: 'visitor', name };
}

/**
 * Creates the messaging channels' side of a hub.
 *
 * @example
 * ```ts
 * const channels = createChannelsHub({ clock, randomBytes, options, storage, load, intake, log, serialized, routing, … });
 * await channels.receive(inbound);
 * ```
 */
export function createChannelsHub(deps: ChannelsHubDeps): ChannelsEngine {
  const { clock, randomBytes, storage, serialized, options } = deps;
  const { changeOf, addEvent, step, commit } = deps.log;
  /** Recent threads (storage keeps them all, for a restart too). */
  const threads = new Map<string, string>();
  /** Recent sent messages' last status (the log keeps them all). */
  const lastStatus = new Map<string, DeliveryStatus>();
  const addresses = new Map(
    Object.entries(options.addresses ?? {}).map(([address, queueId]) => [address.toLowerCase(), queueId]),
  );

  function queueIdFor(to: string): string {
    const queueId = addresses.get(to.trim().toLowerCase()) ?? options.defaultQueueId;
    if (queueId === undefined) throw helplineError('not-found', { entity: 'Queue', id: to });
    return queueId;
  }

  /** Adds the customer's message to a change; its index among the change's events is its provider id's. */
  function addInbound(change: Change, subject: Subject, message: InboundMessage): void {
    const index = change.events.length;
    addEvent(change, {
      type: 'message',
      messageId: randomId('m', randomBytes),
      clientMsgId: inboundKey(message.channel, message.externalId),
      from: { id: subject.id, role: 'visitor', name: subject.name },
      text: redactCardNumbers(message.text),
      ...(message.attachments?.length ? { attachments: message.attachments } : {}),
    });
    change.channel = {
      channel: message.channel,
      ...change.channel,
      externalIds: [{ externalId: message.externalId, index }],
    };
  }

  /** A new conversation from `message`; offered first to `preferredAgentId` when that agent can take it. */
  async function create(
    message: InboundMessage,
    threadId: string,
    preferredAgentId?: string,
  ): Promise<ReceiveResult> {
    const subject = customerOf(message.channel, message.from);
    const { queue, routing } = deps.intake.routeNew(subject, {}, { queueId: queueIdFor(message.to) });
    const prechat: Record<string, string> = {
      [THREAD_FIELDS.address]: message.to,
      [THREAD_FIELDS.threadKey]: message.threadKey,
      [THREAD_FIELDS.customer]: message.from.address,
      ...(message.subject ? { [THREAD_FIELDS.subject]: message.subject } : {}),
    };
    const { current, change } = deps.intake.draftInteraction(
      subject,
      message.channel,
      queue,
      { prechat, customer: subject.customer ?? {} },
      undefined,
      routing,
    );
    const cid = current.interaction.id;
    change.channel = { channel: message.channel, threadKey: message.threadKey };
    addInbound(change, subject, message);
    // A conversation is queued from its first message (no pre-chat step), so the wait starts now.
    change.reports.push({
      at: clock.now(),
      interactionId: cid,
      type: 'queued',
      queueId: queue.id,
      channel: message.channel,
    });
    await serialized(cid, () => commit(current, change));
    remember(threads, threadId, cid);
    if (preferredAgentId) deps.routing.enqueuePreferring(current, preferredAgentId);
    else deps.routing.enqueue(current);
    return { cid, created: true, reopened: false, duplicate: false };
  }

  async function join(message: InboundMessage, current: Live): Promise<ReceiveResult> {
    const cid = current.interaction.id;
    // A chat continued by email (hub/email-leg.hub.ts) stays a chat: the mail is its own visitor's message (the
    // address they gave is no identity), and its machine has no step for it.
    const chat = !isMessagingChannel(current.interaction.channel);
    return serialized(cid, async () => {
      const earlier = await storage.messageByClientId(cid, inboundKey(message.channel, message.externalId));
      if (earlier) return { cid, created: false, reopened: false, duplicate: true };
      const reopened = !chat && current.lifecycle.final.has(current.snapshot.value);
      const change = changeOf(current);
      addInbound(change, chat ? chatVisitor(current) : customerOf(message.channel, message.from), message);
      if (!chat) step(current, change, { kind: 'customer-message' });
      await commit(current, change);
      if (reopened) {
        const lastAgent = (current.snapshot.context as { lastAgentId?: string }).lastAgentId;
        if (lastAgent) deps.routing.enqueuePreferring(current, lastAgent);
        else deps.routing.enqueue(current);
      }
      return { cid, created: false, reopened, duplicate: false };
    });
  }

  /**
   * A mail answering a chat that has ended: a chat cannot reopen, so the thread goes on as the email conversation that
   * follows it up (created by the first such mail, under the chat's thread key with `>email`), offered first to the
   * chat's agent, who knows the conversation, when they can take it (else it waits in line as any mail does).
   */
  async function followUp(message: InboundMessage, chat: Live): Promise<ReceiveResult> {
    const next = { ...message, threadKey: `${message.threadKey}>email` };
    const threadId = `${message.channel}\u0000${next.threadKey}`;
    const cid = threads.get(threadId) ?? (await storage.threadOf?.(message.channel, next.threadKey));
    const current = cid === undefined ? undefined : await deps.load(cid);
    if (current) return join(next, current);
    const chatAgentId =
      chat.interaction.agentId ?? chat.interaction.participants.findLast((p) => p.role === 'agent')?.id;
    return create(next, threadId, chatAgentId);
  }

  async function receive(message: InboundMessage): Promise<ReceiveResult> {
    checkInbound(message);
    const threadId = `${message.channel}\u0000${message.threadKey}`;
    // One message of a thread at a time, so two first messages cannot open two conversations.
    return serialized(`thread\u0000${threadId}`, async () => {
      const cid = threads.get(threadId) ?? (await storage.threadOf?.(message.channel, message.threadKey));
      const current = cid === undefined ? undefined : await deps.load(cid);
      if (!current) return create(message, threadId);
      if (
        !isMessagingChannel(current.interaction.channel) &&
        current.lifecycle.final.has(current.snapshot.value)
      )
        return followUp(message, current);
      remember(threads, threadId, current.interaction.id);
      return join(message, current);
    });
  }

  /** Appends a receipt; the first one of a sent message keeps the provider's id with it (see `status`). */
  async function addReceipt(
    current: Live,
    receipt: Extract<ConversationEvent, { type: 'receipt' }>,
  ): Promise<void> {
    const change = changeOf(current);
    const channel = current.interaction.channel as MessagingChannel;
    if (receipt.externalId !== undefined)
      change.channel = { channel, externalIds: [{ externalId: receipt.externalId, index: 0 }] };
    addEvent(change, receipt);
    await commit(current, change);
    remember(lastStatus, `${current.interaction.id}\u0000${receipt.seq}`, receipt.status);
  }

  /** Every event of a conversation after `afterSeq`, page by page. */
  async function* eventsOf(cid: string, afterSeq = 0): AsyncGenerator<StoredEvent> {
    for (let after = afterSeq; ; ) {
      const page = await storage.events(cid, after, EVENT_PAGE);
      yield* page;
      const last = page.at(-1);
      if (!last || page.length < EVENT_PAGE) return;
      after = last.seq;
    }
  }

  /** The providers' ids of a conversation's messages on its channel, oldest first (email threading headers). */
  async function referencesOf(cid: string, channel: MessagingChannel): Promise<string[]> {
    const references: string[] = [];
    const prefix = `${channel}:`;
    for await (const { ev } of eventsOf(cid)) {
      if (ev.type === 'message' && ev.clientMsgId.startsWith(prefix))
        references.push(ev.clientMsgId.slice(prefix.length));
      if (ev.type === 'receipt' && ev.externalId !== undefined) references.push(ev.externalId);
    }
    return references;
  }

  /** The last status kept for the message at `seq`, from memory or the log after its first receipt. */
  async function lastStatusOf(cid: string, seq: number, receiptSeq: number): Promise<DeliveryStatus> {
    const known = lastStatus.get(`${cid}\u0000${seq}`);
    if (known) return known;
    let last: DeliveryStatus = 'sent';
    for await (const { ev } of eventsOf(cid, receiptSeq - 1)) {
      if (ev.type === 'receipt' && ev.seq === seq && STATUS_RANK[ev.status] > STATUS_RANK[last])
        last = ev.status;
    }
    return last;
  }

  async function deliver(current: Live, stored: StoredEvent, agent: Subject): Promise<void> {
    const channel = current.interaction.channel as MessagingChannel;
    const outbound = options.outbound?.[channel];
    if (!outbound || stored.ev.type !== 'message') return;
    const { prechat, customer } = current.interaction;
    const message: OutboundMessage = {
      channel,
      cid: stored.cid,
      seq: stored.seq,
      messageId: stored.ev.messageId,
      clientMsgId: stored.ev.clientMsgId,
      threadKey: prechat[THREAD_FIELDS.threadKey] ?? '',
      from: prechat[THREAD_FIELDS.address] ?? '',
      to: {
        address: prechat[THREAD_FIELDS.customer] ?? customer.email ?? customer.phone ?? '',
        ...(customer.name ? { name: customer.name } : {}),
      },
      ...(prechat[THREAD_FIELDS.subject] ? { subject: prechat[THREAD_FIELDS.subject] } : {}),
      text: stored.ev.text,
      ...(stored.ev.attachments?.length ? { attachments: stored.ev.attachments } : {}),
      agent: { id: agent.id, displayName: agent.name },
      references: await referencesOf(stored.cid, channel),
    };
    let outcome: { externalId?: string; detail?: string };
    try {
      outcome = { externalId: (await outbound.send(message)).externalId };
    } catch (error) {
      outcome = { detail: error instanceof Error ? error.message : String(error) };
    }
    await serialized(stored.cid, () =>
      outcome.externalId === undefined
        ? addReceipt(current, {
            type: 'receipt',
            seq: stored.seq,
            status: 'failed',
            detail: outcome.detail ?? '',
          })
        : addReceipt(current, {
            type: 'receipt',
            seq: stored.seq,
            status: 'sent',
            externalId: outcome.externalId,
          }),
    );
  }

  async function reply(subject: Subject, current: Live, message: AgentReply): Promise<StoredEvent> {
    const change = changeOf(current);
    const index = change.events.length;
    addEvent(change, {
      type: 'message',
      messageId: randomId('m', randomBytes),
      clientMsgId: message.clientMsgId,
      from: { id: subject.id, role: subject.role, name: subject.name },
      text: redactCardNumbers(message.text),
      ...(message.attachments.length > 0 ? { attachments: message.attachments } : {}),
    });
    step(current, change, { kind: 'agent-reply' });
    const stored = (await commit(current, change))[index] as StoredEvent;
    // After the turn: the provider may be slow, and the conversation goes on meanwhile.
    queueMicrotask(() => {
      deliver(current, stored, subject).catch((error: unknown) => deps.reportFailure('channel send', error));
    });
    return stored;
  }

  async function status(
    channel: MessagingChannel,
    externalId: string,
    next: DeliveryStatus,
    detail?: string,
  ): Promise<boolean> {
    const found = await storage.channelMessage?.(channel, externalId);
    const current = found && (await deps.load(found.cid));
    if (!found || !current) return false;
    return serialized(found.cid, async () => {
      const [first] = await storage.events(found.cid, found.seq - 1, 1);
      // The id names a customer's message, not one we sent: no status to keep.
      if (first?.ev.type !== 'receipt') return false;
      const seq = first.ev.seq;
      const last = await lastStatusOf(found.cid, seq, found.seq);
      if (STATUS_RANK[next] <= STATUS_RANK[last]) return true;
      await addReceipt(current, { type: 'receipt', seq, status: next, ...(detail ? { detail } : {}) });
      return true;
    });
  }

  return { receive, status, reply };
}
