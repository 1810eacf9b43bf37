import type { AwayReason, Channel, PresenceStatus } from '@helpline/core';
import type { ReadableStore } from '../hooks/useStore';

// The supervisor session is being written in core (`createSupervisorSession` in
// packages/core/src/session/supervisor.session.ts, KPIs in packages/core/src/metrics/kpis.ts). These types are the
// interface this package was built against; when core ships them, these become re-exports of core's types.

/** One queue on the supervisor board. */
export interface BoardQueue {
  readonly queueId: string;
  readonly name: string;
  /** Interactions waiting now. */
  readonly waiting: number;
  /** Offered to an agent now, not yet answered. */
  readonly offered?: number;
  /** How long the oldest waiting interaction has waited, seconds; missing when none waits. */
  readonly longestWaitSeconds?: number;
  readonly slaTargetSeconds: number;
  /** Inside business hours now. */
  readonly open: boolean;
}

/** One interaction an agent holds, as the board shows it. */
export interface BoardInteraction {
  readonly cid: string;
  readonly channel: Channel;
  readonly state: string;
  /** Since when it is in this state, epoch ms. */
  readonly since?: number;
}

/** One agent on the supervisor board. */
export interface BoardAgent {
  readonly agentId: string;
  readonly name: string;
  readonly presence: PresenceStatus;
  readonly reason?: AwayReason;
  /** Since when the agent is in this presence, epoch ms. */
  readonly since: number;
  readonly interactions: readonly BoardInteraction[];
}

/** An interaction waiting in a queue (optional on the board: shown when the server sends it). */
export interface BoardWaiting {
  readonly cid: string;
  readonly queueId: string;
  readonly channel: Channel;
  /** Epoch ms. */
  readonly waitingSince: number;
  readonly customerName?: string;
}

/** The live supervisor board. */
export interface SupervisorBoardState {
  readonly queues: readonly BoardQueue[];
  readonly agents: readonly BoardAgent[];
  readonly waiting?: readonly BoardWaiting[];
}

/**
 * A KPI report for a window (today on the board), in the shape of core's `kpiReportSchema`: seconds for
 * `ahtSeconds` and `asaSeconds`; ratios 0–1 for `serviceLevel`, `abandonmentRate`, `answerRate` and `fcr`;
 * `csatAverage` is the mean score 1–5; `nps` is −100…100. A figure without data is missing.
 */
export interface KpiReport {
  readonly interactions?: number;
  readonly answered?: number;
  readonly abandoned?: number;
  readonly handled?: number;
  readonly ahtSeconds?: number;
  readonly asaSeconds?: number;
  readonly serviceLevel?: number;
  readonly abandonmentRate?: number;
  readonly answerRate?: number;
  readonly fcr?: number;
  readonly csatAverage?: number;
  readonly nps?: number;
  /** Interactions per topic. */
  readonly byTopic?: Readonly<Record<string, number>>;
  /** Interactions per disposition id. */
  readonly byDisposition?: Readonly<Record<string, number>>;
  /** Values per interval (for example per hour), oldest first, for the small charts. */
  readonly series?: Readonly<Partial<Record<KpiName, readonly number[]>>>;
}

/** The KPIs the board shows, by their field in {@link KpiReport}. */
export type KpiName =
  | 'ahtSeconds'
  | 'asaSeconds'
  | 'serviceLevel'
  | 'abandonmentRate'
  | 'answerRate'
  | 'fcr'
  | 'csatAverage'
  | 'nps';

/** Where to move an interaction to. */
export type ReassignTarget = { readonly toAgentId: string } | { readonly toQueueId: string };

/** What the supervisor components need from a supervisor session (core's `createSupervisorSession`). */
export interface SupervisorSessionLike {
  readonly $board: ReadableStore<SupervisorBoardState>;
  readonly $kpis: ReadableStore<KpiReport | undefined>;
  forcePresence(agentId: string, status: PresenceStatus, reason?: AwayReason): Promise<void>;
  reassign(cid: string, target: ReassignTarget): Promise<void>;
  /** Today's report as CSV text. */
  exportCsv(): Promise<string> | string;
}
