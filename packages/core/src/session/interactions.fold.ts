import type { AttachmentRef } from '../attachment/attachment.types';
import type { DeliveredEvent } from '../connection/connection';
import type { ParticipantRole } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import type { HelplineError } from '../protocol/errors';
import type { ConversationEvent, Notice, WireInteraction } from '../protocol/protocol.types';
import type { OutboxEntry } from './outbox';

// What a session knows of each interaction, in one record per interaction, changed only by folding what it hears
// and does (`foldInteractions`, and for an agent `foldAgentInteractions`). The sessions' stores (`$conversations`,
// `$offers`, `$interactions`, …) are views of these records, never copies.

/** Who wrote a message. */
export interface MessageAuthor {
  readonly id: string;
  readonly role: ParticipantRole;
  /** Display name; always rendered as text. */
  readonly name: string;
}

/** A chat message as a UI shows it: confirmed by the server, or still on its way. */
export interface ChatMessage {
  /** The sender's `clientMsgId`: stable from the optimistic echo to the server copy. */
  readonly key: string;
  /** Server id, once confirmed. */
  readonly messageId?: string | undefined;
  /** Position in the conversation log, once confirmed. */
  readonly seq?: number | undefined;
  readonly from: MessageAuthor;
  /** May be empty when the message carries attachments. */
  readonly text: string;
  /** Files sent with the message: names are text, shown as text; `attachmentUrl` gives their download path. */
  readonly attachments?: readonly AttachmentRef[] | undefined;
  /** Epoch ms: the server's time once confirmed, the local time before. */
  readonly at: number;
  /**
   * `sending` until the server confirmed it, also while a resend waits out a temporary refusal (a rate limit, a
   * storage outage); `failed` only when the server refused it for good.
   */
  readonly status: 'sending' | 'sent' | 'failed';
  readonly error?: HelplineError | undefined;
  /**
   * Staff only, messaging channels: what the channel's provider said about this agent message after the server
   * stored it — `sent`, `delivered`, `read`, or `failed` with the provider's `detail` (the message is kept).
   */
  readonly delivery?: { readonly status: ReceiptStatus; readonly detail?: string | undefined } | undefined;
}

/** What a messaging channel's provider said about an agent's message (the `receipt` event's `status`). */
export type ReceiptStatus = Extract<ConversationEvent, { readonly type: 'receipt' }>['status'];

/** Everything known about one conversation, folded from its event log. */
export interface ConversationView {
  readonly cid: string;
  readonly interaction?: WireInteraction | undefined;
  readonly messages: readonly ChatMessage[];
  /** Highest `seq` each participant has read. */
  readonly readUpTo: Readonly<Record<string, number>>;
  /** Last `seq` folded in. */
  readonly lastSeq: number;
  /** System notes (transfer notes), in order. */
  readonly notes: readonly string[];
}

/** Place in line of the visitor's waiting conversation. */
export interface QueueStanding {
  /** 1-based. */
  readonly position: number;
  /** Seconds; `undefined` when the server has no data to estimate from. */
  readonly estimatedWaitSeconds: number | undefined;
}

/** An offer waiting for the agent's answer. */
export interface AgentOffer {
  readonly interaction: WireInteraction;
  /** Epoch ms when it will be withdrawn as missed. */
  readonly expiresAt: number;
}

/** The answer to a transfer to a named agent. */
export interface TransferResult {
  readonly toAgentId: string;
  readonly outcome: 'accepted' | 'declined' | 'missed';
}

/** What a session knows of one interaction. A field is absent, not `undefined`, when nothing is known of it. */
export interface InteractionRecord {
  readonly cid: string;
  /**
   * Its conversation, with the interaction as last heard of (a notice, an answer or the conversation's events), once
   * the session follows it or was told of it as its own.
   */
  readonly conversation?: ConversationView;
  /** An offer to this agent waiting for an answer: the interaction as it was offered, and until when. */
  readonly offer?: AgentOffer;
  /** Whether the other side is typing (ephemeral: no `seq`). */
  readonly typing?: boolean;
  /** Its place in line while it waits (told to the visitor). */
  readonly standing?: QueueStanding;
  /**
   * The server's last word: this agent handles it or wraps it up. Kept, not derived from the interaction, because
   * conversation events move the interaction too; the work in hand changes only when the server says so (a notice,
   * an answer, the snapshot after a reconnect).
   */
  readonly held?: true;
  /** The answer to this agent's transfer of it to a named agent, until the agent dismisses it. */
  readonly transfer?: TransferResult;
}

/** The records of a session, by conversation id. */
export type InteractionRecords = Readonly<Record<string, InteractionRecord>>;

/**
 * What a session hears, or does, that changes what it knows of an interaction: the inputs of the fold. The frames
 * come as the connection delivers them (a conversation's events, live or from its history, and notices); an
 * answer that carries an interaction (`chat.start`, `offer.accept`) comes as an `interaction` notice would.
 */
export type InteractionInput =
  | DeliveredEvent
  | Notice
  /** A message typed here, shown until the server's copy replaces it. */
  | { readonly type: 'sending'; readonly entry: OutboxEntry; readonly from: MessageAuthor }
  /** A message typed here that the server refused for good. */
  | { readonly type: 'failed'; readonly cid: string; readonly key: string; readonly error: HelplineError }
  /** An agent's offers and work in hand as the server lists them after a (re)connect: the truth. */
  | {
      readonly type: 'snapshot';
      readonly offers: readonly AgentOffer[];
      readonly interactions: readonly WireInteraction[];
    }
  /** A past interaction from a customer's history: fills in only what is not known already. */
  | { readonly type: 'past'; readonly interaction: WireInteraction }
  /** The agent rejected the offer. */
  | { readonly type: 'rejected'; readonly cid: string }
  /** The agent has seen the answer to their transfer. */
  | { readonly type: 'dismissed'; readonly cid: string };

/** A fold of a session's records: pure, the one way they change. */
export type InteractionFold = (records: InteractionRecords, input: InteractionInput) => InteractionRecords;

/** A conversation nothing has been heard of yet. */
export const emptyView = (cid: string): ConversationView => ({
  cid,
  messages: [],
  readUpTo: {},
  lastSeq: 0,
  notes: [],
});

/** Inserts or replaces `message` (by key), keeping confirmed messages in `seq` order and pending ones last. */
function placeMessage(messages: readonly ChatMessage[], message: ChatMessage): ChatMessage[] {
  const rest = messages.filter((m) => m.key !== message.key);
  rest.push(message);
  return rest.sort(
    (a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || a.at - b.at,
  );
}

/** Folds one durable event into a conversation view. Pure. */
export function foldEvent(view: ConversationView, event: DeliveredEvent): ConversationView {
  if (event.seq <= view.lastSeq) return view;
  const next = { ...view, lastSeq: event.seq };
  const { ev } = event;
  switch (ev.type) {
    case 'created':
      return { ...next, interaction: ev.interaction };
    case 'state':
      return next.interaction
        ? {
            ...next,
            interaction: {
              ...next.interaction,
              state: ev.state,
              ...(ev.endReason ? { endReason: ev.endReason } : {}),
              ...(ev.endedBy ? { endedBy: ev.endedBy } : {}),
              ...(ev.callback ? { callback: ev.callback } : {}),
            },
          }
        : next;
    case 'joined':
      return next.interaction
        ? {
            ...next,
            interaction: {
              ...next.interaction,
              participants: [...next.interaction.participants, ev.participant],
              ...(ev.participant.role === 'agent' ? { agentId: ev.participant.id } : {}),
            },
          }
        : next;
    case 'left':
      return next.interaction
        ? {
            ...next,
            interaction: {
              ...next.interaction,
              participants: next.interaction.participants.map((p) =>
                p.id === ev.participantId && p.leftAt === undefined ? { ...p, leftAt: event.at } : p,
              ),
              ...(next.interaction.agentId === ev.participantId ? { agentId: undefined } : {}),
            },
          }
        : next;
    case 'message':
      return {
        ...next,
        messages: placeMessage(next.messages, {
          key: ev.clientMsgId,
          messageId: ev.messageId,
          seq: event.seq,
          from: ev.from,
          text: ev.text,
          ...(ev.attachments && { attachments: ev.attachments }),
          at: event.at,
          status: 'sent',
        }),
      };
    case 'read':
      return {
        ...next,
        readUpTo: {
          ...next.readUpTo,
          [ev.participantId]: Math.max(next.readUpTo[ev.participantId] ?? 0, ev.seq),
        },
      };
    case 'csat':
      return next.interaction
        ? {
            ...next,
            interaction: {
              ...next.interaction,
              csat: {
                score: ev.score as 1 | 2 | 3 | 4 | 5,
                ...(ev.comment ? { comment: ev.comment } : {}),
                ...(ev.nps === undefined ? {} : { nps: ev.nps }),
              },
            },
          }
        : next;
    case 'note':
      return { ...next, notes: [...next.notes, ev.text] };
    case 'call':
      // Calls have their own store (`createCallSession`); the log keeps them for transcripts.
      return next;
    case 'withheld':
      // A staff-only event: its place in the log, nothing to show.
      return next;
    case 'receipt':
      // A messaging channel's provider on an agent's message; receipts only move forward (the hub sees to it).
      return {
        ...next,
        messages: next.messages.map((m) =>
          m.seq === ev.seq
            ? { ...m, delivery: { status: ev.status, ...(ev.detail ? { detail: ev.detail } : {}) } }
            : m,
        ),
      };
  }
}

const recordOf = (records: InteractionRecords, cid: string): InteractionRecord => records[cid] ?? { cid };

const put = (records: InteractionRecords, record: InteractionRecord): InteractionRecords => ({
  ...records,
  [record.cid]: record,
});

/** The records with the conversation of `cid` changed by `change`; the same records when it returns what it got. */
function changeView(
  records: InteractionRecords,
  cid: string,
  change: (view: ConversationView) => ConversationView,
): InteractionRecords {
  const record = recordOf(records, cid);
  const view = record.conversation ?? emptyView(cid);
  const conversation = change(view);
  return conversation === view ? records : put(records, { ...record, conversation });
}

/**
 * What every session folds: conversation events, interactions from answers, messages typed here, typing and
 * places in line. The inputs only an agent has (offers, work in hand, transfers) change nothing here: see
 * {@link foldAgentInteractions}. Pure.
 *
 * @example
 * ```ts
 * const records = foldInteractions({}, { cid: 'c1', seq: 1, at, ev: { type: 'created', interaction } });
 * records.c1?.conversation?.interaction; // interaction
 * ```
 */
export function foldInteractions(records: InteractionRecords, input: InteractionInput): InteractionRecords {
  if ('ev' in input) return changeView(records, input.cid, (view) => foldEvent(view, input));
  switch (input.type) {
    case 'interaction':
      return changeView(records, input.interaction.id, (view) => ({
        ...view,
        interaction: input.interaction,
      }));
    case 'sending': {
      const { entry, from } = input;
      return changeView(records, entry.cid, (view) =>
        view.messages.some((m) => m.key === entry.clientMsgId)
          ? view
          : {
              ...view,
              messages: placeMessage(view.messages, {
                key: entry.clientMsgId,
                from,
                text: entry.text,
                ...(entry.attachments && { attachments: entry.attachments }),
                at: entry.at,
                status: 'sending',
              }),
            },
      );
    }
    case 'failed':
      return changeView(records, input.cid, (view) => {
        const message = view.messages.find((m) => m.key === input.key);
        return message?.status === 'sending'
          ? {
              ...view,
              messages: placeMessage(view.messages, { ...message, status: 'failed', error: input.error }),
            }
          : view;
      });
    case 'typing':
      return put(records, { ...recordOf(records, input.cid), typing: input.typing });
    case 'position': {
      const standing = { position: input.position, estimatedWaitSeconds: input.estimatedWaitSeconds };
      return put(records, { ...recordOf(records, input.cid), standing });
    }
    default:
      return records;
  }
}

/** The records with `record` in its place; a record that knows nothing but its id is dropped. */
function settle(records: InteractionRecords, record: InteractionRecord): InteractionRecords {
  if (Object.keys(record).length > 1) return put(records, record);
  const { [record.cid]: _dropped, ...rest } = records;
  return rest;
}

/** Whether an agent holds the interaction: handling it or wrapping it up. */
function inHand(interaction: WireInteraction): boolean {
  const phase = phaseOf(interaction.channel, interaction.state);
  return phase === 'handling' || phase === 'wrap-up';
}

/** The records with the server's word on whether `me` holds the interaction. */
function hold(
  records: InteractionRecords,
  interaction: WireInteraction,
  me: string | undefined,
): InteractionRecords {
  const { held, ...rest } = recordOf(records, interaction.id);
  const holds = inHand(interaction) && interaction.agentId === me;
  if (holds === (held === true)) return records;
  return settle(records, holds ? { ...rest, held: true } : rest);
}

/** The records without the offer of `cid`. */
function withoutOffer(records: InteractionRecords, cid: string): InteractionRecords {
  const record = records[cid];
  if (!record?.offer) return records;
  const { offer: _answered, ...rest } = record;
  return settle(records, rest);
}

/**
 * An agent session's fold: {@link foldInteractions}, and on top the offers waiting for the agent, the work in its
 * hands (`me`: the agent's own id) and the answers to its transfers. Pure.
 *
 * @example
 * ```ts
 * let records = foldAgentInteractions({}, { type: 'offer', offer }, 'alice');
 * records = foldAgentInteractions(records, { type: 'rejected', cid: offer.interaction.id }, 'alice');
 * ```
 */
export function foldAgentInteractions(
  records: InteractionRecords,
  input: InteractionInput,
  me: string | undefined,
): InteractionRecords {
  if ('ev' in input) return foldInteractions(records, input);
  switch (input.type) {
    case 'offer':
      return put(records, { ...recordOf(records, input.offer.interaction.id), offer: input.offer });
    case 'offer.revoked':
    case 'rejected':
      return withoutOffer(records, input.cid);
    case 'interaction': {
      // An offer is over once its interaction has moved on (accepted here, taken back, ended).
      const { interaction } = input;
      const known = hold(foldInteractions(records, input), interaction, me);
      return phaseOf(interaction.channel, interaction.state) === 'offered'
        ? known
        : withoutOffer(known, interaction.id);
    }
    case 'transfer.result': {
      const transfer = { toAgentId: input.toAgentId, outcome: input.outcome };
      return put(records, { ...recordOf(records, input.cid), transfer });
    }
    case 'snapshot': {
      // The snapshot lists every offer and all the work in hand: what it leaves out is over.
      let next = records;
      for (const { cid, offer, held } of Object.values(records)) {
        if (offer) next = withoutOffer(next, cid);
        if (held) {
          const { held: _held, ...rest } = recordOf(next, cid);
          next = settle(next, rest);
        }
      }
      for (const offer of input.offers) next = put(next, { ...recordOf(next, offer.interaction.id), offer });
      for (const interaction of input.interactions) {
        next = foldAgentInteractions(next, { type: 'interaction', interaction }, me);
      }
      return next;
    }
    case 'past':
      // Live interactions arrive through their own notices and events: only what is not known is filled in.
      return records[input.interaction.id]?.conversation?.interaction
        ? records
        : foldInteractions(records, { type: 'interaction', interaction: input.interaction });
    case 'dismissed': {
      const record = records[input.cid];
      if (!record?.transfer) return records;
      const { transfer: _transfer, ...rest } = record;
      return settle(records, rest);
    }
    default:
      return foldInteractions(records, input);
  }
}
