import { type CallbackEvent, callbackMachine, callbackSnapshot } from '../interaction/callback.machine';
import { type ChatEvent, chatMachine, chatSnapshot } from '../interaction/chat.machine';
import {
  type Channel,
  type EndedBy,
  type EndReason,
  type Interaction,
  MESSAGING_CHANNELS,
} from '../interaction/interaction.types';
import type { OfferFields } from '../interaction/lifecycle';
import { type MessagingEvent, messagingMachine, messagingSnapshot } from '../interaction/messaging.machine';
import { type Phase, phaseOf } from '../interaction/phase';
import {
  type VoiceInteractionEvent,
  voiceInteractionMachine,
} from '../interaction/voice-interaction.machine';
import { type MachineDefinition, type MachineEvent, pendingDeadline, type Snapshot } from '../machine';
import type { Queue } from '../queue/queue.types';

/** The context fields every interaction machine shares, which the hub mirrors onto the `Interaction`. */
export interface SharedContext extends OfferFields {
  readonly queueId?: string | undefined;
  readonly prechat?: Readonly<Record<string, string>> | undefined;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
  readonly disposition?: string | undefined;
  readonly notes?: string | undefined;
  // Callback machines only (the callback plan the hub mirrors for worklists).
  readonly slot?: { readonly start: number; readonly end: number } | undefined;
  readonly attempts?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly nextAttemptAt?: number | undefined;
  readonly dueSince?: number | undefined;
  // Messaging machines only: when a snoozed conversation wakes up.
  readonly snoozedUntil?: number | undefined;
}

/** A snapshot of any interaction machine, seen through its shared fields. */
export type InteractionSnapshot = Snapshot<string, SharedContext>;

/** What the hub asks of an interaction, in words that mean the same on every channel. */
export type Intent =
  | { readonly kind: 'enqueue'; readonly prechat: Readonly<Record<string, string>> }
  | { readonly kind: 'schedule'; readonly start: number; readonly end: number }
  /**
   * The deadline the interaction's state declares fell due (a callback's slot or retry, a `timed` wrap-up): the
   * machine takes the event its table names for it (see `eventFor`).
   */
  | { readonly kind: 'deadline' }
  | { readonly kind: 'offer'; readonly agentId: string; readonly expiresAt: number }
  | { readonly kind: 'accept'; readonly agentId: string }
  /** An agent dials out (click-to-dial): the new call is theirs at once, without a queue or an offer. */
  | { readonly kind: 'dial'; readonly agentId: string }
  /** The far end of a dialled call picked up: its talk time starts. */
  | { readonly kind: 'connected' }
  /** Warm transfer: the call's agent hands it to `agentId`, who already talks to the customer. */
  | { readonly kind: 'hand-over'; readonly agentId: string }
  | { readonly kind: 'reject'; readonly agentId: string }
  | { readonly kind: 'offer-timeout' }
  /** The router took a pending offer back from its agent (the agent went away or offline). */
  | { readonly kind: 'offer-withdrawn' }
  | { readonly kind: 'customer-leaves' }
  | { readonly kind: 'agent-ends' }
  | { readonly kind: 'agent-cancels' }
  | { readonly kind: 'answered' }
  | { readonly kind: 'no-answer' }
  | { readonly kind: 'fail' }
  | { readonly kind: 'transfer'; readonly queue: Queue }
  /** A supervisor moves waiting work to `queue` (it keeps its wait). */
  | { readonly kind: 'reassign'; readonly queue: Queue }
  | { readonly kind: 'wrap-up'; readonly disposition?: string; readonly notes?: string }
  // The asynchronous conversations' own steps (email, SMS, WhatsApp, Messenger).
  /** The customer wrote (a messaging conversation: back to its agent, or reopened when resolved). */
  | { readonly kind: 'customer-message' }
  /** The assigned agent wrote to the customer. */
  | { readonly kind: 'agent-reply' }
  /** The agent waits for the customer's answer. */
  | { readonly kind: 'set-pending' }
  /** The agent puts the conversation aside until `until` (epoch ms). */
  | { readonly kind: 'snooze'; readonly until: number }
  /** Back to work before the customer writes; a resolved conversation is reopened for `agentId`. */
  | { readonly kind: 'reopen'; readonly agentId: string }
  /** Done, with an optional disposition and notes. */
  | {
      readonly kind: 'resolve';
      readonly by: 'agent' | 'system';
      readonly disposition?: string;
      readonly notes?: string;
    };

/** How one channel's machine carries out the hub's intents. */
export interface Lifecycle {
  readonly machine: MachineDefinition<string, MachineEvent, SharedContext>;
  create(at: number, queue: Queue, interaction: Interaction): InteractionSnapshot;
  /** The machine event for an intent, or `undefined` when this channel has no such step. */
  event(intent: Intent, at: number): MachineEvent | undefined;
  /** States in which the customer waits in a queue for an agent. */
  readonly waiting: ReadonlySet<string>;
  /** States after which nothing more happens. */
  readonly final: ReadonlySet<string>;
  /** States in which the assigned agent holds the interaction (capacity in use). */
  readonly handling: ReadonlySet<string>;
}

/** A machine's states grouped the way the hub asks about them, read from their phases. */
function statesByPhase(
  machine: { readonly states: object },
  channel: Channel,
): Pick<Lifecycle, 'waiting' | 'final' | 'handling'> {
  const states = Object.keys(machine.states);
  const inPhase = (...phases: Phase[]) =>
    new Set(states.filter((state) => phases.includes(phaseOf(channel, state))));
  return {
    waiting: inPhase('waiting', 'offered'),
    final: inPhase('final'),
    handling: inPhase('handling', 'wrap-up'),
  };
}

/** The offer, failure and wrap-up events that the chat and the callback machine define alike. */
type SharedEvent = Extract<
  ChatEvent,
  {
    readonly type:
      | 'REASSIGN'
      | 'OFFER'
      | 'ACCEPT'
      | 'REJECT'
      | 'OFFER_TIMEOUT'
      | 'OFFER_WITHDRAWN'
      | 'FAIL'
      | 'WRAP_UP_DONE';
  }
>;

/** The machine event for an intent that chat and callback carry out alike, or `undefined`. */
function sharedEvent(intent: Intent, at: number): SharedEvent | undefined {
  switch (intent.kind) {
    case 'reassign':
      return {
        type: 'REASSIGN',
        at,
        queueId: intent.queue.id,
        acw: intent.queue.acw,
        dispositionRequired: intent.queue.dispositionRequired,
      };
    case 'offer':
      return { type: 'OFFER', at, agentId: intent.agentId, expiresAt: intent.expiresAt };
    case 'accept':
      return { type: 'ACCEPT', at, agentId: intent.agentId };
    case 'reject':
      return { type: 'REJECT', at, agentId: intent.agentId };
    case 'offer-timeout':
      return { type: 'OFFER_TIMEOUT', at };
    case 'offer-withdrawn':
      return { type: 'OFFER_WITHDRAWN', at };
    case 'fail':
      return { type: 'FAIL', at };
    case 'wrap-up':
      return {
        type: 'WRAP_UP_DONE',
        at,
        ...(intent.disposition ? { disposition: intent.disposition } : {}),
        ...(intent.notes ? { notes: intent.notes } : {}),
      };
    default:
      return undefined;
  }
}

/** The `TRANSFER` event into `queue`, with its wrap-up policy (chats and conversations alike). */
function transferTo(queue: Queue, at: number) {
  return {
    type: 'TRANSFER',
    at,
    queueId: queue.id,
    acw: queue.acw,
    dispositionRequired: queue.dispositionRequired,
  } as const;
}

const chatLifecycle: Lifecycle = {
  machine: chatMachine as unknown as Lifecycle['machine'],
  create: (at, queue) =>
    chatSnapshot({ at, queueId: queue.id, acw: queue.acw, dispositionRequired: queue.dispositionRequired }),
  event(intent, at): ChatEvent | undefined {
    switch (intent.kind) {
      case 'enqueue':
        return { type: 'SUBMIT_PRECHAT', at, fields: intent.prechat };
      case 'customer-leaves':
        return { type: 'VISITOR_LEFT', at };
      case 'agent-ends':
        return { type: 'AGENT_END', at };
      case 'transfer':
        return transferTo(intent.queue, at);
      default:
        return sharedEvent(intent, at);
    }
  },
  ...statesByPhase(chatMachine, 'chat'),
};

/** A voice interaction: a chat's lifecycle, and an agent's outbound dial (click-to-dial). */
const voiceLifecycle: Lifecycle = {
  ...chatLifecycle,
  machine: voiceInteractionMachine as unknown as Lifecycle['machine'],
  event(intent, at): VoiceInteractionEvent | undefined {
    if (intent.kind === 'dial') return { type: 'DIAL', at, agentId: intent.agentId };
    if (intent.kind === 'connected') return { type: 'CALL_CONNECTED', at };
    if (intent.kind === 'hand-over') return { type: 'HAND_OVER', at, agentId: intent.agentId };
    return chatLifecycle.event(intent, at) as ChatEvent | undefined;
  },
};

const callbackLifecycle: Lifecycle = {
  machine: callbackMachine as unknown as Lifecycle['machine'],
  create: (at, queue, interaction) =>
    callbackSnapshot({
      at,
      queueId: queue.id,
      phone: interaction.customer.phone ?? '',
      acw: queue.acw,
      dispositionRequired: queue.dispositionRequired,
    }),
  event(intent, at): CallbackEvent | undefined {
    switch (intent.kind) {
      case 'enqueue':
        return { type: 'QUEUE', at };
      case 'schedule':
        return { type: 'SCHEDULE', at, slot: { start: intent.start, end: intent.end } };
      case 'customer-leaves':
        return { type: 'CANCEL', at, by: 'visitor' };
      case 'agent-cancels':
        return { type: 'CANCEL', at, by: 'agent' };
      case 'agent-ends':
        return { type: 'HANG_UP', at, by: 'agent' };
      case 'answered':
        return { type: 'ANSWER', at };
      case 'no-answer':
        return { type: 'NO_ANSWER', at };
      default:
        return sharedEvent(intent, at);
    }
  },
  ...statesByPhase(callbackMachine, 'callback'),
};

/** The steps of an asynchronous conversation that only the messaging machine has, or `undefined`. */
function messagingStep(intent: Intent, at: number): MessagingEvent | undefined {
  switch (intent.kind) {
    case 'customer-message':
      return { type: 'CUSTOMER_MESSAGE', at };
    case 'agent-reply':
      return { type: 'AGENT_REPLY', at };
    case 'set-pending':
      return { type: 'SET_PENDING', at };
    case 'snooze':
      return { type: 'SNOOZE', at, until: intent.until };
    case 'reopen':
      return { type: 'REOPEN', at, agentId: intent.agentId };
    case 'resolve':
      return { type: 'RESOLVE', at, by: intent.by, disposition: intent.disposition, notes: intent.notes };
    default:
      return undefined;
  }
}

const messagingLifecycle: Lifecycle = {
  machine: messagingMachine as unknown as Lifecycle['machine'],
  create(at, queue, interaction) {
    const snapshot = messagingSnapshot({
      at,
      queueId: queue.id,
      acw: queue.acw,
      dispositionRequired: queue.dispositionRequired,
    });
    // The thread's facts (our address, the thread key, a subject) stay with the conversation.
    return { ...snapshot, context: { ...snapshot.context, prechat: interaction.prechat ?? {} } };
  },
  event(intent, at): MessagingEvent | undefined {
    switch (intent.kind) {
      // The console's "end" and its wrap-up form resolve: a written conversation has no after-call phase.
      case 'agent-ends':
        return { type: 'RESOLVE', at, by: 'agent' };
      case 'wrap-up':
        return { type: 'RESOLVE', at, by: 'agent', disposition: intent.disposition, notes: intent.notes };
      case 'transfer':
        return transferTo(intent.queue, at);
      case 'fail':
        // A failed send is a receipt on its message, not the end of the conversation.
        return undefined;
      default:
        return messagingStep(intent, at) ?? (sharedEvent(intent, at) as MessagingEvent | undefined);
    }
  },
  ...statesByPhase(messagingMachine, 'email'),
};

const LIFECYCLES: Readonly<Partial<Record<Channel, Lifecycle>>> = {
  chat: chatLifecycle,
  // An offline message waits in a queue and is answered like a chat that the customer already left.
  'offline-message': chatLifecycle,
  // A voicemail too: the caller records it (`prechat`), sends it (`queued`), and an agent answers it like a message.
  voicemail: chatLifecycle,
  callback: callbackLifecycle,
  // A call routes exactly like a chat (queue, offer, accept, wrap-up), and an agent may also dial one out; the call
  // itself is a voice-machine snapshot the hub keeps beside the interaction (hub/voice.hub.ts).
  voice: voiceLifecycle,
  // Email, SMS, WhatsApp and Messenger share one lifecycle; what differs is their adapters (hub/channels.types.ts).
  ...Object.fromEntries(MESSAGING_CHANNELS.map((channel) => [channel, messagingLifecycle])),
};

/**
 * The machine event that carries out `intent` on an interaction in `snapshot`, or `undefined` when it has no such
 * step. A deadline's event is the one the machine's table declares for the state (`after`), whatever the channel;
 * every other intent is the channel's to translate.
 */
export function eventFor(
  lifecycle: Lifecycle,
  snapshot: InteractionSnapshot,
  intent: Intent,
  at: number,
): MachineEvent | undefined {
  if (intent.kind === 'deadline') return pendingDeadline(lifecycle.machine, snapshot)?.event(at);
  return lifecycle.event(intent, at);
}

/** The built-in lifecycles; a hub may add or replace some through `HubOptions.lifecycles`. */
export const DEFAULT_LIFECYCLES: Readonly<Partial<Record<Channel, Lifecycle>>> = LIFECYCLES;

/** The `Interaction` with the machine's shared fields mirrored onto it. */
export function withSnapshot(interaction: Interaction, snapshot: InteractionSnapshot): Interaction {
  const { value, context } = snapshot;
  // Facts the machine may clear (a new agent, a snooze that ended) come from the snapshot alone.
  const { agentId: _agentId, snoozedUntil: _snoozedUntil, ...rest } = interaction;
  return {
    ...rest,
    state: value,
    queueId: context.queueId ?? interaction.queueId,
    prechat: context.prechat ?? interaction.prechat,
    timestamps: context.timestamps,
    ...(context.agentId === undefined ? {} : { agentId: context.agentId }),
    ...(context.endReason === undefined ? {} : { endReason: context.endReason }),
    ...(context.endedBy === undefined ? {} : { endedBy: context.endedBy }),
    ...(context.disposition === undefined ? {} : { disposition: context.disposition }),
    ...(context.notes === undefined ? {} : { notes: context.notes }),
    ...(context.snoozedUntil === undefined ? {} : { snoozedUntil: context.snoozedUntil }),
    ...(context.attempts === undefined || context.maxAttempts === undefined
      ? {}
      : {
          callback: {
            attempts: context.attempts,
            maxAttempts: context.maxAttempts,
            ...(context.slot ? { slot: context.slot } : {}),
            ...(context.nextAttemptAt === undefined ? {} : { nextAttemptAt: context.nextAttemptAt }),
            ...(context.dueSince === undefined ? {} : { dueSince: context.dueSince }),
          },
        }),
  };
}
