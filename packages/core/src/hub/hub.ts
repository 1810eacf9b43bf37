import type { Agent, AwayReason, PresenceStatus } from '../agent/agent.types';
import {
  type PresenceEvent,
  type PresenceSnapshot,
  presenceMachine,
  presenceSnapshot,
} from '../agent/presence.machine';
import { type ChatEvent, type ChatSnapshot, chatMachine, chatSnapshot } from '../interaction/chat.machine';
import type { Channel, Customer, Interaction, Participant } from '../interaction/interaction.types';
import { transition } from '../machine';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { parseClientFrame } from '../protocol/protocol';
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
import type { Queue } from '../queue/queue.types';
import { createRouter } from '../routing/router';
import type { RoutingEvent, RoutingOffer } from '../routing/routing.types';
import type {
  HubClock,
  HubConnection,
  HubConnectionSink,
  HubOptions,
  HubStorage,
  StoredEvent,
  Subject,
} from './hub.types';
import { randomId, secureRandomBytes } from './ids';
import { createMemoryStorage } from './memory.storage';

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
  connect(sink: HubConnectionSink): HubConnection;
  /** The live interaction with this id, if the hub holds it. */
  interaction(id: string): Interaction | undefined;
  /** Every interaction the hub holds live. */
  interactions(): Interaction[];
  /** Presence of an agent. */
  presenceOf(agentId: string): PresenceSnapshot | undefined;
  /** Stops every timer and closes every connection with "going away". */
  close(): void;
}

interface Live {
  interaction: Interaction;
  chat: ChatSnapshot;
}

interface Conn {
  readonly id: string;
  readonly sink: HubConnectionSink;
  subject?: Subject;
  resumeToken?: string;
  lastSeenAt: number;
  closed: boolean;
}

type Handler<Op extends CommandOp> = (
  conn: Conn & { subject: Subject },
  args: CommandArgs<Op>,
) => Promise<CommandResult<Op>>;

const STAFF_ROLES = new Set(['agent', 'supervisor']);

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
  const queues = new Map<string, Queue>(options.queues.map((q) => [q.id, q]));
  const agents = new Map<string, Agent>(options.agents.map((a) => [a.id, a]));
  const router = createRouter({ queues: options.queues, now: clock.now });
  for (const agent of options.agents) router.upsertAgent(agent);

  const live = new Map<string, Live>();
  const presence = new Map<string, PresenceSnapshot>();
  const conns = new Set<Conn>();
  const resumeTokens = new Map<string, string>(); // token → subject id
  const locks = new Map<string, Promise<unknown>>();
  const lastPositions = new Map<string, string>();
  const offerTimers = new Map<string, unknown>();
  let heartbeatTimer: unknown;
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
    return [...conns].filter((c) => c.subject?.id === subjectId);
  }

  function notify(subjectId: string, notice: Notice): void {
    for (const conn of connsOf(subjectId)) send(conn, { t: 'notice', notice });
  }

  /** Visitors never see agent-only fields. */
  function wireFor(interaction: Interaction, subject: Subject): WireInteraction {
    if (STAFF_ROLES.has(subject.role)) return interaction as WireInteraction;
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

  function syncFromChat(current: Live): void {
    const { value, context } = current.chat;
    current.interaction = {
      ...current.interaction,
      state: value,
      queueId: context.queueId ?? current.interaction.queueId,
      prechat: context.prechat,
      timestamps: context.timestamps,
      ...(context.agentId === undefined ? { agentId: undefined } : { agentId: context.agentId }),
      ...(context.endReason === undefined ? {} : { endReason: context.endReason }),
      ...(context.endedBy === undefined ? {} : { endedBy: context.endedBy }),
      ...(context.disposition === undefined ? {} : { disposition: context.disposition }),
      ...(context.notes === undefined ? {} : { notes: context.notes }),
    };
  }

  /** Applies a chat machine event: persists the interaction and logs a `state` event when the state changed. */
  async function drive(current: Live, event: ChatEvent): Promise<void> {
    const result = transition(chatMachine, current.chat, event);
    if (!result.ok) throw stateConflict(current, event.type, result.error);
    const before = current.chat.value;
    current.chat = result.snapshot;
    syncFromChat(current);
    await storage.putInteraction(current.interaction);
    if (before !== current.chat.value) {
      const { endReason, endedBy } = current.interaction;
      await appendAndFanOut(current.interaction.id, {
        type: 'state',
        state: current.chat.value,
        ...(current.chat.value === 'ended' || current.chat.value === 'wrap-up' ? { endReason, endedBy } : {}),
      } as ConversationEvent);
    }
    const agentId = current.interaction.agentId;
    if (agentId) notifyInteraction(agentId, current.interaction);
    if (current.chat.value === 'ended') onEnded(current);
  }

  function stateConflict(current: Live, operation: string, cause: HelplineError): HelplineError {
    return helplineError(
      'conflict/state',
      { operation, entity: 'interaction', state: current.chat.value },
      { cause },
    );
  }

  function notifyInteraction(subjectId: string, interaction: Interaction): void {
    const subject = connsOf(subjectId)[0]?.subject;
    if (subject) notify(subjectId, { type: 'interaction', interaction: wireFor(interaction, subject) });
  }

  function onEnded(current: Live): void {
    const { interaction } = current;
    clearOfferTimer(interaction.id);
    router.remove(interaction.id);
    router.release(interaction.id);
    const { answeredAt, endedAt, wrapUpEndedAt } = interaction.timestamps;
    if (answeredAt !== undefined && endedAt !== undefined) {
      router.recordHandleTime(interaction.queueId, ((wrapUpEndedAt ?? endedAt) - answeredAt) / 1000);
    }
    lastPositions.delete(interaction.id);
    schedule();
  }

  async function getLive(subject: Subject, cid: string): Promise<Live> {
    let current = live.get(cid);
    if (!current) {
      const stored = await storage.getInteraction(cid);
      // A finished interaction read back from storage: enough for history, CSAT and transcripts.
      if (stored) {
        current = { interaction: stored, chat: restoredSnapshot(stored) };
        live.set(cid, current);
      }
    }
    if (!current || !canAccess(subject, current.interaction)) {
      throw helplineError('not-found', { entity: 'Conversation', id: cid });
    }
    return current;
  }

  function restoredSnapshot(interaction: Interaction): ChatSnapshot {
    const queue = queues.get(interaction.queueId);
    const base = chatSnapshot({
      at: interaction.timestamps.createdAt,
      queueId: interaction.queueId,
      ...(queue ? { acw: queue.acw, dispositionRequired: queue.dispositionRequired } : {}),
    });
    // An offer does not survive a restart: its timer and reservation are gone, so it waits in line again.
    const value = interaction.state === 'offered' ? 'queued' : (interaction.state as ChatSnapshot['value']);
    return {
      value,
      context: {
        ...base.context,
        prechat: interaction.prechat,
        timestamps: interaction.timestamps,
        ...(interaction.agentId === undefined ? {} : { agentId: interaction.agentId }),
        ...(interaction.endReason === undefined ? {} : { endReason: interaction.endReason }),
        ...(interaction.endedBy === undefined ? {} : { endedBy: interaction.endedBy }),
      },
    };
  }

  // ─── routing ──────────────────────────────────────────────────────────────────────────────────

  function clearOfferTimer(cid: string): void {
    const timer = offerTimers.get(cid);
    if (timer !== undefined) clock.clearTimeout(timer);
    offerTimers.delete(cid);
  }

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
    await serialized(routed.interactionId, () =>
      drive(current, {
        type: 'OFFER',
        at: routed.offeredAt,
        agentId: routed.agentId,
        expiresAt: routed.expiresAt,
      }),
    );
    const subject = connsOf(routed.agentId)[0]?.subject;
    notify(routed.agentId, {
      type: 'offer',
      offer: {
        interaction: subject
          ? wireFor(current.interaction, subject)
          : (current.interaction as WireInteraction),
        expiresAt: routed.expiresAt,
      },
    });
    clearOfferTimer(routed.interactionId);
    offerTimers.set(
      routed.interactionId,
      clock.setTimeout(
        () => void runRouting(() => router.tick()),
        Math.max(0, routed.expiresAt - clock.now()),
      ),
    );
  }

  async function missed(routed: RoutingOffer): Promise<void> {
    clearOfferTimer(routed.interactionId);
    const current = live.get(routed.interactionId);
    if (current?.chat.value !== 'offered') return;
    await serialized(routed.interactionId, () => drive(current, { type: 'OFFER_TIMEOUT', at: clock.now() }));
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
      status === 'available'
        ? { type: 'GO_AVAILABLE', at }
        : status === 'offline'
          ? { type: 'GO_OFFLINE', at }
          : by === 'system'
            ? { type: 'FORCE', at, to: 'away', reason: reason ?? 'supervisor' }
            : { type: 'GO_AWAY', at, reason: reason ?? '' };
    const result = transition(presenceMachine, presenceOf(agentId), event);
    if (!result.ok) {
      throw helplineError('validation/field', {
        scope: 'presence.set',
        field: 'reason',
        detail: 'is required when going away',
      });
    }
    presence.set(agentId, result.snapshot);
    const events = router.setPresence(agentId, result.snapshot.value, result.snapshot.context.reasonCode);
    notify(agentId, {
      type: 'presence',
      status: result.snapshot.value,
      ...(result.snapshot.context.reasonCode === undefined
        ? {}
        : { reason: result.snapshot.context.reasonCode }),
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
    },
  ): Promise<Live> {
    const at = clock.now();
    const id = randomId('c', randomBytes);
    const prechat = fields.prechat ?? {};
    const visitor: Participant = { id: subject.id, role: 'visitor', displayName: subject.name, joinedAt: at };
    const interaction: Interaction = {
      id,
      channel,
      state: 'prechat',
      queueId: queue.id,
      customer: customerOf(subject, prechat),
      participants: [visitor],
      priority: 0,
      requiredSkills: [],
      prechat,
      timestamps: { createdAt: at },
      ...(fields.topic ? { topic: fields.topic } : {}),
      ...(fields.language ? { language: fields.language } : {}),
    };
    const current: Live = {
      interaction,
      chat: chatSnapshot({
        at,
        queueId: queue.id,
        acw: queue.acw,
        dispositionRequired: queue.dispositionRequired,
      }),
    };
    live.set(id, current);
    await storage.putInteraction(interaction);
    await appendAndFanOut(id, { type: 'created', interaction: wireFor(interaction, subject) });
    return current;
  }

  async function enqueue(current: Live, prechat: Readonly<Record<string, string>>): Promise<void> {
    await drive(current, { type: 'SUBMIT_PRECHAT', at: clock.now(), fields: prechat });
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

  async function addParticipant(current: Live, agentId: string): Promise<void> {
    const agent = agents.get(agentId);
    const participant: Participant = {
      id: agentId,
      role: 'agent',
      displayName: agent?.displayName ?? agentId,
      joinedAt: clock.now(),
    };
    current.interaction = {
      ...current.interaction,
      participants: [...current.interaction.participants, participant],
    };
    await storage.putInteraction(current.interaction);
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
    await storage.putInteraction(current.interaction);
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

  // ─── command handlers ─────────────────────────────────────────────────────────────────────────

  const handlers: { [Op in CommandOp]: Handler<Op> } = {
    async 'chat.start'(conn, args) {
      requireVisitor(conn.subject, 'start a chat');
      const queue = pickQueue(args.queueId, args.topic);
      const current = await createInteraction(conn.subject, args.channel, queue, args);
      await serialized(current.interaction.id, () => enqueue(current, args.prechat ?? {}));
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'callback.request'(conn, args) {
      requireVisitor(conn.subject, 'request a callback');
      const queue = pickQueue(args.queueId, args.topic);
      const current = await createInteraction(conn.subject, 'callback', queue, args);
      current.interaction = {
        ...current.interaction,
        customer: { ...current.interaction.customer, phone: args.phone, timeZone: args.timeZone },
      };
      await serialized(current.interaction.id, () => enqueue(current, args.prechat ?? {}));
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'callback.cancel'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      await serialized(args.cid, () => drive(current, { type: 'VISITOR_LEFT', at: clock.now() }));
      return {};
    },
    async 'offline.leave'(conn, args) {
      requireVisitor(conn.subject, 'leave a message');
      const queue = pickQueue(args.queueId, args.topic);
      const current = await createInteraction(conn.subject, 'offline-message', queue, args);
      await serialized(current.interaction.id, async () => {
        await appendAndFanOut(current.interaction.id, {
          type: 'message',
          messageId: randomId('m', randomBytes),
          clientMsgId: randomId('o', randomBytes),
          from: { id: conn.subject.id, role: 'visitor', name: conn.subject.name },
          text: args.text,
        });
        await enqueue(current, args.prechat ?? {});
      });
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, conn.subject) };
    },
    async 'csat.submit'(conn, args) {
      requireVisitor(conn.subject, 'rate a conversation');
      const current = await getLive(conn.subject, args.cid);
      return serialized(args.cid, async () => {
        if (current.chat.value !== 'wrap-up' && current.chat.value !== 'ended') {
          throw helplineError('conflict/state', {
            operation: 'rate',
            entity: 'conversation',
            state: current.chat.value,
          });
        }
        if (current.interaction.csat) {
          throw helplineError('conflict/state', {
            operation: 'rate',
            entity: 'conversation',
            state: 'rated',
          });
        }
        current.interaction = {
          ...current.interaction,
          csat: {
            score: args.score,
            ...(args.comment ? { comment: args.comment } : {}),
            ...(args.nps === undefined ? {} : { nps: args.nps }),
          },
        };
        await storage.putInteraction(current.interaction);
        await appendAndFanOut(args.cid, {
          type: 'csat',
          score: args.score,
          ...(args.comment ? { comment: args.comment } : {}),
        });
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
        if (original && original.ev.type === 'message') {
          return { seq: original.seq, messageId: original.ev.messageId, at: original.at };
        }
        const state = current.chat.value;
        const allowed = conn.subject.role === 'visitor' ? ['queued', 'offered', 'active'] : ['active'];
        if (conn.subject.role !== 'visitor')
          requireAssignedAgent(conn.subject, current, 'write in this conversation');
        if (!allowed.includes(state)) {
          throw helplineError('conflict/state', {
            operation: 'send a message',
            entity: 'conversation',
            state,
          });
        }
        const stored = await appendAndFanOut(args.cid, {
          type: 'message',
          messageId: randomId('m', randomBytes),
          clientMsgId: args.clientMsgId,
          from: { id: conn.subject.id, role: conn.subject.role, name: conn.subject.name },
          text: args.text,
        });
        return { seq: stored.seq, messageId: (stored.ev as { messageId: string }).messageId, at: stored.at };
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
      if (conn.subject.role === 'visitor') {
        await serialized(args.cid, () => drive(current, { type: 'VISITOR_LEFT', at: clock.now() }));
      } else {
        requireAssignedAgent(conn.subject, current, 'end this conversation');
        await serialized(args.cid, () => drive(current, { type: 'AGENT_END', at: clock.now() }));
      }
      return {};
    },
    async 'presence.set'(conn, args) {
      requireStaff(conn.subject, 'set presence');
      const snapshot = await setPresence(conn.subject.id, args.status, args.reason, 'agent');
      return {
        status: snapshot.value,
        ...(snapshot.context.reasonCode === undefined ? {} : { reason: snapshot.context.reasonCode }),
      };
    },
    async 'offer.accept'(conn, args) {
      requireStaff(conn.subject, 'accept an offer');
      const current = await getLive({ ...conn.subject, role: 'supervisor' }, args.cid).catch(() => undefined);
      const routed = router.offerOf(args.cid);
      if (!current || routed?.agentId !== conn.subject.id) {
        throw helplineError('not-found', { entity: 'Offer', id: args.cid });
      }
      await serialized(args.cid, async () => {
        await drive(current, { type: 'ACCEPT', at: clock.now(), agentId: conn.subject.id });
        clearOfferTimer(args.cid);
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
      const routed = router.offerOf(args.cid);
      if (!current || routed?.agentId !== conn.subject.id) {
        throw helplineError('not-found', { entity: 'Offer', id: args.cid });
      }
      await serialized(args.cid, () =>
        drive(current, { type: 'REJECT', at: clock.now(), agentId: conn.subject.id }),
      );
      clearOfferTimer(args.cid);
      void runRouting(() => router.reject(args.cid, conn.subject.id));
      return {};
    },
    async 'wrapup.submit'(conn, args) {
      const current = await getLive(conn.subject, args.cid);
      requireAssignedAgent(conn.subject, current, 'wrap up this interaction');
      const queue = queues.get(current.interaction.queueId);
      if (args.disposition && queue && !queue.dispositions.some((d) => d.id === args.disposition)) {
        throw helplineError('validation/field', {
          scope: 'wrapup.submit',
          field: 'disposition',
          detail: `"${args.disposition}" is not a disposition of queue ${queue.id}`,
        });
      }
      await serialized(args.cid, async () => {
        if (current.chat.value === 'wrap-up' && queue?.dispositionRequired && !args.disposition) {
          throw helplineError('wrapup/disposition-required', { queue: queue.id }, { field: 'disposition' });
        }
        await drive(current, {
          type: 'WRAP_UP_DONE',
          at: clock.now(),
          ...(args.disposition ? { disposition: args.disposition } : {}),
          ...(args.notes ? { notes: args.notes } : {}),
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
      if (args.toAgentId) {
        const snapshot = presence.get(args.toAgentId);
        if (!agents.has(args.toAgentId) || snapshot?.value !== 'available') {
          throw helplineError('agent/unavailable', { agent: args.toAgentId });
        }
      }
      await serialized(args.cid, async () => {
        await removeParticipant(current, conn.subject.id);
        await drive(current, {
          type: 'TRANSFER',
          at: clock.now(),
          ...(target
            ? { queueId: target.id, acw: target.acw, dispositionRequired: target.dispositionRequired }
            : {}),
        });
        if (args.note) await appendAndFanOut(args.cid, { type: 'note', text: args.note });
      });
      router.release(args.cid);
      const { interaction } = current;
      void runRouting(() =>
        router.enqueue({
          id: interaction.id,
          queueId: interaction.queueId,
          channel: interaction.channel,
          priority: interaction.priority,
          requiredSkills: interaction.requiredSkills,
          waitingSince: interaction.timestamps.queuedAt ?? clock.now(),
        }),
      );
      return {};
    },
    async 'agent.snapshot'(conn) {
      requireStaff(conn.subject, 'read the agent snapshot');
      const snapshot = presenceOf(conn.subject.id);
      const mine = [...live.values()].map((l) => l.interaction).filter((i) => i.agentId === conn.subject.id);
      const offers = mine
        .filter((i) => i.state === 'offered')
        .flatMap((i) => {
          const routed = router.offerOf(i.id);
          return routed ? [{ interaction: wireFor(i, conn.subject), expiresAt: routed.expiresAt }] : [];
        });
      return {
        status: snapshot.value,
        ...(snapshot.context.reasonCode === undefined ? {} : { reason: snapshot.context.reasonCode }),
        interactions: mine.filter((i) => i.state !== 'offered').map((i) => wireFor(i, conn.subject)),
        offers,
      };
    },
  };

  // ─── connection lifecycle ─────────────────────────────────────────────────────────────────────

  async function hello(conn: Conn, frame: HelloFrame): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION) {
      return refuse(
        conn,
        CLOSE_CODES.protocolError,
        helplineError('protocol/unsupported-version', {
          version: frame.v,
          supported: PROTOCOL_VERSION,
        }),
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
      const owner = resumeTokens.get(frame.resume.token);
      resumeTokens.delete(frame.resume.token);
      if (owner !== subject.id) {
        return refuse(
          conn,
          CLOSE_CODES.unauthorized,
          helplineError('auth/invalid-token', { detail: 'resume token does not match' }),
        );
      }
      resumed = true;
    }
    conn.subject = subject;
    conn.resumeToken = randomId('r', randomBytes);
    resumeTokens.set(conn.resumeToken, subject.id);
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
    conns.delete(conn);
    conn.sink.close(code, error.code);
  }

  async function command(conn: Conn & { subject: Subject }, frame: CommandFrame): Promise<void> {
    try {
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
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      const id = commandIdOf(raw);
      if (id) send(conn, { t: 'nack', id, error: parsed.error.toPayload() });
      else refuse(conn, CLOSE_CODES.protocolError, parsed.error);
      return;
    }
    const frame: ClientFrame = parsed.value;
    if (frame.t === 'hello') {
      if (conn.subject)
        return refuse(
          conn,
          CLOSE_CODES.protocolError,
          helplineError('protocol/invalid-frame', { detail: 'hello sent twice' }),
        );
      return hello(conn, frame);
    }
    if (!conn.subject) return refuse(conn, CLOSE_CODES.unauthorized, helplineError('auth/required'));
    if (frame.t === 'pong') return;
    if (frame.t === 'ping') return send(conn, { t: 'pong', ts: frame.ts });
    return command(conn as Conn & { subject: Subject }, frame);
  }

  function heartbeat(): void {
    const now = clock.now();
    for (const conn of conns) {
      if (now - conn.lastSeenAt > heartbeatMs * 2.5) {
        refuse(
          conn,
          CLOSE_CODES.timeout,
          helplineError('connection/timeout', { op: 'ping', ms: heartbeatMs * 2 }),
        );
      } else {
        send(conn, { t: 'ping', ts: now });
      }
    }
    heartbeatTimer = conns.size > 0 ? clock.setTimeout(heartbeat, heartbeatMs) : undefined;
  }

  return {
    connect(sink) {
      const conn: Conn = { id: randomId('k', randomBytes), sink, lastSeenAt: clock.now(), closed: false };
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
          conns.delete(conn);
        },
      };
    },
    interaction: (id) => live.get(id)?.interaction,
    interactions: () => [...live.values()].map((l) => l.interaction),
    presenceOf: (agentId) => presence.get(agentId),
    close() {
      closed = true;
      if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
      for (const timer of offerTimers.values()) clock.clearTimeout(timer);
      offerTimers.clear();
      for (const conn of [...conns]) {
        refuse(conn, CLOSE_CODES.goingAway, helplineError('connection/closed'));
      }
    },
  };
}

/** The command id of a frame that failed validation, when one can be read, so the sender gets a `nack`. */
function commandIdOf(raw: string): string | undefined {
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
