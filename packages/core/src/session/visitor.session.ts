import { atom, computed, onMount, type ReadableAtom } from 'nanostores';
import type { AttachmentRef } from '../attachment/attachment.types';
import { type Connection, type ConnectionOptions, connectionWith } from '../connection/connection';
import type { ConnectionSnapshot } from '../connection/connection.machine';
import { uuidv7 } from '../ids/ids';
import { phaseOf } from '../interaction/phase';
import { clientError } from '../protocol/errors.client';
import type { CommandArgs, WireInteraction } from '../protocol/protocol.types';
import { createInteractionStore } from './conversations.store';
import type { ChatMessage, ConversationView, MessageAuthor, QueueStanding } from './interactions.fold';
import type { Outbox } from './outbox';
import type {
  SendMessageOptions,
  SessionAttachmentOptions,
  UploadFile,
  UploadOptions,
} from './session.attachments';
import { type ConversationMemory, defaultVisitorPersistence } from './visitor.persistence';

export type { QueueStanding } from './interactions.fold';

/** Options of {@link createVisitorSession}. */
export interface VisitorSessionOptions extends ConnectionOptions {
  /**
   * Keeps unsent messages. Default in a page: a browser outbox under {@link VisitorSessionOptions.storageKey}
   * (IndexedDB, localStorage fallback), so they survive a reload; in Node: memory.
   */
  readonly outbox?: Outbox;
  /**
   * Remembers the current conversation, so a reload mid-chat returns to it with its history. Default in a page:
   * localStorage under {@link VisitorSessionOptions.storageKey}; in Node: nothing.
   */
  readonly memory?: ConversationMemory;
  /**
   * Names the outbox and the conversation memory in this browser (use one per site and visitor on a shared
   * origin); `false` keeps nothing across reloads. Default `'visitor'`.
   */
  readonly storageKey?: string | false;
  /** Where {@link VisitorSession.upload} sends files (the server's URL and the site); absent: uploads are refused. */
  readonly attachments?: SessionAttachmentOptions | undefined;
}

/** What a visitor asks for when starting a chat or a call. */
export interface StartChatRequest {
  readonly channel?: 'chat' | 'voice';
  readonly queueId?: string;
  readonly topic?: string;
  readonly language?: string;
  /** Pre-chat form answers. */
  readonly prechat?: Readonly<Record<string, string>>;
}

/**
 * A website visitor's session: stores to render and plain actions to call. The same session drives the Lit
 * widget, a React app or a Node test.
 */
export interface VisitorSession {
  readonly connection: Connection;
  /**
   * The connection's snapshot (`connecting`, `caught-up`, `reconnecting`, `closed`…). When it is down for a reason,
   * `context.error` says which (`auth/token-expired`, `site/unknown`, `connection/unreachable`, …): kept in `closed`
   * after a refusal for good, and cleared when the server welcomes the client again.
   */
  readonly $connection: ReadableAtom<ConnectionSnapshot>;
  /** The current conversation, or `undefined` before the first chat. */
  readonly $conversation: ReadableAtom<ConversationView | undefined>;
  /** The current interaction (state, agent, end reason). */
  readonly $interaction: ReadableAtom<WireInteraction | undefined>;
  /** Messages of the current conversation, confirmed and pending. */
  readonly $messages: ReadableAtom<readonly ChatMessage[]>;
  /** Place in line while waiting. */
  readonly $position: ReadableAtom<QueueStanding | undefined>;
  /** The agent is typing. */
  readonly $agentTyping: ReadableAtom<boolean>;
  /** True when the agent has read the visitor's last message. */
  readonly $readByAgent: ReadableAtom<boolean>;
  /** Starts a chat (or a call) and resolves with the conversation id. */
  startChat(request?: StartChatRequest): Promise<string>;
  /**
   * Sends a message in the current conversation. Works offline: it waits in the outbox. With attachments
   * (uploaded first with {@link VisitorSession.upload}) the text may be empty.
   */
  sendMessage(text: string, options?: SendMessageOptions): Promise<void>;
  /**
   * Uploads a file to the current conversation: checked against the site's allow-list first (a typed
   * `attachment/…` error, before a byte is sent), resumed after a dropped connection, progress reported as chunks
   * are stored. Resolves with the attachment to pass to {@link VisitorSession.sendMessage}.
   */
  upload(file: UploadFile, options?: UploadOptions): Promise<AttachmentRef>;
  /** Tells the agent the visitor is typing (call with `false` when they stop). */
  setTyping(typing: boolean): Promise<void>;
  /** Marks every message of the current conversation read. */
  markRead(): Promise<void>;
  /** Leaves the chat. */
  endChat(): Promise<void>;
  /**
   * Answers the survey of the ended conversation (chat or call) in one go: the 1–5 rating, an optional comment and,
   * where the queue asks it (`$interaction.survey.nps`), the 0–10 NPS answer. Rejects with `conflict/state` when it
   * was answered already, `survey/closed` after the queue's window, `survey/not-asked` for a question the queue does
   * not ask. Not answering at all is how a survey is skipped.
   *
   * @example
   * ```ts
   * if (session.$interaction.get()?.survey?.nps) await session.rate(4, 'Quick and kind', 9);
   * else await session.rate(4, 'Quick and kind');
   * ```
   */
  rate(score: 1 | 2 | 3 | 4 | 5, comment?: string, nps?: number): Promise<void>;
  /** Asks to be called back, as soon as possible or in a slot. */
  requestCallback(request: CommandArgs<'callback.request'>): Promise<string>;
  /** Cancels a requested callback. */
  cancelCallback(cid: string): Promise<void>;
  /** Leaves a message when every queue is closed. */
  leaveOfflineMessage(request: CommandArgs<'offline.leave'>): Promise<string>;
  /**
   * Finds the visitor's latest open conversation and makes it current. A session with a remembered
   * conversation (a reload mid-chat) does this by itself when it connects.
   */
  restore(): Promise<ConversationView | undefined>;
  /** Closes the session for good. */
  close(): void;
}

/** Whether the visitor can come back to the interaction: it is not over (the agent may still be wrapping up). */
const isOpen = (interaction: WireInteraction): boolean =>
  phaseOf(interaction.channel, interaction.state) !== 'final';
/** The phase of the interaction on screen, if there is one. */
const phaseOfVisible = (interaction: WireInteraction | undefined) =>
  interaction && phaseOf(interaction.channel, interaction.state);

/**
 * Creates a visitor session. The connection opens when a store gains its first listener or an action runs.
 *
 * @example
 * ```ts
 * const session = createVisitorSession({ transport, token });
 * session.$messages.subscribe(render);
 * await session.startChat({ topic: 'billing', prechat: { name: 'Ada' } });
 * await session.sendMessage('Hello!');
 * ```
 */
export function createVisitorSession(options: VisitorSessionOptions): VisitorSession {
  // A visitor checks only the frames a visitor receives and the acks of what it sends (the staff notices and results
  // stay out of its bundle), with checks that load when it first connects.
  const connection = connectionWith(options, () =>
    import('./visitor.checks').then(({ visitorChecks }) => visitorChecks),
  );
  const persistence =
    options.storageKey === false || (options.outbox && options.memory)
      ? undefined
      : defaultVisitorPersistence(options.storageKey ?? 'visitor');
  const outbox = options.outbox ?? persistence?.outbox;
  const memory = options.memory ?? persistence?.memory;
  const conversations = createInteractionStore({
    connection,
    ...(outbox ? { outbox } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const $cid = atom<string | undefined>(undefined);
  // Typing and places in line are kept by conversation: a position can arrive before `chat.start` is answered and
  // the id is known.
  const { $records } = conversations;

  const $conversation = computed([$cid, $records], (cid, records) =>
    cid === undefined ? undefined : records[cid]?.conversation,
  );
  const $interaction = computed($conversation, (view) => view?.interaction);
  // Typing shows only while someone can type: an agent leaving ends it without any notice.
  const $agentTyping = computed(
    [$cid, $records, $interaction],
    (cid, records, interaction) =>
      cid !== undefined && phaseOfVisible(interaction) === 'handling' && records[cid]?.typing === true,
  );
  const $position = computed([$cid, $records, $interaction], (cid, records, interaction) =>
    cid !== undefined &&
    (phaseOfVisible(interaction) === 'waiting' || phaseOfVisible(interaction) === 'offered')
      ? records[cid]?.standing
      : undefined,
  );
  const $messages = computed($conversation, (view): readonly ChatMessage[] => view?.messages ?? []);
  const $readByAgent = computed([$conversation, connection.$subject], (view, me) => {
    if (!view || !me) return false;
    const lastOwn = [...view.messages].reverse().find((m) => m.from.id === me.id && m.seq !== undefined);
    if (!lastOwn?.seq) return false;
    return Object.entries(view.readUpTo).some(([id, seq]) => id !== me.id && seq >= (lastOwn.seq ?? 0));
  });

  for (const store of [$conversation, $position, $agentTyping]) onMount(store, () => connection.open());

  // One id per start: if the ack is lost and the command is sent again, the server returns the same conversation.
  const newRequestId = () => uuidv7(options.clock?.now() ?? Date.now());

  const me = (): MessageAuthor => {
    const subject = connection.$subject.get();
    return { id: subject?.id ?? 'me', role: 'visitor', name: subject?.name ?? '' };
  };

  function currentCid(operation: string): string {
    const cid = $cid.get();
    if (cid === undefined) {
      throw clientError('conflict/state', {
        operation,
        entity: 'session',
        state: 'without a conversation',
      });
    }
    return cid;
  }

  async function adopt(cid: string, interaction: WireInteraction): Promise<string> {
    $cid.set(cid);
    await conversations.load(cid, interaction);
    return cid;
  }

  // The conversation in progress is remembered for a reload, and forgotten once it is over. Listening to the
  // underlying stores (not `$conversation`) keeps the connection closed until the app needs it.
  let remembered: ConversationView | undefined;
  const remember = () => {
    const cid = $cid.get();
    const view = cid === undefined ? undefined : $records.get()[cid]?.conversation;
    // The records change with typing and places in line too: only a change of the conversation is written.
    if (!memory || !view || view === remembered) return;
    remembered = view;
    memory.write(
      view.interaction && !isOpen(view.interaction) ? undefined : { cid: view.cid, lastSeq: view.lastSeq },
    );
  };
  $cid.listen(remember);
  $records.listen(remember);

  /** After a reload: back to the remembered conversation if it is still open, else forget it. */
  async function returnToRemembered(): Promise<void> {
    const remembered = memory?.read();
    if (!remembered || $cid.get() !== undefined) return;
    const { interactions } = await connection.command('conversation.list', {});
    const found = interactions.find((i) => i.id === remembered.cid && isOpen(i));
    if ($cid.get() !== undefined) return; // The visitor started something else meanwhile.
    if (found) await adopt(found.id, found);
    else if (memory?.read()?.cid === remembered.cid) memory.write(undefined);
  }

  // Whatever waited in a persistent outbox goes out once the connection is back (in the order it was typed;
  // the server dedupes by `clientMsgId`, so a message whose ack was lost before a reload is stored once).
  let flushed = false;
  connection.$state.subscribe((snapshot) => {
    if (!flushed && (snapshot.value === 'connected' || snapshot.value === 'caught-up')) {
      flushed = true;
      void conversations.flushOutbox(() => me());
      returnToRemembered().catch(() => undefined); // `restore()` remains for the app to retry.
    }
  });

  return {
    connection,
    $connection: connection.$state,
    $conversation,
    $interaction,
    $messages,
    $position,
    $agentTyping,
    $readByAgent,
    async startChat(request = {}) {
      connection.open();
      const result = await connection.command('chat.start', {
        requestId: newRequestId(),
        channel: request.channel ?? 'chat',
        ...(request.queueId ? { queueId: request.queueId } : {}),
        ...(request.topic ? { topic: request.topic } : {}),
        ...(request.language ? { language: request.language } : {}),
        ...(request.prechat ? { prechat: { ...request.prechat } } : {}),
      });
      return adopt(result.cid, result.interaction);
    },
    async sendMessage(text, sendOptions = {}) {
      const cid = currentCid('send a message');
      connection.open();
      await conversations.send(cid, text, me(), sendOptions.attachments);
    },
    upload(file, uploadOptions) {
      const cid = currentCid('attach a file');
      return import('../attachment/attachment.upload').then((m) =>
        m.uploadWith(options, cid, file, uploadOptions),
      );
    },
    async setTyping(typing) {
      const cid = $cid.get();
      if (cid !== undefined) await connection.command('typing', { cid, typing });
    },
    async markRead() {
      const cid = $cid.get();
      const subject = connection.$subject.get();
      if (cid !== undefined && subject) await conversations.markRead(cid, subject.id);
    },
    async endChat() {
      await connection.command('chat.end', { cid: currentCid('end the chat') });
    },
    async rate(score, comment, nps) {
      await connection.command('csat.submit', {
        cid: currentCid('rate the chat'),
        score,
        ...(comment?.trim() ? { comment: comment.trim() } : {}),
        ...(nps === undefined ? {} : { nps }),
      });
    },
    async requestCallback(request) {
      connection.open();
      const result = await connection.command('callback.request', { requestId: newRequestId(), ...request });
      return adopt(result.cid, result.interaction);
    },
    async cancelCallback(cid) {
      await connection.command('callback.cancel', { cid });
    },
    async leaveOfflineMessage(request) {
      connection.open();
      const result = await connection.command('offline.leave', { requestId: newRequestId(), ...request });
      return adopt(result.cid, result.interaction);
    },
    async restore() {
      connection.open();
      const { interactions } = await connection.command('conversation.list', {});
      const latest = interactions
        .filter(isOpen)
        .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)[0];
      if (!latest) return undefined;
      await adopt(latest.id, latest);
      return $records.get()[latest.id]?.conversation;
    },
    close() {
      conversations.dispose();
      connection.close();
    },
  };
}
