import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { AwayReason, PresenceStatus } from '../agent/agent.types';
import type { AttachmentPolicy, AttachmentRef } from '../attachment/attachment.types';
import { type Connection, type ConnectionOptions, createConnection } from '../connection/connection';
import type { ConnectionSnapshot } from '../connection/connection.machine';
import { serverFrameGuard } from '../protocol/protocol.guards.staff.generated';
import { commandResultSchemas } from '../protocol/protocol.results.staff';
import type {
  CommandArgs,
  CommandResult,
  CustomerRecord,
  CustomerView,
  Notice,
  WireInteraction,
} from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { leadershipOf } from '../transport/leader.transport';
import type { CallSession } from '../voice/call.session';
import { type AgentCases, createAgentCases } from './agent.cases';
import { createAgentDial, type DialCallOptions, type DialResult, type DialView } from './agent.dial';
import { type AgentEscalations, createAgentEscalations } from './agent.escalations';
import { type AgentRecordingOption, createSessionRecording } from './agent.recording';
import { type AgentVoiceOption, agentCapabilities, createAgentVoice } from './agent.voice';
import { createConversationsStore, pickEach } from './conversations.store';
import {
  type AgentOffer,
  type ConversationView,
  foldAgentInteractions,
  type MessageAuthor,
  type TransferResult,
} from './interactions.fold';
import type { Outbox } from './outbox';
import type {
  SendMessageOptions,
  SessionAttachmentOptions,
  UploadFile,
  UploadOptions,
} from './session.attachments';
import { createSupervisionClient, type SupervisionClient } from './supervision.client';

export type { DialCallOptions, DialResult, DialView } from './agent.dial';
export type { AgentOffer, TransferResult } from './interactions.fold';

/** The agent's presence as the server knows it. */
export interface AgentPresence {
  readonly status: PresenceStatus;
  readonly reason?: AwayReason | undefined;
}

/** Options of {@link createAgentSession}. */
export interface AgentSessionOptions extends ConnectionOptions {
  readonly outbox?: Outbox | undefined;
  /**
   * The agent's calls. By default, in a page that can call (a microphone and WebRTC), the session takes calls: it
   * says so to the server, and when the server names browser voice on a queue it loads `@helpline/core/voice` and
   * creates its call session (`$calls`) with that engine (WebRTC, or Vonage). Options change the engine
   * (`provider`, for TURN servers) or give the server's URL Vonage needs. `false`, or a page that cannot call: the
   * session tells the server it takes no calls, and the router offers it none.
   */
  readonly voice?: AgentVoiceOption | undefined;
  /** Where {@link AgentSession.upload} sends files (the server's URL); absent: uploads are refused. */
  readonly attachments?: SessionAttachmentOptions | undefined;
  /**
   * Recording of browser calls in this page (docs/voice.md#recording): by default on wherever the server's URL is
   * known (`recording.server`, `voice.server` or `attachments.baseUrl`). The recorder follows the call's `recording`
   * field, and chunks an earlier page left unsent go up on every connect. `false`: this page never records.
   */
  readonly recording?: AgentRecordingOption | undefined;
}

/** What an agent records when wrapping up. */
export interface WrapUpInput {
  readonly disposition?: string | undefined;
  readonly notes?: string | undefined;
}

/** How dialing a callback went. */
export type CallbackOutcome = CommandArgs<'callback.outcome'>['outcome'];

/** Where to transfer an interaction. */
export type TransferTarget =
  | { readonly toQueueId: string; readonly note?: string }
  | { readonly toAgentId: string; readonly note?: string };

/**
 * An agent's session: presence, offers, the interactions they handle with their conversations, and actions.
 */
export interface AgentSession {
  readonly connection: Connection;
  /**
   * Supervisors on this agent's interactions, when the agent is told of them (`monitoring.notifyAgent`) or their
   * browser carries the audio, and the private notes they send (never seen by the customer).
   */
  readonly supervision: SupervisionClient;
  /**
   * The connection's snapshot (`connecting`, `caught-up`, `reconnecting`, `closed`…). When it is down for a reason,
   * `context.error` says which (`auth/token-expired`, `site/unknown`, `connection/unreachable`, …): kept in `closed`
   * after a refusal for good, and cleared when the server welcomes the client again.
   */
  readonly $connection: ReadableAtom<ConnectionSnapshot>;
  readonly $presence: ReadableAtom<AgentPresence>;
  /** Offers by conversation id. */
  readonly $offers: ReadableAtom<Readonly<Record<string, AgentOffer>>>;
  /** Interactions the agent handles (active, wrap-up), by id. */
  readonly $interactions: ReadableAtom<Readonly<Record<string, WireInteraction>>>;
  /** Conversations (messages, read state) by id. */
  readonly $conversations: ReadableAtom<Readonly<Record<string, ConversationView>>>;
  /**
   * The interactions of each contact's customer by the contact's id (`interaction.customer.id`), as
   * {@link AgentSession.customerHistory} last loaded them: every channel and identity merged into that customer.
   */
  readonly $customerHistories: ReadableAtom<Readonly<Record<string, readonly string[]>>>;
  /** Which conversations show the customer typing. */
  readonly $typing: ReadableAtom<Readonly<Record<string, boolean>>>;
  /**
   * Answers to this agent's transfers to a named agent, by conversation: accepted, declined or missed (then the work
   * waits in its queue). Cleared by {@link AgentSession.dismissTransferResult}.
   */
  readonly $transferResults: ReadableAtom<Readonly<Record<string, TransferResult>>>;
  /** Forgets a transfer's answer once the agent has seen it. */
  dismissTransferResult(cid: string): void;
  /**
   * The queues' console configuration from the server (dispositions, after-call work, SLA targets, canned
   * responses), loaded on every connect; empty until then.
   */
  readonly $queues: ReadableAtom<readonly Queue[]>;
  /**
   * True in the one tab of the browser that owns the socket when the transport is a leader transport
   * (`createLeaderTransport`), always true otherwise: the tab that rings and notifies for offers. Every tab has
   * the same stores and may act.
   */
  readonly $isLeader: ReadableAtom<boolean>;
  /**
   * The session's call session (`@helpline/core/voice`), created once the server names browser voice on a queue
   * or a call shows up; `undefined` before, and for a session without voice (see `voice` in the options). A voice
   * offer rings there; {@link AgentSession.accept} picks it up through it (microphone first), and after a reload
   * it takes the live call back.
   */
  readonly $calls: ReadableAtom<CallSession | undefined>;
  /** True when this session takes calls (it told the server so): a softphone waits for them here. */
  readonly takesCalls: boolean;
  setPresence(status: PresenceStatus, reason?: AwayReason): Promise<void>;
  accept(cid: string): Promise<void>;
  reject(cid: string): Promise<void>;
  /** Sends a message; with attachments (uploaded first with {@link AgentSession.upload}) the text may be empty. */
  sendMessage(cid: string, text: string, options?: SendMessageOptions): Promise<void>;
  /**
   * Uploads a file to conversation `cid`: checked against its site's allow-list first (a typed `attachment/…`
   * error), resumed after a dropped connection. Resolves with the attachment to pass to `sendMessage`.
   */
  upload(cid: string, file: UploadFile, options?: UploadOptions): Promise<AttachmentRef>;
  /**
   * The allow-list that applies to uploads in conversation `cid` (asked once, then kept): what a console checks and
   * says before the agent picks a file. Rejects `attachment/disabled` without the `attachments` option.
   */
  attachmentPolicy(cid: string): Promise<AttachmentPolicy>;
  /**
   * Fetches an attachment with the agent's token (never in a URL), for a `blob:` URL: a preview (`preview: true`
   * gives safe raster images only) or a saved download.
   */
  fetchAttachment(
    id: string,
    options?: { readonly preview?: boolean; readonly signal?: AbortSignal },
  ): Promise<Blob>;
  /**
   * Fetches a call recording's bytes with the agent's token (never in a URL); `url` is the server-relative path
   * `recording.list` gives (`/v1/recordings/:id`). `<CallRecordings>` uses it.
   */
  fetchRecording(url: string): Promise<Blob>;
  setTyping(cid: string, typing: boolean): Promise<void>;
  markRead(cid: string): Promise<void>;
  /** Ends the conversation; it moves to wrap-up unless the queue's ACW policy is `none`. */
  end(cid: string): Promise<void>;
  /** Finishes wrap-up; rejects with `wrapup/disposition-required` when the queue needs one. */
  wrapUp(cid: string, input?: WrapUpInput): Promise<void>;
  transfer(cid: string, target: TransferTarget): Promise<void>;
  /** Reports how dialing a callback went; `no-answer` schedules a retry while dials are left. */
  callbackOutcome(cid: string, outcome: CallbackOutcome): Promise<void>;
  /**
   * Moves a callback the agent accepted, but has not reached the customer on, to a slot starting at `at`
   * (epoch ms, inside business hours): it leaves the agent's hands and is offered again when the slot starts.
   * Rejects with `validation/field` (field `at`) for a time in the past or outside business hours.
   */
  rescheduleCallback(cid: string, at: number): Promise<void>;
  /**
   * Messaging conversations (email, SMS, WhatsApp, Messenger): waits for the customer's answer. The conversation stays
   * the agent's but holds no capacity; the customer's next message brings it back as `active`.
   */
  setPending(cid: string): Promise<void>;
  /** Messaging conversations: puts it aside until `until` (epoch ms, in the future; `validation/field` otherwise). */
  snooze(cid: string, until: number): Promise<void>;
  /** Messaging conversations: resolves it; rejects with `wrapup/disposition-required` when the queue needs one. */
  resolve(cid: string, input?: WrapUpInput): Promise<void>;
  /** Messaging conversations: back to work from pending or snoozed, or a resolved one reopened for this agent. */
  reopen(cid: string): Promise<void>;
  /**
   * Loads a customer's past interactions (all channels, with dispositions) into `$conversations`, so the customer
   * card can show them. Called on its own when the agent accepts an offer (the screen pop).
   */
  customerHistory(customerId: string): Promise<readonly WireInteraction[]>;
  /**
   * The customer record interaction `cid` resolved to — identifiers, the timeline across channels, open merge
   * suggestions (docs/customers.md) — for agents of its queue.
   */
  customerOf(cid: string): Promise<CustomerView>;
  /**
   * A customer record by its id (`customer.get`), as {@link AgentSession.customerOf} gives it for an interaction: what
   * the console opens from a search result. Agents get customers of their queues; others are refused.
   */
  getCustomer(customerId: string): Promise<CustomerView>;
  /** Customers whose name, email or phone starts with `query` (at least 2 characters). */
  searchCustomers(query: string): Promise<readonly CustomerRecord[]>;
  /** Merges customer `sourceId` into `targetId`; `suggestionId` accepts that suggestion. */
  mergeCustomers(targetId: string, sourceId: string, suggestionId?: string): Promise<CustomerRecord>;
  /** Dismisses a merge suggestion: the two customers stay apart. */
  dismissCustomerSuggestion(suggestionId: string): Promise<void>;
  /** Cases (tickets) of the agent's queues: list, open, change, note, link interactions (docs/cases.md). */
  readonly cases: AgentCases;
  /** Escalations to a team leader: raise one, and a team leader's inbox (docs/cases.md, "Escalation"). */
  readonly escalations: AgentEscalations;
  /**
   * Calls a phone number (click-to-dial): the server checks it (E.164, calling hours in the customer's time zone,
   * the do-not-call list, the queue's caller ID), then creates an outbound voice interaction that is this agent's at
   * once, with its call in `dialing` → `ringing` → `active`, wrapped up like any call. Rejects with the server's typed
   * refusal (`dial/invalid-number`, `dial/outside-hours`, `dial/do-not-call`, `dial/no-caller-id`, `dial/no-voice`).
   *
   * @example
   * ```ts
   * const { cid, simulated } = await agent.dial('+44 20 7946 0958', { queueId: 'sales' });
   * ```
   */
  dial(number: string, options?: DialCallOptions): Promise<DialResult>;
  /** The latest {@link AgentSession.dial}: placing, placed (simulated or not), or refused with its error. */
  readonly $dial: ReadableAtom<DialView | undefined>;
  close(): void;
}

/**
 * Creates an agent session.
 *
 * @example
 * ```ts
 * const agent = createAgentSession({ transport, token: agentJwt });
 * await agent.setPresence('available');
 * agent.$offers.subscribe((offers) => Object.keys(offers).forEach((cid) => agent.accept(cid)));
 * ```
 */
export function createAgentSession(options: AgentSessionOptions): AgentSession {
  const connection = createConnection(
    {
      ...options,
      capabilities: options.capabilities ?? agentCapabilities(options.voice),
    },
    commandResultSchemas,
    serverFrameGuard,
  );
  const myId = () => connection.$subject.get()?.id;
  const conversations = createConversationsStore(
    {
      connection,
      ...(options.outbox ? { outbox: options.outbox } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
    },
    (records, input) => foldAgentInteractions(records, input, myId()),
  );
  const { $records, apply } = conversations;
  const $presence = atom<AgentPresence>({ status: 'offline' });
  // Views of the records, never written to.
  const $offers = pickEach($records, ({ offer }) => offer);
  const $interactions = pickEach($records, ({ conversation, held }) =>
    held ? conversation?.interaction : undefined,
  );
  const $typing = pickEach($records, ({ typing }) => typing);
  const $transferResults = pickEach($records, ({ transfer }) => transfer);
  const $queues = atom<readonly Queue[]>([]);

  for (const store of [$presence, $offers, $interactions]) onMount(store, () => connection.open());

  function setPresenceFrom(said: {
    readonly status: string;
    readonly reason?: AwayReason | undefined;
  }): void {
    $presence.set({ status: said.status as PresenceStatus, ...(said.reason ? { reason: said.reason } : {}) });
  }

  /** Notices that arrive while a snapshot is on its way are newer than it: they are applied again after it. */
  let sinceSnapshot: Notice[] | undefined;

  // The records hear every notice through the conversations store; presence is the session's own.
  connection.onNotice((notice) => {
    sinceSnapshot?.push(notice);
    if (notice.type === 'presence') setPresenceFrom(notice);
  });

  // After every (re)connect: resync presence, offers and interactions from the server, which is the truth.
  let wasConnected = false;
  connection.$state.subscribe((snapshot) => {
    const connected = snapshot.value === 'connected' || snapshot.value === 'caught-up';
    if (connected && !wasConnected) resync().catch(() => undefined); // Retried on the next connect.
    wasConnected = connected;
  });

  async function resync(): Promise<void> {
    // Over a real socket the snapshot's ack and later notices (an offer right after going available) can be
    // handled in one turn, before this function resumes; without the replay the older snapshot would win.
    // The queue configuration only changes with the server's: a failed load keeps what was known.
    connection
      .command('queues.list', {})
      // Unchanged after a reconnect: keep the same array, so nothing downstream re-renders.
      .then(({ queues }) => {
        if (JSON.stringify(queues) !== JSON.stringify($queues.get())) $queues.set(queues);
      })
      .catch(() => undefined);
    const newer: Notice[] = [];
    sinceSnapshot = newer;
    let snapshot: CommandResult<'agent.snapshot'>;
    try {
      snapshot = await connection.command('agent.snapshot', {});
    } finally {
      if (sinceSnapshot === newer) sinceSnapshot = undefined;
    }
    setPresenceFrom(snapshot);
    apply({ type: 'snapshot', offers: snapshot.offers, interactions: snapshot.interactions }, ...newer);
    for (const notice of newer) if (notice.type === 'presence') setPresenceFrom(notice);
    for (const interaction of snapshot.interactions)
      void conversations.load(interaction.id).catch(() => undefined);
    await conversations.flushOutbox(() => me());
  }

  const me = (): MessageAuthor => {
    const subject = connection.$subject.get();
    return { id: subject?.id ?? 'me', role: 'agent', name: subject?.name ?? '' };
  };

  async function acceptOffer(cid: string): Promise<void> {
    const { interaction } = await connection.command('offer.accept', { cid });
    // The screen pop: what this customer contacted us about before (best effort; the chat does not wait).
    customerHistory(interaction.customer.id).catch(() => undefined);
    apply({ type: 'interaction', interaction });
    await conversations.load(cid);
  }

  async function rejectOffer(cid: string): Promise<void> {
    await connection.command('offer.reject', { cid });
    apply({ type: 'rejected', cid });
  }

  const supervision = createSupervisionClient(connection);
  const voice = createAgentVoice(options.voice, {
    connection,
    supervision,
    token: async () => (typeof options.token === 'function' ? options.token() : options.token),
    $queues,
    $offers,
    $interactions,
    accept: acceptOffer,
    reject: rejectOffer,
    isLeader: leadershipOf(options.transport),
  });

  const recording = createSessionRecording(options.recording, {
    server: (options.voice ? options.voice.server : undefined) ?? options.attachments?.baseUrl ?? undefined,
    token: async () => (typeof options.token === 'function' ? options.token() : options.token),
    $calls: voice.$calls,
    $connection: connection.$state,
    tap: () => voice.tap(),
  });

  const dialer = createAgentDial({
    connection,
    now: () => options.clock?.now() ?? Date.now(),
    placed(interaction) {
      apply({ type: 'interaction', interaction });
      void conversations.load(interaction.id).catch(() => undefined);
    },
  });

  const $customerHistories = atom<Readonly<Record<string, readonly string[]>>>({});

  async function customerHistory(customerId: string): Promise<readonly WireInteraction[]> {
    const { interactions } = await connection.command('customer.history', { customerId });
    apply(...interactions.map((interaction) => ({ type: 'past' as const, interaction })));
    $customerHistories.set({ ...$customerHistories.get(), [customerId]: interactions.map((i) => i.id) });
    return interactions;
  }

  const escalations = createAgentEscalations(connection);

  return {
    connection,
    $connection: connection.$state,
    supervision,
    $presence,
    $offers,
    $interactions,
    $conversations: conversations.$conversations,
    $customerHistories,
    $typing,
    $transferResults,
    dismissTransferResult(cid) {
      apply({ type: 'dismissed', cid });
    },
    $queues,
    $isLeader: leadershipOf(options.transport),
    async setPresence(status, reason) {
      connection.open();
      setPresenceFrom(await connection.command('presence.set', { status, ...(reason ? { reason } : {}) }));
    },
    customerHistory,
    customerOf: (cid) => connection.command('customer.of', { cid }),
    getCustomer: (customerId) => connection.command('customer.get', { customerId }),
    searchCustomers: async (query) => (await connection.command('customer.search', { query })).customers,
    mergeCustomers: async (targetId, sourceId, suggestionId) =>
      (
        await connection.command('customer.merge', {
          targetId,
          sourceId,
          ...(suggestionId === undefined ? {} : { suggestionId }),
        })
      ).customer,
    async dismissCustomerSuggestion(suggestionId) {
      await connection.command('customer.dismiss', { suggestionId });
    },
    cases: createAgentCases(connection),
    escalations,
    dial: dialer.dial,
    $dial: dialer.$dial,
    $calls: voice.$calls,
    takesCalls: voice.enabled,
    async accept(cid) {
      // A call is picked up through the call session: the microphone opens first, and the media runs here.
      if ($offers.get()[cid]?.interaction.channel === 'voice' && voice.enabled) return voice.answer(cid);
      await acceptOffer(cid);
    },
    reject: rejectOffer,
    async sendMessage(cid, text, sendOptions = {}) {
      await conversations.send(cid, text, me(), sendOptions.attachments);
    },
    upload: (cid, file, uploadOptions) =>
      import('../attachment/attachment.upload').then((m) => m.uploadWith(options, cid, file, uploadOptions)),
    attachmentPolicy: (cid) =>
      import('../attachment/attachment.upload').then((m) => m.uploaderOf(options).policyOf(cid)),
    fetchAttachment: (id, fetchOptions) =>
      import('../attachment/attachment.upload').then((m) =>
        m.uploaderOf(options).fetchFile(id, fetchOptions),
      ),
    fetchRecording: (url) => recording.fetchRecording(url),
    async setTyping(cid, typing) {
      await connection.command('typing', { cid, typing });
    },
    async markRead(cid) {
      const subject = connection.$subject.get();
      if (subject) await conversations.markRead(cid, subject.id);
    },
    async end(cid) {
      await connection.command('chat.end', { cid });
    },
    async wrapUp(cid, input = {}) {
      await connection.command('wrapup.submit', {
        cid,
        ...(input.disposition ? { disposition: input.disposition } : {}),
        ...(input.notes?.trim() ? { notes: input.notes.trim() } : {}),
      });
    },
    async transfer(cid, target) {
      await connection.command('transfer', { cid, ...target });
    },
    async callbackOutcome(cid, outcome) {
      await connection.command('callback.outcome', { cid, outcome });
    },
    async setPending(cid) {
      await connection.command('conversation.pending', { cid });
    },
    async snooze(cid, until) {
      await connection.command('conversation.snooze', { cid, until });
    },
    async resolve(cid, input = {}) {
      await connection.command('conversation.resolve', {
        cid,
        ...(input.disposition ? { disposition: input.disposition } : {}),
        ...(input.notes?.trim() ? { notes: input.notes.trim() } : {}),
      });
    },
    async reopen(cid) {
      await connection.command('conversation.reopen', { cid });
    },
    async rescheduleCallback(cid, at) {
      const { interaction } = await connection.command('callback.reschedule', { cid, at });
      apply({ type: 'interaction', interaction });
    },
    close() {
      recording.dispose();
      voice.dispose();
      escalations.dispose();
      supervision.dispose();
      conversations.dispose();
      connection.close();
    },
  };
}
