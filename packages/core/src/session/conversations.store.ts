import { atom, computed, type ReadableAtom } from 'nanostores';
import type { AttachmentRef } from '../attachment/attachment.types';
import { type Clock, systemClock } from '../clock/clock';
import type { Connection } from '../connection/connection';
import { uuidv7 } from '../ids/ids';
import { clientError } from '../protocol/errors.client';
import { LIMITS } from '../protocol/protocol.limits';
import type { WireInteraction } from '../protocol/protocol.types';
import {
  type ConversationView,
  emptyView,
  foldInteractions,
  type InteractionFold,
  type InteractionInput,
  type InteractionRecord,
  type InteractionRecords,
  type MessageAuthor,
} from './interactions.fold';
import type { MessageLanes } from './message.lanes';
import { createMemoryOutbox, type Outbox, type OutboxEntry } from './outbox';

/** Options shared by sessions for their conversations. */
export interface ConversationsOptions {
  readonly connection: Connection;
  readonly outbox?: Outbox | undefined;
  /** Default: the clock's, else `Date.now`. */
  readonly now?: () => number;
  /** Timers of resends that wait out a temporary refusal. Default: the system's. */
  readonly clock?: Clock | undefined;
  /** Random source in [0, 1) for the jitter of those resends. */
  readonly random?: () => number;
}

/**
 * What one session knows of each interaction (its records, changed only through their fold), and the actions on
 * them. A visitor's session reads the record of its conversation; {@link ConversationsStore} adds the view of all.
 */
export interface InteractionStore {
  /** What the session knows of each interaction, by id: the one store every other one is a view of. */
  readonly $records: ReadableAtom<InteractionRecords>;
  /** Folds what the session heard or did into its records, and tells listeners once. */
  apply(...inputs: readonly InteractionInput[]): void;
  /** Starts following a conversation and loads its history. */
  load(cid: string, interaction?: WireInteraction): Promise<ConversationView>;
  /** Records an interaction update from a notice or an ack. */
  upsertInteraction(interaction: WireInteraction): void;
  /**
   * Sends a message with an optimistic echo; kept in the outbox until the server confirms it. Messages of one
   * conversation go out one at a time, in the order typed; a temporary refusal (`isRetryable`) is waited out
   * and the same message sent again. Resolves once the server has it; rejects when it is refused for good (then it
   * shows as `failed`) or the session closes (then it stays in the outbox).
   */
  send(cid: string, text: string, from: MessageAuthor, attachments?: readonly AttachmentRef[]): Promise<void>;
  /** Sends whatever the outbox still holds (after a reload), in order; entries already on their way are skipped. */
  flushOutbox(from: (entry: OutboxEntry) => MessageAuthor): Promise<void>;
  /** Marks everything up to the last event read by `participantId`. */
  markRead(cid: string, participantId: string): Promise<void>;
  /** Stops listening to the connection. */
  dispose(): void;
}

/** An {@link InteractionStore} with every conversation the session knows as one store (an agent's console). */
export interface ConversationsStore extends InteractionStore {
  /** Conversations by id: a view of the records that have one. */
  readonly $conversations: ReadableAtom<Readonly<Record<string, ConversationView>>>;
}

/**
 * A store of one value per interaction, picked from the records (`undefined`: none for that record). It behaves as
 * a map the picks were written to: it stays the same object while every pick is (a message in one chat re-renders
 * no offer), and a new entry goes last.
 */
export function pickEach<V>(
  $records: ReadableAtom<InteractionRecords>,
  pick: (record: InteractionRecord) => V | undefined,
): ReadableAtom<Readonly<Record<string, V>>> {
  let last: Readonly<Record<string, V>> = {};
  return computed($records, (records) => {
    const next: Record<string, V> = {};
    let changed = false;
    // Entries already there first: they keep their place, as in a map.
    for (const cid of [...Object.keys(last), ...Object.keys(records)]) {
      const record = records[cid];
      const picked = record && !Object.hasOwn(next, cid) ? pick(record) : undefined;
      if (picked === undefined) continue;
      next[cid] = picked;
      changed ||= picked !== last[cid];
    }
    if (changed || Object.keys(next).length !== Object.keys(last).length) last = next;
    return last;
  });
}

/**
 * Refuses an empty or over-long message with the same error the server would give. A message with attachments
 * may have no text.
 */
export function checkMessageText(text: string, attachmentCount?: number): void {
  const detail =
    text.trim().length === 0 && !attachmentCount
      ? 'must not be empty'
      : text.length > LIMITS.text
        ? `must be at most ${LIMITS.text} characters`
        : undefined;
  if (detail)
    throw clientError(
      'validation/field',
      { scope: 'message.send', field: 'text', detail },
      { field: 'text' },
    );
}

/**
 * The store of what one session knows per interaction: its records, folded by `fold` from the connection's events
 * and notices and from what the session does (optimistic sends through an outbox, read receipts). An agent's
 * session passes `foldAgentInteractions`, which adds offers, the work in hand and transfer answers.
 */
export function createInteractionStore(
  options: ConversationsOptions,
  fold: InteractionFold = foldInteractions,
): InteractionStore {
  const { connection } = options;
  const outbox = options.outbox ?? createMemoryOutbox();
  const clock = options.clock ?? systemClock;
  const now = options.now ?? options.clock?.now ?? Date.now;
  const random = options.random ?? Math.random;
  const $records = atom<InteractionRecords>({});
  const loading = new Map<string, Promise<ConversationView>>();

  const apply = (...inputs: readonly InteractionInput[]) => $records.set(inputs.reduce(fold, $records.get()));
  const conversationOf = (cid: string): ConversationView =>
    $records.get()[cid]?.conversation ?? emptyView(cid);

  const stopEvents = connection.onEvent((event) => {
    apply(event);
    if (event.ev.type === 'message') void outbox.remove(event.ev.clientMsgId);
  });
  const stopNotices = connection.onNotice(apply);

  async function load(cid: string, interaction?: WireInteraction): Promise<ConversationView> {
    if (interaction) upsertInteraction(interaction);
    const existing = loading.get(cid);
    if (existing) return existing;
    const task = (async () => {
      for (;;) {
        const page = await connection.command('history', { cid, after: conversationOf(cid).lastSeq });
        // Folded into the records as they are once the page is here: events delivered and messages typed while the
        // page was on its way stay (folding skips the events the conversation already has).
        apply(...page.events.map((event) => ({ cid, ...event })));
        if (conversationOf(cid).lastSeq >= page.lastSeq || page.events.length === 0) break;
      }
      // Live events continue from where history ended: no gap, no duplicate.
      connection.follow(cid, conversationOf(cid).lastSeq);
      return conversationOf(cid);
    })();
    loading.set(cid, task);
    task.catch(() => loading.delete(cid));
    return task;
  }

  function upsertInteraction(interaction: WireInteraction): void {
    apply({ type: 'interaction', interaction });
  }

  let disposed = false;
  /** The lanes that send messages: loaded with the first message to send, here once loaded. */
  let lanes: MessageLanes | undefined;
  let loadingLanes: Promise<MessageLanes> | undefined;
  const lanesReady = (): Promise<MessageLanes> =>
    (loadingLanes ??= import('./message.lanes').then(
      ({ createMessageLanes }) =>
        (lanes = createMessageLanes({ connection, outbox, apply, clock, random, disposed: () => disposed })),
      (error: unknown) => {
        // Tried again with the next message; this one waits in the outbox.
        loadingLanes = undefined;
        throw error;
      },
    ));

  /** Shows `entry` as sending at once (a message typed here, or one an earlier page left), then sends it in turn. */
  async function enqueue(entry: OutboxEntry, from: MessageAuthor): Promise<void> {
    apply({ type: 'sending', entry, from });
    await (lanes ?? (await lanesReady())).enqueue(entry);
  }

  return {
    $records,
    apply,
    load,
    upsertInteraction,
    async send(cid, text, from, attachments) {
      // Checked before the outbox, so a message that can never be sent is refused at once, even offline.
      checkMessageText(text, attachments?.length);
      const entry: OutboxEntry = {
        cid,
        clientMsgId: uuidv7(now()),
        text,
        ...(attachments && { attachments }),
        at: now(),
      };
      await outbox.add(entry);
      await enqueue(entry, from);
    },
    async flushOutbox(from) {
      const entries = await outbox.list();
      await Promise.allSettled(entries.map((entry) => enqueue(entry, from(entry))));
    },
    async markRead(cid, participantId) {
      const view = conversationOf(cid);
      // Read up to the last message: a read receipt is itself an event, so aiming at the last event would send a
      // new receipt for every receipt, forever.
      const lastMessageSeq = view.messages.reduce((last, m) => Math.max(last, m.seq ?? 0), 0);
      if (lastMessageSeq === 0 || (view.readUpTo[participantId] ?? 0) >= lastMessageSeq) return;
      await connection.command('read', { cid, seq: lastMessageSeq });
    },
    dispose() {
      disposed = true;
      stopEvents();
      stopNotices();
      // Waiting resends give up now; their messages stay in the outbox, as on any close.
      lanes?.wake();
    },
  };
}

/**
 * The conversation state shared by visitor and agent sessions: an {@link InteractionStore} and the conversations it
 * knows as one store, a view of the records.
 */
export function createConversationsStore(
  options: ConversationsOptions,
  fold: InteractionFold = foldInteractions,
): ConversationsStore {
  const store = createInteractionStore(options, fold);
  return { ...store, $conversations: pickEach(store.$records, ({ conversation }) => conversation) };
}
