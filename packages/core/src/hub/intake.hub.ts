import { contactIdentity } from '../customer/customer.identity';
import { randomId } from '../ids/ids';
import type { Channel, Customer, Interaction, Participant } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import { queueAvailability } from '../queue/business-hours';
import type { Queue } from '../queue/queue.types';
import { decideRouting, type RoutingDecision, type RoutingRule } from '../routing/rules';
import { authorizeRole } from './access';
import type { Change, ConversationLog } from './conversation.log';
import { afterReply, type CommandHandlers } from './dispatch';
import type { CommitOptions, ConnectionMeta, HubClock, HubStorage, Subject } from './hub.types';
import { type Lifecycle, withSnapshot } from './lifecycles';
import type { Live } from './live';

// Intake: how a contact becomes an interaction — the routing rules pick its queue, priority and skills; the record,
// machine and `created` event are drafted and stored as one unit with its first step; a retried request (a lost
// ack, a restart) gets the interaction the first attempt created.

/** Conversation-starting requests remembered for deduplication. */
const START_REQUEST_LIMIT = 10_000;

/** The client request that starts a conversation (see {@link HubStorage.startedBy}). */
export type StartRequest = NonNullable<CommitOptions['startRequest']>;

/** What a new contact tells about itself, as far as routing cares. */
export interface ContactFields {
  readonly queueId?: string | undefined;
  readonly topic?: string | undefined;
  readonly language?: string | undefined;
  readonly phone?: string;
}

/** What a new interaction's record is drafted from, besides who starts it and where it goes. */
export interface DraftFields {
  readonly topic?: string | undefined;
  readonly language?: string | undefined;
  readonly prechat?: Readonly<Record<string, string>> | undefined;
  /** Customer fields the request itself gives (a callback's phone and time zone). */
  readonly customer?: Partial<Customer>;
}

/** What intake needs from the hub. */
export interface IntakeDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The queues, the first one the default. */
  readonly queues: ReadonlyMap<string, Queue>;
  readonly routingRules: readonly RoutingRule[];
  readonly lifecycles: Readonly<Partial<Record<Channel, Lifecycle>>>;
  /** Which conversation a request opened before a restart (optional). */
  readonly storage: Pick<HubStorage, 'startedBy'>;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'addEvent' | 'step' | 'commit'>;
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
  /** Puts an interaction in line. */
  readonly enqueue: (current: Live) => void;
}

/** Intake of a hub: the commands that start conversations, and the drafting that callbacks share. */
export interface Intake {
  readonly handlers: CommandHandlers<'chat.start' | 'offline.leave'>;
  /** The routing rules' decision for a new contact, and its queue (a rule's, else the one asked for, else the topic's). */
  routeNew(
    subject: Subject,
    meta: ConnectionMeta,
    fields: ContactFields,
  ): { queue: Queue; routing: RoutingDecision };
  /** A queue by id (or topic; none: the first queue); `not-found` otherwise. */
  pickQueue(queueId: string | undefined, topic: string | undefined): Queue;
  /** Drafts a new interaction and its first change (nothing stored yet). */
  draftInteraction(
    subject: Subject,
    channel: Channel,
    queue: Queue,
    fields: DraftFields,
    startRequest: StartRequest | undefined,
    routing: RoutingDecision,
  ): { current: Live; change: Change };
  /** The `enqueue` step: the pre-chat answers reach the machine and the customer waits in line. */
  enqueueStep(current: Live, change: Change): void;
  /** Runs a conversation-starting command once per `requestId`. */
  once(
    subject: Subject,
    requestId: string | undefined,
    start: (startRequest: StartRequest | undefined) => Promise<Live>,
  ): Promise<Live>;
}

/**
 * Creates the intake of a hub.
 *
 * @example
 * ```ts
 * const intake = createIntake({ clock, randomBytes, queues, routingRules, lifecycles, storage, load, log, … });
 * const handlers = { ...intake.handlers };
 * ```
 */
export function createIntake(deps: IntakeDeps): Intake {
  const { clock, randomBytes, queues, lifecycles, serialized, wireFor } = deps;
  const { changeOf, addEvent, step, commit } = deps.log;
  const startRequests = new Map<string, Promise<Live>>();

  /**
   * What the routing rules decide for a contact `subject` starts from `meta` (and the queue it goes to: a rule's
   * queue, else the one asked for, else the topic's).
   */
  function routeNew(
    subject: Subject,
    meta: ConnectionMeta,
    fields: ContactFields,
  ): { queue: Queue; routing: RoutingDecision } {
    const attributes = subject.customer?.attributes ?? {};
    const routing = decideRouting(deps.routingRules, {
      attributes,
      phone: fields.phone ?? subject.customer?.phone,
      topic: fields.topic,
      language: fields.language ?? subject.customer?.language,
      country: meta.country ?? attributes.country,
    });
    return { queue: pickQueue(routing.queueId ?? fields.queueId, fields.topic), routing };
  }

  function pickQueue(queueId: string | undefined, topic: string | undefined): Queue {
    const id = queueId ?? topic;
    const queue = id === undefined ? queues.values().next().value : queues.get(id);
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

  /**
   * Drafts a new interaction: its record, machine and `created` event, none of it stored yet. The caller adds the
   * first steps to the change and commits it, so a conversation exists whole or not at all.
   */
  function draftInteraction(
    subject: Subject,
    channel: Channel,
    queue: Queue,
    fields: DraftFields,
    startRequest: StartRequest | undefined,
    routing: RoutingDecision,
  ): { current: Live; change: Change } {
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
      priority: routing.priority,
      requiredSkills: routing.requiredSkills,
      ...(routing.reasons.length > 0 ? { routingReasons: routing.reasons } : {}),
      prechat,
      timestamps: { createdAt: at },
      ...(fields.topic ? { topic: fields.topic } : {}),
      ...(fields.language ? { language: fields.language } : {}),
    };
    const snapshot = lifecycle.create(at, queue, draft);
    // The answers reach the machine with the `enqueue` step; until then the draft holds them.
    const current: Live = { interaction: { ...withSnapshot(draft, snapshot), prechat }, snapshot, lifecycle };
    const change = changeOf(current);
    if (startRequest) change.startRequest = startRequest;
    change.contact = contactIdentity(subject, channel, prechat);
    addEvent(change, { type: 'created', interaction: wireFor(current.interaction, subject) });
    change.reports.push({
      at,
      interactionId: id,
      type: 'created',
      channel,
      queueId: queue.id,
      customerId: subject.id,
      ...(fields.topic ? { topic: fields.topic } : {}),
    });
    return { current, change };
  }

  /** The `enqueue` step: the pre-chat answers reach the machine and the customer waits in line. */
  function enqueueStep(current: Live, change: Change): void {
    step(current, change, { kind: 'enqueue', prechat: change.interaction.prechat });
  }

  function requireOpenQueue(queue: Queue): void {
    if (!queueAvailability(queue, clock.now()).open) throw helplineError('queue/closed', { queue: queue.id });
  }

  /**
   * Runs a conversation-starting command once per `requestId`: a retry after a lost ack (or a duplicate sent
   * concurrently) gets the interaction the first attempt created.
   */
  function once(
    subject: Subject,
    requestId: string | undefined,
    start: (startRequest: StartRequest | undefined) => Promise<Live>,
  ): Promise<Live> {
    if (requestId === undefined) return start(undefined);
    const key = `${subject.id}\u0000${requestId}`;
    const known = startRequests.get(key);
    if (known) return known;
    const startRequest = { subjectId: subject.id, requestId };
    const task = (async () => {
      // A retry after a restart: storage remembers which conversation this request opened.
      const cid = await deps.storage.startedBy?.(subject.id, requestId);
      const earlier = cid === undefined ? undefined : await deps.load(cid);
      return earlier ?? start(startRequest);
    })();
    startRequests.set(key, task);
    task.catch(() => startRequests.delete(key));
    // Concurrent duplicates meet here; the oldest keys go first (storage keeps them all).
    if (startRequests.size > START_REQUEST_LIMIT)
      startRequests.delete(startRequests.keys().next().value as string);
    return task;
  }

  const handlers: Intake['handlers'] = {
    async 'chat.start'(caller, args) {
      authorizeRole(caller.subject, 'chat.start', 'start a chat');
      const current = await once(caller.subject, args.requestId, async (startRequest) => {
        const { queue, routing } = routeNew(caller.subject, caller.meta, args);
        requireOpenQueue(queue);
        const { current: created, change } = draftInteraction(
          caller.subject,
          args.channel,
          queue,
          args,
          startRequest,
          routing,
        );
        enqueueStep(created, change);
        await serialized(created.interaction.id, () => commit(created, change));
        afterReply(caller, () => deps.enqueue(created));
        return created;
      });
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, caller.subject) };
    },
    async 'offline.leave'(caller, args) {
      authorizeRole(caller.subject, 'offline.leave', 'leave a message');
      const current = await once(caller.subject, args.requestId, async (startRequest) => {
        const { queue, routing } = routeNew(caller.subject, caller.meta, args);
        const { current: created, change } = draftInteraction(
          caller.subject,
          'offline-message',
          queue,
          args,
          startRequest,
          routing,
        );
        addEvent(change, {
          type: 'message',
          messageId: randomId('m', randomBytes),
          clientMsgId: randomId('o', randomBytes),
          from: { id: caller.subject.id, role: 'visitor', name: caller.subject.name },
          text: redactCardNumbers(args.text),
        });
        enqueueStep(created, change);
        await serialized(created.interaction.id, () => commit(created, change));
        afterReply(caller, () => deps.enqueue(created));
        return created;
      });
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, caller.subject) };
    },
  };

  return { handlers, routeNew, pickQueue, draftInteraction, enqueueStep, once };
}
