import { type Action, defineMachine, type Guard, type Snapshot } from '../machine';
import type { AcwPolicy } from '../queue/queue.types';
import type { EndedBy, EndReason } from './interaction.types';
import {
  DEFAULT_WRAP_UP_POLICY,
  type DeadlineKind,
  dispositionSatisfies,
  eventOfType,
  latestTime,
  monotonicTime,
  type OfferEvent,
  type OfferFields,
  offerActions,
  offerDeadline,
  offerGuards,
  type ReassignEvent,
  recordReassign,
  type WrapUpFields,
  type WrapUpPolicy,
  withAnswer,
  withLegEnded,
  withQueued,
} from './lifecycle';

/**
 * States of an asynchronous conversation (email, SMS, WhatsApp, Messenger):
 * - `queued`, `offered`: waiting for an agent, as a chat does;
 * - `active`: an agent works on it (it holds one unit of the agent's capacity on its channel);
 * - `pending`: the agent answered and waits for the customer;
 * - `snoozed`: put aside until a time (`snoozedUntil`), then back to `active`;
 * - `resolved`: done — until the customer writes again, which reopens it (back to `queued`).
 *
 * `pending` and `snoozed` stay assigned to their agent but hold no capacity.
 */
export type MessagingState = 'queued' | 'offered' | 'active' | 'pending' | 'snoozed' | 'resolved';

/** Every messaging state, in the order a conversation usually passes through them. */
export const MESSAGING_STATES = [
  'queued',
  'offered',
  'active',
  'pending',
  'snoozed',
  'resolved',
] as const satisfies readonly MessagingState[];

/** Everything that can happen to an asynchronous conversation; every event carries `at` (epoch ms). */
export type MessagingEvent =
  | OfferEvent
  | ReassignEvent
  /**
   * The customer wrote. While waiting for an agent or handled it changes nothing but the facts; it brings a
   * `pending` or `snoozed` conversation back to `active` (its agent's again), and reopens a `resolved` one into the
   * queue.
   */
  | { readonly type: 'CUSTOMER_MESSAGE'; readonly at: number }
  /** The assigned agent wrote to the customer (first response, replies per resolution). */
  | { readonly type: 'AGENT_REPLY'; readonly at: number }
  /** The agent waits for the customer's answer. */
  | { readonly type: 'SET_PENDING'; readonly at: number }
  /** The agent puts the conversation aside until `until` (epoch ms, in the future). */
  | { readonly type: 'SNOOZE'; readonly at: number; readonly until: number }
  /** The snooze ran out: the conversation is the agent's to work on again. */
  | { readonly type: 'WAKE'; readonly at: number }
  /**
   * Staff bring it back to `active` before the customer writes: from `pending` or `snoozed` it stays with its agent;
   * a `resolved` one is reopened for `agentId` (who must have room for it: the hub checks).
   */
  | { readonly type: 'REOPEN'; readonly at: number; readonly agentId: string }
  /** Done, with the disposition and notes chosen (required when the queue asks for a disposition). */
  | {
      readonly type: 'RESOLVE';
      readonly at: number;
      readonly by: Exclude<EndedBy, 'visitor'>;
      readonly disposition?: string | undefined;
      readonly notes?: string | undefined;
    }
  /** Back to a queue (the same or `queueId`), with that queue's policy when it differs. */
  | {
      readonly type: 'TRANSFER';
      readonly at: number;
      readonly queueId?: string | undefined;
      readonly acw?: AcwPolicy | undefined;
      readonly dispositionRequired?: boolean | undefined;
    };

/** The type names of {@link MessagingEvent}. */
export type MessagingEventType = MessagingEvent['type'];

/**
 * Facts about one conversation. Which state it is in lives in the snapshot's `value`. `timestamps.queuedAt` is the
 * first time it was queued, `answeredAt` the first accept, `endedAt` the last resolution (cleared by a reopening).
 */
export interface MessagingContext extends WrapUpFields, OfferFields {
  readonly queueId?: string | undefined;
  readonly prechat: Readonly<Record<string, string>>;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
  /** The agent who last handled it: a reopened conversation is offered back to them first (when available). */
  readonly lastAgentId?: string | undefined;
  /** When a snoozed conversation wakes up, epoch ms; set only while `snoozed`. */
  readonly snoozedUntil?: number | undefined;
  /** When the current episode started: creation, or the customer message that reopened it (epoch ms). */
  readonly openedAt: number;
  /** The first agent reply of the current episode (first response time = this − `openedAt`), epoch ms. */
  readonly firstResponseAt?: number | undefined;
  /** Agent replies in the current episode. */
  readonly replies: number;
  /** The earliest customer message not answered yet, epoch ms (SLA of the next response); none when answered. */
  readonly awaitingReplySince?: number | undefined;
  /** How often a resolved conversation was reopened. */
  readonly reopenCount: number;
}

/** A messaging machine snapshot. */
export type MessagingSnapshot = Snapshot<MessagingState, MessagingContext>;

type MessagingGuard = Guard<MessagingContext, MessagingEvent>;
type MessagingAction = Action<MessagingContext, MessagingEvent>;

const timeOf = (context: MessagingContext, event: MessagingEvent): number =>
  monotonicTime(latestTime(context.timestamps), event.at);

type ResolveEvent = Extract<MessagingEvent, { readonly type: 'RESOLVE' }>;

const guards = {
  ...offerGuards(timeOf),
  snoozeInFuture: (context, event) => eventOfType(event, 'SNOOZE').until > timeOf(context, event),
  snoozeOver: (context, event) =>
    context.snoozedUntil !== undefined && timeOf(context, event) >= context.snoozedUntil,
  resolvable: (context, event) => dispositionSatisfies(context, eventOfType(event, 'RESOLVE').disposition),
  reopenerNamed: (_context, event) => eventOfType(event, 'REOPEN').agentId !== '',
} satisfies Record<string, MessagingGuard>;

/** Back to `active`, its agent's again: no snooze pending. */
const resume: MessagingAction = (context) => ({ ...context, snoozedUntil: undefined });

const actions = {
  ...offerActions(timeOf),
  enterQueue: (context, event) => withQueued(context, timeOf(context, event)),
  recordReassign,
  recordAnswer: (context, event) => ({
    ...withAnswer(context, timeOf(context, event)),
    lastAgentId: context.agentId,
  }),
  recordCustomerMessage: (context, event) => ({
    ...context,
    awaitingReplySince: context.awaitingReplySince ?? timeOf(context, event),
  }),
  recordReply: (context, event) => ({
    ...context,
    firstResponseAt: context.firstResponseAt ?? timeOf(context, event),
    replies: context.replies + 1,
    awaitingReplySince: undefined,
  }),
  resume,
  recordSnooze: (context, event) => ({ ...context, snoozedUntil: eventOfType(event, 'SNOOZE').until }),
  recordTransfer: (context, event) => {
    const transfer = eventOfType(event, 'TRANSFER');
    return {
      ...withLegEnded(context, timeOf(context, event), 'transferred'),
      snoozedUntil: undefined,
      queueId: transfer.queueId ?? context.queueId,
      acw: transfer.acw ?? context.acw,
      dispositionRequired: transfer.dispositionRequired ?? context.dispositionRequired,
    };
  },
  recordResolve: (context, event) => {
    const { by, disposition, notes }: ResolveEvent = eventOfType(event, 'RESOLVE');
    const at = timeOf(context, event);
    const ended = withLegEnded(context, at, 'completed');
    return {
      ...ended,
      snoozedUntil: undefined,
      endReason: 'completed',
      endedBy: by,
      disposition: disposition ?? context.disposition,
      notes: notes ?? context.notes,
      timestamps: { ...ended.timestamps, endedAt: at },
    };
  },
  // The customer wrote to a resolved conversation: a new episode starts, in the queue (the hub offers it back to
  // `lastAgentId` first when that agent can take it).
  reopenByCustomer: (context, event) => {
    const at = timeOf(context, event);
    return {
      ...withQueued(context, at),
      ...reopened(context, at),
      awaitingReplySince: at,
    };
  },
  // Staff reopened a resolved conversation for `agentId`, who handles it at once (an answered leg, no offer).
  reopenForAgent: (context, event) => {
    const { agentId } = eventOfType(event, 'REOPEN');
    const at = timeOf(context, event);
    return {
      ...context,
      ...reopened(context, at),
      agentId,
      lastAgentId: agentId,
      offerHistory: [...context.offerHistory, { agentId, offeredAt: at, expiresAt: at, answeredAt: at }],
    };
  },
} satisfies Record<string, MessagingAction>;

/** The facts a reopening resets: a new episode, not resolved any more. */
function reopened(context: MessagingContext, at: number) {
  const { endedAt: _endedAt, ...timestamps } = context.timestamps;
  return {
    endReason: undefined,
    endedBy: undefined,
    disposition: undefined,
    notes: undefined,
    openedAt: at,
    firstResponseAt: undefined,
    replies: 0,
    reopenCount: context.reopenCount + 1,
    timestamps,
  } satisfies Partial<MessagingContext>;
}

/** The transitions every state where an agent holds the conversation shares. */
const held = {
  AGENT_REPLY: { actions: ['recordReply'] },
  SNOOZE: { target: 'snoozed', guard: 'snoozeInFuture', actions: ['recordSnooze'] },
  RESOLVE: { target: 'resolved', guard: 'resolvable', actions: ['recordResolve'] },
  TRANSFER: { target: 'queued', actions: ['recordTransfer', 'enterQueue'] },
} as const;

/**
 * The lifecycle of an asynchronous conversation: `queued → offered → active ⇄ pending ⇄ snoozed(until) →
 * resolved`, reopened by the customer's next message (`resolved → queued`). Offers that are rejected, time out or
 * are withdrawn go back to `queued`, as do transfers. `offered` declares the offer's timeout, `snoozed` its wake-up
 * at `snoozedUntil` (`after`). There is no wrap-up phase: the disposition is given when resolving.
 *
 * SLA breaches are not deadlines of the machine: they change no state (see {@link messagingSla}).
 *
 * @example
 * ```ts
 * let conversation = messagingSnapshot({ at: Date.now(), queueId: 'support' });
 * const r = transition(messagingMachine, conversation, { type: 'OFFER', at: Date.now(), agentId: 'ann', expiresAt });
 * if (r.ok) conversation = r.snapshot; // conversation.value === 'offered'
 * ```
 */
export const messagingMachine = defineMachine<MessagingState, MessagingEvent, MessagingContext, DeadlineKind>(
  {
    id: 'messaging',
    initial: 'queued',
    context: {
      ...DEFAULT_WRAP_UP_POLICY,
      prechat: {},
      timestamps: { createdAt: 0 },
      offerHistory: [],
      missCount: 0,
      openedAt: 0,
      replies: 0,
      reopenCount: 0,
    },
    states: {
      queued: {
        on: {
          OFFER: { target: 'offered', guard: 'validOffer', actions: ['recordOffer'] },
          REASSIGN: { target: 'queued', actions: ['recordReassign'] },
          CUSTOMER_MESSAGE: { actions: ['recordCustomerMessage'] },
          // Spam, or nothing to answer: staff may close it without taking it.
          RESOLVE: { target: 'resolved', guard: 'resolvable', actions: ['recordResolve'] },
        },
      },
      offered: {
        on: {
          ACCEPT: { target: 'active', guard: 'fromOfferedAgent', actions: ['recordAnswer'] },
          REJECT: {
            target: 'queued',
            guard: 'fromOfferedAgent',
            actions: ['closeLegRejected', 'enterQueue'],
          },
          OFFER_TIMEOUT: {
            target: 'queued',
            guard: 'offerExpired',
            actions: ['closeLegMissed', 'enterQueue'],
          },
          OFFER_WITHDRAWN: { target: 'queued', actions: ['closeLegMissed', 'enterQueue'] },
          CUSTOMER_MESSAGE: { actions: ['recordCustomerMessage'] },
        },
        after: offerDeadline,
      },
      active: {
        on: {
          ...held,
          CUSTOMER_MESSAGE: { actions: ['recordCustomerMessage'] },
          SET_PENDING: { target: 'pending' },
        },
      },
      pending: {
        on: {
          ...held,
          // The answer the agent waited for: back to them.
          CUSTOMER_MESSAGE: { target: 'active', actions: ['recordCustomerMessage'] },
          REOPEN: { target: 'active' },
        },
      },
      snoozed: {
        on: {
          ...held,
          CUSTOMER_MESSAGE: { target: 'active', actions: ['recordCustomerMessage', 'resume'] },
          SET_PENDING: { target: 'pending', actions: ['resume'] },
          WAKE: { target: 'active', guard: 'snoozeOver', actions: ['resume'] },
          REOPEN: { target: 'active', actions: ['resume'] },
        },
        after: {
          kind: 'snooze-wake',
          at: (context) => context.snoozedUntil,
          event: (at) => ({ type: 'WAKE', at }),
        },
      },
      resolved: {
        on: {
          CUSTOMER_MESSAGE: { target: 'queued', actions: ['reopenByCustomer'] },
          REOPEN: { target: 'active', guard: 'reopenerNamed', actions: ['reopenForAgent'] },
        },
      },
    },
    guards,
    actions,
  },
);

/** Options of a new conversation. */
export interface MessagingOptions extends Partial<WrapUpPolicy> {
  /** When the customer's first message arrived, epoch ms. */
  readonly at: number;
  readonly queueId?: string | undefined;
}

/**
 * A new conversation, `queued` from its first customer message (a messaging contact has no pre-chat step: the
 * message is the request).
 *
 * @example
 * ```ts
 * const conversation = messagingSnapshot({ at: message.receivedAt, queueId: 'support' });
 * ```
 */
export function messagingSnapshot(options: MessagingOptions): MessagingSnapshot {
  return {
    value: messagingMachine.initial,
    context: {
      ...messagingMachine.context,
      acw: options.acw ?? messagingMachine.context.acw,
      dispositionRequired: options.dispositionRequired ?? messagingMachine.context.dispositionRequired,
      queueId: options.queueId,
      openedAt: options.at,
      awaitingReplySince: options.at,
      timestamps: { createdAt: options.at, queuedAt: options.at },
    },
  };
}

/** Service-level targets of asynchronous conversations, seconds (a queue's, or a site's default). */
export interface MessagingSlaPolicy {
  /** The first agent reply of an episode is due this long after it opened. */
  readonly firstResponseSeconds: number;
  /** Resolution is due this long after the episode opened. */
  readonly resolutionSeconds: number;
}

/** Where a conversation stands against its SLA at a time: when each target falls due and whether it was missed. */
export interface MessagingSla {
  /** When the first response is (or was) due, epoch ms. */
  readonly firstResponseDueAt: number;
  /** When resolution is (or was) due, epoch ms. */
  readonly resolutionDueAt: number;
  /** The first response came late, or has not come and is overdue at `now`. */
  readonly firstResponseBreached: boolean;
  /** Resolved late, or not resolved and overdue at `now`. */
  readonly resolutionBreached: boolean;
}

/**
 * The SLA of the current episode of a conversation at `now`. Computed, not a deadline of the machine: a breach
 * changes no state (the conversation stays where it is; boards and reports show it), and a state has one deadline,
 * which `offered` and `snoozed` already use.
 *
 * @example
 * ```ts
 * messagingSla(conversation, { firstResponseSeconds: 3600, resolutionSeconds: 86_400 }, Date.now()).firstResponseBreached;
 * ```
 */
export function messagingSla(
  snapshot: MessagingSnapshot,
  policy: MessagingSlaPolicy,
  now: number,
): MessagingSla {
  const { context } = snapshot;
  const firstResponseDueAt = context.openedAt + policy.firstResponseSeconds * 1000;
  const resolutionDueAt = context.openedAt + policy.resolutionSeconds * 1000;
  const respondedBy = context.firstResponseAt ?? now;
  const resolvedBy = snapshot.value === 'resolved' ? (context.timestamps.endedAt ?? now) : now;
  return {
    firstResponseDueAt,
    resolutionDueAt,
    firstResponseBreached: respondedBy > firstResponseDueAt,
    resolutionBreached: resolvedBy > resolutionDueAt,
  };
}
