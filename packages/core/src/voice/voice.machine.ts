import type { EndedBy, EndReason } from '../interaction/interaction.types';
import {
  DEFAULT_WRAP_UP_POLICY,
  dispositionSatisfies,
  endIntoWrapUp,
  eventOfType,
  latestTime,
  monotonicTime,
  skipsWrapUp,
  type WrapUpEvent,
  type WrapUpFields,
  type WrapUpPolicy,
  wrapUpActions,
  wrapUpDeadlineAt,
  wrapUpExits,
  wrapUpGuards,
} from '../interaction/lifecycle';
import { type Action, can, defineMachine, type Guard, type Snapshot } from '../machine';

/**
 * States of a call: `dialing` (outbound) or `ringing` (inbound, or the far end ringing on an outbound call)
 * `→ connecting → active ⇄ held → wrap-up → ended`, and the agent's multi-party states: `consulting` (the customer
 * on hold, the agent with a colleague, a supervisor or an outside number) and `conferenced` (all three together).
 */
export type VoiceState =
  | 'dialing'
  | 'ringing'
  | 'connecting'
  | 'active'
  | 'held'
  | 'consulting'
  | 'conferenced'
  | 'wrap-up'
  | 'ended';

/**
 * Who the agent consults: another agent, a supervisor (both by id), or an outside number (`external`, E.164, over
 * the phone network).
 */
export interface ConsultParty {
  readonly kind: 'agent' | 'supervisor' | 'external';
  /** The agent's or supervisor's id, or the E.164 number. */
  readonly id: string;
}

/** The consult leg of a call: who, since when, and when they picked up (a consult can merge or transfer only then). */
export interface VoiceConsult {
  /**
   * The consult leg's id (`WireConsultLeg.legId`): stored with the call, so a hub that takes the call back after a
   * restart or a takeover knows the leg again under the id both ends hold.
   */
  readonly legId?: string | undefined;
  readonly party: ConsultParty;
  readonly startedAt: number;
  readonly answeredAt?: number | undefined;
}

/** Which way the call goes, seen from the side that runs this machine. */
export type CallDirection = 'inbound' | 'outbound';

/** Health of the audio path, orthogonal to the call state. */
export type VoiceMedia = 'ok' | 'reconnecting' | 'failed';

/**
 * Whether the call is being recorded now: `off` unless something records it, `paused` while a recording is held
 * back (compliance: a card number read out).
 */
export type VoiceRecording = 'off' | 'on' | 'paused';

/**
 * Whether calls of a queue are recorded: `always` from the moment they connect, `on-demand` when the agent starts it,
 * `never`. Either way the agent may pause and resume a running recording (a card number read out).
 */
export type RecordingPolicy = 'always' | 'on-demand' | 'never';

/** A party on the call who can hold or resume it. */
export type CallSide = 'visitor' | 'agent';

/** Everything that can happen to a call. Every event carries `at` (epoch ms). */
export type VoiceEvent =
  /** The far end is ringing (outbound). */
  | { readonly type: 'RING'; readonly at: number }
  /** The call was picked up (by us on an inbound call, by the far end on an outbound one). */
  | { readonly type: 'ANSWER'; readonly at: number }
  /** Media flows: the parties can hear each other. */
  | { readonly type: 'CONNECTED'; readonly at: number }
  | { readonly type: 'HOLD'; readonly at: number; readonly by: CallSide }
  /** Only the side that put the call on hold takes it off hold. */
  | { readonly type: 'RESUME'; readonly at: number; readonly by: CallSide }
  | { readonly type: 'MUTE'; readonly at: number }
  | { readonly type: 'UNMUTE'; readonly at: number }
  | { readonly type: 'MEDIA_RECONNECTING'; readonly at: number }
  | { readonly type: 'MEDIA_RESTORED'; readonly at: number }
  | { readonly type: 'MEDIA_FAILED'; readonly at: number }
  /** The agent starts recording a call of an `on-demand` queue. */
  | { readonly type: 'START_RECORDING'; readonly at: number }
  | { readonly type: 'PAUSE_RECORDING'; readonly at: number }
  | { readonly type: 'RESUME_RECORDING'; readonly at: number }
  | { readonly type: 'HANG_UP'; readonly at: number; readonly by: EndedBy }
  /** The called side declined before answering. */
  | { readonly type: 'REJECT'; readonly at: number; readonly by: EndedBy }
  /** Nobody answered in time. */
  | { readonly type: 'TIMEOUT'; readonly at: number }
  /** A technical failure ended the call (media lost for good, signaling gone). */
  | { readonly type: 'FAIL'; readonly at: number }
  /** The agent puts the customer on hold (hold music) and calls `party` on a second leg. */
  | {
      readonly type: 'CONSULT';
      readonly at: number;
      readonly party: ConsultParty;
      /** The consult leg's id, kept with the call (see {@link VoiceConsult.legId}). */
      readonly legId?: string | undefined;
    }
  /** The consulted party picked up. */
  | { readonly type: 'CONSULT_ANSWERED'; readonly at: number }
  /**
   * The consult leg ended without the agent's choice (declined, not answered, hung up): while consulting the
   * customer stays on hold until the agent returns; in a conference the agent and the customer go on.
   */
  | { readonly type: 'CONSULT_ENDED'; readonly at: number }
  /** The agent ends the consult leg and talks to the customer again. */
  | { readonly type: 'RETURN'; readonly at: number }
  /** The agent brings the consulted party and the customer together (a conference of three). */
  | { readonly type: 'MERGE'; readonly at: number }
  /**
   * This agent leaves and the call goes on without them: warm (the consulted party keeps the customer, from
   * `consulting` once they answered, or from `conferenced`) or cold (from `active`/`held`, to an agent, a queue or a
   * number). This leg ends as `transferred`.
   */
  | { readonly type: 'TRANSFER'; readonly at: number }
  | WrapUpEvent;

/** The type names of {@link VoiceEvent}. */
export type VoiceEventType = VoiceEvent['type'];

/** Timestamps of a call, epoch ms. */
export interface VoiceTimestamps {
  readonly createdAt: number;
  /** When it started ringing (at creation for an inbound call). */
  readonly ringingAt?: number | undefined;
  /** When it was picked up. */
  readonly pickedUpAt?: number | undefined;
  /** When media first flowed (the call "connected"; speed of answer ends here). */
  readonly answeredAt?: number | undefined;
  readonly endedAt?: number | undefined;
  readonly wrapUpEndedAt?: number | undefined;
}

/** Facts about one call. Each orthogonal fact is its own field; the call state is the snapshot's `value`. */
export interface VoiceContext extends WrapUpFields {
  readonly direction: CallDirection;
  readonly media: VoiceMedia;
  readonly muted: boolean;
  readonly recording: VoiceRecording;
  /** The queue's recording policy, fixed when the call is created: only `on-demand` lets `START_RECORDING` in. */
  readonly recordingPolicy: RecordingPolicy;
  /** Who put the call on hold; set only while held. */
  readonly heldBy?: CallSide | undefined;
  /** When the current hold started; set only while held. */
  readonly holdStartedAt?: number | undefined;
  /** Total time on hold in finished holds, ms (for handle time: talk + hold + wrap-up). */
  readonly heldMs: number;
  /** How many times the call was put on hold. */
  readonly holdCount: number;
  /** The consult leg; set only while `consulting` or `conferenced`. */
  readonly consult?: VoiceConsult | undefined;
  /** How many consults the agent started on this call. */
  readonly consultCount: number;
  readonly timestamps: VoiceTimestamps;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
}

/** A voice machine snapshot. */
export type VoiceSnapshot = Snapshot<VoiceState, VoiceContext>;

type VoiceGuard = Guard<VoiceContext, VoiceEvent>;
type VoiceAction = Action<VoiceContext, VoiceEvent>;

const timeOf = (context: VoiceContext, event: VoiceEvent): number =>
  monotonicTime(
    Math.max(latestTime(context.timestamps), context.holdStartedAt ?? Number.NEGATIVE_INFINITY),
    event.at,
  );

const guards = {
  byHolder: (context, event) => eventOfType(event, 'RESUME').by === context.heldBy,
  recordingOn: (context) => context.recording === 'on',
  recordingOnDemand: (context) => context.recording === 'off' && context.recordingPolicy === 'on-demand',
  recordingPaused: (context) => context.recording === 'paused',
  // A call the customer put on hold is theirs to resume: the agent consults only from their own hold.
  notHeldByVisitor: (context) => context.heldBy !== 'visitor',
  consultRinging: (context) => context.consult !== undefined && context.consult.answeredAt === undefined,
  consultAnswered: (context) => context.consult?.answeredAt !== undefined,
  warmSkipsWrapUp: (context) => context.consult?.answeredAt !== undefined && skipsWrapUp(context),
  ...wrapUpGuards(timeOf),
} satisfies Record<string, VoiceGuard>;

/** Closes a running hold at `at`, adding its duration to `heldMs`. */
function releaseHold(context: VoiceContext, at: number): VoiceContext {
  if (context.holdStartedAt === undefined) return context;
  return {
    ...context,
    heldBy: undefined,
    holdStartedAt: undefined,
    heldMs: context.heldMs + (at - context.holdStartedAt),
  };
}

/** Who ended the call, for the events that say so. */
function endedByOf(event: VoiceEvent): EndedBy {
  if (event.type === 'HANG_UP' || event.type === 'REJECT') return event.by;
  throw new Error(`[helpline] ${event.type} does not say who ended the call`);
}

/** Ends the call with `reason`, by `by`, or by whoever the event names when `by` is omitted. */
function end(reason: EndReason, by?: EndedBy): VoiceAction {
  return (context, event) => {
    const at = timeOf(context, event);
    const endedBy = by ?? endedByOf(event);
    const next = releaseHold(context, at);
    return {
      ...next,
      consult: undefined,
      endReason: reason,
      endedBy,
      timestamps: { ...next.timestamps, endedAt: at },
    };
  };
}

function stamp(key: 'ringingAt' | 'pickedUpAt' | 'answeredAt'): VoiceAction {
  return (context, event) => ({
    ...context,
    timestamps: { ...context.timestamps, [key]: timeOf(context, event) },
  });
}

/** Sets one orthogonal field; returns the same context when nothing changes, so the snapshot stays the same. */
function set<K extends 'media' | 'muted' | 'recording'>(key: K, value: VoiceContext[K]): VoiceAction {
  return (context) => (context[key] === value ? context : { ...context, [key]: value });
}

const actions = {
  stampRinging: stamp('ringingAt'),
  stampPickedUp: stamp('pickedUpAt'),
  stampAnswered: stamp('answeredAt'),
  hold: (context, event) => ({
    ...context,
    heldBy: eventOfType(event, 'HOLD').by,
    holdStartedAt: timeOf(context, event),
    holdCount: context.holdCount + 1,
  }),
  resume: (context, event) => releaseHold(context, timeOf(context, event)),
  mute: set('muted', true),
  unmute: set('muted', false),
  mediaReconnecting: set('media', 'reconnecting'),
  mediaRestored: set('media', 'ok'),
  mediaFailed: set('media', 'failed'),
  startRecording: set('recording', 'on'),
  pauseRecording: set('recording', 'paused'),
  resumeRecording: set('recording', 'on'),
  endAbandoned: end('abandoned'),
  endRejected: end('rejected'),
  endMissed: end('missed', 'system'),
  endCompleted: end('completed'),
  endFailed: end('failed', 'system'),
  endTransferred: end('transferred', 'agent'),
  // The customer waits on hold while the agent consults: a hold already running goes on and is not counted again.
  startConsult: (context, event) => {
    const { party, legId } = eventOfType(event, 'CONSULT');
    const at = timeOf(context, event);
    const held =
      context.holdStartedAt === undefined
        ? { heldBy: 'agent' as const, holdStartedAt: at, holdCount: context.holdCount + 1 }
        : {};
    const consult = { ...(legId ? { legId } : {}), party, startedAt: at };
    return { ...context, ...held, consult, consultCount: context.consultCount + 1 };
  },
  consultAnswered: (context, event) =>
    context.consult
      ? { ...context, consult: { ...context.consult, answeredAt: timeOf(context, event) } }
      : context,
  dropConsult: (context) => ({ ...context, consult: undefined }),
  // The consult leg is over and the agent talks to the customer again (or to both): the hold ends.
  leaveConsult: (context, event) => ({ ...releaseHold(context, timeOf(context, event)), consult: undefined }),
  joinConference: (context, event) => releaseHold(context, timeOf(context, event)),
  ...wrapUpActions(timeOf),
} satisfies Record<string, VoiceAction>;

/** Events that only change an orthogonal field, and the states that accept them. */
const muting = { MUTE: { actions: ['mute'] }, UNMUTE: { actions: ['unmute'] } } as const;
const media = {
  MEDIA_RECONNECTING: { actions: ['mediaReconnecting'] },
  MEDIA_RESTORED: { actions: ['mediaRestored'] },
  MEDIA_FAILED: { actions: ['mediaFailed'] },
} as const;
const recording = {
  START_RECORDING: { guard: 'recordingOnDemand', actions: ['startRecording'] },
  // Only a recording that runs can pause, and only a paused one resume: an unrecorded call has nothing to pause.
  PAUSE_RECORDING: { guard: 'recordingOn', actions: ['pauseRecording'] },
  RESUME_RECORDING: { guard: 'recordingPaused', actions: ['resumeRecording'] },
} as const;

/** Before anyone picked up: a hang-up abandons, the callee may reject, nobody answering is missed. */
const unanswered = {
  HANG_UP: { target: 'ended', actions: ['endAbandoned'] },
  REJECT: { target: 'ended', actions: ['endRejected'] },
  TIMEOUT: { target: 'ended', actions: ['endMissed'] },
  FAIL: { target: 'ended', actions: ['endFailed'] },
} as const;

/** Ending a call that was talking: straight to `ended` under ACW policy `none`, otherwise into `wrap-up`. */
const endTalk = (action: keyof typeof actions) => endIntoWrapUp('ended', action);

/**
 * The call lifecycle, with media health, mute, recording and hold as separate facts. Start it with
 * {@link voiceSnapshot}: an outbound call starts in `dialing`, an inbound one in `ringing`. `ended` always
 * carries `endReason` and `endedBy` (who hung up is always known).
 *
 * @example
 * ```ts
 * let call = voiceSnapshot({ direction: 'inbound', at: Date.now() });
 * call = transition(voiceMachine, call, { type: 'ANSWER', at: Date.now() }).snapshot; // 'connecting'
 * ```
 */
export const voiceMachine = defineMachine<VoiceState, VoiceEvent, VoiceContext>({
  id: 'voice',
  initial: 'ringing',
  context: {
    ...DEFAULT_WRAP_UP_POLICY,
    direction: 'inbound',
    media: 'ok',
    muted: false,
    recording: 'off',
    recordingPolicy: 'never',
    heldMs: 0,
    holdCount: 0,
    consultCount: 0,
    timestamps: { createdAt: 0, ringingAt: 0 },
  },
  states: {
    dialing: {
      on: {
        RING: { target: 'ringing', actions: ['stampRinging'] },
        ANSWER: { target: 'connecting', actions: ['stampPickedUp'] },
        ...unanswered,
        ...muting,
      },
    },
    ringing: {
      on: {
        ANSWER: { target: 'connecting', actions: ['stampPickedUp'] },
        ...unanswered,
        ...muting,
      },
    },
    connecting: {
      on: {
        CONNECTED: { target: 'active', actions: ['stampAnswered'] },
        // Picked up but never heard: no conversation took place, so there is nothing to wrap up.
        HANG_UP: { target: 'ended', actions: ['endAbandoned'] },
        FAIL: { target: 'ended', actions: ['endFailed'] },
        ...muting,
        ...media,
      },
    },
    active: {
      on: {
        HOLD: { target: 'held', actions: ['hold'] },
        CONSULT: { target: 'consulting', actions: ['startConsult'] },
        TRANSFER: endTalk('endTransferred'),
        HANG_UP: endTalk('endCompleted'),
        // The agent still wraps up a call that dropped under them.
        FAIL: endTalk('endFailed'),
        ...muting,
        ...media,
        ...recording,
      },
    },
    held: {
      on: {
        RESUME: { target: 'active', guard: 'byHolder', actions: ['resume'] },
        CONSULT: { target: 'consulting', guard: 'notHeldByVisitor', actions: ['startConsult'] },
        TRANSFER: endTalk('endTransferred'),
        HANG_UP: endTalk('endCompleted'),
        FAIL: endTalk('endFailed'),
        ...muting,
        ...media,
        ...recording,
      },
    },
    consulting: {
      on: {
        CONSULT_ANSWERED: { guard: 'consultRinging', actions: ['consultAnswered'] },
        // The colleague declined or hung up: the customer stays on hold until the agent returns.
        CONSULT_ENDED: { target: 'held', actions: ['dropConsult'] },
        RETURN: { target: 'active', actions: ['leaveConsult'] },
        MERGE: { target: 'conferenced', guard: 'consultAnswered', actions: ['joinConference'] },
        // Warm: the consulted party has picked up and keeps the customer.
        TRANSFER: [
          { target: 'ended', guard: 'warmSkipsWrapUp', actions: ['endTransferred'] },
          { target: 'wrap-up', guard: 'consultAnswered', actions: ['endTransferred'] },
        ],
        HANG_UP: endTalk('endCompleted'),
        FAIL: endTalk('endFailed'),
        ...muting,
        ...media,
        ...recording,
      },
    },
    conferenced: {
      on: {
        // The third party left: the agent and the customer go on.
        CONSULT_ENDED: { target: 'active', actions: ['dropConsult'] },
        // The agent drops the third party.
        RETURN: { target: 'active', actions: ['dropConsult'] },
        TRANSFER: endTalk('endTransferred'),
        HANG_UP: endTalk('endCompleted'),
        FAIL: endTalk('endFailed'),
        ...muting,
        ...media,
        ...recording,
      },
    },
    'wrap-up': { on: wrapUpExits('ended') },
    ended: { final: true },
  },
  guards,
  actions,
});

/** Options of a new call. */
export interface VoiceOptions extends Partial<WrapUpPolicy> {
  readonly direction: CallDirection;
  /** Creation time, epoch ms. */
  readonly at: number;
  /**
   * Recording state at the start. Default: `on` under the policy `always`, else `off` (nothing records a call unless
   * it says so).
   */
  readonly recording?: VoiceRecording | undefined;
  /** The queue's recording policy. Default `never`. */
  readonly recordingPolicy?: RecordingPolicy | undefined;
}

/**
 * A new call: `dialing` when outbound, `ringing` when inbound.
 *
 * @example
 * ```ts
 * const call = voiceSnapshot({ direction: 'outbound', at: Date.now(), acw: queue.acw });
 * call.value; // 'dialing'
 * ```
 */
export function voiceSnapshot(options: VoiceOptions): VoiceSnapshot {
  const defaults = voiceMachine.context;
  const inbound = options.direction === 'inbound';
  return {
    value: inbound ? 'ringing' : 'dialing',
    context: {
      ...defaults,
      direction: options.direction,
      acw: options.acw ?? defaults.acw,
      dispositionRequired: options.dispositionRequired ?? defaults.dispositionRequired,
      recording: options.recording ?? (options.recordingPolicy === 'always' ? 'on' : defaults.recording),
      recordingPolicy: options.recordingPolicy ?? defaults.recordingPolicy,
      timestamps: inbound ? { createdAt: options.at, ringingAt: options.at } : { createdAt: options.at },
    },
  };
}

/** What a UI may show or do with a call now, derived from its snapshot. */
export interface VoiceFlags {
  readonly isDialing: boolean;
  readonly isRinging: boolean;
  /** Picked up and not ended: `connecting`, `active`, `held`, `consulting` or `conferenced`. */
  readonly isOnCall: boolean;
  readonly isHeld: boolean;
  /** The customer is on hold while the agent talks to the consulted party. */
  readonly isConsulting: boolean;
  /** The agent, the customer and the consulted party hear each other. */
  readonly isConferenced: boolean;
  /** The consulted party has picked up (merge and warm transfer need it). */
  readonly consultAnswered: boolean;
  /** The agent may start a consult (`active`, or held by the agent). */
  readonly canConsult: boolean;
  /** The agent may end the consult leg (or drop the third party of a conference) and talk to the customer. */
  readonly canReturn: boolean;
  readonly canMerge: boolean;
  /** The agent may leave the call to someone else now: warm once the consult is answered, cold while talking. */
  readonly canTransfer: boolean;
  readonly isWrappingUp: boolean;
  readonly isEnded: boolean;
  /** An inbound call is ringing here. */
  readonly canAnswer: boolean;
  readonly canReject: boolean;
  readonly canHangUp: boolean;
  readonly canHold: boolean;
  readonly canResume: boolean;
  readonly canMute: boolean;
  readonly canUnmute: boolean;
  /** The queue records on demand and this call is not recorded yet. */
  readonly canStartRecording: boolean;
  readonly canPauseRecording: boolean;
  readonly canResumeRecording: boolean;
  /** The audio path is being restored (show "reconnecting…"). */
  readonly isReconnecting: boolean;
  readonly mediaFailed: boolean;
  readonly canSkipWrapUp: boolean;
  readonly needsDisposition: boolean;
  /** When a `timed` wrap-up ends on its own, epoch ms. */
  readonly wrapUpDeadlineAt: number | undefined;
}

const LIVE: readonly VoiceState[] = [
  'dialing',
  'ringing',
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
];
const TALKING: readonly VoiceState[] = ['active', 'held', 'consulting', 'conferenced'];

/**
 * Derives the flags of a call. Flags are computed, never stored.
 *
 * @example
 * ```ts
 * const { canHold, canMute, isReconnecting } = voiceFlags(call);
 * ```
 */
export function voiceFlags(snapshot: VoiceSnapshot): VoiceFlags {
  const { value, context } = snapshot;
  const live = LIVE.includes(value);
  const talking = TALKING.includes(value);
  const onCall = value === 'connecting' || talking;
  const at = latestTime(context.timestamps);
  const wrappingUp = value === 'wrap-up';
  const inboundRinging = value === 'ringing' && context.direction === 'inbound';
  return {
    isDialing: value === 'dialing',
    isRinging: value === 'ringing',
    isOnCall: onCall,
    isHeld: value === 'held',
    isConsulting: value === 'consulting',
    isConferenced: value === 'conferenced',
    consultAnswered: context.consult?.answeredAt !== undefined,
    canConsult: can(voiceMachine, snapshot, { type: 'CONSULT', at, party: { kind: 'agent', id: '-' } }),
    canReturn: can(voiceMachine, snapshot, { type: 'RETURN', at }),
    canMerge: can(voiceMachine, snapshot, { type: 'MERGE', at }),
    canTransfer: can(voiceMachine, snapshot, { type: 'TRANSFER', at }),
    isWrappingUp: wrappingUp,
    isEnded: value === 'ended',
    canAnswer: inboundRinging,
    canReject: inboundRinging,
    canHangUp: live,
    canHold: value === 'active',
    canResume: value === 'held',
    canMute: live && !context.muted,
    canUnmute: live && context.muted,
    canStartRecording: talking && context.recording === 'off' && context.recordingPolicy === 'on-demand',
    canPauseRecording: talking && context.recording === 'on',
    canResumeRecording: talking && context.recording === 'paused',
    isReconnecting: onCall && context.media === 'reconnecting',
    mediaFailed: onCall && context.media === 'failed',
    canSkipWrapUp: can(voiceMachine, snapshot, { type: 'SKIP_WRAP_UP', at }),
    needsDisposition: wrappingUp && !dispositionSatisfies(context, context.disposition),
    wrapUpDeadlineAt: wrappingUp ? wrapUpDeadlineAt(context, context.timestamps.endedAt) : undefined,
  };
}

/**
 * Total time on hold at `now`, ms, including a hold still running (for handle time: talk + hold + wrap-up).
 *
 * @example
 * ```ts
 * const holdSeconds = Math.round(voiceHoldMs(call, Date.now()) / 1000);
 * ```
 */
export function voiceHoldMs(snapshot: VoiceSnapshot, now: number): number {
  const { heldMs, holdStartedAt } = snapshot.context;
  return holdStartedAt === undefined ? heldMs : heldMs + Math.max(0, now - holdStartedAt);
}
