import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { AwayReason, PresenceStatus } from '../agent/agent.types';
import { type Connection, type ConnectionOptions, createConnection } from '../connection/connection';
import type { ConnectionSnapshot } from '../connection/connection.machine';
import type { ReportQuery, ReportResult } from '../metrics/history.reports';
import { kpiBreakdownToCsv, kpisToCsv } from '../metrics/kpis';
import { messagingKpisToCsv } from '../metrics/messaging.kpis';
import type { KpiReport, KpiSeriesPoint } from '../metrics/metrics.types';
import { helplineError } from '../protocol/errors';
import { serverFrameGuard } from '../protocol/protocol.guards.staff.generated';
import { commandResultSchemas } from '../protocol/protocol.results.staff';
import type { CommandResult } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { recordingFetch } from './agent.recording';
import { createSupervisionClient, type SupervisionClient } from './supervision.client';
import { createSupervisorCustomers, type SupervisorCustomers } from './supervisor.customers';

/** The live supervisor board: queues, agents and KPIs, as of `at`. */
export type SupervisorBoard = CommandResult<'supervisor.snapshot'>;
/** One queue row of the board. */
export type QueueBoardRow = SupervisorBoard['queues'][number];
/** One agent row of the board. */
export type AgentBoardRow = SupervisorBoard['agents'][number];
/** One conversation at risk of missing its SLA, or past it, on the board. */
export type SlaBoardRow = NonNullable<SupervisorBoard['sla']>[number];
/** One mailbox's health on the board. */
export type MailboxBoardRow = NonNullable<SupervisorBoard['mailboxes']>[number];

/** Options of {@link createSupervisorSession}. */
export interface SupervisorSessionOptions extends ConnectionOptions {
  /** Start of the KPI window, epoch ms; default: local midnight today. */
  readonly kpisFrom?: () => number;
  /** Length of one bucket of `$kpiSeries`, minutes. Default 60 (the day by hour). */
  readonly kpiBucketMinutes?: number | undefined;
  /** How often board changes also refresh `$kpiSeries`, at most, ms. Default 30 s. */
  readonly kpiSeriesRefreshMs?: number | undefined;
  /** The Helpline server's base URL, for {@link SupervisorSession.fetchRecording}. */
  readonly recordings?: { readonly server: string; readonly fetch?: typeof fetch | undefined } | undefined;
}

/** A supervisor's session: the live board and the actions supervisors may take. */
export interface SupervisorSession {
  readonly connection: Connection;
  /**
   * The connection's snapshot (`connecting`, `caught-up`, `reconnecting`, `closed`…). When it is down for a reason,
   * `context.error` says which (`auth/token-expired`, `site/unknown`, `connection/unreachable`, …): kept in `closed`
   * after a refusal for good, and cleared when the server welcomes the client again.
   */
  readonly $connection: ReadableAtom<ConnectionSnapshot>;
  /** The latest board, refreshed whenever the server says it changed. */
  readonly $board: ReadableAtom<SupervisorBoard | undefined>;
  /** KPIs over the window (all queues). */
  readonly $kpis: ReadableAtom<KpiReport | undefined>;
  /**
   * KPIs of the window in buckets (by hour by default), oldest first: the trend since the window started, not
   * just since the board opened. Loaded when first observed, then refreshed with the board at most every
   * `kpiSeriesRefreshMs`.
   */
  readonly $kpiSeries: ReadableAtom<readonly KpiSeriesPoint[] | undefined>;
  /** The queues' configuration from the server (names, dispositions, SLA targets), loaded when observed. */
  readonly $queues: ReadableAtom<readonly Queue[]>;
  /**
   * Monitor, whisper and barge on live calls, silent monitoring of live chats and private notes to their agents
   * (docs/voice.md). Browser calls also need the media side: `createSupervisorMedia` from `@helpline/core/voice`.
   */
  readonly supervision: SupervisionClient;
  /** Fetches the board now. */
  refresh(): Promise<SupervisorBoard>;
  /** Fetches the KPI series now. */
  refreshKpiSeries(): Promise<readonly KpiSeriesPoint[]>;
  /** Sets another agent's presence (for example, away after they left without logging out). */
  forcePresence(agentId: string, status: PresenceStatus, reason?: AwayReason): Promise<void>;
  /** Moves a waiting interaction to another queue, keeping its waiting time. */
  reassign(cid: string, target: { readonly toQueueId: string }): Promise<void>;
  /** The KPIs of the board (overall, then per queue, then the breakdowns) as CSV. */
  exportCsv(): string;
  /**
   * Runs a report from the server's stored history (`report.run`, docs/reports.md): figures by queue, agent,
   * channel, topic or disposition, volume by weekday and hour, or recurring problems. `reportToCsv` exports it.
   */
  runReport(query: ReportQuery): Promise<ReportResult>;
  /** Customer records: search, open, split, and the audit trail of merges and splits (docs/customers.md). */
  readonly customers: SupervisorCustomers;
  /**
   * Fetches a call recording's bytes with the supervisor's token (never in a URL); `url` as `recording.list` gives
   * it. Rejects without `recordings.server` in the options. `<CallRecordings>` uses it.
   */
  fetchRecording(url: string): Promise<Blob>;
  close(): void;
}

/** Buckets the server sends in one KPI series at most. */
const SERIES_BUCKET_LIMIT = 288;

function startOfLocalDay(): number {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

/**
 * Creates a supervisor session.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisorSession({ transport, token });
 * supervisor.$board.subscribe((board) => render(board));
 * ```
 */
export function createSupervisorSession(options: SupervisorSessionOptions): SupervisorSession {
  const connection = createConnection(options, commandResultSchemas, serverFrameGuard);
  const kpisFrom = options.kpisFrom ?? startOfLocalDay;
  const $board = atom<SupervisorBoard | undefined>(undefined);
  const $kpis = atom<KpiReport | undefined>(undefined);
  const $kpiSeries = atom<readonly KpiSeriesPoint[] | undefined>(undefined);
  const $queues = atom<readonly Queue[]>([]);
  const bucketMinutes = options.kpiBucketMinutes ?? 60;
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 1440) {
    throw helplineError('validation/field', {
      scope: 'supervisor',
      field: 'kpiBucketMinutes',
      detail: 'must be a whole number of minutes from 1 to 1440',
    });
  }
  const seriesRefreshMs = options.kpiSeriesRefreshMs ?? 30_000;
  const now = () => (options.clock ?? Date).now();
  let refreshing: Promise<SupervisorBoard> | undefined;
  let seriesWatched = false;
  let seriesLoadedAt = Number.NEGATIVE_INFINITY;
  let refreshingSeries: Promise<readonly KpiSeriesPoint[]> | undefined;

  async function refreshKpiSeries(): Promise<readonly KpiSeriesPoint[]> {
    connection.open();
    const at = now();
    // The server sends at most 288 buckets: a long window (a 25-hour day in 5-minute buckets) keeps its end.
    const from = Math.max(kpisFrom(), at - (SERIES_BUCKET_LIMIT - 1) * bucketMinutes * 60_000);
    refreshingSeries ??= connection
      .command('supervisor.kpi-series', { from, bucketMinutes })
      .then(({ series }) => {
        seriesLoadedAt = at;
        return series as KpiSeriesPoint[];
      })
      .finally(() => {
        refreshingSeries = undefined;
      });
    const series = await refreshingSeries;
    $kpiSeries.set(series);
    return series;
  }

  async function refresh(): Promise<SupervisorBoard> {
    connection.open();
    // Overlapping change notices collapse into one request.
    refreshing ??= connection.command('supervisor.snapshot', { from: kpisFrom() }).finally(() => {
      refreshing = undefined;
    });
    const board = await refreshing;
    $board.set(board);
    $kpis.set(board.kpis as KpiReport);
    if (seriesWatched && now() - seriesLoadedAt >= seriesRefreshMs) refreshKpiSeries().catch(() => undefined);
    return board;
  }

  for (const store of [$board, $kpis]) {
    onMount(store, () => {
      refresh().catch(() => undefined);
    });
  }
  onMount($queues, () => {
    connection.open();
    connection
      .command('queues.list', {})
      .then(({ queues }) => $queues.set(queues))
      .catch(() => undefined);
  });
  onMount($kpiSeries, () => {
    seriesWatched = true;
    refreshKpiSeries().catch(() => undefined);
    return () => {
      seriesWatched = false;
    };
  });
  connection.onNotice((notice) => {
    if (notice.type === 'board') refresh().catch(() => undefined);
  });
  let wasConnected = false;
  connection.$state.subscribe((snapshot) => {
    const connected = snapshot.value === 'connected' || snapshot.value === 'caught-up';
    if (connected && !wasConnected && $board.get() !== undefined) refresh().catch(() => undefined);
    wasConnected = connected;
  });

  const supervision = createSupervisionClient(connection, { transcripts: true });

  return {
    connection,
    $connection: connection.$state,
    supervision,
    $board,
    $kpis,
    $kpiSeries,
    $queues,
    refresh,
    refreshKpiSeries,
    async forcePresence(agentId, status, reason) {
      await connection.command('supervisor.force-presence', {
        agentId,
        status,
        ...(reason ? { reason } : {}),
      });
      await refresh();
    },
    async reassign(cid, target) {
      await connection.command('supervisor.reassign', { cid, toQueueId: target.toQueueId });
      await refresh();
    },
    async runReport(query) {
      connection.open();
      return connection.command('report.run', query);
    },
    customers: createSupervisorCustomers(connection),
    exportCsv() {
      const board = $board.get();
      if (!board) return '';
      const overall = board.kpis as KpiReport;
      const perQueue = Object.values(board.byQueue) as KpiReport[];
      const csv = `${kpisToCsv([overall, ...perQueue])}\n${kpiBreakdownToCsv(overall)}`;
      if (!board.messaging) return csv;
      // The messaging channels' KPIs, overall and per queue, as a third block.
      return `${csv}\n${messagingKpisToCsv({ all: board.messaging, ...board.messagingByQueue })}`;
    },
    fetchRecording: recordingFetch({
      server: options.recordings?.server,
      token: async () => (typeof options.token === 'function' ? options.token() : options.token),
      fetch: options.recordings?.fetch,
    }),
    close() {
      supervision.dispose();
      connection.close();
    },
  };
}
