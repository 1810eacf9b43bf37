import { type Action, defineMachine, type MachineDefinition } from '../machine';
import { type ChatContext, type ChatEvent, type ChatState, chatMachine } from './chat.machine';
import {
  answerLeg,
  closeLeg,
  type DeadlineKind,
  eventOfType,
  latestTime,
  monotonicTime,
  openLeg,
} from './lifecycle';

// A voice interaction routes like a chat (queue, offer, accept, wrap-up), and an agent may also start one by dialling
// out (click-to-dial). Those two events live in this extension of the chat machine, which only the hub loads: the
// visitor's widget carries the chat machine alone.

/** Everything that can happen to a voice interaction: a chat's events, and an agent's outbound dial. */
export type VoiceInteractionEvent =
  | ChatEvent
  /**
   * An agent places an outbound call (click-to-dial): the contact is theirs at once, never queued nor offered, so
   * it adds nothing to waits, speed of answer or abandonment.
   */
  | { readonly type: 'DIAL'; readonly at: number; readonly agentId: string }
  /** The far end of an outbound call picked up and the parties hear each other: talk time starts here. */
  | { readonly type: 'CALL_CONNECTED'; readonly at: number }
  /**
   * Warm transfer: the agent hands the call to the colleague they consulted, who already talks to the customer. The
   * leaving agent's leg ends as `transferred`; the receiver's leg is offered and answered at once, on the same
   * interaction (no queue, no wait, no new speed of answer).
   */
  | { readonly type: 'HAND_OVER'; readonly at: number; readonly agentId: string };

type VoiceInteractionAction = Action<ChatContext, VoiceInteractionEvent>;

const timeOf = (context: ChatContext, event: VoiceInteractionEvent): number =>
  monotonicTime(latestTime(context.timestamps), event.at);

const dialActions = {
  // The dialling agent's part starts taken: a leg offered and answered at the same moment.
  assignDialer: (context, event) => {
    const { agentId } = eventOfType(event, 'DIAL');
    const at = timeOf(context, event);
    const offerHistory = answerLeg(openLeg(context.offerHistory, agentId, at, at), at);
    return { ...context, agentId, outbound: true, offerHistory };
  },
  handOver: (context, event) => {
    const { agentId } = eventOfType(event, 'HAND_OVER');
    const at = timeOf(context, event);
    const closed = closeLeg(context.offerHistory, at, 'transferred');
    return { ...context, agentId, offerHistory: answerLeg(openLeg(closed, agentId, at, at), at) };
  },
  // Only the first connection counts: a call that reconnects does not restart its talk time.
  recordConnected: (context, event) =>
    context.timestamps.answeredAt === undefined
      ? { ...context, timestamps: { ...context.timestamps, answeredAt: timeOf(context, event) } }
      : context,
} satisfies Record<string, VoiceInteractionAction>;

// The chat machine's own guards and actions only ever see chat events: widening their event type is sound here.
const chat = chatMachine as unknown as MachineDefinition<
  ChatState,
  VoiceInteractionEvent,
  ChatContext,
  DeadlineKind
>;

/**
 * The lifecycle of a voice interaction: the chat machine's table (`prechat → queued → offered → active → wrap-up →
 * ended`), plus an agent's outbound call, which goes `prechat → active` (`DIAL`) and records its answer when the far
 * end picks up (`CALL_CONNECTED`). The call itself is a voice-machine snapshot beside it (see `voiceMachine`).
 *
 * @example
 * ```ts
 * let interaction = chatSnapshot({ at: Date.now() });
 * interaction = transition(voiceInteractionMachine, interaction, { type: 'DIAL', at: Date.now(), agentId: 'alice' })
 *   .snapshot; // 'active', never queued
 * ```
 */
export const voiceInteractionMachine = defineMachine<
  ChatState,
  VoiceInteractionEvent,
  ChatContext,
  DeadlineKind
>({
  ...chat,
  id: 'voice-interaction',
  states: {
    ...chat.states,
    prechat: {
      ...chat.states.prechat,
      on: { ...chat.states.prechat.on, DIAL: { target: 'active', actions: ['assignDialer'] } },
    },
    active: {
      ...chat.states.active,
      on: {
        ...chat.states.active.on,
        CALL_CONNECTED: { actions: ['recordConnected'] },
        HAND_OVER: { guard: 'toAnotherAgent', actions: ['handOver'] },
      },
    },
  },
  guards: {
    ...chat.guards,
    toAnotherAgent: (context, event) => eventOfType(event, 'HAND_OVER').agentId !== context.agentId,
  },
  actions: { ...chat.actions, ...dialActions },
});
