import { type Action, can, defineMachine, type Guard, type Snapshot } from '../machine';
import type { AcwPolicy } from '../queue/queue.types';
import type { EndedBy, EndReason } from './interaction.types';
import {
  DEFAULT_WRAP_UP_POLICY,
  type DeadlineKind,
  dispositionSatisfies,
  endIntoWrapUp,
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
  type WrapUpEvent,
  type WrapUpFields,
  type WrapUpPolicy,
  withAnswer,
  withLegEnded,
  withQueued,
  wrapUpActions,
  wrapUpDeadline,
  wrapUpDeadlineAt,
  wrapUpExits,
  wrapUpGuards,
} from './lifecycle';
import { type Phase, phaseOf } from './phase';

/** States of a chat, in the order a chat usually passes through them. */
export type ChatState = 'prechat' | 'queued' | 'offered' | 'active' | 'wrap-up' | 'ended';

/**
 * Everything that can happen to a chat. Every event carries `at` (epoch ms, from the clock of whoever decides:
 * the server, or an injected clock in tests).
 */
export type ChatEvent =
  /** The visitor sent the pre-chat form. */
  | {
      readonly type: 'SUBMIT_PRECHAT';
      readonly at: number;
      readonly fields: Readonly<Record<string, string>>;
    }
  /** Enter the queue without a pre-chat form (identified visitor, or no form configured). */
  | { readonly type: 'QUEUE'; readonly at: number }
  | OfferEvent
  | { readonly type: 'VISITOR_LEFT'; readonly at: number }
  | { readonly type: 'AGENT_END'; readonly at: number }
  /** Nobody wrote for too long in an active chat. */
  | { readonly type: 'INACTIVITY_TIMEOUT'; readonly at: number }
  /** Back to a queue (the same or `queueId`), with that queue's wrap-up policy when it differs. */
  | {
      readonly type: 'TRANSFER';
      readonly at: number;
      readonly queueId?: string | undefined;
      readonly acw?: AcwPolicy | undefined;
      readonly dispositionRequired?: boolean | undefined;
    }
  /** The queue closed (business hours) before the chat was offered. */
  | { readonly type: 'CLOSE_QUEUE'; readonly at: number }
  | ReassignEvent
  /** A technical failure ended the chat. */
  | { readonly type: 'FAIL'; readonly at: number }
  | WrapUpEvent;

/** The type names of {@link ChatEvent}. */
export type ChatEventType = ChatEvent['type'];

/** Facts about one chat. Which state it is in lives in the snapshot's `value`, never here. */
export interface ChatContext extends WrapUpFields, OfferFields {
  readonly queueId?: string | undefined;
  /** Pre-chat answers, as text. */
  readonly prechat: Readonly<Record<string, string>>;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
  /** True when an agent dialled it (an outbound call, see `voiceInteractionMachine`): it began with its agent. */
  readonly outbound?: true | undefined;
}

/** A chat machine snapshot. */
export type ChatSnapshot = Snapshot<ChatState, ChatContext>;

type ChatGuard = Guard<ChatContext, ChatEvent>;
type ChatAction = Action<ChatContext, ChatEvent>;

const timeOf = (context: ChatContext, event: ChatEvent): number =>
  monotonicTime(latestTime(context.timestamps), event.at);

const guards = {
  ...offerGuards(timeOf),
  ...wrapUpGuards(timeOf),
} satisfies Record<string, ChatGuard>;

function end(reason: EndReason, by: EndedBy): ChatAction {
  return (context, event) => {
    const at = timeOf(context, event);
    const next = withLegEnded(context, at, reason);
    return { ...next, endReason: reason, endedBy: by, timestamps: { ...next.timestamps, endedAt: at } };
  };
}

const actions = {
  savePrechat: (context, event) => ({ ...context, prechat: eventOfType(event, 'SUBMIT_PRECHAT').fields }),
  enterQueue: (context, event) => withQueued(context, timeOf(context, event)),
  ...offerActions(timeOf),
  recordAnswer: (context, event) => withAnswer(context, timeOf(context, event)),
  recordTransfer: (context, event) => {
    const transfer = eventOfType(event, 'TRANSFER');
    return {
      ...withLegEnded(context, timeOf(context, event), 'transferred'),
      queueId: transfer.queueId ?? context.queueId,
      acw: transfer.acw ?? context.acw,
      dispositionRequired: transfer.dispositionRequired ?? context.dispositionRequired,
    };
  },
  recordReassign,
  endAbandoned: end('abandoned', 'visitor'),
  endCompletedByVisitor: end('completed', 'visitor'),
  endCompletedByAgent: end('completed', 'agent'),
  endInactive: end('timeout', 'system'),
  // A closing queue ends the wait because time ran out (business hours), not because anyone gave up.
  endQueueClosed: end('timeout', 'system'),
  endFailed: end('failed', 'system'),
  ...wrapUpActions(timeOf),
} satisfies Record<string, ChatAction>;

/** Ending from `active`: straight to `ended` under ACW policy `none`, otherwise into `wrap-up`. */
const endFromActive = (action: keyof typeof actions) => endIntoWrapUp('ended', action);

/**
 * The chat lifecycle: `prechat → queued → offered → active → wrap-up → ended`. Offers that are rejected,
 * time out or are withdrawn go back to `queued`, as do transfers; `ended` always carries `endReason` and `endedBy`.
 * `offered` and `wrap-up` declare their deadlines (`after`): the offer's timeout, a `timed` wrap-up's end.
 *
 * @example
 * ```ts
 * let chat = chatSnapshot({ at: Date.now(), acw: queue.acw, dispositionRequired: queue.dispositionRequired });
 * const r = transition(chatMachine, chat, { type: 'QUEUE', at: Date.now() });
 * if (r.ok) chat = r.snapshot; // chat.value === 'queued'
 * ```
 */
export const chatMachine = defineMachine<ChatState, ChatEvent, ChatContext, DeadlineKind>({
  id: 'chat',
  initial: 'prechat',
  context: {
    ...DEFAULT_WRAP_UP_POLICY,
    prechat: {},
    timestamps: { createdAt: 0 },
    offerHistory: [],
    missCount: 0,
  },
  states: {
    prechat: {
      on: {
        SUBMIT_PRECHAT: { target: 'queued', actions: ['savePrechat', 'enterQueue'] },
        QUEUE: { target: 'queued', actions: ['enterQueue'] },
        VISITOR_LEFT: { target: 'ended', actions: ['endAbandoned'] },
        CLOSE_QUEUE: { target: 'ended', actions: ['endQueueClosed'] },
        FAIL: { target: 'ended', actions: ['endFailed'] },
      },
    },
    queued: {
      on: {
        OFFER: { target: 'offered', guard: 'validOffer', actions: ['recordOffer'] },
        // A supervisor moves it to another queue; it stays in line with its original wait.
        REASSIGN: { target: 'queued', actions: ['recordReassign'] },
        VISITOR_LEFT: { target: 'ended', actions: ['endAbandoned'] },
        CLOSE_QUEUE: { target: 'ended', actions: ['endQueueClosed'] },
        FAIL: { target: 'ended', actions: ['endFailed'] },
      },
    },
    offered: {
      on: {
        ACCEPT: { target: 'active', guard: 'fromOfferedAgent', actions: ['recordAnswer'] },
        REJECT: { target: 'queued', guard: 'fromOfferedAgent', actions: ['closeLegRejected', 'enterQueue'] },
        OFFER_TIMEOUT: { target: 'queued', guard: 'offerExpired', actions: ['closeLegMissed', 'enterQueue'] },
        OFFER_WITHDRAWN: { target: 'queued', actions: ['closeLegMissed', 'enterQueue'] },
        VISITOR_LEFT: { target: 'ended', actions: ['endAbandoned'] },
        FAIL: { target: 'ended', actions: ['endFailed'] },
      },
      after: offerDeadline,
    },
    active: {
      on: {
        VISITOR_LEFT: endFromActive('endCompletedByVisitor'),
        AGENT_END: endFromActive('endCompletedByAgent'),
        INACTIVITY_TIMEOUT: endFromActive('endInactive'),
        TRANSFER: { target: 'queued', actions: ['recordTransfer', 'enterQueue'] },
        // The agent still wraps up a chat that failed under them (a known gap in other contact centers).
        FAIL: endFromActive('endFailed'),
      },
    },
    'wrap-up': { on: wrapUpExits('ended'), after: wrapUpDeadline },
    ended: { final: true },
  },
  guards,
  actions,
});

/** Options of a new chat. */
export interface ChatOptions extends Partial<WrapUpPolicy> {
  /** Creation time, epoch ms. */
  readonly at: number;
  readonly queueId?: string | undefined;
}

/**
 * A new chat in `prechat`, with the wrap-up policy of its queue.
 *
 * @example
 * ```ts
 * const chat = chatSnapshot({ at: Date.now(), queueId: 'sales', acw: { kind: 'timed', seconds: 30 } });
 * ```
 */
export function chatSnapshot(options: ChatOptions): ChatSnapshot {
  return {
    value: chatMachine.initial,
    context: {
      ...chatMachine.context,
      acw: options.acw ?? chatMachine.context.acw,
      dispositionRequired: options.dispositionRequired ?? chatMachine.context.dispositionRequired,
      queueId: options.queueId,
      timestamps: { createdAt: options.at },
    },
  };
}

/** What a UI may show or do with a chat now, derived from its snapshot. */
export interface ChatFlags {
  /** Waiting for an agent: `queued` or `offered`. */
  readonly isWaiting: boolean;
  readonly isQueued: boolean;
  readonly isOffered: boolean;
  readonly isActive: boolean;
  readonly isWrappingUp: boolean;
  /** The conversation is over for the visitor (`wrap-up` or `ended`). */
  readonly isOver: boolean;
  readonly isEnded: boolean;
  /** Messages can be sent (while waiting they are shown to the agent who accepts). */
  readonly canSend: boolean;
  /** The visitor can leave. */
  readonly canLeave: boolean;
  readonly canAccept: boolean;
  /** The agent can end the chat. */
  readonly canEnd: boolean;
  readonly canTransfer: boolean;
  readonly canSkipWrapUp: boolean;
  /** Wrap-up cannot finish until a disposition is chosen. */
  readonly needsDisposition: boolean;
  /** When a `timed` wrap-up ends on its own, epoch ms. */
  readonly wrapUpDeadlineAt: number | undefined;
}

/**
 * Derives the flags of a chat. Flags are computed, never stored.
 *
 * @example
 * ```ts
 * const { canSend, isWaiting } = chatFlags(chat);
 * ```
 */
export function chatFlags(snapshot: ChatSnapshot): ChatFlags {
  const { value, context } = snapshot;
  const waiting = value === 'queued' || value === 'offered';
  const wrappingUp = value === 'wrap-up';
  return {
    isWaiting: waiting,
    isQueued: value === 'queued',
    isOffered: value === 'offered',
    isActive: value === 'active',
    isWrappingUp: wrappingUp,
    isOver: wrappingUp || value === 'ended',
    isEnded: value === 'ended',
    canSend: waiting || value === 'active',
    canLeave: value === 'prechat' || waiting || value === 'active',
    canAccept: value === 'offered',
    canEnd: value === 'active',
    canTransfer: value === 'active',
    canSkipWrapUp: can(chatMachine, snapshot, { type: 'SKIP_WRAP_UP', at: latestTime(context.timestamps) }),
    needsDisposition: wrappingUp && !dispositionSatisfies(context, context.disposition),
    wrapUpDeadlineAt: wrappingUp ? wrapUpDeadlineAt(context, context.timestamps.endedAt) : undefined,
  };
}

/** The chat state that stands for a phase of another channel's state (see {@link asChatState}). */
const CHAT_STATE_OF_PHASE: Readonly<Record<Phase, ChatState>> = {
  // A callback asked for or scheduled waits for its turn, as a queued chat does.
  intake: 'queued',
  scheduled: 'queued',
  waiting: 'queued',
  offered: 'offered',
  handling: 'active',
  // Waiting for the customer on a messaging channel: still the agent's, who may write.
  pending: 'active',
  'wrap-up': 'wrap-up',
  final: 'ended',
};

/**
 * Where an interaction of any channel stands, in the chat lifecycle's words, so one set of {@link chatFlags}
 * serves every channel: a state of the chat machine is itself, any other reads by its callback or messaging phase
 * (`dialing`, `pending` and `snoozed` as `active`, the waiting and scheduled states as `queued`, the final ones as
 * `ended`). An unknown state (a newer server) reads as `ended`.
 *
 * @example
 * ```ts
 * asChatState('retry-wait'); // 'queued'
 * ```
 */
export function asChatState(state: string): ChatState {
  if (Object.hasOwn(chatMachine.states, state)) return state as ChatState;
  const phase = phaseOf('callback', state);
  return CHAT_STATE_OF_PHASE[phase === 'final' ? phaseOf('email', state) : phase];
}
