import type { Agent } from '../agent/agent.types';
import type { PresenceSnapshot } from '../agent/presence.machine';
import { type Interaction, isMessagingChannel } from '../interaction/interaction.types';
import type { MessagingSnapshot } from '../interaction/messaging.machine';
import {
  type MessagingSlaStatus,
  messagingSlaPolicyOf,
  messagingSlaStatus,
} from '../interaction/messaging.sla';
import { phaseOf } from '../interaction/phase';
import { computeKpiSeries, computeKpis } from '../metrics/kpis';
import { computeMessagingKpis } from '../metrics/messaging.kpis';
import type { KpiLogEvent, KpiReport } from '../metrics/metrics.types';
import { helplineError } from '../protocol/errors';
import type { CommandArgs, CommandResult, Notice } from '../protocol/protocol.types';
import { queueAvailability } from '../queue/business-hours';
import type { Queue } from '../queue/queue.types';
import type { RoutingItem } from '../routing/routing.types';
import { authorizeRole } from './access';
import type { HubClock, HubStorage, MailboxStatusSource, Subject } from './hub.types';
import type { Intent } from './lifecycles';
import { type LiveInteraction, phaseOfLive } from './live';
import { reportingEventsOf } from './reporting.restore';

/** Events kept in memory for live KPIs. */
const KPI_LOG_LIMIT = 200_000;
/** After a restart, live KPIs are rebuilt from the interactions of this last stretch (the board shows today). */
const KPI_RESTORE_MS = 86_400_000;
/** A repeat contact on the same topic within a week counts against first-contact resolution. */
const FCR_WINDOW_MS = 7 * 86_400_000;
const BOARD_THROTTLE_MS = 500;
/** Buckets in one KPI series (a day in 5-minute buckets). */
const KPI_SERIES_LIMIT = 288;

/** What supervision and reporting need from the hub. */
export interface ReportingHubDeps {
  readonly clock: HubClock;
  readonly queues: ReadonlyMap<string, Queue>;
  readonly agents: ReadonlyMap<string, Agent>;
  /** Who waits in a queue, in service order (the router's view). */
  readonly waiting: (queueId: string) => readonly RoutingItem[];
  /** Every interaction the hub holds live. */
  readonly interactions: () => Iterable<LiveInteraction>;
  /** An agent's presence (offline when never set). */
  readonly presenceOf: (agentId: string) => PresenceSnapshot;
  /** Where today's KPIs are rebuilt from after a restart (both optional). */
  readonly storage: Pick<HubStorage, 'interactionsSince' | 'presenceSince'>;
  /** Sends a notice to every supervisor connected. */
  readonly notifySupervisors: (notice: Notice) => void;
  /** Receives every reporting event (persistence, exports). */
  readonly onLog?: ((event: KpiLogEvent) => void) | undefined;
  /** The mailboxes' health for the board; each change tells supervisors. */
  readonly mailboxes?: MailboxStatusSource | undefined;
}

/** A supervisor's command, handled here. */
type SupervisionOp = 'supervisor.snapshot' | 'supervisor.kpi-series';

type SupervisionHandlers = {
  [Op in SupervisionOp]: (
    caller: { readonly subject: Subject },
    args: CommandArgs<Op>,
  ) => Promise<CommandResult<Op>>;
};

/** Supervision and reporting: the live KPI log, the supervisor board and KPI trends. */
export interface ReportingHub {
  readonly handlers: SupervisionHandlers;
  /** Records one reporting event: live KPIs count it, `onLog` receives it, supervisors hear the board changed. */
  log(event: KpiLogEvent): void;
  /** The reporting events one machine step implies (`before` and `after` the step carried out `intent`). */
  reportsOf(before: Interaction, after: Interaction, intent: Intent): KpiLogEvent[];
  /** Tells supervisors the board changed, at most a few times a second. */
  boardChanged(): void;
  /** Today's live KPIs, rebuilt from storage after a restart (without it the in-memory log starts empty). */
  restore(): Promise<void>;
  /** Stops the board's throttle timer; nothing is announced after. */
  close(): void;
}

/**
 * Creates the supervision and reporting part of a hub.
 *
 * @example
 * ```ts
 * const reporting = createReportingHub({ clock, queues, agents, waiting: router.waiting, interactions, … });
 * reporting.log({ type: 'presence', at, agentId, presence: 'available' });
 * ```
 */
export function createReportingHub(deps: ReportingHubDeps): ReportingHub {
  const { clock, queues, agents } = deps;
  const kpiLog: KpiLogEvent[] = [];
  let boardTimer: unknown;
  /** Wakes the board when the clock alone moves a conversation's SLA (a warning starts, a target passes). */
  let slaTimer: { at: number; handle: unknown } | undefined;
  let closed = false;
  const stopMailboxes = deps.mailboxes?.subscribe(() => boardChanged());

  function log(event: KpiLogEvent): void {
    kpiLog.push(event);
    // The in-memory log is for live boards; long-term reporting reads the log the server persists.
    if (kpiLog.length > KPI_LOG_LIMIT) kpiLog.splice(0, kpiLog.length - KPI_LOG_LIMIT);
    deps.onLog?.(event);
    boardChanged();
  }

  function reportsOf(before: Interaction, after: Interaction, intent: Intent): KpiLogEvent[] {
    const reports: KpiLogEvent[] = [];
    const base = { at: clock.now(), interactionId: after.id };
    // In line: asked for, transferred, or put there by a deadline (a callback's slot or retry came due).
    const joinsLine =
      intent.kind === 'enqueue' ||
      intent.kind === 'transfer' ||
      (intent.kind === 'deadline' && phaseOf(after.channel, after.state) === 'waiting');
    if (joinsLine) {
      reports.push({ ...base, type: 'queued', queueId: after.queueId, channel: after.channel });
    } else if (intent.kind === 'offer') {
      reports.push({ ...base, type: 'offered', agentId: intent.agentId, queueId: after.queueId });
    }
    // Answered when the machine first records it: an agent accepting a chat or call, a customer picking up a
    // callback (a dial that goes unanswered, or a callback handed back for later, adds no talk time).
    if (
      after.timestamps.answeredAt !== undefined &&
      before.timestamps.answeredAt === undefined &&
      after.agentId
    ) {
      reports.push({ ...base, type: 'answered', agentId: after.agentId, queueId: after.queueId });
    }
    if (after.endReason && !before.endReason) {
      reports.push({
        ...base,
        type: 'ended',
        endReason: after.endReason,
        ...(after.endedBy ? { endedBy: after.endedBy } : {}),
      });
    }
    if (isMessagingChannel(after.channel)) {
      if (intent.kind === 'agent-reply') reports.push({ ...base, type: 'replied', agentId: after.agentId });
      const resolved = phaseOf(after.channel, after.state) === 'final';
      const wasResolved = phaseOf(before.channel, before.state) === 'final';
      if (resolved && !wasResolved) reports.push({ ...base, type: 'resolved' });
      if (wasResolved && !resolved) reports.push({ ...base, type: 'reopened' });
    }
    if (after.timestamps.wrapUpEndedAt !== undefined && before.timestamps.wrapUpEndedAt === undefined) {
      const queue = queues.get(after.queueId);
      const resolved = queue?.dispositions.find((d) => d.id === after.disposition)?.resolved;
      reports.push({
        ...base,
        type: 'wrap-up-done',
        ...(after.disposition ? { disposition: after.disposition } : {}),
        ...(resolved === undefined ? {} : { resolved }),
      });
    }
    return reports;
  }

  function boardChanged(): void {
    if (boardTimer !== undefined || closed) return;
    boardTimer = clock.setTimeout(() => {
      boardTimer = undefined;
      deps.notifySupervisors({ type: 'board' });
      armSlaTimer(clock.now());
    }, BOARD_THROTTLE_MS);
  }

  /** The SLA of every open asynchronous conversation at `now`. */
  function slaOfOpen(now: number): { live: LiveInteraction; status: MessagingSlaStatus }[] {
    const found: { live: LiveInteraction; status: MessagingSlaStatus }[] = [];
    for (const live of deps.interactions()) {
      const { interaction } = live;
      const queue = queues.get(interaction.queueId);
      if (!queue || !isMessagingChannel(interaction.channel) || live.lifecycle.final.has(live.snapshot.value))
        continue;
      // Messaging channels run the messaging machine: its snapshot holds the episode's facts.
      const snapshot = live.snapshot as unknown as MessagingSnapshot;
      const status = messagingSlaStatus(snapshot, messagingSlaPolicyOf(queue, interaction.channel), now);
      found.push({ live, status });
    }
    return found;
  }

  /** Arms one timer for the next moment an SLA standing changes by the clock alone, so the board shows it live. */
  function armSlaTimer(now: number): void {
    if (closed) return;
    const next = slaOfOpen(now).reduce<number | undefined>(
      (min, { status }) =>
        status.changesAt === undefined ? min : Math.min(min ?? status.changesAt, status.changesAt),
      undefined,
    );
    if (slaTimer && slaTimer.at === next) return;
    if (slaTimer) clock.clearTimeout(slaTimer.handle);
    slaTimer = undefined;
    if (next === undefined) return;
    const handle = clock.setTimeout(
      () => {
        slaTimer = undefined;
        boardChanged();
      },
      Math.max(0, next - now),
    );
    slaTimer = { at: next, handle };
  }

  /** The conversations at risk or past their SLA, the most urgent (earliest due) first. */
  function slaBoard(now: number): NonNullable<CommandResult<'supervisor.snapshot'>['sla']> {
    return slaOfOpen(now)
      .filter(({ status }) => status.standing === 'at-risk' || status.standing === 'breached')
      .map(({ live: { interaction }, status }) => ({
        cid: interaction.id,
        queueId: interaction.queueId,
        channel: interaction.channel,
        state: interaction.state,
        ...(interaction.agentId ? { agentId: interaction.agentId } : {}),
        ...(interaction.customer.name ? { customerName: interaction.customer.name } : {}),
        firstResponse: status.firstResponse,
        resolution: status.resolution,
        standing: status.standing,
        firstResponseDueAt: status.firstResponseDueAt,
        resolutionDueAt: status.resolutionDueAt,
        ...(interaction.snoozedUntil === undefined ? {} : { snoozedUntil: interaction.snoozedUntil }),
      }))
      .sort((a, b) => urgentAt(a) - urgentAt(b));
  }

  function kpiSettings(queueId: string | undefined) {
    const slaTargetByQueue = Object.fromEntries([...queues.values()].map((q) => [q.id, q.slaTargetSeconds]));
    return { fcrWindowMs: FCR_WINDOW_MS, slaTargetByQueue, ...(queueId ? { queueId } : {}) };
  }

  function kpisSince(from: number, queueId?: string): KpiReport {
    return computeKpis(kpiLog, { ...kpiSettings(queueId), from, to: clock.now() });
  }

  function queueBoard(
    now: number,
    sla: NonNullable<CommandResult<'supervisor.snapshot'>['sla']>,
  ): CommandResult<'supervisor.snapshot'>['queues'] {
    const live = [...deps.interactions()];
    return [...queues.values()].map((queue) => {
      const waiting = deps.waiting(queue.id);
      const offered = live.filter(
        (l) => l.interaction.queueId === queue.id && phaseOfLive(l) === 'offered',
      ).length;
      const oldest = waiting.reduce(
        (min, item) => Math.min(min, item.waitingSince),
        Number.POSITIVE_INFINITY,
      );
      return {
        queueId: queue.id,
        name: queue.name,
        waiting: waiting.length,
        offered,
        ...(Number.isFinite(oldest)
          ? { longestWaitSeconds: Math.max(0, Math.round((now - oldest) / 1000)) }
          : {}),
        slaTargetSeconds: queue.slaTargetSeconds,
        open: queueAvailability(queue, now).open,
        slaAtRisk: sla.filter((row) => row.queueId === queue.id && row.standing === 'at-risk').length,
        slaBreached: sla.filter((row) => row.queueId === queue.id && row.standing === 'breached').length,
      };
    });
  }

  function waitingBoard(): CommandResult<'supervisor.snapshot'>['waiting'] {
    const byId = new Map([...deps.interactions()].map((l) => [l.interaction.id, l.interaction]));
    return [...queues.keys()].flatMap((queueId) =>
      deps.waiting(queueId).map((item) => {
        const interaction = byId.get(item.id);
        const name = interaction?.customer.name;
        const reasons = interaction?.routingReasons;
        return {
          cid: item.id,
          queueId,
          channel: item.channel,
          waitingSince: item.waitingSince,
          priority: item.priority,
          ...(name ? { customerName: name } : {}),
          ...(reasons ? { reasons: [...reasons] } : {}),
        };
      }),
    );
  }

  function agentBoard(): CommandResult<'supervisor.snapshot'>['agents'] {
    const live = [...deps.interactions()];
    // The board lists who takes work: supervisors are never routed to, so they are not listed as agents.
    const staff = [...agents.values()].filter((agent) => agent.role !== 'supervisor');
    return staff.map((agent) => {
      const snapshot = deps.presenceOf(agent.id);
      const held = live.filter(
        (l) => l.interaction.agentId === agent.id && !l.lifecycle.final.has(l.snapshot.value),
      );
      const { reasonCode } = snapshot.context;
      return {
        agentId: agent.id,
        name: agent.displayName,
        presence: snapshot.value,
        ...(reasonCode ? { reason: reasonCode } : {}),
        since: snapshot.context.since,
        interactions: held.map((l) => ({
          cid: l.interaction.id,
          channel: l.interaction.channel,
          state: l.snapshot.value,
          ...(l.interaction.customer.name ? { customerName: l.interaction.customer.name } : {}),
          since:
            l.interaction.timestamps.answeredAt ??
            l.interaction.timestamps.offeredAt ??
            l.interaction.timestamps.createdAt,
        })),
      };
    });
  }

  async function restore(): Promise<void> {
    const { storage } = deps;
    if (!storage.interactionsSince || kpiLog.length > 0) return;
    const from = clock.now() - KPI_RESTORE_MS;
    const events = (await storage.interactionsSince(from)).flatMap((i) => reportingEventsOf(i, queues));
    for (const change of (await storage.presenceSince?.(from)) ?? []) {
      events.push({ type: 'presence', at: change.at, agentId: change.agentId, presence: change.status });
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events.slice(-KPI_LOG_LIMIT)) kpiLog.push(event);
  }

  const handlers: SupervisionHandlers = {
    async 'supervisor.snapshot'(caller, args) {
      authorizeRole(caller.subject, 'supervisor.snapshot', 'read the supervisor board');
      const now = clock.now();
      const from = args.from ?? now - 86_400_000;
      const byQueue = Object.fromEntries([...queues.keys()].map((id) => [id, kpisSince(from, id)]));
      const sla = slaBoard(now);
      armSlaTimer(now);
      const window = { from, to: now + 1 };
      const mailboxes = deps.mailboxes?.statuses();
      return {
        at: now,
        queues: queueBoard(now, sla),
        agents: agentBoard(),
        waiting: waitingBoard(),
        kpis: kpisSince(from),
        byQueue,
        // Live since this hub started: the log rebuilt after a restart has no replies or resolutions.
        messaging: computeMessagingKpis(kpiLog, window),
        messagingByQueue: Object.fromEntries(
          [...queues.keys()].map((queueId) => [
            queueId,
            computeMessagingKpis(kpiLog, { ...window, queueId }),
          ]),
        ),
        sla,
        ...(mailboxes ? { mailboxes: [...mailboxes] } : {}),
      };
    },
    async 'supervisor.kpi-series'(caller, args) {
      authorizeRole(caller.subject, 'supervisor.kpi-series', 'read KPI trends');
      const to = args.to ?? clock.now();
      const bucketMs = args.bucketMinutes * 60_000;
      if (to <= args.from || (to - args.from) / bucketMs > KPI_SERIES_LIMIT) {
        throw helplineError(
          'validation/field',
          {
            scope: 'supervisor.kpi-series',
            field: 'from',
            detail: `must be before \`to\`, at most ${KPI_SERIES_LIMIT} buckets earlier`,
          },
          { field: 'from' },
        );
      }
      if (args.queueId && !queues.has(args.queueId))
        throw helplineError('not-found', { entity: 'Queue', id: args.queueId });
      const reports = computeKpiSeries(kpiLog, {
        ...kpiSettings(args.queueId),
        from: args.from,
        to,
        bucketMs,
      });
      return {
        series: reports.map(({ byDisposition: _d, byTopic: _t, byEndReason: _e, ...point }) => point),
      };
    },
  };

  return {
    handlers,
    log,
    reportsOf,
    boardChanged,
    restore,
    close() {
      closed = true;
      stopMailboxes?.();
      if (boardTimer !== undefined) clock.clearTimeout(boardTimer);
      boardTimer = undefined;
      if (slaTimer) clock.clearTimeout(slaTimer.handle);
      slaTimer = undefined;
    },
  };
}

/** The due time that matters most: the first response's while it is not met, else the resolution's. */
function urgentAt(row: {
  firstResponse: string;
  firstResponseDueAt: number;
  resolutionDueAt: number;
}): number {
  return row.firstResponse === 'met' ? row.resolutionDueAt : row.firstResponseDueAt;
}
