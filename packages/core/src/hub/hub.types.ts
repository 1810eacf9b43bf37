import type { Agent, PresenceStatus } from '../agent/agent.types';
import type { AttachmentClaims } from '../attachment/attachment.claims';
import type { Clock } from '../clock/clock';
import type { CustomerDirectory, IdentifierClaim } from '../customer/customer.types';
import type { Channel, Customer, Interaction, MessagingChannel } from '../interaction/interaction.types';
import type { HistoryReports } from '../metrics/history.reports';
import type { KpiLogEvent } from '../metrics/metrics.types';
import type { HelplineError } from '../protocol/errors';
import type { CommandOp, CommandResult, ConversationEvent } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import type { RoutingRule } from '../routing/rules';
import type { CallRecord } from '../voice/voice.wire';
import type { CaseSlaWarning } from './cases.hub';
import type { CaseStore } from './cases.store';
import type { ChannelsOptions } from './channels.types';
import type { DialOptions } from './dial.hub';
import type { EmailLeg } from './email-leg.hub';
import type { EscalationReports } from './escalations.hub';
import type { EscalationStore } from './escalations.store';
import type { InteractionSnapshot, Lifecycle } from './lifecycles';
import type { RecordingOptions } from './recordings.hub';
import type { SupervisionOptions } from './supervision.hub';
import type { ConsultTelephony } from './voice.consult';

/** Who is on the other end of a connection, as proven by their token. */
export interface Subject {
  readonly id: string;
  readonly role: 'visitor' | 'agent' | 'supervisor';
  readonly name: string;
  /** For visitors a host site vouched for: known customer fields. */
  readonly customer?: Partial<Omit<Customer, 'id' | 'identified' | 'attributes'>> & {
    readonly attributes?: Readonly<Record<string, string>> | undefined;
  };
  /** True when the identity is vouched for by a signed token (not anonymous). */
  readonly identified?: boolean | undefined;
  /**
   * Identifiers of the person that whoever authenticated the subject vouches for or saw: a signed visitor JWT's
   * subject and its verified email and phone, a messaging channel's number, a caller id. A new interaction's customer
   * is resolved from them (docs/customers.md); only verified ones merge customers automatically.
   */
  readonly identifiers?: readonly IdentifierClaim[] | undefined;
}

/** Turns a token into a subject, or throws a `HelplineError` with code `auth/invalid-token`. */
export type Authenticate = (token: string) => Promise<Subject> | Subject;

/** An interaction as stored: the public record plus the machine snapshot behind it. */
export interface StoredInteraction {
  readonly interaction: Interaction;
  readonly snapshot: InteractionSnapshot;
  /** False once the interaction reached a final state. */
  readonly open: boolean;
  /**
   * The interaction's call while a hub that restores the record can carry it on: a browser call being talked on
   * (its media runs between the browsers, not through the server), so a new leader or a restarted server takes it
   * back instead of ending it. Absent otherwise (no call, one still ringing, one on a phone network, a consult).
   */
  readonly call?: CallRecord | undefined;
}

/** A durable conversation event with its position in the log. */
export interface StoredEvent {
  readonly cid: string;
  readonly seq: number;
  readonly at: number;
  readonly ev: ConversationEvent;
}

/**
 * Where the hub keeps what it has acknowledged. The memory storage keeps it in the process; the server keeps it
 * in PGlite or PostgreSQL. `appendEvent` assigns the next gap-free `seq` of the conversation.
 */
export interface HubStorage {
  /** Saves an interaction with its machine snapshot (so a restart resumes exactly where it was). */
  putInteraction(record: StoredInteraction): Promise<void>;
  getInteraction(id: string): Promise<StoredInteraction | undefined>;
  /** Interactions that are not finished, for restoring the router after a restart. */
  openInteractions(): Promise<StoredInteraction[]>;
  /** Appends one event on its own (a chat message: no interaction record changes with it). */
  appendEvent(cid: string, at: number, ev: ConversationEvent): Promise<StoredEvent>;
  /**
   * Writes one step of an interaction as a unit: appends `events` (each gets the next `seq` of the conversation)
   * and saves the record that `recordOf` builds once their `seq`s are known. Either all of it is stored, or —
   * when the promise rejects — none of it. The hub makes a step current only after this resolves.
   */
  commit(
    cid: string,
    events: readonly PendingEvent[],
    recordOf: (stored: readonly StoredEvent[]) => StoredInteraction,
    options?: CommitOptions,
  ): Promise<StoredEvent[]>;
  /**
   * Optional: keeps an agent's presence change (reporting, occupancy). The hub applies a change an agent asked for
   * only after this resolved.
   */
  recordPresence?(change: PresenceChange): Promise<void>;
  /** Events with `seq > afterSeq`, oldest first, at most `limit`. */
  events(cid: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  lastSeq(cid: string): Promise<number>;
  messageByClientId(cid: string, clientMsgId: string): Promise<StoredEvent | undefined>;
  interactionsOfCustomer(customerId: string): Promise<Interaction[]>;
  /**
   * Optional: interactions created at or after `from` (epoch ms), oldest first. After a restart the hub rebuilds
   * today's live KPIs from them; without it the KPIs start empty.
   */
  interactionsSince?(from: number): Promise<Interaction[]>;
  /** Optional: agents' presence changes at or after `from`, oldest first (occupancy after a restart). */
  presenceSince?(from: number): Promise<{ agentId: string; status: PresenceStatus; at: number }[]>;
  /**
   * Optional: each agent's last kept presence change. A hub that restores — after a restart, or on the instance of a
   * cluster that takes over — gives agents back the presence they had, for as long as their grace period after a
   * lost link; without it every agent starts offline.
   */
  lastPresence?(): Promise<readonly PresenceChange[]>;
  /**
   * Optional: keeps a resume token so a client can resume across a restart. Without it resume tokens live in the
   * hub's memory only.
   */
  saveResumeToken?(token: string, subjectId: string, at: number): Promise<void>;
  /**
   * Optional: forgets a resume token (they are single-use) and returns the subject it was issued to, unless it
   * was issued before `issuedSince` (epoch ms; expired).
   */
  takeResumeToken?(token: string, issuedSince?: number): Promise<string | undefined>;
  /**
   * Optional: the subject a kept resume token was issued to, without spending it (unless it was issued before
   * `issuedSince`). The hub spends a token only once the client answered after its welcome.
   */
  findResumeToken?(token: string, issuedSince?: number): Promise<string | undefined>;
  /**
   * Optional: the interaction a conversation-starting request created, by the subject and the client's request
   * id, so a retry after a restart opens no second conversation. Recorded by {@link HubStorage.commit}'s
   * `startRequest`.
   */
  startedBy?(subjectId: string, requestId: string): Promise<string | undefined>;
  /**
   * Optional: the conversation of a messaging thread, as recorded by {@link HubStorage.commit}'s `channel.threadKey`.
   * Without it, threads are found only while the hub runs.
   */
  threadOf?(channel: MessagingChannel, threadKey: string): Promise<string | undefined>;
  /**
   * Optional: the event a provider's message id was recorded with ({@link HubStorage.commit}'s `channel.externalIds`):
   * a customer's message, or the receipt of a message we sent, which its later statuses name. Without it, providers'
   * statuses are not recorded.
   */
  channelMessage?(
    channel: MessagingChannel,
    externalId: string,
  ): Promise<{ readonly cid: string; readonly seq: number } | undefined>;
  /**
   * Optional: the email leg of a chat ("continue by email": the address its visitor gave and how far it was mailed).
   * Without it, legs live in the hub's memory only.
   */
  emailLeg?(cid: string): Promise<EmailLeg | undefined>;
  /** Optional: keeps a chat's email leg (one per chat: a later one replaces it). */
  saveEmailLeg?(leg: EmailLeg): Promise<void>;
}

/** An event about to be appended, with the time it happened. */
export interface PendingEvent {
  readonly at: number;
  readonly ev: ConversationEvent;
}

/** What else a {@link HubStorage.commit} keeps with the step. */
export interface CommitOptions {
  /** The client request that started this conversation (see {@link HubStorage.startedBy}). */
  readonly startRequest?: { readonly subjectId: string; readonly requestId: string } | undefined;
  /** A messaging channel's keys, kept with the step (see {@link HubStorage.threadOf}, {@link HubStorage.channelMessage}). */
  readonly channel?: ChannelKeys | undefined;
  /**
   * The state the stored record must still be in: the one the hub's copy took the step from. The hub's copy is a
   * cache of the record; when they differ (in a cluster, a write that committed although its answer was lost) the
   * step must not overwrite the record. Storage refuses it with `conflict/state`, nothing stored, and the hub
   * reloads its copy. A record not stored yet is not checked.
   */
  readonly expectState?: string | undefined;
  /** The step makes an agent hold the interaction (an accept): storage checks the agent's room by the records. */
  readonly holds?: CapacityHold | undefined;
  /**
   * `recordOf` reads none of the stored events' `seq`s (no event of the step goes into the record), so storage may
   * build the record before the events are appended — and write the whole step in one statement.
   */
  readonly recordIgnoresSeqs?: boolean | undefined;
  /** The step creates the record: there is none stored yet to check or lock. */
  readonly createsRecord?: boolean | undefined;
}

/**
 * An agent about to hold an interaction of `channel`. Storage counts, under a lock on the agent (so two steps for
 * one agent count one after the other), the agent's other open interactions of `channel` in one of `states`, as
 * stored, and refuses the step with `agent/capacity` when they are `capacity` or more. The router's count of what
 * agents hold is a cache of the records; this count is the records'.
 */
export interface CapacityHold {
  readonly agentId: string;
  readonly channel: Channel;
  readonly capacity: number;
  /** The states in which an agent holds an interaction of the channel (capacity in use). */
  readonly states: readonly string[];
  /**
   * Work of another channel that leaves the agent no room for this one at all (`voiceBlocksChat`: a call blocks
   * chats): an open interaction of `channel` held by the agent in one of `states`, as stored, refuses the step with
   * `agent/capacity` too, counted under the same lock.
   */
  readonly blockedBy?: { readonly channel: Channel; readonly states: readonly string[] } | undefined;
}

/** A messaging channel's keys of a step: the thread it starts, and providers' ids of its events. */
export interface ChannelKeys {
  readonly channel: MessagingChannel;
  /** The thread this step starts (its first step); a thread already kept is left as it is. */
  readonly threadKey?: string | undefined;
  /** A provider's message id per event of the step, by the event's index among the step's events. */
  readonly externalIds?: readonly { readonly externalId: string; readonly index: number }[] | undefined;
}

/** One presence change of an agent. */
export interface PresenceChange {
  readonly agentId: string;
  readonly status: PresenceStatus;
  readonly reason?: string | undefined;
  readonly at: number;
}

/** Timers and time, injectable so tests run on fake clocks (the one {@link Clock} of the package). */
export type HubClock = Clock;

/** Timers and budgets of calls on a hub. */
export interface VoiceHubOptions {
  /**
   * How long a call may run with its media reported broken (by either side: a reloaded page, a lost network)
   * before the hub ends it as failed. Default 20 s.
   */
  readonly reattachMs?: number | undefined;
  /** How long a picked-up call may wait for media to flow. Default 30 s. */
  readonly connectMs?: number | undefined;
  /** How long a call started inside a conversation rings before it counts as missed. Default 45 s. */
  readonly ringMs?: number | undefined;
  /**
   * How long a call survives with neither party connected to the hub (a signaling outage of one side alone never
   * ends a call whose media flows). Default 60 s.
   */
  readonly absentMs?: number | undefined;
  /** Call commands (mostly signaling) one connection may send in a burst. Default 60. */
  readonly signalBurst?: number | undefined;
  /** Call commands one connection may send per second, sustained. Default 20. */
  readonly signalsPerSecond?: number | undefined;
}

/** Configuration of a hub. */
export interface HubOptions {
  readonly queues: readonly Queue[];
  readonly agents: readonly Agent[];
  readonly authenticate: Authenticate;
  readonly storage?: HubStorage | undefined;
  readonly clock?: HubClock | undefined;
  /** Server ping interval; a client that misses two is dropped. Default 15 s. */
  readonly heartbeatMs?: number | undefined;
  /** Resume replays at most this many events per conversation; beyond it the client gets `gap`. Default 500. */
  readonly replayLimit?: number | undefined;
  /**
   * How long a finished interaction stays in memory after it was last used, ms; storage keeps it for good
   * (history, CSAT and transcripts read it back). Default 10 minutes.
   */
  readonly finishedRetentionMs?: number | undefined;
  /**
   * How long an agent may have no connection before the hub sets them offline (reason `disconnected`), ms: long
   * enough that a reload loses nothing. Default 60 s.
   */
  readonly agentGraceMs?: number | undefined;
  /**
   * How long a chat's visitor who asked to continue by email may be gone (a reload, a lost link) before the replies
   * they miss are mailed to them, ms. Default 2 minutes.
   */
  readonly emailLegGraceMs?: number | undefined;
  /** How long an unused resume token stays valid, ms. Default 7 days. */
  readonly resumeTokenTtlMs?: number | undefined;
  /** Random source for ids and resume tokens (tests pass a seeded one). */
  readonly randomBytes?: (length: number) => Uint8Array;
  /**
   * Called before every command; return an error to refuse it (rate limits keyed by address, site and
   * subject live here, in the server).
   */
  readonly admit?: (request: AdmissionRequest) => HelplineError | undefined;
  /** Channel lifecycles to add or replace (voice adds its own). */
  readonly lifecycles?: Readonly<Partial<Record<Channel, Lifecycle>>> | undefined;
  /** Receives every reporting event (for persistence and exports); the hub keeps recent ones for live KPIs. */
  readonly onLog?: (event: KpiLogEvent) => void;
  /**
   * Rules that set a new contact's priority, required skills and (location routing) queue from what is known when it
   * starts: the vouched identity's claims, the caller's number, the topic, the language and the country.
   */
  readonly routingRules?: readonly RoutingRule[] | undefined;
  /** Length of a scheduled callback slot, ms. Default 30 minutes. */
  readonly callbackSlotMs?: number | undefined;
  /** Timers and signaling budgets of browser calls. */
  readonly voice?: VoiceHubOptions | undefined;
  /**
   * Supervisor legs (monitor, whisper, barge, silent chat monitoring): whether agents are told, where the audit log
   * is kept (default: memory) and how Vonage calls carry a supervisor.
   */
  readonly supervision?: SupervisionOptions | undefined;
  /**
   * Outbound calling (click-to-dial): the server's checks before a number is dialled (E.164, calling hours,
   * do-not-call list, caller ID), its phone network and its do-not-call list. Absent: `voice.dial` is refused.
   */
  readonly dial?: DialOptions | undefined;
  /**
   * Outside phone numbers for consults and transfers (`call.consult` with `to.kind: 'external'`): the server's
   * Vonage voice. Absent: those are refused with `voice/unsupported`.
   */
  readonly telephony?: ConsultTelephony | undefined;
  /**
   * True when the legs of calls on a phone network (queues whose voice is Vonage, and calls agents dial) are stored
   * outside the hub — the server's Vonage gateway keeps them — so those calls are stored with their interaction and
   * carried on after a restart or a takeover, like browser calls. Default false: such a call being talked on ends as
   * failed when the hub restarts.
   */
  readonly phoneLegsStored?: boolean | undefined;
  /**
   * Call recordings (docs/voice.md#recording): the server's directory of stored recordings, who may play them back,
   * and the audit trail of starts, pauses and resumes. Absent: `recording.list` is refused.
   */
  readonly recordings?: RecordingOptions | undefined;
  /** The messaging channels (email, SMS, WhatsApp, Messenger): which address feeds which queue, and outbound senders. */
  readonly channels?: ChannelsOptions | undefined;
  /**
   * Where the hub reports failures nobody is waiting for (a timer's step, routing): the server passes its
   * structured, redacting logger. Default: `console.error`.
   */
  readonly logger?: HubLogger | undefined;
  /**
   * Where the attachments messages name are claimed and bound (`@helpline/server`'s attachment store). Absent: a
   * message with attachments is refused with `attachment/disabled`.
   */
  readonly attachments?: AttachmentClaims | undefined;
  /**
   * Where customer records live (`@helpline/server` keeps them in SQL): each new interaction is linked to the
   * customer its identifiers resolve to, and staff's `customer.*` commands read and change them. Absent: `customer.of`
   * and the other record commands answer `not-found`, and `customer.history` lists the one contact's interactions.
   */
  readonly customers?: CustomerDirectory | undefined;
  /**
   * Reports over the stored history for `report.run` (docs/reports.md); the server passes its SQL reports. Absent:
   * `report.run` is refused, and the live board works as ever.
   */
  readonly reports?: HistoryReports | undefined;
  /**
   * Where cases (tickets) live (`@helpline/server` keeps them in SQL). Absent: cases are kept in memory and lost on
   * restart.
   */
  readonly cases?: CaseStore | undefined;
  /**
   * Told of each case SLA milestone as the routing leader's timer fires (docs/cases.md): the breach warning (`at-risk`)
   * and the breach of a case's first response or resolution, with the case (its queue and assignee). The timers are
   * armed again after a restart or a takeover.
   */
  readonly onCaseSla?: ((warning: CaseSlaWarning) => void) | undefined;
  /**
   * Escalations to team leaders (docs/cases.md, "Escalation"): where they live (`@helpline/server` keeps them in SQL),
   * their reports (`escalation.report`; absent: refused by state), and how long a team leader has to answer an offer
   * (default 60 s). Absent: kept in memory, lost on restart.
   */
  readonly escalations?:
    | {
        readonly store?: EscalationStore | undefined;
        readonly reports?: EscalationReports | undefined;
        readonly offerMs?: number | undefined;
      }
    | undefined;
  /**
   * The health of the mailboxes the server reads (its email channel): shown on the supervisor board, which is told
   * again whenever one changes.
   */
  readonly mailboxes?: MailboxStatusSource | undefined;
}

/** One mailbox's health as the supervisor board shows it (`supervisor.snapshot`'s `mailboxes`). */
export type MailboxBoardStatus = NonNullable<CommandResult<'supervisor.snapshot'>['mailboxes']>[number];

/** Where the hub reads mailbox health from, and hears that it changed. */
export interface MailboxStatusSource {
  /** Every mailbox's status now. */
  statuses(): readonly MailboxBoardStatus[];
  /** Calls `listener` after each change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** Receives the hub's failures that no command answers for. */
export interface HubLogger {
  /** `what` failed with `error` (which may quote stored data: redact before writing it anywhere). */
  error(what: string, error: unknown): void;
}

/** Where a connection comes from, as the server saw it. */
export interface ConnectionMeta {
  /** Client address. */
  readonly ip?: string | undefined;
  /** Site id the widget or console belongs to. */
  readonly site?: string | undefined;
  /** `Origin` header of the WebSocket upgrade. */
  readonly origin?: string | undefined;
  /** The client's country (ISO 3166-1 alpha-2), when a trusted proxy says so (see the server's `routing`). */
  readonly country?: string | undefined;
}

/** One command about to run, for {@link HubOptions.admit}. */
export interface AdmissionRequest {
  readonly subject: Subject;
  readonly op: CommandOp;
  readonly meta: ConnectionMeta;
  /** Size of the raw frame in characters. */
  readonly frameLength: number;
}

/** A sink for frames the hub sends to one connection. */
export interface HubConnectionSink {
  send(raw: string): void;
  /**
   * Sends a heartbeat `ping` (through `send` when absent). A ping carries no order with the other frames, so a sink
   * may write it later: a server pinging thousands of sockets at once writes them in batches between other work.
   */
  ping?(raw: string): void;
  /**
   * True when the sink's owner keeps the client's link alive itself: it pings the client and closes the link when
   * the client falls silent. The hub then neither pings this connection nor drops it for silence. A cluster follower
   * does so for the sockets it relays to the leader's hub, so pings and pongs do not cross between instances.
   */
  readonly keepsAlive?: boolean;
  close(code: number, reason: string): void;
}

/** One client connection inside the hub. */
export interface HubConnection {
  /** Feeds one raw frame from the client. */
  receive(raw: string): void;
  /** The client's link went away. */
  disconnected(): void;
}
