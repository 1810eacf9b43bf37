import type { Agent } from '../agent/agent.types';
import type { PresenceSnapshot } from '../agent/presence.machine';
import { systemClock } from '../clock/clock';
import { secureRandomBytes } from '../ids/ids';
import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type {
  CommandOp,
  CommandResult,
  VisitorInteraction,
  WireInteraction,
} from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { surveyOf, surveyOffer } from '../queue/survey';
import { createRouter } from '../routing/router';
import type { CallRecord } from '../voice/voice.wire';
import { INTERACTION_RULES, visibleUntil } from './access';
import { createCallbacksHub } from './callbacks.hub';
import { createCasesHub } from './cases.hub';
import { createMemoryCaseStore } from './cases.store';
import { createChannelsHub } from './channels.hub';
import type { ChannelsHub } from './channels.types';
import { createConnectionsHub } from './connections.hub';
import { createConversationHub } from './conversation.hub';
import { createConversationLog } from './conversation.log';
import { createCustomersHub } from './customers.hub';
import { createDialHub } from './dial.hub';
import { type CommandHandlers, createDispatch, requestCaller } from './dispatch';
import { createStepEffects } from './effects.hub';
import { createEmailLegHub } from './email-leg.hub';
import { createEscalationsHub, DEFAULT_ESCALATION_OFFER_MS } from './escalations.hub';
import { createMemoryEscalationStore } from './escalations.store';
import { failureReporter } from './failures';
import type {
  ConnectionMeta,
  HubConnection,
  HubConnectionSink,
  HubOptions,
  HubStorage,
  Subject,
} from './hub.types';
import { createIntake } from './intake.hub';
import { createLiveInteractions } from './interactions.hub';
import { DEFAULT_LIFECYCLES } from './lifecycles';
import { type Live, phaseOfLive } from './live';
import { createMemoryStorage } from './memory.storage';
import { createMessagingCommands } from './messaging.commands';
import { createPresenceHub } from './presence.hub';
import { createRecordingsHub } from './recordings.hub';
import { createReportingHub } from './reporting.hub';
import { createReportsHub } from './reports.hub';
import { createRoutingHub } from './routing.hub';
import { createSupervisionHub } from './supervision.hub';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';
import { createVoiceHub } from './voice.hub';
import { createVoicemailHub } from './voicemail.hub';
import { createWorkHub } from './work.hub';

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
  /**
   * The phone network reports the outside party of a consult (`HubOptions.telephony`): their leg `legId` of
   * interaction `cid` picked up or ended. A report repeated, or about a leg that is no longer live, changes nothing.
   * Resolves `true` while the hub holds the leg live after the report, `false` when it does not (never had it, or it
   * ended): a telephony told `false` of an answer hangs up the number, which nobody would ever hang up otherwise.
   */
  consultEvent(cid: string, legId: string, event: 'answered' | 'ended'): Promise<boolean>;
  /** Every interaction the hub holds live. */
  interactions(): Interaction[];
  /** Presence of an agent. */
  presenceOf(agentId: string): PresenceSnapshot | undefined;
  /**
   * Runs one command for an already authenticated subject outside any connection (the server's HTTP API uses
   * it): the same dispatch as a `cmd` frame (argument validation, admission, ownership rules, handler). Resolves
   * with the `ack` result; rejects with the `HelplineError` a `nack` would carry.
   */
  execute<Op extends CommandOp>(
    subject: Subject,
    op: Op,
    args: unknown,
    meta?: ConnectionMeta,
  ): Promise<CommandResult<Op>>;
  /** The intake of the messaging channels' adapters (email, SMS, WhatsApp, Messenger): see `channels.types.ts`. */
  readonly channels: ChannelsHub;
  /** Number of open client connections. */
  readonly connectionCount: number;
  /**
   * Stops every timer and closes every connection with `code`: "going away" (1001) by default; a cluster's
   * instance that stops leading says "service restart" (1012), so clients resume on another instance at once.
   */
  close(code?: number): void;
}

const STAFF_ROLES = new Set(['agent', 'supervisor']);
const DEFAULT_CALLBACK_SLOT_MS = 30 * 60_000;

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
  const randomBytes = options.randomBytes ?? secureRandomBytes;
  const lifecycles = { ...DEFAULT_LIFECYCLES, ...options.lifecycles };
  const queues = new Map<string, Queue>(options.queues.map((q) => [q.id, q]));
  const agents = new Map<string, Agent>(options.agents.map((a) => [a.id, a]));
  // Queues each agent serves (an agent with none listed serves every queue).
  const agentQueues = new Map<string, ReadonlySet<string>>(
    options.agents.map((a) => [
      a.id,
      new Set(a.queueIds.length > 0 ? a.queueIds : options.queues.map((q) => q.id)),
    ]),
  );
  const router = createRouter({ queues: options.queues, now: clock.now });
  // Supervisors observe and steer; work is routed to agents only.
  for (const agent of options.agents) if (agent.role !== 'supervisor') router.upsertAgent(agent);

  const turns = createTurns();
  // The interactions held in memory, reached through the access rules (hub/interactions.hub.ts).
  const live = createLiveInteractions({
    clock,
    storage,
    lifecycles,
    queuesOf: (agentId) => agentQueues.get(agentId),
    serialized: turns.serialized,
    busy: turns.busy,
    finishedRetentionMs: options.finishedRetentionMs ?? 10 * 60_000,
  });
  const { load, relationTo, getLive, inTurn } = live;
  /** The place in line each waiting interaction's customer was last told, by interaction id. */
  let closed = false;
  const reportFailure = failureReporter(options.logger);
  const { serialized } = turns;
  const timers = createHubTimers({ clock, serialized, reportFailure, isClosed: () => closed });
  /** Transfers to a named agent still waiting for that agent's answer: who asked, to whom. */
  // Connections and resume (hub/connections.hub.ts): hello, resume tokens, replay, heartbeats, notices, fan-out.
  const connections = createConnectionsHub({
    clock,
    randomBytes,
    authenticate: options.authenticate,
    storage,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    replayLimit: options.replayLimit ?? 500,
    resumeTokenTtlMs: options.resumeTokenTtlMs ?? 7 * 86_400_000,
    serialized,
    async readableBy(subject, cid) {
      const current = await load(cid);
      const relation = current && relationTo(subject, current);
      if (!current || !relation || !INTERACTION_RULES.history.some((r) => r === relation)) return undefined;
      return { until: visibleUntil(relation, current.interaction, subject.id) };
    },
    command: (conn, frame, frameLength, reply) => dispatch.run(conn, frame, frameLength, reply),
    connected(subject) {
      if (subject.role === 'visitor') emailLegs.visitorReturned(subject.id);
      presence.returned(subject.id);
      voice.presenceChanged(subject.id);
    },
    standing: (subject) => (subject.role === 'visitor' ? [] : voice.standing(subject.id)),
    disconnected(subject, last) {
      if (last && STAFF_ROLES.has(subject.role) && !closed) presence.awaitReturn(subject.id);
      if (last && subject.role === 'visitor' && !closed) emailLegs.visitorLeft(subject.id);
      voice.presenceChanged(subject.id);
    },
    sweep: (now) => live.sweep(now),
    reportFailure,
  });
  const { connsOf, notify, fanOut, replayFrom } = connections;
  // The conversation log (hub/conversation.log.ts): changes worked out purely, stored as one unit, then made
  // current; each committed step is one event that reporting, timers and routing, calls and inboxes subscribe to.
  const conversationLog = createConversationLog({
    clock,
    storage,
    live: (cid) => live.get(cid),
    remember: (current) => live.remember(current),
    reportsOf: (before, after, intent) => reporting.reportsOf(before, after, intent),
    displayNameOf: (agentId) => agents.get(agentId)?.displayName ?? agentId,
    calls: {
      plan: (next, before, staged) => voice.plan(next, before, staged),
      eventOf: (call) => voice.eventOf(call),
      carriedOn: (current, steps) => voice.carriedOn(current, steps),
    },
    // Supervisors watching a conversation (supervision.hub.ts) read its events as they come, read-only.
    fanOut: (stored, recipients) =>
      fanOut(
        stored,
        recipients.map((names, index) => {
          const cid = stored[index]?.cid;
          const watching = cid === undefined ? [] : supervision.watchers(cid);
          return watching.length === 0 ? names : [...names, ...watching];
        }),
      ),
    async replay(subjectId, cid) {
      for (const conn of connsOf(subjectId)) await replayFrom(conn, cid, 0);
    },
    resynced: (current) => resync(current),
  });
  const { changeOf, step, commit, drive } = conversationLog;
  // Routing glue (hub/routing.hub.ts): the router's decisions become machine steps, offers time out, positions.
  const routingHub = createRoutingHub({
    clock,
    router,
    live: (cid) => live.get(cid),
    serialized,
    drive: (current, intent) => conversationLog.drive(current, intent),
    notify,
    wireForAgent: (interaction, agentId) => wireFor(interaction, connsOf(agentId)[0]?.subject),
    setAway: (agentId, reason) => presence.set(agentId, 'away', reason, 'system'),
    repairTimers: timers.group(),
    overflowTimer: timers.group(),
    isClosed: () => closed,
    reportFailure,
  });
  // Each committed step is heard by reporting, the state's effects, calls and the agents' inboxes, in this order.
  conversationLog.subscribe(({ reports }) => {
    for (const report of reports) reporting.log(report);
  });
  // What entering a state sets off (hub/effects.hub.ts): capacity, the deadline the state declares, handle times.
  const effects = createStepEffects({
    clock,
    router,
    routing: routingHub,
    drive,
    deadlines: timers.group(),
  });
  conversationLog.subscribe(effects.stepped);
  conversationLog.subscribe(({ current, calls }) => voice.settled(current, calls));
  // An agent the step took the interaction away from (a retry's back-off, a hand-back) hears of it too.
  conversationLog.subscribe(({ current, previous }) => {
    for (const agentId of new Set([previous.agentId, current.interaction.agentId])) {
      if (agentId) notifyInteraction(agentId, current.interaction);
    }
  });
  // "Continue by email" (hub/email-leg.hub.ts): a chat's replies mailed to its visitor once they have left.
  const emailLegs = createEmailLegHub({
    clock,
    storage,
    channels: options.channels ?? {},
    getLive,
    live,
    serialized,
    log: conversationLog,
    isOnline: (subjectId) => connsOf(subjectId).length > 0,
    timers: timers.group(),
    graceMs: options.emailLegGraceMs ?? 120_000,
    reportFailure,
  });
  conversationLog.subscribe(emailLegs.stepped);
  // Agents' presence (hub/presence.hub.ts): the presence machine per agent and the grace after a lost link.
  const presence = createPresenceHub({
    clock,
    agents,
    storage,
    router,
    log: (event) => reporting.log(event),
    notify,
    route: (events) => void routingHub.run(() => [...events]),
    applyRouting: (events) => routingHub.apply(events),
    schedule: () => routingHub.schedule(),
    isOnline: (agentId) => connsOf(agentId).length > 0,
    graceTimers: timers.group(),
    agentGraceMs: options.agentGraceMs ?? 60_000,
    reportFailure,
  });
  // Supervision and reporting (hub/reporting.hub.ts): the live KPI log, the board, KPI trends.
  const reporting = createReportingHub({
    clock,
    queues,
    agents,
    waiting: (queueId) => router.waiting(queueId),
    interactions: () => live.values(),
    presenceOf: (agentId) => presence.presenceOf(agentId),
    storage,
    notifySupervisors: (notice) => connections.notifyRole('supervisor', notice),
    onLog: options.onLog,
    mailboxes: options.mailboxes,
  });

  // ─── helpers ──────────────────────────────────────────────────────────────────────────────────

  /** Visitors never see the staff-only fields. */
  function wireFor(interaction: Interaction, subject: Subject | undefined): WireInteraction {
    // Everyone sees what the queue's survey will ask once the contact ends.
    const survey = surveyOffer(surveyOf(queues.get(interaction.queueId)));
    if (subject && STAFF_ROLES.has(subject.role)) return { ...interaction, survey };
    const { notes: _notes, disposition: _disposition, routingReasons: _reasons, ...visible } = interaction;
    const forVisitor: VisitorInteraction = { ...visible, survey };
    return forVisitor;
  }

  function notifyInteraction(subjectId: string, interaction: Interaction): void {
    const subject = connsOf(subjectId)[0]?.subject;
    if (subject) notify(subjectId, { type: 'interaction', interaction: wireFor(interaction, subject) });
  }

  // ─── command handlers ─────────────────────────────────────────────────────────────────────────

  // Calls live in their own module (hub/voice.hub.ts); the engine lends it the conversation's order and fan-out.
  const voice = createVoiceHub(
    {
      clock,
      randomBytes,
      getLive,
      serialized,
      async commit(cid, { calls, intent, joins }) {
        const current = live.get(cid);
        if (!current) throw helplineError('not-found', { entity: 'Conversation', id: cid });
        const change = changeOf(current);
        if (intent) step(current, change, intent);
        for (const agentId of joins ?? []) conversationLog.join(change, agentId);
        change.calls.push(...calls);
        await commit(current, change);
      },
      notify,
      sendSignal(subjectId, notice, connectionId) {
        const bound = connsOf(subjectId).find((conn) => conn.id === connectionId);
        if (bound) connections.send(bound, { t: 'notice', notice });
        else notify(subjectId, notice);
      },
      isOnline: (subjectId) => connsOf(subjectId).length > 0,
      recordingOf: (interaction) => queues.get(interaction.queueId)?.recording ?? 'never',
      onPhoneNetwork: (interaction) => queues.get(interaction.queueId)?.voice?.provider === 'vonage',
      phoneLegsStored: options.phoneLegsStored === true,
      auditRecording: options.recordings?.audit,
      capabilitiesOf: (subjectId) => connsOf(subjectId).map((conn) => conn.capabilities),
      telephony: options.telephony,
      roleOf: (subjectId) => connsOf(subjectId)[0]?.subject?.role,
      refusalOfTakeOver: (current, agentId) =>
        agents.has(agentId)
          ? router.refusalOfOfferTo(routingHub.itemOf(current.interaction), agentId)
          : helplineError('not-found', { entity: 'Agent', id: agentId }),
      handOver(current, agentId) {
        // The receiver holds the call's capacity from now on; the leaving agent's is free for the next one.
        void routingHub.run(() => {
          router.assign(current.interaction.id, agentId, current.interaction.channel);
          return [];
        });
      },
      setVoiceCapable(agentId, capable) {
        const agent = agents.get(agentId);
        if (!agent || !router.agent(agentId)) return;
        router.upsertAgent(capable ? agent : { ...agent, capacity: { ...agent.capacity, voice: 0 } });
        void routingHub.run(() => []);
      },
      timers,
    },
    options.voice,
  );

  // Supervisor legs (hub/supervision.hub.ts): monitor, whisper and barge on calls, silent chat monitoring and
  // private notes; a leg ends with its call or chat.
  const supervision = createSupervisionHub({
    clock,
    randomBytes,
    relationOf(subject, cid) {
      const current = live.get(cid);
      return current ? relationTo(subject, current) : undefined;
    },
    interactionOf: (cid) => live.get(cid)?.interaction,
    callOf: (cid) => voice.callOf(cid),
    notify,
    sendTo(subjectId, notice, connectionId) {
      const bound = connsOf(subjectId).find((conn) => conn.id === connectionId);
      if (bound) connections.send(bound, { t: 'notice', notice });
      else notify(subjectId, notice);
    },
    options: options.supervision,
    reportFailure,
  });
  conversationLog.subscribe(({ current }) => supervision.changed(current.interaction.id));

  // Intake (hub/intake.hub.ts): routing rules, drafting a new interaction, requests deduplicated.
  const intake = createIntake({
    clock,
    randomBytes,
    queues,
    routingRules: options.routingRules ?? [],
    lifecycles,
    storage,
    load,
    log: conversationLog,
    serialized,
    wireFor,
    enqueue: (current) => routingHub.enqueue(current),
  });
  const { pickQueue } = intake;
  // Voicemail (hub/voicemail.hub.ts): a caller of a closed queue, or one nobody answered in time, leaves a recording.
  const voicemail = createVoicemailHub({
    clock,
    randomBytes,
    queues,
    intake,
    log: conversationLog,
    serialized,
    load,
    getLive,
    wireFor,
    enqueue: (current) => routingHub.enqueue(current),
    endWaiting: (caller, cid) => handlers['chat.end'](caller, { cid }),
    attachments: options.attachments,
  });
  // Callbacks (hub/callbacks.hub.ts): requested, scheduled in business hours, moved, reported on.
  const callbacks = createCallbacksHub({
    clock,
    queues,
    callbackSlotMs: options.callbackSlotMs ?? DEFAULT_CALLBACK_SLOT_MS,
    intake,
    getLive,
    serialized,
    log: conversationLog,
    callOf: (cid) => voice.callOf(cid),
    router,
    routing: routingHub,
    armDeadline: (current) => effects.arm(current),
    boardChanged: () => reporting.boardChanged(),
    wireFor,
  });

  // The messaging channels (hub/channels.hub.ts): adapters' messages into conversations, replies out, receipts.
  const channels = createChannelsHub({
    clock,
    randomBytes,
    options: options.channels ?? {},
    storage,
    load,
    intake,
    log: conversationLog,
    serialized,
    routing: routingHub,
    reportFailure,
  });
  // The conversation commands (hub/conversation.hub.ts): writing, typing, read receipts, history, ending, rating.
  const conversation = createConversationHub({
    clock,
    randomBytes,
    queues,
    storage,
    getLive,
    inTurn,
    relationTo,
    serialized,
    // A chat message is appended outside a step: the email legs hear of it too (hub/email-leg.hub.ts), and the
    // cases it may reopen.
    log: {
      ...conversationLog,
      async append(cid, ev) {
        const stored = await conversationLog.append(cid, ev);
        emailLegs.appended(stored);
        cases.appended(stored);
        return stored;
      },
    },
    notify,
    send: connections.sendTo,
    standingOf: (cid) => routingHub.standingOf(cid),
    attachments: options.attachments,
    channels,
  });
  // Customers (hub/customers.hub.ts): one's own conversations, a customer's history across channels, the records
  // of the customer directory; each new interaction is linked to its customer once stored.
  const customers = createCustomersHub({
    clock,
    storage,
    directory: options.customers,
    interactions: () => live.values(),
    load,
    liveRecord: (cid) => live.get(cid)?.interaction,
    relationTo,
    queuesOf: (agentId) => agentQueues.get(agentId),
    wireFor,
    // The cases part is created just below; this runs only once a command arrives.
    openCaseIds: (customerId, subject) => cases.openCaseIds(customerId, subject),
    reportFailure,
  });
  conversationLog.subscribe(customers.stepped);
  // Cases (hub/cases.hub.ts): tickets of a customer, opened from an interaction; a customer's message on a linked
  // interaction reopens a solved case.
  const cases = createCasesHub({
    clock,
    store: options.cases ?? createMemoryCaseStore(),
    directory: options.customers,
    load,
    relationTo,
    queuesOf: (agentId) => agentQueues.get(agentId),
    reportFailure,
    timers: timers.group(),
    onSla: options.onCaseSla,
    notify,
    boardChanged: () => connections.notifyRole('supervisor', { type: 'board' }),
    // A case's callback task books its callback as `callback.request` would.
    placeCallback: (request) => callbacks.placeForCustomer(request),
  });
  conversationLog.subscribe(cases.stepped);
  // Escalations to team leaders (hub/escalations.hub.ts): offered to the team leaders of the queue, consulted on in a
  // private thread, taken over or handed back; cancelled when the interaction ends.
  const escalations = createEscalationsHub({
    clock,
    store: options.escalations?.store ?? createMemoryEscalationStore(),
    queues,
    agents,
    isAvailable: (agentId) => presence.current(agentId)?.value === 'available' && connsOf(agentId).length > 0,
    load,
    history: (cid, after, limit) => storage.events(cid, after, limit),
    cases,
    serialized,
    live: (cid) => live.get(cid),
    log: conversationLog,
    router,
    schedule: () => void routingHub.schedule(),
    notify,
    boardChanged: () => reporting.boardChanged(),
    timers: timers.group(),
    offerMs: options.escalations?.offerMs ?? DEFAULT_ESCALATION_OFFER_MS,
    reports: options.escalations?.reports,
    reportFailure,
  });
  conversationLog.subscribe(escalations.stepped);

  // An agent's work (hub/work.hub.ts): offers, wrap-up, transfers, reassignment, the agent's snapshot.
  const work = createWorkHub({
    queues,
    agents,
    router,
    routing: routingHub,
    live,
    log: conversationLog,
    pickQueue,
    presenceOf: (agentId) => presence.presenceOf(agentId),
    wireFor,
    ...(lifecycles.voice ? { callStates: [...lifecycles.voice.handling] } : {}),
    async replay(subjectId, cid) {
      for (const conn of connsOf(subjectId)) await replayFrom(conn, cid, 0);
    },
  });

  // Click-to-dial (hub/dial.hub.ts): an agent's outbound call, checked by the server's policy, and the do-not-call list.
  const dial = createDialHub({
    clock,
    dial: options.dial,
    agents,
    queuesOf: (agentId) => agentQueues.get(agentId),
    queues,
    router,
    voiceCapable: (agentId) => connsOf(agentId).some((conn) => conn.capabilities?.voice !== false),
    intake,
    log: conversationLog,
    serialized,
    callOf: (cid) => voice.callOf(cid),
    wireFor,
  });

  // Waiting, snoozing, resolving and reopening messaging conversations (hub/messaging.commands.ts).
  const messaging = createMessagingCommands({ clock, queues, agents, live, log: conversationLog });

  const handlers: CommandHandlers<CommandOp> = {
    ...work.handlers,
    ...messaging.handlers,
    ...conversation.handlers,
    ...emailLegs.handlers,
    ...customers.handlers,
    ...createReportsHub({ reports: options.reports }).handlers,
    ...cases.handlers,
    ...escalations.handlers,
    ...intake.handlers,
    ...callbacks.handlers,
    ...presence.handlers,
    ...reporting.handlers,
    ...voice.handlers,
    ...supervision.handlers,
    ...dial.handlers,
    ...createRecordingsHub({ recordings: options.recordings }).handlers,
    ...voicemail.handlers,
    // The board counts the escalations that wait for a team leader, are offered, or are being handled.
    'supervisor.snapshot': async (caller, args) => ({
      ...(await reporting.handlers['supervisor.snapshot'](caller, args)),
      escalations: await escalations.boardCounts(),
      caseSla: cases.slaBoard(),
    }),
  };

  // Every command, from a socket or the HTTP API, runs through the one dispatch (hub/dispatch.ts).
  const dispatch = createDispatch({ handlers, admit: options.admit });

  /**
   * The copy of an interaction was reloaded from storage (it was stale): the router holds it as the record says —
   * the agent's work, an offer still out, or a place in line — and its state's deadline waits again, as after a
   * restore.
   */
  function resync(current: Live): void {
    const { interaction, lifecycle, snapshot } = current;
    router.remove(interaction.id);
    if (lifecycle.final.has(snapshot.value)) {
      effects.arm(current);
      return;
    }
    if (lifecycle.handling.has(snapshot.value) && interaction.agentId) {
      try {
        router.restoreAssigned(interaction.id, interaction.agentId, interaction.channel);
      } catch {
        // The agent left the configuration: the work stays theirs in its record; nothing to count.
      }
    } else if (phaseOfLive(current) === 'offered') routingHub.restoreOffer(current);
    else if (lifecycle.waiting.has(snapshot.value)) routingHub.requeue(current);
    effects.arm(current);
  }

  async function restore(): Promise<void> {
    await reporting.restore();
    // Agents keep the presence they had for their grace period: a takeover or a restart is a dropped link to them.
    presence.restore((await storage.lastPresence?.()) ?? []);
    // The SLA timers of open and pending cases run again on this leader.
    await cases.restore();
    const restored: Live[] = [];
    /** The browser calls stored with their interactions, carried on by this hub. */
    const storedCalls = new Map<Live, CallRecord>();
    for (const stored of await storage.openInteractions()) {
      const lifecycle = lifecycles[stored.interaction.channel];
      if (!lifecycle || live.has(stored.interaction.id)) continue;
      const current: Live = { interaction: stored.interaction, snapshot: stored.snapshot, lifecycle };
      live.remember(current);
      restored.push(current);
      if (stored.call) storedCalls.set(current, stored.call);
    }
    // What agents hold goes back to them before anything is routed, with nothing awaited in between: the work they
    // handle, then the offers still out, each to the same agent until its original expiry. An offer the router
    // refuses (the agent is gone from the configuration, or has no room) is taken back below.
    for (const { interaction, lifecycle, snapshot } of restored) {
      if (lifecycle.handling.has(snapshot.value) && interaction.agentId)
        router.restoreAssigned(interaction.id, interaction.agentId, interaction.channel);
    }
    const refused = new Set(
      restored.filter((current) => phaseOfLive(current) === 'offered' && !routingHub.restoreOffer(current)),
    );
    for (const current of restored) {
      const offeredTo = current.interaction.agentId;
      if (refused.has(current)) {
        // The step is stored, and the agent hears of it when they are back.
        await drive(current, { kind: 'offer-withdrawn' });
        if (offeredTo)
          notify(offeredTo, { type: 'offer.revoked', cid: current.interaction.id, reason: 'missed' });
      }
      if (current.lifecycle.waiting.has(current.snapshot.value) && phaseOfLive(current) !== 'offered')
        routingHub.enqueue(current);
      // The state's deadline waits again: an offer's expiry, a callback's slot or retry, a timed wrap-up.
      effects.arm(current);
      // A browser call being talked on goes on; a waiting or offered call rings again; another lost call ends
      // (voice.restore.ts).
      await voice.restored(current, storedCalls.get(current));
    }
    // Whatever fell due while nobody ran the router (offers, overflow) is handled now, then routing goes on.
    await routingHub.tick();
    // A chat whose visitor was away when the last run stopped: their grace period goes on from when they left. After
    // routing has its work back: each leg is a read of storage, and routing must not run in the middle of the loop
    // above (an offer that ran out while nobody ran would be put in line twice, by its deadline and by the tick).
    for (const current of restored) await emailLegs.restored(current);
    // Offers to team leaders wait again until their expiry.
    await escalations.restore();
  }

  return {
    connect: (sink, meta) => connections.connect(sink, meta),
    restore,
    interaction: (id) => live.get(id)?.interaction,
    consultEvent: (cid, legId, event) => voice.consultEvent(cid, legId, event),
    interactions: () => [...live.values()].map((l) => l.interaction),
    presenceOf: (agentId) => presence.current(agentId),
    execute: (subject, op, args, meta = {}) =>
      dispatch.execute(requestCaller(subject, meta, randomBytes), op, args),
    channels: { receive: channels.receive, status: channels.status },
    get connectionCount() {
      return connections.count;
    },
    close(code) {
      closed = true;
      reporting.close();
      timers.close();
      // Connections first: their goodbyes must not arm call timers that would keep the process alive.
      connections.close(code);
      voice.close();
    },
  };
}
