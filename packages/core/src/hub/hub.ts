import type { Agent, AwayReason, PresenceStatus } from '../agent/agent.types';
import {
  type PresenceEvent,
  type PresenceSnapshot,
  presenceMachine,
  presenceSnapshot,
} from '../agent/presence.machine';
import type { Channel, Customer, Interaction, Participant } from '../interaction/interaction.types';
import { type WrapUpContext, wrapUpDeadlineAt } from '../interaction/lifecycle';
import { can, transition } from '../machine';
import { computeKpiSeries, computeKpis } from '../metrics/kpis';
import type { KpiLogEvent, KpiReport } from '../metrics/metrics.types';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { parseClientFrame, validateCommandArgs } from '../protocol/protocol.commands';
import { CLOSE_CODES, LIMITS, PROTOCOL_VERSION } from '../protocol/protocol.limits';
import type {
  ClientFrame,
  CommandArgs,
  CommandFrame,
  CommandOp,
  CommandResult,
  ConversationEvent,
  HelloFrame,
  Notice,
  ServerFrame,
  WireInteraction,
} from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import { isOpen, queueAvailability } from '../queue/business-hours';
import type { Queue } from '../queue/queue.types';
import { createRouter } from '../routing/router';
import type { RoutingEvent, RoutingOffer } from '../routing/routing.types';
import type {
  ConnectionMeta,
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubOptions,
  HubStorage,
  StoredEvent,
  Subject,
} from './hub.types';
import { randomId, secureRandomBytes } from './ids';
import {
  DEFAULT_LIFECYCLES,
  type Intent,
  type InteractionSnapshot,
  type Lifecycle,
  withSnapshot,
} from './lifecycles';
import { createMemoryStorage } from './memory.storage';
import { reportingEventsOf } from './reporting.restore';
import { createVoiceHub } from './voice.hub';

/** The system clock: `Date.now` and the global timers. */
export const systemClock: HubClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The conversation engine: authenticates connections, validates every frame, checks ownership, routes with the
 * core router, keeps per-conversation logs with gap-free `seq`, dedupes sends, resumes and fans out. The memory
 * transport runs it in-process; the server runs the same engine behind WebSockets with SQL storage.
 */
export interface Hub {
  /** Attaches a new client connection; `sink` receives the frames for it. */
  connect(sink: HubConnectionSink, meta?: ConnectionMeta): HubConnection;
  /** Loads unfinished interactions from storage back into the router (after a restart). */
  restore(): Promise<void>;
  /** The live interaction with this id, if the hub holds it. */
  interaction(id: string): Interaction | undefined;
  /** Every interaction the hub holds live. */
  interactions(): Interaction[];
  /** Presence of an agent. */
  presenceOf(agentId: string): PresenceSnapshot | undefined;
  /**
   * Runs one command for an already authenticated subject outside any connection (the server's HTTP API uses
   * it): the same argument validation, admission, ownership rules and handler as a `cmd` frame. Resolves with
   * the `ack` result; rejects with the `HelplineError` a `nack` would carry.
   */
  execute<Op extends CommandOp>(
    subject: Subject,
    op: Op,
    args: unknown,
    meta?: ConnectionMeta,
  ): Promise<CommandResult<Op>>;
  /** Number of open client connections. */
  readonly connectionCount: number;
  /** Stops every timer and closes every connection with "going away". */
  close(): void;
}

interface Live {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  readonly lifecycle: Lifecycle;
  /** When a command or a step last used it (finished interactions leave memory some time after). */
  usedAt?: number;
}

interface Conn {
  readonly id: string;
  readonly sink: HubConnectionSink;
  readonly meta: ConnectionMeta;
  subject?: Subject;
  resumeToken?: string;
  lastSeenAt: number;
  /** Pings sent since the client was last heard from. */
  unansweredPings: number;
  closed: boolean;
}

type AuthedConn = Conn & { subject: Subject };
type Handler<Op extends CommandOp> = (conn: AuthedConn, args: CommandArgs<Op>) => Promise<CommandResult<Op>>;

const STAFF_ROLES = new Set(['agent', 'supervisor']);
const DEFAULT_CALLBACK_SLOT_MS = 30 * 60_000;
/** Events kept in memory for live KPIs. */
const KPI_LOG_LIMIT = 200_000;
/** After a restart, live KPIs are rebuilt from the interactions of this last stretch (the board shows today). */
const KPI_RESTORE_MS = 86_400_000;
/** A repeat contact on the same topic within a week counts against first-contact resolution. */
const FCR_WINDOW_MS = 7 * 86_400_000;
const BOARD_THROTTLE_MS = 500;
/** How often the heartbeat also sweeps finished interactions and expired resume tokens out of memory. */
const SWEEP_INTERVAL_MS = 60_000;
/** Buckets in one KPI series (a day in 5-minute buckets). */
const KPI_SERIES_LIMIT = 288;
/** Conversation-starting requests remembered for deduplication. */
const START_REQUEST_LIMIT = 10_000;
/**
 * How long past a `timed` wrap-up's deadline the server waits before ending it: the agent's form submits
 * what it has at the deadline, and that submission (with its disposition) should win over the timer.
 */
const WRAP_UP_GRACE_MS = 5_000;
/** Past interactions returned for one customer. */
const CUSTOMER_HISTORY_LIMIT = 50;

/**
 * Creates a hub.
 *
 * @example
 * ```ts
 * const hub = createHub({ queues, agents, authenticate: devAuthenticate });
 * const transport = createMemoryTransport({ hub });
 * ```
 */
export function createHub(options: HubOptions): Hub {
  const clock = options.clock ?? systemClock;
  const storage: HubStorage = options.storage ?? createMemoryStorage();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const replayLimit = options.replayLimit ?? 500;
  const randomBytes = options.randomBytes ?? secureRandomBytes;
  const callbackSlotMs = options.callbackSlotMs ?? DEFAULT_CALLBACK_SLOT_MS;
  const lifecycles = { ...DEFAULT_LIFECYCLES, ...options.lifecycles };
  const queues = new Map<string, Queue>(options.queues.map((q) => [q.id, q]));
  const agents = new Map<string, Agent>(options.agents.map((a) => [a.id, a]));
  const router = createRouter({ queues: options.queues, now: clock.now });
  for (const agent of options.agents) router.upsertAgent(agent);

  const live = new Map<string, Live>();
  const presence = new Map<string, PresenceSnapshot>();
  const conns = new Set<Conn>();
  // Authenticated connections by subject id: fan-out looks up recipients here instead of scanning every socket.
  const connsBySubject = new Map<string, Set<Conn>>();
  const resumeTokens = new Map<string, { readonly subjectId: string; readonly issuedAt: number }>();
  const finishedRetentionMs = options.finishedRetentionMs ?? 10 * 60_000;
  const resumeTokenTtlMs = options.resumeTokenTtlMs ?? 7 * 86_400_000;
  let lastSweepAt = clock.now();
  const locks = new Map<string, Promise<unknown>>();
  const lastPositions = new Map<string, string>();
  const offerTimers = new Map<string, unknown>();
  const dueTimers = new Map<string, unknown>();
  const wrapUpTimers = new Map<string, unknown>();
  const kpiLog: KpiLogEvent[] = [];
  const startRequests = new Map<string, Promise<Live>>();
  let heartbeatTimer: unknown;
  let boardTimer: unknown;
  let closed = false;

  // ─── helpers ──────────────────────────────────────────────────────────────────────────────────

  /** Runs `task` after every earlier task of the same conversation: seq assignment never interleaves. */
  function serialized<T>(cid: string, task: () => Promise<T>): Promise<T> {
    const previous = locks.get(cid) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    locks.set(cid, settled);
    void settled.then(() => {
      if (locks.get(cid) === settled) locks.delete(cid);
    });
    return next;
  }

  function send(conn: Conn, frame: ServerFrame): void {
    if (!conn.closed) conn.sink.send(JSON.stringify(frame));
  }

  function connsOf(subjectId: string): Conn[] {
    const own = connsBySubject.get(subjectId);
    return own ? [...own] : [];
  }

  function forget(conn: Conn): void {
    conns.delete(conn);
    const own = conn.subject ? connsBySubject.get(conn.subject.id) : undefined;
    own?.delete(conn);
    if (own?.size === 0 && conn.subject) connsBySubject.delete(conn.subject.id);
    if (conn.subject) voice.presenceChanged(conn.subject.id);
  }

  function notify(subjectId: string, notice: Notice): void {
    for (const conn of connsOf(subjectId)) send(conn, { t: 'notice', notice });
  }

  /** Visitors never see agent-only fields. */
  function wireFor(interaction: Interaction, subject: Subject | undefined): WireInteraction {
    if (subject && STAFF_ROLES.has(subject.role)) return interaction as WireInteraction;
    const { notes: _notes, disposition: _disposition, ...visible } = interaction;
    return visible as WireInteraction;
  }

  function partiesOf(interaction: Interaction): string[] {
    const ids = [interaction.customer.id];
    for (const p of interaction.participants)
      if (p.role !== 'visitor' && p.leftAt === undefined) ids.push(p.id);
    return ids;
  }

  function canAccess(subject: Subject, interaction: Interaction): boolean {
    if (subject.role === 'supervisor') return true;
    if (subject.role === 'visitor') return interaction.customer.id === subject.id;
    if (interaction.agentId === subject.id) return true;
    return interaction.participants.some((p) => p.id === subject.id);
  }

  async function appendAndFanOut(cid: string, ev: ConversationEvent): Promise<StoredEvent> {
    const stored = await storage.appendEvent(cid, clock.now(), ev);
    const current = live.get(cid);
    const recipients = current ? partiesOf(current.interaction) : [];
    for (const subjectId of new Set(recipients)) {
      for (const conn of connsOf(subjectId))
        send(conn, { t: 'evt', cid, seq: stored.seq, at: stored.at, ev: stored.ev });
    }
    return stored;
  }

  function persist(current: Live): Promise<void> {
    return storage.putInteraction({
      interaction: current.interaction,
      snapshot: current.snapshot,
      open: !current.lifecycle.final.has(current.snapshot.value),
    });
  }

  /**
   * Carries out an intent through the interaction's machine, the one writer of its state: persists it, logs a
   * `state` event when the state changed, and keeps the assigned agent informed.
   */
  async function drive(current: Live, intent: Intent): Promise<void> {
    const event = current.lifecycle.event(intent, clock.now());
    const result = event
      ? transition(current.lifecycle.machine, current.snapshot, event)
      : { ok: false as const, error: undefined };
    if (!result.ok) {
      throw helplineError(
        'conflict/state',
        { operation: intent.kind, entity: current.interaction.channel, state: current.snapshot.value },
        result.error ? { cause: result.error } : {},
      );
    }
    const before = current.snapshot.value;
    const previous = current.interaction;
    current.usedAt = clock.now();
    current.snapshot = result.snapshot;
    current.interaction = withSnapshot(current.interaction, current.snapshot);
    logTransition(previous, current.interaction, intent);
    await persist(current);
    const state = current.snapshot.value;
    if (before !== state) {
      await appendState(current);
      onStateChanged(current, before);
      await voice.interactionChanged(current, before);
    }
    // An agent the step took the interaction away from (a retry's back-off, a hand-back) hears of it too.
    for (const agentId of new Set([previous.agentId, current.interaction.agentId])) {
      if (agentId) notifyInteraction(agentId, current.interaction);
    }
  }

  /** Tells the parties where the interaction stands (with a callback's plan, which may change in place). */
  async function appendState(current: Live): Promise<void> {
    const { endReason, endedBy, callback } = current.interaction;
    await appendAndFanOut(current.interaction.id, {
      type: 'state',
      state: current.snapshot.value,
      ...(endReason ? { endReason } : {}),
      ...(endedBy ? { endedBy } : {}),
      ...(callback ? { callback } : {}),
    });
  }

  // ─── reporting ────────────────────────────────────────────────────────────────────────────────

  function log(event: KpiLogEvent): void {
    kpiLog.push(event);
    // The in-memory log is for live boards; long-term reporting reads the log the server persists.
    if (kpiLog.length > KPI_LOG_LIMIT) kpiLog.splice(0, kpiLog.length - KPI_LOG_LIMIT);
    options.onLog?.(event);
    boardChanged();
  }

  /** The reporting events one machine step implies. */
  function logTransition(before: Interaction, after: Interaction, intent: Intent): void {
    const base = { at: clock.now(), interactionId: after.id };
    if (intent.kind === 'enqueue' || intent.kind === 'due' || intent.kind === 'transfer') {
      log({ ...base, type: 'queued', queueId: after.queueId, channel: after.channel });
    } else if (intent.kind === 'offer') {
      log({ ...base, type: 'offered', agentId: intent.agentId, queueId: after.queueId });
    }
    // Answered when the machine first records it: an agent accepting a chat or call, a customer picking up a
    // callback (a dial that goes unanswered, or a callback handed back for later, adds no talk time).
    if (
      after.timestamps.answeredAt !== undefined &&
      before.timestamps.answeredAt === undefined &&
      after.agentId
    ) {
      log({ ...base, type: 'answered', agentId: after.agentId, queueId: after.queueId });
    }
    if (after.endReason && !before.endReason) {
      log({
        ...base,
        type: 'ended',
        endReason: after.endReason,
        ...(after.endedBy ? { endedBy: after.endedBy } : {}),
      });
    }
    if (after.timestamps.wrapUpEndedAt !== undefined && before.timestamps.wrapUpEndedAt === undefined) {
      const queue = queues.get(after.queueId);
      const resolved = queue?.dispositions.find((d) => d.id === after.disposition)?.resolved;
      log({
        ...base,
        type: 'wrap-up-done',
        ...(after.disposition ? { disposition: after.disposition } : {}),
        ...(resolved === undefined ? {} : { resolved }),
      });
    }
  }

  /** Tells supervisors the board changed, at most a few times a second. */
  function boardChanged(): void {
    if (boardTimer !== undefined || closed) return;
    boardTimer = clock.setTimeout(() => {
      boardTimer = undefined;
      for (const conn of conns)
        if (conn.subject?.role === 'supervisor') send(conn, { t: 'notice', notice: { type: 'board' } });
    }, BOARD_THROTTLE_MS);
  }

  function kpiSettings(queueId: string | undefined) {
    const slaTargetByQueue = Object.fromEntries([...queues.values()].map((q) => [q.id, q.slaTargetSeconds]));
    return { fcrWindowMs: FCR_WINDOW_MS, slaTargetByQueue, ...(queueId ? { queueId } : {}) };
  }

  function kpisSince(from: number, queueId?: string): KpiReport {
    return computeKpis(kpiLog, { ...kpiSettings(queueId), from, to: clock.now() });
  }

  function notifyInteraction(subjectId: string, interaction: Interaction): void {
    const subject = connsOf(subjectId)[0]?.subject;
    if (subject) notify(subjectId, { type: 'interaction', interaction: wireFor(interaction, subject) });
  }

  /** Side effects of entering a state: timers, capacity, handle times. */
  function onStateChanged(current: Live, before: string): void {
    const { interaction, lifecycle, snapshot } = current;
    const state = snapshot.value;
    if (lifecycle.handling.has(before) && !lifecycle.handling.has(state)) router.release(interaction.id);
    if (state === 'scheduled' || state === 'retry-wait') scheduleDue(current);
    if (state === 'wrap-up') scheduleWrapUpEnd(current);
    else clearTimer(wrapUpTimers, interaction.id);
    if (lifecycle.final.has(state)) {
      clearTimer(offerTimers, interaction.id);
      clearTimer(dueTimers, interaction.id);
      router.remove(interaction.id);
      router.release(interaction.id);
      const { answeredAt, endedAt, wrapUpEndedAt } = interaction.timestamps;
      if (answeredAt !== undefined && endedAt !== undefined) {
        router.recordHandleTime(interaction.queueId, ((wrapUpEndedAt ?? endedAt) - answeredAt) / 1000);
      }
      lastPositions.delete(interaction.id);
      void schedule();
    }
  }

  /** A scheduled callback's slot, or a retry's back-off, comes due: it joins the queue. */
  function scheduleDue(current: Live): void {
    const context = current.snapshot.context as { slot?: { start: number }; nextAttemptAt?: number };
    const at = current.snapshot.value === 'scheduled' ? context.slot?.start : context.nextAttemptAt;
    if (at === undefined) return;
    stepAt(dueTimers, current.interaction.id, at, 'callback due', async () => {
      await drive(current, { kind: 'due' });
      enqueueForRouting(current);
    });
  }

  /**
   * A `timed` after-call-work period ends on the server's clock, not the agent's form: when it runs out (plus
   * a short grace) the interaction finishes, without a disposition if none was given, and the agent's capacity
   * is free again.
   */
  function scheduleWrapUpEnd(current: Live): void {
    // The built-in channels carry their queue's policy in the machine's context; a custom lifecycle may have a
    // wrap-up state without one, and then nothing ends it on a timer.
    const context = current.snapshot.context as unknown as Partial<WrapUpContext>;
    if (context.acw === undefined || context.timestamps === undefined) return;
    const deadline = wrapUpDeadlineAt(context as WrapUpContext, context.timestamps.endedAt);
    if (deadline === undefined) return;
    stepAt(wrapUpTimers, current.interaction.id, deadline + WRAP_UP_GRACE_MS, 'wrap-up timeout', async () => {
      // The agent may have submitted the form while this timer waited for the conversation's turn.
      if (current.snapshot.value === 'wrap-up') await drive(current, { kind: 'wrap-up-timeout' });
    });
  }

  /** Runs `step` in the conversation's turn at `at` (epoch ms), replacing the timer of that kind it had. */
  function stepAt(
    timers: Map<string, unknown>,
    cid: string,
    at: number,
    what: string,
    step: () => Promise<void>,
  ): void {
    clearTimer(timers, cid);
    const timer = clock.setTimeout(
      () => {
        timers.delete(cid);
        serialized(cid, step).catch((error: unknown) => console.error(`[helpline] ${what} failed`, error));
      },
      Math.max(0, at - clock.now()),
    );
    timers.set(cid, timer);
  }

  function clearTimer(timers: Map<string, unknown>, cid: string): void {
    const timer = timers.get(cid);
    if (timer !== undefined) clock.clearTimeout(timer);
    timers.delete(cid);
  }

  async function getLive(subject: Subject, cid: string): Promise<Live> {
    let current = live.get(cid);
    if (!current) {
      const stored = await storage.getInteraction(cid);
      const lifecycle = stored ? lifecycles[stored.interaction.channel] : undefined;
      // A finished interaction read back from storage: enough for history, CSAT and transcripts.
      if (stored && lifecycle) {
        current = { interaction: stored.interaction, snapshot: stored.snapshot, lifecycle };
        live.set(cid, current);
      }
    }
    if (!current || !canAccess(subject, current.interaction)) {
      throw helplineError('not-found', { entity: 'Conversation', id: cid });
    }
    current.usedAt = clock.now();
    return current;
  }

  // ─── routing ──────────────────────────────────────────────────────────────────────────────────

  /** Applies what the router decided, then publishes queue positions. */
  async function applyRouting(events: readonly RoutingEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'offered') await offer(event.offer);
      else if (event.type === 'missed') await missed(event.offer);
      else if (event.type === 'agent-away') await setPresence(event.agentId, 'away', event.reason, 'system');
    }
    publishPositions();
  }

  async function offer(routed: RoutingOffer): Promise<void> {
    const current = live.get(routed.interactionId);
    if (!current) return;
    const intent: Intent = { kind: 'offer', agentId: routed.agentId, expiresAt: routed.expiresAt };
    const offered = await serialized(routed.interactionId, async () => {
      // It may have left the line while the router decided (cancelled, rescheduled): withdraw the offer.
      const event = current.lifecycle.event(intent, clock.now());
      if (!event || !can(current.lifecycle.machine, current.snapshot, event)) {
        router.remove(routed.interactionId);
        return false;
      }
      await drive(current, intent);
      return true;
    });
    if (!offered) return;
    notify(routed.agentId, {
      type: 'offer',
      offer: {
        interaction: wireFor(current.interaction, connsOf(routed.agentId)[0]?.subject),
        expiresAt: routed.expiresAt,
      },
    });
    clearTimer(offerTimers, routed.interactionId);
    offerTimers.set(
      routed.interactionId,
      clock.setTimeout(
        () => void runRouting(() => router.tick()),
        Math.max(0, routed.expiresAt - clock.now()),
      ),
    );
  }

  async function missed(routed: RoutingOffer): Promise<void> {
    clearTimer(offerTimers, routed.interactionId);
    const current = live.get(routed.interactionId);
    if (current?.snapshot.value !== 'offered') return;
    await serialized(routed.interactionId, () => drive(current, { kind: 'offer-timeout' }));
    notify(routed.agentId, { type: 'offer.revoked', cid: routed.interactionId, reason: 'missed' });
  }

  function publishPositions(): void {
    for (const position of router.positions()) {
      const current = live.get(position.interactionId);
      if (!current) continue;
      const key = `${position.position}:${position.estimatedWaitSeconds ?? '?'}`;
      if (lastPositions.get(position.interactionId) === key) continue;
      lastPositions.set(position.interactionId, key);
      notify(current.interaction.customer.id, {
        type: 'position',
        cid: position.interactionId,
        position: position.position,
        ...(position.estimatedWaitSeconds === undefined
          ? {}
          : { estimatedWaitSeconds: position.estimatedWaitSeconds }),
      });
    }
  }

  let routingChain: Promise<void> = Promise.resolve();
  /** Routing decisions are applied one batch at a time, in order. */
  function runRouting(step: () => RoutingEvent[]): Promise<void> {
    routingChain = routingChain
      .then(async () => {
        if (closed) return;
        await applyRouting(step());
        await applyRouting(router.route());
      })
      .catch((error: unknown) => {
        // A routing failure must not stop later routing; it is reported for the operator.
        console.error('[helpline] routing failed', error);
      });
    return routingChain;
  }

  function schedule(): Promise<void> {
    return runRouting(() => []);
  }

  function enqueueForRouting(current: Live): void {
    const { interaction } = current;
    void runRouting(() =>
      router.enqueue({
        id: interaction.id,
        queueId: interaction.queueId,
        channel: interaction.channel,
        priority: interaction.priority,
        requiredSkills: interaction.requiredSkills,
        waitingSince: interaction.timestamps.queuedAt ?? clock.now(),
        ...(interaction.language ? { language: interaction.language } : {}),
      }),
    );
  }

  // ─── presence ─────────────────────────────────────────────────────────────────────────────────

  function presenceOf(agentId: string): PresenceSnapshot {
    let snapshot = presence.get(agentId);
    if (!snapshot) {
      snapshot = presenceSnapshot({ at: clock.now() });
      presence.set(agentId, snapshot);
    }
    return snapshot;
  }

  async function setPresence(
    agentId: string,
    status: PresenceStatus,
    reason: AwayReason | undefined,
    by: 'agent' | 'system',
  ): Promise<PresenceSnapshot> {
    const at = clock.now();
    const event: PresenceEvent =
      by === 'system'
        ? { type: 'FORCE', at, to: status, ...(reason ? { reason } : {}) }
        : status === 'available'
          ? { type: 'GO_AVAILABLE', at }
          : status === 'offline'
            ? { type: 'GO_OFFLINE', at }
            : { type: 'GO_AWAY', at, reason: reason ?? '' };
    const current = presenceOf(agentId);
    const result = transition(presenceMachine, current, event);
    if (!result.ok) {
      // Asking for the presence one already has is not an error.
      if (current.value === status && (status !== 'away' || current.context.reasonCode === reason))
        return current;
      if (status === 'away' && !reason) {
        throw helplineError(
          'validation/field',
          { scope: 'presence.set', field: 'reason', detail: 'is required when going away' },
          { field: 'reason' },
        );
      }
      throw helplineError(
        'conflict/state',
        { operation: `go ${status}`, entity: 'agent', state: current.value },
        { cause: result.error },
      );
    }
    presence.set(agentId, result.snapshot);
    if (result.changed) log({ type: 'presence', at, agentId, presence: result.snapshot.value });
    const events = router.setPresence(agentId, result.snapshot.value, result.snapshot.context.reasonCode);
    const { reasonCode } = result.snapshot.context;
    notify(agentId, {
      type: 'presence',
      status: result.snapshot.value,
      ...(reasonCode ? { reason: reasonCode } : {}),
    });
    if (by === 'agent') void runRouting(() => events);
    return result.snapshot;
  }

  // ─── interactions ─────────────────────────────────────────────────────────────────────────────

  function pickQueue(queueId: string | undefined, topic: string | undefined): Queue {
    const id = queueId ?? topic;
    const queue = id === undefined ? options.queues[0] : queues.get(id);
    if (!queue) throw helplineError('not-found', { entity: 'Queue', id: id ?? '(default)' });
    return queue;
  }

  function redactFields(fields: Readonly<Record<string, string>> | undefined): Record<string, string> {
    return Object.fromEntries(
      Object.entries(fields ?? {}).map(([key, value]) => [key, redactCardNumbers(value)]),
    );
  }

  function customerOf(subject: Subject, prechat: Readonly<Record<string, string>>): Customer {
    const known = subject.customer ?? {};
    const name = known.name ?? prechat.name;
    const email = known.email ?? prechat.email;
    return {
      id: subject.id,
      identified: subject.identified === true,
      attributes: known.attributes ?? {},
      ...(name ? { name } : {}),
      ...(email ? { email } : {}),
      ...(known.phone ? { phone: known.phone } : {}),
      ...(known.language ? { language: known.language } : {}),
      ...(known.timeZone ? { timeZone: known.timeZone } : {}),
    };
  }

  async function createInteraction(
    subject: Subject,
    channel: Channel,
    queue: Queue,
    fields: {
      topic?: string | undefined;
      language?: string | undefined;
      prechat?: Readonly<Record<string, string>> | undefined;
      customer?: Partial<Customer>;
    },
  ): Promise<Live> {
    const lifecycle = lifecycles[channel];
    if (!lifecycle) {
      throw helplineError('validation/field', {
        scope: 'chat.start',
        field: 'channel',
        detail: `"${channel}" is not enabled on this server`,
      });
    }
    const at = clock.now();
    const id = randomId('c', randomBytes);
    const prechat = redactFields(fields.prechat);
    const visitor: Participant = { id: subject.id, role: 'visitor', displayName: subject.name, joinedAt: at };
    const draft: Interaction = {
      id,
      channel,
      state: lifecycle.machine.initial,
      queueId: queue.id,
      customer: { ...customerOf(subject, prechat), ...fields.customer },
      participants: [visitor],
      priority: 0,
      requiredSkills: [],
      prechat,
      timestamps: { createdAt: at },
      ...(fields.topic ? { topic: fields.topic } : {}),
      ...(fields.language ? { language: fields.language } : {}),
    };
    const snapshot = lifecycle.create(at, queue, draft);
    // The answers reach the machine with the `enqueue` step; until then the draft holds them.
    const current: Live = { interaction: { ...withSnapshot(draft, snapshot), prechat }, snapshot, lifecycle };
    live.set(id, current);
    log({
      at,
      interactionId: id,
      type: 'created',
      channel,
      queueId: queue.id,
      customerId: subject.id,
      ...(fields.topic ? { topic: fields.topic } : {}),
    });
    await persist(current);
    await appendAndFanOut(id, { type: 'created', interaction: wireFor(current.interaction, subject) });
    return current;
  }

  async function enqueue(current: Live): Promise<void> {
    await drive(current, { kind: 'enqueue', prechat: current.interaction.prechat });
    enqueueForRouting(current);
  }

  async function addParticipant(current: Live, agentId: string): Promise<void> {
    const participant: Participant = {
      id: agentId,
      role: 'agent',
      displayName: agents.get(agentId)?.displayName ?? agentId,
      joinedAt: clock.now(),
    };
    current.interaction = {
      ...current.interaction,
      participants: [...current.interaction.participants, participant],
    };
    await persist(current);
    await appendAndFanOut(current.interaction.id, { type: 'joined', participant });
  }

  async function removeParticipant(current: Live, agentId: string): Promise<void> {
    const at = clock.now();
    // Log first so the leaving agent still receives the event, then drop them from the fan-out.
    await appendAndFanOut(current.interaction.id, { type: 'left', participantId: agentId });
    current.interaction = {
      ...current.interaction,
      participants: current.interaction.participants.map((p) =>
        p.id === agentId && p.leftAt === undefined ? { ...p, leftAt: at } : p,
      ),
    };
    await persist(current);
  }

  function requireStaff(subject: Subject, operation: string): void {
    if (!STAFF_ROLES.has(subject.role)) throw helplineError('auth/forbidden', { operation });
  }

  function requireVisitor(subject: Subject, operation: string): void {
    if (subject.role !== 'visitor') throw helplineError('auth/forbidden', { operation });
  }

  function requireAssignedAgent(subject: Subject, current: Live, operation: string): void {
    requireStaff(subject, operation);
    if (current.interaction.agentId !== subject.id) throw helplineError('auth/forbidden', { operation });
  }

  function requireOpenQueue(queue: Queue): void {
    if (!queueAvailability(queue, clock.now()).open) throw helplineError('queue/closed', { queue: queue.id });
  }

  /** A callback slot must start in the future, inside the queue's business hours. */
  function validSlotStart(
    queue: Queue,
    start: number,
    scope: 'callback.request' | 'callback.reschedule',
    field: 'slot' | 'at',
  ): number {
    const now = clock.now();
    const inside = queue.businessHours === undefined || isOpen(queue.businessHours, start);
    if (start <= now || !inside) {
      throw helplineError(
        'validation/field',
        { scope, field, detail: 'must start in the future, inside business hours' },
        { field },
      );
    }
    return start;
  }

  /** Who may move a callback in which state: the customer and supervisors while it waits, its agent while dialing. */
  function requireReschedulable(subject: Subject, current: Live): void {
    const { channel, agentId } = current.interaction;
    const state = current.snapshot.value;
    if (subject.role === 'agent') requireAssignedAgent(subject, current, 'reschedule this callback');
    // A web callback already ringing or talking is ended by hanging up, not moved.
    const call = voice.callOf(current.interaction.id);
    if (call && call.state !== 'ended') {
      throw helplineError('conflict/state', { operation: 'reschedule', entity: 'call', state: call.state });
    }
    const allowed =
      subject.role === 'agent' ? ['dialing'] : ['requested', 'scheduled', 'queued', 'retry-wait'];
    if (channel !== 'callback' || !allowed.includes(state) || (subject.role !== 'agent' && agentId)) {
      throw helplineError('conflict/state', { operation: 'reschedule', entity: channel, state });
    }
  }

  function requireSupervisor(subject: Subject, operation: string): void {
    if (subject.role !== 'supervisor') throw helplineError('auth/forbidden', { operation });
  }

  function queueBoard(now: number): CommandResult<'supervisor.snapshot'>['queues'] {
    return [...queues.values()].map((queue) => {
      const waiting = router.waiting(queue.id);
      const offered = [...live.values()].filter(
        (l) => l.interaction.queueId === queue.id && l.snapshot.value === 'offered',
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
      };
    });
  }

  function waitingBoard(): CommandResult<'supervisor.snapshot'>['waiting'] {
    return [...queues.keys()].flatMap((queueId) =>
      router.waiting(queueId).map((item) => {
        const name = live.get(item.id)?.interaction.customer.name;
        return {
          cid: item.id,
          queueId,
          channel: item.channel,
          waitingSince: item.waitingSince,
          ...(name ? { customerName: name } : {}),
        };
      }),
    );
  }

  function agentBoard(): CommandResult<'supervisor.snapshot'>['agents'] {
    return [...agents.values()].map((agent) => {
      const snapshot = presenceOf(agent.id);
      const held = [...live.values()].filter(
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
          since:
            l.interaction.timestamps.answeredAt ??
            l.interaction.timestamps.offeredAt ??
            l.interaction.timestamps.createdAt,
        })),
      };
    });
  }

  /** Creates a callback: queued at once ("as soon as possible" while open), or scheduled in its slot. */
  async function requestCallback(subject: Subject, args: CommandArgs<'callback.request'>): Promise<Live> {
    const queue = pickQueue(args.queueId, args.topic);
    const availability = queueAvailability(queue, clock.now());
    // "As soon as possible" while closed means at the next opening.
    const start =
      args.slot === 'asap'
        ? availability.open
          ? undefined
          : availability.nextOpening
        : validSlotStart(queue, args.slot, 'callback.request', 'slot');
    if (args.slot === 'asap' && !availability.open && start === undefined) {
      throw helplineError('queue/closed', { queue: queue.id });
    }
    const current = await createInteraction(subject, 'callback', queue, {
      ...args,
      customer: { phone: args.phone, timeZone: args.timeZone },
    });
    await serialized(current.interaction.id, async () => {
      if (start === undefined) await enqueue(current);
      else await drive(current, { kind: 'schedule', start, end: start + callbackSlotMs });
    });
    return current;
  }

  /**
   * Runs a conversation-starting command once per `requestId`: a retry after a lost ack (or a duplicate sent
   * concurrently) gets the interaction the first attempt created.
   */
  function once(subject: Subject, requestId: string | undefined, start: () => Promise<Live>): Promise<Live> {
    if (requestId === undefined) return start();
    const key = `${subject.id}\u0000${requestId}`;
    const known = startRequests.get(key);
    if (known) return known;
    const task = start();
    startRequests.set(key, task);
    task.catch(() => startRequests.delete(key));
    // Retries come within minutes; the oldest keys go first.
    if (startRequests.size > START_REQUEST_LIMIT)
      startRequests.delete(startRequests.keys().next().value as string);
    return task;
  }

  // ─── command handlers ─────────────────────────────────────────────────────────────────────────

  // Calls live in their own module (hub/voice.hub.ts); the engine lends it the conversation's order and fan-out.
  const voice = createVoiceHub(
    {
      clock,
      randomBytes,
      getLive,
      serialized,
      drive: async (cid, intent) => {
        const current = live.get(cid);
        if (current) await drive(current, intent);
      },
      append: appendAndFanOut,
      notify(subjectId, notice, connectionId) {
        const bound = connsOf(subjectId).find((conn) => conn.id === connectionId);
        if (bound) send(bound, { t: 'notice', notice });
        else notify(subjectId, notice);
      },
      isOnline: (subjectId) => connsOf(subjectId).length > 0,
    },
    options.voice,
  );

  const handlers: { [Op in CommandOp]: Handler<Op> } = {
    async 'chat.start'(conn, args) {
      requireVisitor(conn.subject, 'start a chat');
      const current = await once(conn.subject, args.requestId, async () => {
        const queue = pickQueue(args.queueId, args.topic);
        requireOpenQueue(queue);
        const created = await createInteraction(conn.subject, args.channel, queue, args);
        await serialized(created.interaction.id, () => enqueue(created));
        return created;
      });
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'callback.request'(conn, args) {
      requireVisitor(conn.subject, 'request a callback');
      const current = await once(conn.subject, args.requestId, () => requestCallback(conn.subject, args));
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'callback.cancel'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      await serialized(args.cid, () =>
        drive(
          current,
          conn.subject.role === 'visitor' ? { kind: 'customer-leaves' } : { kind: 'agent-cancels' },
        ),
      );
      return {};
    },
    async 'callback.outcome'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      requireAssignedAgent(conn.subject, current, 'report a callback outcome');
      const intents: Record<typeof args.outcome, Intent> = {
        answered: { kind: 'answered' },
        'no-answer': { kind: 'no-answer' },
        failed: { kind: 'fail' },
        cancelled: { kind: 'agent-cancels' },
      };
      await serialized(args.cid, () => drive(current, intents[args.outcome]));
      return {};
    },
    async 'callback.reschedule'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      requireReschedulable(conn.subject, current);
      const queue = queues.get(current.interaction.queueId);
      if (!queue) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      const start = validSlotStart(queue, args.at, 'callback.reschedule', 'at');
      await serialized(args.cid, async () => {
        requireReschedulable(conn.subject, current);
        const before = current.snapshot.value;
        const agentId = current.interaction.agentId;
        // Out of the line first, so the router cannot offer it while the step is saved.
        if (before === 'queued') router.remove(args.cid);
        try {
          await drive(current, { kind: 'schedule', start, end: start + callbackSlotMs });
        } catch (error) {
          if (before === 'queued') enqueueForRouting(current);
          throw error;
        }
        // Staying `scheduled` is no state change: the due timer moves and the parties hear of the new time here.
        if (before === 'scheduled') {
          scheduleDue(current);
          await appendState(current);
        }
        if (before === 'queued') lastPositions.delete(args.cid);
        // Out of the agent's hands.
        if (before === 'dialing' && agentId) await removeParticipant(current, agentId);
      });
      boardChanged();
      publishPositions();
      void schedule();
      return { interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'offline.leave'(conn, args) {
      requireVisitor(conn.subject, 'leave a message');
      const current = await once(conn.subject, args.requestId, async () => {
        const queue = pickQueue(args.queueId, args.topic);
        const created = await createInteraction(conn.subject, 'offline-message', queue, args);
        await serialized(created.interaction.id, async () => {
          await appendAndFanOut(created.interaction.id, {
            type: 'message',
            messageId: randomId('m', randomBytes),
            clientMsgId: randomId('o', randomBytes),
            from: { id: conn.subject.id, role: 'visitor', name: conn.subject.name },
            text: redactCardNumbers(args.text),
          });
          await enqueue(created);
        });
        return created;
      });
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'csat.submit'(conn, args) {
      requireVisitor(conn.subject, 'rate a conversation');
      const current = await getLive(conn.subject, args.cid);
      return serialized(args.cid, async () => {
        const state = current.snapshot.value;
        if (!current.interaction.endedBy) {
          throw helplineError('conflict/state', { operation: 'rate', entity: 'conversation', state });
        }
        if (current.interaction.csat) {
          throw helplineError('conflict/state', {
            operation: 'rate',
            entity: 'conversation',
            state: 'rated',
          });
        }
        const comment = args.comment ? redactCardNumbers(args.comment) : undefined;
        current.interaction = {
          ...current.interaction,
          csat: {
            score: args.score,
            ...(comment ? { comment } : {}),
            ...(args.nps === undefined ? {} : { nps: args.nps }),
          },
        };
        log({
          at: clock.now(),
          interactionId: args.cid,
          type: 'csat',
          score: args.score,
          ...(args.nps === undefined ? {} : { nps: args.nps }),
        });
        await persist(current);
        await appendAndFanOut(args.cid, { type: 'csat', score: args.score, ...(comment ? { comment } : {}) });
        return {};
      });
    },
    async 'conversation.list'(conn) {
      const own = STAFF_ROLES.has(conn.subject.role)
        ? [...live.values()].map((l) => l.interaction).filter((i) => canAccess(conn.subject, i))
        : await storage.interactionsOfCustomer(conn.subject.id);
      return { interactions: own.map((i) => wireFor(live.get(i.id)?.interaction ?? i, conn.subject)) };
    },
    async 'message.send'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      return serialized(args.cid, async () => {
        // A retried send answers with the original ack, never an error.
        const original = await storage.messageByClientId(args.cid, args.clientMsgId);
        if (original?.ev.type === 'message') {
          return { seq: original.seq, messageId: original.ev.messageId, at: original.at };
        }
        const state = current.snapshot.value;
        const isVisitor = conn.subject.role === 'visitor';
        if (!isVisitor) requireAssignedAgent(conn.subject, current, 'write in this conversation');
        const allowed = isVisitor ? ['queued', 'offered', 'active'] : ['active'];
        if (current.interaction.channel !== 'chat' || !allowed.includes(state)) {
          throw helplineError('conflict/state', {
            operation: 'send a message',
            entity: 'conversation',
            state,
          });
        }
        const messageId = randomId('m', randomBytes);
        const stored = await appendAndFanOut(args.cid, {
          type: 'message',
          messageId,
          clientMsgId: args.clientMsgId,
          from: { id: conn.subject.id, role: conn.subject.role, name: conn.subject.name },
          text: redactCardNumbers(args.text),
        });
        return { seq: stored.seq, messageId, at: stored.at };
      });
    },
    async typing(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      const from = { id: conn.subject.id, role: conn.subject.role, name: conn.subject.name };
      for (const subjectId of partiesOf(current.interaction)) {
        if (subjectId !== conn.subject.id)
          notify(subjectId, { type: 'typing', cid: args.cid, from, typing: args.typing });
      }
      return {};
    },
    async read(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      return serialized(args.cid, async () => {
        const last = await storage.lastSeq(args.cid);
        if (args.seq > last) {
          throw helplineError('validation/field', {
            scope: 'read',
            field: 'seq',
            detail: `is beyond the last event ${last}`,
          });
        }
        await appendAndFanOut(current.interaction.id, {
          type: 'read',
          participantId: conn.subject.id,
          seq: args.seq,
        });
        return {};
      });
    },
    async history(conn, args) {
      await getLive(conn.subject, args.cid);
      const events = await storage.events(args.cid, args.after ?? 0, args.limit ?? LIMITS.historyPage);
      return {
        events: events.map(({ seq, at, ev }) => ({ seq, at, ev })),
        lastSeq: await storage.lastSeq(args.cid),
      };
    },
    async 'chat.end'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      if (conn.subject.role !== 'visitor')
        requireAssignedAgent(conn.subject, current, 'end this conversation');
      await serialized(args.cid, () =>
        drive(
          current,
          conn.subject.role === 'visitor' ? { kind: 'customer-leaves' } : { kind: 'agent-ends' },
        ),
      );
      return {};
    },
    async 'presence.set'(conn, args) {
      requireStaff(conn.subject, 'set presence');
      const snapshot = await setPresence(conn.subject.id, args.status, args.reason, 'agent');
      const { reasonCode } = snapshot.context;
      return { status: snapshot.value, ...(reasonCode ? { reason: reasonCode } : {}) };
    },
    async 'offer.accept'(conn, args) {
      requireStaff(conn.subject, 'accept an offer');
      const current = live.get(args.cid);
      if (!current || router.offerOf(args.cid)?.agentId !== conn.subject.id) {
        throw helplineError('not-found', { entity: 'Offer', id: args.cid });
      }
      await serialized(args.cid, async () => {
        await drive(current, { kind: 'accept', agentId: conn.subject.id });
        clearTimer(offerTimers, args.cid);
        router.accept(args.cid, conn.subject.id);
        await addParticipant(current, conn.subject.id);
      });
      lastPositions.delete(args.cid);
      void schedule();
      return { interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'offer.reject'(conn, args) {
      requireStaff(conn.subject, 'reject an offer');
      const current = live.get(args.cid);
      if (!current || router.offerOf(args.cid)?.agentId !== conn.subject.id) {
        throw helplineError('not-found', { entity: 'Offer', id: args.cid });
      }
      await serialized(args.cid, () => drive(current, { kind: 'reject', agentId: conn.subject.id }));
      clearTimer(offerTimers, args.cid);
      void runRouting(() => router.reject(args.cid, conn.subject.id));
      return {};
    },
    async 'wrapup.submit'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      requireAssignedAgent(conn.subject, current, 'wrap up this interaction');
      const queue = queues.get(current.interaction.queueId);
      if (args.disposition && queue && !queue.dispositions.some((d) => d.id === args.disposition)) {
        throw helplineError(
          'validation/field',
          {
            scope: 'wrapup.submit',
            field: 'disposition',
            detail: `"${args.disposition}" is not a disposition of queue ${queue.id}`,
          },
          { field: 'disposition' },
        );
      }
      await serialized(args.cid, async () => {
        if (current.snapshot.value === 'wrap-up' && queue?.dispositionRequired && !args.disposition) {
          throw helplineError('wrapup/disposition-required', { queue: queue.id }, { field: 'disposition' });
        }
        await drive(current, {
          kind: 'wrap-up',
          ...(args.disposition ? { disposition: args.disposition } : {}),
          ...(args.notes ? { notes: redactCardNumbers(args.notes) } : {}),
        });
      });
      return {};
    },
    async transfer(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      requireAssignedAgent(conn.subject, current, 'transfer this interaction');
      if (!args.toQueueId && !args.toAgentId) {
        throw helplineError('validation/field', {
          scope: 'transfer',
          field: 'toQueueId',
          detail: 'or toAgentId is required',
        });
      }
      const target = args.toQueueId
        ? pickQueue(args.toQueueId, undefined)
        : queues.get(current.interaction.queueId);
      if (!target) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      if (
        args.toAgentId &&
        (!agents.has(args.toAgentId) || presence.get(args.toAgentId)?.value !== 'available')
      ) {
        throw helplineError('agent/unavailable', { agent: args.toAgentId });
      }
      await serialized(args.cid, async () => {
        await removeParticipant(current, conn.subject.id);
        await drive(current, { kind: 'transfer', queue: target });
        if (args.note) await appendAndFanOut(args.cid, { type: 'note', text: redactCardNumbers(args.note) });
      });
      enqueueForRouting(current);
      return {};
    },
    async 'supervisor.snapshot'(conn, args) {
      requireSupervisor(conn.subject, 'read the supervisor board');
      const now = clock.now();
      const from = args.from ?? now - 86_400_000;
      const byQueue = Object.fromEntries([...queues.keys()].map((id) => [id, kpisSince(from, id)]));
      return {
        at: now,
        queues: queueBoard(now),
        agents: agentBoard(),
        waiting: waitingBoard(),
        kpis: kpisSince(from),
        byQueue,
      };
    },
    async 'supervisor.kpi-series'(conn, args) {
      requireSupervisor(conn.subject, 'read KPI trends');
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
      if (args.queueId) pickQueue(args.queueId, undefined);
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
    async 'supervisor.force-presence'(conn, args) {
      requireSupervisor(conn.subject, "change another agent's presence");
      if (!agents.has(args.agentId)) throw helplineError('not-found', { entity: 'Agent', id: args.agentId });
      await setPresence(args.agentId, args.status, args.reason ?? 'supervisor', 'system');
      void schedule();
      return {};
    },
    async 'supervisor.reassign'(conn, args) {
      requireSupervisor(conn.subject, 'reassign an interaction');
      const current = await getLive(conn.subject, args.cid);
      const target = pickQueue(args.toQueueId, undefined);
      if (current.snapshot.value !== 'queued') {
        throw helplineError('conflict/state', {
          operation: 'reassign',
          entity: current.interaction.channel,
          state: current.snapshot.value,
        });
      }
      await serialized(args.cid, async () => {
        current.interaction = { ...current.interaction, queueId: target.id };
        current.snapshot = {
          ...current.snapshot,
          context: { ...current.snapshot.context, queueId: target.id },
        };
        await persist(current);
        await appendAndFanOut(args.cid, { type: 'note', text: `Moved to ${target.name}` });
      });
      void runRouting(() => router.transfer(args.cid, target.id));
      return {};
    },
    async 'customer.history'(conn, args) {
      requireStaff(conn.subject, "read a customer's history");
      // An agent sees the history of a customer they are working with; a supervisor, of anyone.
      const related =
        conn.subject.role === 'supervisor' ||
        [...live.values()].some(
          (l) => l.interaction.customer.id === args.customerId && l.interaction.agentId === conn.subject.id,
        );
      if (!related) throw helplineError('not-found', { entity: 'Customer', id: args.customerId });
      const stored = await storage.interactionsOfCustomer(args.customerId);
      const interactions = stored
        .map((i) => live.get(i.id)?.interaction ?? i)
        .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
        .slice(0, CUSTOMER_HISTORY_LIMIT);
      return { interactions: interactions.map((i) => wireFor(i, conn.subject)) };
    },
    async 'queues.list'(conn) {
      requireStaff(conn.subject, 'read the queue configuration');
      // Routing internals (business hours, overflow) stay on the server.
      return {
        queues: [...queues.values()].map((queue) => ({
          id: queue.id,
          name: queue.name,
          priority: queue.priority,
          slaTargetSeconds: queue.slaTargetSeconds,
          skills: [...queue.skills],
          closedAlternative: queue.closedAlternative,
          acw: queue.acw,
          dispositions: [...queue.dispositions],
          dispositionRequired: queue.dispositionRequired,
          offerTimeoutSeconds: queue.offerTimeoutSeconds,
          ...(queue.cannedResponses ? { cannedResponses: [...queue.cannedResponses] } : {}),
        })),
      };
    },
    async 'agent.snapshot'(conn) {
      requireStaff(conn.subject, 'read the agent snapshot');
      const snapshot = presenceOf(conn.subject.id);
      const mine = [...live.values()].filter((l) => l.interaction.agentId === conn.subject.id);
      const offers = mine
        .filter((l) => l.snapshot.value === 'offered')
        .flatMap((l) => {
          const routed = router.offerOf(l.interaction.id);
          return routed
            ? [{ interaction: wireFor(l.interaction, conn.subject), expiresAt: routed.expiresAt }]
            : [];
        });
      const { reasonCode } = snapshot.context;
      return {
        status: snapshot.value,
        ...(reasonCode ? { reason: reasonCode } : {}),
        interactions: mine
          .filter((l) => l.lifecycle.handling.has(l.snapshot.value))
          .map((l) => wireFor(l.interaction, conn.subject)),
        offers,
      };
    },
    ...voice.handlers,
  };

  // ─── connection lifecycle ─────────────────────────────────────────────────────────────────────

  async function hello(conn: Conn, frame: HelloFrame): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION) {
      return refuse(
        conn,
        CLOSE_CODES.protocolError,
        helplineError('protocol/unsupported-version', { version: frame.v, supported: PROTOCOL_VERSION }),
      );
    }
    let subject: Subject;
    try {
      subject = await options.authenticate(frame.token);
    } catch (error) {
      const reason = isHelplineError(error)
        ? error
        : helplineError('auth/invalid-token', { detail: 'rejected' });
      return refuse(conn, CLOSE_CODES.unauthorized, reason);
    }
    let resumed = false;
    if (frame.resume) {
      // A resume token is only good for the subject it was issued to, and only once.
      const issued = resumeTokens.get(frame.resume.token);
      resumeTokens.delete(frame.resume.token);
      const remembered =
        issued && clock.now() - issued.issuedAt < resumeTokenTtlMs ? issued.subjectId : undefined;
      // Tokens issued before a restart are known only to a storage that keeps them (the server's SQL storage).
      const kept = storage.takeResumeToken
        ? await storage.takeResumeToken(frame.resume.token, clock.now() - resumeTokenTtlMs)
        : undefined;
      const owner = remembered ?? kept;
      if (owner !== subject.id) {
        // Named as the field at fault, so the client drops its resume token and connects afresh.
        return refuse(
          conn,
          CLOSE_CODES.unauthorized,
          helplineError(
            'auth/invalid-token',
            { detail: 'resume token does not match' },
            { field: 'resume.token' },
          ),
        );
      }
      resumed = true;
    }
    conn.subject = subject;
    if (!conn.closed) {
      const own = connsBySubject.get(subject.id) ?? new Set<Conn>();
      own.add(conn);
      connsBySubject.set(subject.id, own);
      voice.presenceChanged(subject.id);
    }
    conn.resumeToken = randomId('r', randomBytes);
    resumeTokens.set(conn.resumeToken, { subjectId: subject.id, issuedAt: clock.now() });
    if (storage.saveResumeToken) await storage.saveResumeToken(conn.resumeToken, subject.id, clock.now());
    const heads: Record<string, number> = {};
    const visible: [string, number][] = [];
    for (const [cid, after] of Object.entries(frame.resume?.cursors ?? {})) {
      // Not theirs (or unknown): say nothing about it.
      if (!(await getLive(subject, cid).catch(() => undefined))) continue;
      heads[cid] = await storage.lastSeq(cid);
      visible.push([cid, after]);
    }
    send(conn, {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      subject: { id: subject.id, role: subject.role, name: subject.name },
      resumeToken: conn.resumeToken,
      heartbeatMs,
      resumed,
      heads,
    });
    for (const [cid, after] of visible) await replay(conn, cid, after);
  }

  /** Sends what a resuming client missed in one conversation, or `gap` when that is too much to replay. */
  async function replay(conn: Conn, cid: string, after: number): Promise<void> {
    await serialized(cid, async () => {
      const last = await storage.lastSeq(cid);
      if (last - after > replayLimit) {
        send(conn, { t: 'gap', cid, after });
        return;
      }
      for (const stored of await storage.events(cid, after, replayLimit)) {
        send(conn, { t: 'evt', cid, seq: stored.seq, at: stored.at, ev: stored.ev });
      }
    });
  }

  function refuse(conn: Conn, code: number, error: HelplineError): void {
    send(conn, { t: 'bye', code, error: error.toPayload() });
    conn.closed = true;
    forget(conn);
    conn.sink.close(code, error.code);
  }

  async function command(conn: AuthedConn, frame: CommandFrame, frameLength: number): Promise<void> {
    try {
      const refused = options.admit?.({ subject: conn.subject, op: frame.op, meta: conn.meta, frameLength });
      if (refused) throw refused;
      const handler = handlers[frame.op] as Handler<CommandOp>;
      const result = await handler(conn, frame.args as CommandArgs<CommandOp>);
      send(conn, { t: 'ack', id: frame.id, result });
    } catch (error) {
      const typed = isHelplineError(error)
        ? error
        : helplineError('internal', { detail: 'unexpected failure' });
      if (!isHelplineError(error)) console.error('[helpline] command failed', frame.op, error);
      send(conn, { t: 'nack', id: frame.id, error: typed.toPayload() });
    }
  }

  async function receive(conn: Conn, raw: string): Promise<void> {
    conn.lastSeenAt = clock.now();
    conn.unansweredPings = 0;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      const id = commandIdOf(raw);
      if (id && conn.subject) send(conn, { t: 'nack', id, error: parsed.error.toPayload() });
      else refuse(conn, CLOSE_CODES.protocolError, parsed.error);
      return;
    }
    const frame: ClientFrame = parsed.value;
    if (frame.t === 'hello') {
      if (conn.subject) {
        return refuse(
          conn,
          CLOSE_CODES.protocolError,
          helplineError('protocol/invalid-frame', { detail: 'hello sent twice' }),
        );
      }
      return hello(conn, frame);
    }
    if (!conn.subject) return refuse(conn, CLOSE_CODES.unauthorized, helplineError('auth/required'));
    if (frame.t === 'pong') return;
    if (frame.t === 'ping') return send(conn, { t: 'pong', ts: frame.ts });
    return command(conn as AuthedConn, frame, raw.length);
  }

  function heartbeat(): void {
    const now = clock.now();
    for (const conn of [...conns]) {
      // Counted in pings, not wall time: after the server itself stalled, a pong still waiting in the socket
      // buffer must not count as missed.
      if (conn.unansweredPings >= 2) {
        refuse(
          conn,
          CLOSE_CODES.timeout,
          helplineError('connection/timeout', { op: 'ping', ms: heartbeatMs * 2 }),
        );
      } else {
        conn.unansweredPings++;
        send(conn, { t: 'ping', ts: now });
      }
    }
    if (now - lastSweepAt >= SWEEP_INTERVAL_MS) sweep(now);
    heartbeatTimer = conns.size > 0 ? clock.setTimeout(heartbeat, heartbeatMs) : undefined;
  }

  /**
   * Keeps a long-running hub's memory flat: finished interactions nobody used for a while leave the live map
   * (storage still has them; `getLive` reads them back), and expired resume tokens are forgotten.
   */
  function sweep(now: number): void {
    lastSweepAt = now;
    for (const [cid, current] of live) {
      const finished = current.lifecycle.final.has(current.snapshot.value);
      const usedAt = current.usedAt ?? current.interaction.timestamps.endedAt ?? now;
      if (finished && now - usedAt >= finishedRetentionMs && !locks.has(cid)) live.delete(cid);
    }
    for (const [token, issued] of resumeTokens) {
      if (now - issued.issuedAt >= resumeTokenTtlMs) resumeTokens.delete(token);
    }
  }

  /** Today's live KPIs, rebuilt from storage after a restart (without it the in-memory log starts empty). */
  async function restoreReporting(): Promise<void> {
    if (!storage.interactionsSince || kpiLog.length > 0) return;
    const from = clock.now() - KPI_RESTORE_MS;
    const events = (await storage.interactionsSince(from)).flatMap((i) => reportingEventsOf(i, queues));
    for (const change of (await storage.presenceSince?.(from)) ?? []) {
      events.push({ type: 'presence', at: change.at, agentId: change.agentId, presence: change.status });
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events.slice(-KPI_LOG_LIMIT)) kpiLog.push(event);
  }

  async function restore(): Promise<void> {
    await restoreReporting();
    for (const stored of await storage.openInteractions()) {
      const lifecycle = lifecycles[stored.interaction.channel];
      if (!lifecycle || live.has(stored.interaction.id)) continue;
      let { snapshot } = stored;
      // An offer does not survive a restart (its timer and reservation are gone): it waits in line again.
      if (snapshot.value === 'offered') {
        snapshot = {
          value: 'queued',
          context: { ...snapshot.context, agentId: undefined, offerExpiresAt: undefined },
        };
      }
      const current: Live = { interaction: withSnapshot(stored.interaction, snapshot), snapshot, lifecycle };
      live.set(current.interaction.id, current);
      const { interaction } = current;
      if (lifecycle.waiting.has(snapshot.value)) enqueueForRouting(current);
      else if (lifecycle.handling.has(snapshot.value) && interaction.agentId) {
        router.assign(interaction.id, interaction.agentId, interaction.channel);
      } else if (snapshot.value === 'scheduled' || snapshot.value === 'retry-wait') scheduleDue(current);
      // A timed wrap-up that ran out while the server was down ends at once.
      if (snapshot.value === 'wrap-up') scheduleWrapUpEnd(current);
    }
    await schedule();
  }

  return {
    connect(sink, meta = {}) {
      const conn: Conn = {
        id: randomId('k', randomBytes),
        sink,
        meta,
        lastSeenAt: clock.now(),
        unansweredPings: 0,
        closed: false,
      };
      conns.add(conn);
      if (heartbeatTimer === undefined && !closed) heartbeatTimer = clock.setTimeout(heartbeat, heartbeatMs);
      // Frames of one connection are handled in arrival order.
      let chain: Promise<void> = Promise.resolve();
      return {
        receive(raw) {
          chain = chain
            .then(() => receive(conn, raw))
            .catch((error: unknown) => {
              console.error('[helpline] frame handling failed', error);
            });
        },
        disconnected() {
          conn.closed = true;
          forget(conn);
        },
      };
    },
    restore,
    interaction: (id) => live.get(id)?.interaction,
    interactions: () => [...live.values()].map((l) => l.interaction),
    presenceOf: (agentId) => presence.get(agentId),
    async execute(subject, op, args, meta = {}) {
      if (!Object.hasOwn(handlers, op)) throw helplineError('protocol/unknown-command', { op });
      const parsed = validateCommandArgs(op, args);
      if (!parsed.ok) throw parsed.error;
      // A connection of its own that is never registered: nothing is fanned out to it.
      const conn: AuthedConn = {
        id: randomId('k', randomBytes),
        sink: { send() {}, close() {} },
        meta,
        subject,
        lastSeenAt: clock.now(),
        unansweredPings: 0,
        closed: true,
      };
      const refused = options.admit?.({
        subject,
        op,
        meta,
        frameLength: JSON.stringify(args ?? null).length,
      });
      if (refused) throw refused;
      const handler = handlers[op] as unknown as Handler<typeof op>;
      return handler(conn, parsed.value);
    },
    get connectionCount() {
      return conns.size;
    },
    close() {
      closed = true;
      if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
      if (boardTimer !== undefined) clock.clearTimeout(boardTimer);
      for (const timers of [offerTimers, dueTimers, wrapUpTimers]) {
        for (const timer of timers.values()) clock.clearTimeout(timer);
        timers.clear();
      }
      voice.close();
      for (const conn of [...conns]) refuse(conn, CLOSE_CODES.goingAway, helplineError('connection/closed'));
    },
  };
}

/** The command id of a frame that failed validation, when one can be read, so the sender gets a `nack`. */
function commandIdOf(raw: string): string | undefined {
  if (raw.length > LIMITS.frameBytes) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && (value as { t?: unknown }).t === 'cmd') {
      const id = (value as { id?: unknown }).id;
      if (typeof id === 'string' && id.length > 0 && id.length <= LIMITS.id) return id;
    }
  } catch {
    // Not JSON: no id to answer to.
  }
  return undefined;
}
