import type {
  AwayReason,
  Channel,
  Connection,
  ConnectionSnapshot,
  KpiReport,
  KpiSeriesPoint,
  MailboxBoardRow,
  PresenceStatus,
  Queue,
  ReportQuery,
  ReportResult,
  SlaBoardRow,
  SupervisionClient,
  SupervisorBoard,
  SupervisorCustomers,
} from '@helpline/core';
import type { ReadableStore } from '../hooks/useStore';

// The supervisor components read core's supervisor session (`createSupervisorSession`) through this structural
// subset, so a test or a custom backend can provide the same shape.

export type { KpiReport, KpiSeriesPoint } from '@helpline/core';

/** One queue on the supervisor board: waiting, offered, longest wait, SLA target, open. */
export type BoardQueue = SupervisorBoard['queues'][number];
/** One agent on the supervisor board: presence, reason, since, and what they hold. */
export type BoardAgent = SupervisorBoard['agents'][number];
/** One interaction an agent holds, as the board shows it. */
export type BoardInteraction = BoardAgent['interactions'][number];

/**
 * An interaction waiting in a queue. Core's board does not list them yet; a board that includes `waiting`
 * gets a list with "reassign" in `<SupervisorBoard>`.
 */
export interface BoardWaiting {
  readonly cid: string;
  readonly queueId: string;
  readonly channel: Channel;
  /** Epoch ms. */
  readonly waitingSince: number;
  readonly customerName?: string | undefined;
  /** Its routing priority (higher is served first), when the server's rules gave it one. */
  readonly priority?: number | undefined;
  /** The routing rules behind its priority, skills or queue ("VIP tier", "Belgium"). */
  readonly reasons?: readonly string[] | undefined;
}

/** A written conversation (email, SMS, WhatsApp, Messenger) at risk of missing its SLA, or past it. */
export type BoardSlaRow = SlaBoardRow;
/** Cases at risk of missing their SLA or past it, with counts (docs/cases.md). */
export type BoardCaseSla = NonNullable<SupervisorBoard['caseSla']>;
/** A mailbox the server reads, with its health. */
export type BoardMailbox = MailboxBoardRow;
/** KPIs of the messaging channels by channel (`email`, `sms`, `whatsapp`, `messenger`), as the board carries them. */
export type BoardMessagingKpis = NonNullable<SupervisorBoard['messaging']>;

/** The parts of the live board the components read. */
export interface SupervisorBoardState {
  readonly queues: readonly BoardQueue[];
  readonly agents: readonly BoardAgent[];
  readonly waiting?: readonly BoardWaiting[] | undefined;
  /** Written conversations at risk or past their SLA, the most urgent first (servers with messaging channels). */
  readonly sla?: readonly BoardSlaRow[] | undefined;
  /** Messaging KPIs per channel, over all queues. */
  readonly messaging?: BoardMessagingKpis | undefined;
  /** Messaging KPIs per queue id, then per channel. */
  readonly messagingByQueue?: Readonly<Record<string, BoardMessagingKpis>> | undefined;
  /** The mailboxes the server reads (servers with an email channel). */
  readonly mailboxes?: readonly BoardMailbox[] | undefined;
  /** Cases an SLA timer warned of or found breached, still open or pending. */
  readonly caseSla?: BoardCaseSla | undefined;
  /** Open escalations to team leaders: waiting on the board, offered to one, with one (docs/cases.md). */
  readonly escalations?: SupervisorBoard['escalations'] | undefined;
}

/** The KPIs the board shows, by their field in core's `KpiReport`. */
export type KpiName = keyof Pick<
  KpiReport,
  | 'ahtSeconds'
  | 'asaSeconds'
  | 'serviceLevel'
  | 'abandonmentRate'
  | 'answerRate'
  | 'fcr'
  | 'csatAverage'
  | 'nps'
>;

/** What the supervisor components need from a supervisor session; core's `SupervisorSession` has it. */
export interface SupervisorSessionLike {
  /** The live board; `undefined` until the first snapshot arrived. */
  readonly $board: ReadableStore<SupervisorBoardState | undefined>;
  /** KPIs for today (all queues). */
  readonly $kpis: ReadableStore<KpiReport | undefined>;
  /**
   * Today's KPIs in buckets (by hour), oldest first; when present the KPI charts draw the whole day instead
   * of the values seen since the board opened.
   */
  readonly $kpiSeries?: ReadableStore<readonly KpiSeriesPoint[] | undefined>;
  /** The connection, when the session has one: the board shows why it is down (`<ConnectionStatus>`). */
  readonly $connection?: ReadableStore<ConnectionSnapshot>;
  /** The queues' configuration from the server (for names and disposition labels), when the session has it. */
  readonly $queues?: ReadableStore<readonly Queue[]>;
  forcePresence(agentId: string, status: PresenceStatus, reason?: AwayReason): Promise<void>;
  /** Moves a waiting interaction to another queue. */
  reassign(cid: string, target: { readonly toQueueId: string }): Promise<void>;
  /** The board's KPIs as CSV text. */
  exportCsv(): string | Promise<string>;
  /**
   * Monitor, whisper and barge, silent chat monitoring and private notes (core's `supervisor.supervision`); without
   * it the board shows no supervision buttons.
   */
  readonly supervision?: SupervisionClient | undefined;
  /** The session's connection: a browser call's supervisor leg signals through it. */
  readonly connection?: Connection | undefined;
  /** Runs a report over the stored history (`report.run`); without it `<ReportsPanel>` says reports are unavailable. */
  runReport?(query: ReportQuery): Promise<ReportResult>;
  /** Customer records (search, open, split, audit trail); without it `<CustomerAdminPanel>` renders nothing. */
  readonly customers?: SupervisorCustomersLike | undefined;
}

/** What `<CustomerAdminPanel>` needs of core's `supervisor.customers`. */
export type SupervisorCustomersLike = Pick<SupervisorCustomers, 'search' | 'get' | 'split' | 'audit'>;
