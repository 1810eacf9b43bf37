import { randomId } from '../ids/ids';
import type { Channel, Interaction } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import { transition } from '../machine';
import { helplineError } from '../protocol/errors';
import type { CommandOp, ConversationEvent } from '../protocol/protocol.types';
import {
  type CallSide,
  type RecordingPolicy,
  type VoiceEvent,
  type VoiceSnapshot,
  type VoiceState,
  voiceMachine,
  voiceSnapshot,
} from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import type { HubClock, Subject } from './hub.types';
import type { Intent, InteractionSnapshot, Lifecycle } from './lifecycles';

// The calls of a hub and the steps that change them. A call is a voice-machine snapshot attached to an interaction,
// one at a time: on a `voice` interaction it is the interaction itself (it rings while the interaction waits in the
// queue, is picked up when an agent accepts, and hanging up ends the interaction); in a chat or a callback it is
// orthogonal (a chat escalated to a call keeps going after the call). Steps are worked out here without touching
// anything; a call changes only when the hub has stored its step (`apply`).

/** What the voice hub reads of a live interaction (the hub's own record fits). */
export interface VoiceInteraction {
  readonly interaction: Interaction;
  readonly snapshot: InteractionSnapshot;
  readonly lifecycle: Lifecycle;
}

/** The connection a call command came from. */
export interface VoiceConnection {
  readonly id: string;
  readonly subject: Subject;
}

/** The call commands, handled by the voice hub. */
export type CallOp = Extract<CommandOp, `call.${string}`>;

/** One staged step of a call: the call, its snapshot before, and the next one. */
export interface CallStep {
  readonly call: CallRecord;
  readonly before: VoiceSnapshot | undefined;
  readonly next: VoiceSnapshot;
  /** Who asked for the step, when the log must say so (the agent who started, paused or resumed recording). */
  readonly actor?: string | undefined;
}

/** A call the hub holds; its snapshot moves only when a stored step is applied. */
export interface HubCall extends CallRecord {
  snapshot: VoiceSnapshot;
}

const TALKING: ReadonlySet<VoiceState> = new Set([
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
]);
const LIVE_CALL: ReadonlySet<VoiceState> = new Set(['dialing', 'ringing', ...TALKING]);

/** True until the call has ended. */
export const isLive = (call: CallRecord): boolean => LIVE_CALL.has(call.snapshot.value);
/** True once the call is picked up and until it ends: media may flow, signaling goes on. */
export const isTalking = (call: CallRecord): boolean => TALKING.has(call.snapshot.value);
/** The party across the call from `side`. */
export const otherSide = (side: CallSide): CallSide => (side === 'visitor' ? 'agent' : 'visitor');

/**
 * Whether a call of the interaction's channel may go on in `state`; leaving such a state ends the call. A phone
 * call rings in the queue and through the offer; a chat's call and a callback's only while an agent handles them.
 */
export function callMayGoOn(channel: Channel, state: string): boolean {
  const phase = phaseOf(channel, state);
  if (channel === 'voice') return phase === 'waiting' || phase === 'offered' || phase === 'handling';
  return channel !== 'offline-message' && phase === 'handling';
}

/** The subject on one side of an interaction's call: the customer, or the assigned agent. */
export function subjectOf(interaction: Interaction, side: CallSide): string | undefined {
  return side === 'visitor' ? interaction.customer.id : interaction.agentId;
}

/** What the calls need: the clock and where call ids come from. */
export interface CallBookDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The recording policy of the interaction's queue (default: `never`). */
  readonly recordingOf?: ((interaction: Interaction) => RecordingPolicy) | undefined;
}

/** The calls of a hub, one per interaction, and the interactions they belong to as last seen. */
export interface CallBook {
  /** The latest call of an interaction, live or ended. */
  get(cid: string): HubCall | undefined;
  /** Every call held, live or ended. */
  all(): Iterable<HubCall>;
  /** The interaction a call belongs to, as a command or a step last saw it. */
  interactionOf(cid: string): VoiceInteraction | undefined;
  /** Keeps the interaction as it is now. */
  remember(current: VoiceInteraction): void;
  /**
   * One voice-machine step of a call, after the steps already `staged` for it; `undefined` when the event changes
   * nothing. Throws `conflict/state` when the call's state does not take the event.
   */
  stage(
    call: HubCall,
    event: VoiceEvent,
    operation: string,
    staged?: readonly CallStep[],
  ): CallStep | undefined;
  /**
   * A new call of an interaction, placed by `startedBy`, not yet held: its first step creates it. An agent's call
   * to a browser rings at once; an outbound phone call (`dialing: true`) stays `dialing` until the phone network
   * says the far end rings.
   */
  draft(current: VoiceInteraction, startedBy: CallSide, options?: { readonly dialing?: boolean }): CallStep;
  /**
   * The call steps an interaction step implies: a voice interaction rings while it waits, is answered when
   * accepted, a transferred call ends and a new one rings; any call ends when its interaction leaves the states that
   * allow one.
   */
  plan(next: VoiceInteraction, before: string, staged: readonly CallStep[]): CallStep[];
  /** The log event of a step when it changes what both sides must see (state, media, hold). */
  eventOf(step: CallStep): ConversationEvent | undefined;
  /**
   * On a voice interaction the call is the interaction: the step that ends the call ends the interaction too, and
   * the far end picking up a call the agent dialled starts its talk time.
   */
  intentOf(step: CallStep): { intent?: Intent };
  /** Makes a stored step current; returns the call it replaced (the interaction's earlier call), if any. */
  apply(step: CallStep): { readonly call: HubCall; readonly replaced: HubCall | undefined };
  /** Forgets a finished interaction and its call; returns the call. */
  forget(cid: string): HubCall | undefined;
}

/** Steps are made only by a call book, always of its own calls. */
const hubCallOf = (step: CallStep): HubCall => step.call as HubCall;

/**
 * Creates the calls of a hub.
 *
 * @example
 * ```ts
 * const book = createCallBook({ clock, randomBytes });
 * const step = book.stage(call, { type: 'HOLD', at: clock.now(), by: 'agent' }, 'hold the call');
 * ```
 */
export function createCallBook(deps: CallBookDeps): CallBook {
  const { clock } = deps;
  const calls = new Map<string, HubCall>();
  const interactions = new Map<string, VoiceInteraction>();

  function latest(call: HubCall, staged: readonly CallStep[]): VoiceSnapshot {
    let snapshot = call.snapshot;
    for (const step of staged) if (step.call === call) snapshot = step.next;
    return snapshot;
  }

  function stage(
    call: HubCall,
    event: VoiceEvent,
    operation: string,
    staged: readonly CallStep[] = [],
  ): CallStep | undefined {
    const before = latest(call, staged);
    const result = transition(voiceMachine, before, event);
    if (!result.ok) throw helplineError('conflict/state', { operation, entity: 'call', state: before.value });
    return result.changed ? { call, before, next: result.snapshot } : undefined;
  }

  function draft(
    current: VoiceInteraction,
    startedBy: CallSide,
    options: { readonly dialing?: boolean } = {},
  ): CallStep {
    const at = clock.now();
    const cid = current.interaction.id;
    let snapshot = voiceSnapshot({
      direction: startedBy === 'visitor' ? 'inbound' : 'outbound',
      at,
      acw: { kind: 'none' },
      recordingPolicy: deps.recordingOf?.(current.interaction) ?? 'never',
    });
    // The visitor's browser rings as soon as the call exists (the notice reaches it when it is applied).
    if (startedBy === 'agent' && !options.dialing)
      snapshot = transition(voiceMachine, snapshot, { type: 'RING', at }).snapshot;
    const call: HubCall = { callId: randomId('v', deps.randomBytes), cid, startedBy, snapshot };
    interactions.set(cid, current);
    return { call, before: undefined, next: snapshot };
  }

  function plan(next: VoiceInteraction, before: string, staged: readonly CallStep[]): CallStep[] {
    const { interaction } = next;
    const state = next.snapshot.value;
    const existing = calls.get(interaction.id);
    const call = existing && LIVE_CALL.has(latest(existing, staged).value) ? existing : undefined;
    const steps: CallStep[] = [];
    const add = (event: VoiceEvent, operation: string) => {
      if (!call) return;
      const step = stage(call, event, operation, [...staged, ...steps]);
      if (step) steps.push(step);
    };
    const at = clock.now();
    const phase = phaseOf(interaction.channel, state);
    if (interaction.channel === 'voice' && phase === 'waiting') {
      // A missed or rejected offer: the call keeps ringing in the queue.
      if (call && phaseOf('voice', before) !== 'handling') return steps;
      // Transferred: this agent's leg ends as `transferred` (hung up, when it never connected) and a new one rings
      // for the next agent.
      const leg = call ? latest(call, [...staged, ...steps]) : undefined;
      const transferred = leg && transition(voiceMachine, leg, { type: 'TRANSFER', at }).ok;
      add(transferred ? { type: 'TRANSFER', at } : { type: 'HANG_UP', at, by: 'agent' }, 'transfer the call');
      steps.push(draft(next, 'visitor'));
      return steps;
    }
    if (interaction.channel === 'voice' && phase === 'handling' && phaseOf('voice', before) === 'offered') {
      add({ type: 'ANSWER', at }, 'answer the call');
    } else if (
      interaction.channel === 'voice' &&
      phase === 'handling' &&
      phaseOf('voice', before) === 'intake'
    ) {
      // Dialled by its agent (click-to-dial): the outbound call starts with the interaction.
      if (!call) steps.push(draft(next, 'agent', { dialing: true }));
    } else if (!callMayGoOn(interaction.channel, state)) {
      const { endedBy } = interaction;
      add(
        endedBy === 'visitor' || endedBy === 'agent'
          ? { type: 'HANG_UP', at, by: endedBy }
          : { type: 'FAIL', at },
        'end the call',
      );
    }
    return steps;
  }

  function eventOf({ call, before, next, actor }: CallStep): ConversationEvent | undefined {
    const { value, context } = next;
    const recorded = before ? before.context.recording !== context.recording : context.recording !== 'off';
    const shared =
      !before ||
      recorded ||
      before.value !== value ||
      before.context.media !== context.media ||
      before.context.heldBy !== context.heldBy;
    if (!shared) return undefined;
    return {
      type: 'call',
      callId: call.callId,
      state: value,
      media: context.media,
      ...(context.heldBy ? { heldBy: context.heldBy } : {}),
      ...(recorded ? { recording: context.recording } : {}),
      ...(recorded && actor ? { recordingBy: actor } : {}),
      ...(context.endedBy ? { endedBy: context.endedBy } : {}),
      ...(context.endReason ? { endReason: context.endReason } : {}),
    };
  }

  function intentOf({ call, before, next }: CallStep): { intent?: Intent } {
    const current = interactions.get(call.cid);
    if (current?.interaction.channel !== 'voice') return {};
    // The far end of a dialled call picked up: the interaction records its answer (talk time starts).
    if (call.startedBy === 'agent' && next.value === 'active' && before?.value === 'connecting') {
      return { intent: { kind: 'connected' } };
    }
    if (LIVE_CALL.has(next.value)) return {};
    if (!callMayGoOn('voice', current.snapshot.value)) return {};
    const { endedBy } = next.context;
    const intent: Intent =
      endedBy === 'visitor'
        ? { kind: 'customer-leaves' }
        : endedBy === 'agent'
          ? { kind: 'agent-ends' }
          : { kind: 'fail' };
    return { intent };
  }

  function apply(step: CallStep): { call: HubCall; replaced: HubCall | undefined } {
    const call = hubCallOf(step);
    const held = calls.get(call.cid);
    const replaced = held === call ? undefined : held;
    calls.set(call.cid, call);
    call.snapshot = step.next;
    return { call, replaced };
  }

  function forget(cid: string): HubCall | undefined {
    const call = calls.get(cid);
    calls.delete(cid);
    interactions.delete(cid);
    return call;
  }

  return {
    get: (cid) => calls.get(cid),
    all: () => calls.values(),
    interactionOf: (cid) => interactions.get(cid),
    remember(current) {
      interactions.set(current.interaction.id, current);
    },
    stage,
    draft,
    plan,
    eventOf,
    intentOf,
    apply,
    forget,
  };
}
