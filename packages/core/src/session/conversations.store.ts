import { map, type ReadableAtom } from 'nanostores';
import { type Clock, systemClock } from '../clock/clock';
import { backoffDelay, DEFAULT_BACKOFF } from '../connection/backoff';
import type { Connection, DeliveredEvent } from '../connection/connection';
import { uuidv7 } from '../ids/ids';
import type { ParticipantRole } from '../interaction/interaction.types';
import { type HelplineError, isHelplineError, isRetryable } from '../protocol/errors';
import { clientError } from '../protocol/errors.client';
import { LIMITS } from '../protocol/protocol.limits';
import type { WireInteraction } from '../protocol/protocol.types';
import { createMemoryOutbox, type Outbox, type OutboxEntry } from './outbox';

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
  readonly text: string;
  /** Epoch ms: the server's time once confirmed, the local time before. */
  readonly at: number;
  /**
   * `sending` until the server confirmed it, also while a resend waits out a temporary refusal (a rate limit, a
   * storage outage); `failed` only when the server refused it for good.
   */
  readonly status: 'sending' | 'sent' | 'failed';
  readonly error?: HelplineError | undefined;
}

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

/** The conversations of one session, and the actions on them. */
export interface ConversationsStore {
  /** Conversations by id. */
  readonly $conversations: ReadableAtom<Readonly<Record<string, ConversationView>>>;
  /** Starts following a conversation and loads its history. */
  load(cid: string, interaction?: WireInteraction): Promise<ConversationView>;
  /** Records an interaction update from a notice or an ack. */
  upsertInteraction(interaction: WireInteraction): void;
  /**
   * Sends a message with an optimistic echo; kept in the outbox until the server confirms it. Messages of one
   * conversation go out one at a time, in the order typed; a temporary refusal ({@link isRetryable}) is waited out
   * and the same message sent again. Resolves once the server has it; rejects when it is refused for good (then it
   * shows as `failed`) or the session closes (then it stays in the outbox).
   */
  send(cid: string, text: string, from: MessageAuthor): Promise<void>;
  /** Sends whatever the outbox still holds (after a reload), in order; entries already on their way are skipped. */
  flushOutbox(from: (entry: OutboxEntry) => MessageAuthor): Promise<void>;
  /** Marks everything up to the last event read by `participantId`. */
  markRead(cid: string, participantId: string): Promise<void>;
  /** Stops listening to the connection. */
  dispose(): void;
}

/** Refuses an empty or over-long message with the same error the server would give. */
export function checkMessageText(text: string): void {
  const detail =
    text.trim().length === 0
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

/** A resend never waits longer than this, whatever the server asks: a message should not sit for minutes. */
const RESEND_CAP_MS = 30_000;
/** Least jitter on top of `retryAfterMs`, so tabs and devices refused together do not come back together. */
const RESEND_JITTER_MS = 100;

/**
 * How long to wait before sending a temporarily refused message again: the server's `retryAfterMs` plus up to a
 * fifth of it (at least 100 ms) of jitter, or exponential back-off with full jitter when the
 * server gave no hint; never more than 30 s. `attempt` counts the refusals of this message so far, from 0.
 */
export function resendDelay(error: HelplineError, attempt: number, random: () => number): number {
  const hinted = error.retryAfterMs;
  const delay =
    hinted === undefined
      ? backoffDelay(attempt, DEFAULT_BACKOFF, random)
      : Math.max(0, hinted) + Math.floor(random() * Math.max(RESEND_JITTER_MS, hinted / 5));
  return Math.min(RESEND_CAP_MS, delay);
}

/** A message waiting its turn in its conversation's lane. */
interface Queued {
  readonly entry: OutboxEntry;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const EMPTY = (cid: string): ConversationView => ({ cid, messages: [], readUpTo: {}, lastSeq: 0, notes: [] });

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
  }
}

/**
 * The conversation state shared by visitor and agent sessions: events folded into views, optimistic sends
 * through an outbox, read receipts.
 */
export function createConversationsStore(options: ConversationsOptions): ConversationsStore {
  const { connection } = options;
  const outbox = options.outbox ?? createMemoryOutbox();
  const clock = options.clock ?? systemClock;
  const now = options.now ?? options.clock?.now ?? Date.now;
  const random = options.random ?? Math.random;
  const $conversations = map<Record<string, ConversationView>>({});
  const loading = new Map<string, Promise<ConversationView>>();

  const viewOf = (cid: string): ConversationView => $conversations.get()[cid] ?? EMPTY(cid);
  const put = (view: ConversationView) => $conversations.setKey(view.cid, view);

  const stopEvents = connection.onEvent((event) => {
    put(foldEvent(viewOf(event.cid), event));
    if (event.ev.type === 'message') void outbox.remove(event.ev.clientMsgId);
  });

  async function load(cid: string, interaction?: WireInteraction): Promise<ConversationView> {
    if (interaction) upsertInteraction(interaction);
    const existing = loading.get(cid);
    if (existing) return existing;
    const task = (async () => {
      for (;;) {
        const page = await connection.command('history', { cid, after: viewOf(cid).lastSeq });
        // Folded into the view as it is once the page is here: events delivered and messages typed while the page
        // was on its way stay (folding skips the events the view already has).
        let view = viewOf(cid);
        for (const { seq, at, ev } of page.events) view = foldEvent(view, { cid, seq, at, ev });
        put(view);
        if (view.lastSeq >= page.lastSeq || page.events.length === 0) break;
      }
      // Live events continue from where history ended: no gap, no duplicate.
      connection.follow(cid, viewOf(cid).lastSeq);
      return viewOf(cid);
    })();
    loading.set(cid, task);
    task.catch(() => loading.delete(cid));
    return task;
  }

  function upsertInteraction(interaction: WireInteraction): void {
    put({ ...viewOf(interaction.id), interaction });
  }

  function markFailed(cid: string, key: string, error: HelplineError): void {
    const view = viewOf(cid);
    const message = view.messages.find((m) => m.key === key);
    if (message && message.status === 'sending') {
      put({ ...view, messages: placeMessage(view.messages, { ...message, status: 'failed', error }) });
    }
  }

  // One lane per conversation; its head is the only message of that conversation on the wire. Pipelining would be
  // faster, but a refused message could then be overtaken by the next one, which the server would accept.
  const lanes = new Map<string, Queued[]>();
  const queued = new Map<string, Queued>();
  const waits = new Set<{ handle: unknown; wake: () => void }>();
  let disposed = false;

  /** Waits `ms`; false when the store was disposed meanwhile. */
  function pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wait = {
        handle: undefined as unknown,
        wake: () => {
          clock.clearTimeout(wait.handle);
          waits.delete(wait);
          resolve(!disposed);
        },
      };
      waits.add(wait);
      wait.handle = clock.setTimeout(wait.wake, ms);
    });
  }

  function enqueue(entry: OutboxEntry, from: MessageAuthor): Promise<void> {
    const known = queued.get(entry.clientMsgId);
    if (known) return known.done;
    const view = viewOf(entry.cid);
    if (!view.messages.some((m) => m.key === entry.clientMsgId)) {
      put({
        ...view,
        messages: placeMessage(view.messages, {
          key: entry.clientMsgId,
          from,
          text: entry.text,
          at: entry.at,
          status: 'sending',
        }),
      });
    }
    let resolve = () => {};
    let reject: (error: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const item: Queued = { entry, done, resolve, reject };
    queued.set(entry.clientMsgId, item);
    let lane = lanes.get(entry.cid);
    const idle = !lane;
    if (!lane) {
      lane = [];
      lanes.set(entry.cid, lane);
    }
    // In the order typed: entries a reload left in the outbox can be listed after the first new message was sent.
    // The head (index 0) is already on the wire and keeps its place.
    let at = lane.length;
    while (at > 1 && (lane[at - 1]?.entry.at ?? 0) > entry.at) at--;
    lane.splice(at, 0, item);
    if (idle) void pump(entry.cid, lane);
    return done;
  }

  async function pump(cid: string, lane: Queued[]): Promise<void> {
    for (let item = lane[0]; item; item = lane[0]) {
      try {
        await deliver(item.entry);
        item.resolve();
      } catch (error) {
        item.reject(error);
      }
      lane.shift();
      queued.delete(item.entry.clientMsgId);
    }
    lanes.delete(cid);
  }

  async function deliver(entry: OutboxEntry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (disposed) throw clientError('connection/closed');
      try {
        await connection.command(
          'message.send',
          { cid: entry.cid, clientMsgId: entry.clientMsgId, text: entry.text },
          { persistent: true },
        );
        await outbox.remove(entry.clientMsgId);
        return;
      } catch (error) {
        // Not now (a rate limit, a storage outage): the same message again after the wait, still shown as sending.
        // The server dedupes its clientMsgId, so a resend of one it did store is answered with the original ack.
        if (isRetryable(error) && (await pause(resendDelay(error, attempt, random)))) continue;
        // Refused for good (validation, ended chat): keep it visible as failed, drop it from the outbox. A closed
        // session keeps it in the outbox for the next page.
        if (isHelplineError(error) && error.code !== 'connection/closed' && !disposed) {
          await outbox.remove(entry.clientMsgId);
          markFailed(entry.cid, entry.clientMsgId, error);
        }
        throw disposed ? clientError('connection/closed') : error;
      }
    }
  }

  return {
    $conversations,
    load,
    upsertInteraction,
    async send(cid, text, from) {
      // Checked before the outbox, so a message that can never be sent is refused at once, even offline.
      checkMessageText(text);
      const entry: OutboxEntry = { cid, clientMsgId: uuidv7(now()), text, at: now() };
      await outbox.add(entry);
      await enqueue(entry, from);
    },
    async flushOutbox(from) {
      const entries = await outbox.list();
      await Promise.allSettled(entries.map((entry) => enqueue(entry, from(entry))));
    },
    async markRead(cid, participantId) {
      const view = viewOf(cid);
      // Read up to the last message: a read receipt is itself an event, so aiming at the last event would send a
      // new receipt for every receipt, forever.
      const lastMessageSeq = view.messages.reduce((last, m) => Math.max(last, m.seq ?? 0), 0);
      if (lastMessageSeq === 0 || (view.readUpTo[participantId] ?? 0) >= lastMessageSeq) return;
      await connection.command('read', { cid, seq: lastMessageSeq });
    },
    dispose() {
      disposed = true;
      stopEvents();
      // Waiting resends give up now; their messages stay in the outbox, as on any close.
      for (const wait of [...waits]) wait.wake();
    },
  };
}
