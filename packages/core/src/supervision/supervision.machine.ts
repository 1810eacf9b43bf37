import { type Action, defineMachine, type Guard, type Snapshot } from '../machine';

/**
 * A supervisor's leg on a live interaction: `idle` (asked for, not yet joined) `→ monitoring ⇄ whispering ⇄ barging
 * → ended`. On a call: `monitoring` hears the customer and the agent and nobody hears the supervisor, `whispering`
 * is heard by the agent only, `barging` by both. On a chat only `monitoring` exists (events read-only, private notes
 * to the agent).
 */
export type SupervisionState = 'idle' | 'monitoring' | 'whispering' | 'barging' | 'ended';

/** The three ways a supervisor takes part: the states of a joined leg. */
export type SupervisionMode = 'monitoring' | 'whispering' | 'barging';

/** Every mode, in the order the board offers them. */
export const SUPERVISION_MODES: readonly SupervisionMode[] = ['monitoring', 'whispering', 'barging'];

/** What the leg watches: a call (voice) or a written conversation (chat, messaging). */
export type SupervisionTarget = 'call' | 'chat';

/** Why a leg ended: the supervisor stopped, the call or chat ended, media failed for good, or another leg took over. */
export type SupervisionEndReason = 'stopped' | 'interaction-ended' | 'failed' | 'replaced';

/** Events of the supervision machine. */
export type SupervisionEvent =
  /** Joins or switches to silent listening (reading, on a chat). */
  | { readonly type: 'MONITOR'; readonly at: number }
  /** Joins or switches to speaking to the agent only (calls). */
  | { readonly type: 'WHISPER'; readonly at: number }
  /** Joins or switches to speaking to both parties (calls). */
  | { readonly type: 'BARGE'; readonly at: number }
  /** The supervisor leaves. */
  | { readonly type: 'STOP'; readonly at: number }
  /** The call or chat ended (or the agent left it): the leg ends with it. */
  | { readonly type: 'INTERACTION_ENDED'; readonly at: number }
  /** The supervisor's media could not be set up or was lost for good. */
  | { readonly type: 'FAIL'; readonly at: number }
  /** The same supervisor opened another leg on the same interaction (another tab): this one ends. */
  | { readonly type: 'REPLACE'; readonly at: number };

/** The type names of {@link SupervisionEvent}. */
export type SupervisionEventType = SupervisionEvent['type'];

/** The facts of a leg besides its state. */
export interface SupervisionContext {
  readonly target: SupervisionTarget;
  /** When the leg was asked for. */
  readonly createdAt: number;
  /** When it first joined (its first mode). */
  readonly joinedAt?: number | undefined;
  /** When the current mode started. */
  readonly modeSince?: number | undefined;
  /** How many times the mode changed after joining. */
  readonly switches: number;
  readonly endedAt?: number | undefined;
  readonly endReason?: SupervisionEndReason | undefined;
}

/** A supervision leg's snapshot. */
export type SupervisionSnapshot = Snapshot<SupervisionState, SupervisionContext>;

type SupervisionGuard = Guard<SupervisionContext, SupervisionEvent>;
type SupervisionAction = Action<SupervisionContext, SupervisionEvent>;

const guards = {
  // Speaking needs audio: a chat leg only reads.
  onCall: (context) => context.target === 'call',
} satisfies Record<string, SupervisionGuard>;

const join: SupervisionAction = (context, event) => ({
  ...context,
  joinedAt: context.joinedAt ?? eventAt(event),
  modeSince: eventAt(event),
});

const switchMode: SupervisionAction = (context, event) => ({
  ...context,
  modeSince: eventAt(event),
  switches: context.switches + 1,
});

function end(reason: SupervisionEndReason): SupervisionAction {
  return (context, event) => ({ ...context, endedAt: eventAt(event), endReason: reason });
}

const actions = {
  join,
  switchMode,
  endStopped: end('stopped'),
  endWithInteraction: end('interaction-ended'),
  endFailed: end('failed'),
  endReplaced: end('replaced'),
} satisfies Record<string, SupervisionAction>;

function eventAt(event: SupervisionEvent): number {
  return event.at;
}

/** Ways out of every live state. */
const LEAVE = {
  STOP: { target: 'ended', actions: ['endStopped'] },
  INTERACTION_ENDED: { target: 'ended', actions: ['endWithInteraction'] },
  FAIL: { target: 'ended', actions: ['endFailed'] },
  REPLACE: { target: 'ended', actions: ['endReplaced'] },
} as const;

/**
 * The supervision leg machine. A mode is a state, never a flag: the table says which switch is legal where, and the
 * hub, the agent's mixer and the Vonage legs all read the same state.
 *
 * @example
 * ```ts
 * let leg = supervisionSnapshot({ target: 'call', at: now });
 * leg = transition(supervisionMachine, leg, { type: 'MONITOR', at: now }).snapshot; // monitoring
 * leg = transition(supervisionMachine, leg, { type: 'BARGE', at: now + 5_000 }).snapshot; // barging
 * ```
 */
export const supervisionMachine = defineMachine<SupervisionState, SupervisionEvent, SupervisionContext>({
  id: 'supervision',
  initial: 'idle',
  context: { target: 'call', createdAt: 0, switches: 0 },
  guards,
  actions,
  states: {
    idle: {
      on: {
        MONITOR: { target: 'monitoring', actions: ['join'] },
        WHISPER: { target: 'whispering', guard: 'onCall', actions: ['join'] },
        BARGE: { target: 'barging', guard: 'onCall', actions: ['join'] },
        ...LEAVE,
      },
    },
    monitoring: {
      on: {
        WHISPER: { target: 'whispering', guard: 'onCall', actions: ['switchMode'] },
        BARGE: { target: 'barging', guard: 'onCall', actions: ['switchMode'] },
        ...LEAVE,
      },
    },
    whispering: {
      on: {
        MONITOR: { target: 'monitoring', actions: ['switchMode'] },
        BARGE: { target: 'barging', actions: ['switchMode'] },
        ...LEAVE,
      },
    },
    barging: {
      on: {
        MONITOR: { target: 'monitoring', actions: ['switchMode'] },
        WHISPER: { target: 'whispering', actions: ['switchMode'] },
        ...LEAVE,
      },
    },
    ended: { final: true },
  },
});

/** A new leg, not yet joined. */
export function supervisionSnapshot(init: { target: SupervisionTarget; at: number }): SupervisionSnapshot {
  return { value: 'idle', context: { target: init.target, createdAt: init.at, switches: 0 } };
}

/** The event that moves a leg to `mode`. */
export function modeEvent(mode: SupervisionMode, at: number): SupervisionEvent {
  const type = mode === 'monitoring' ? 'MONITOR' : mode === 'whispering' ? 'WHISPER' : 'BARGE';
  return { type, at };
}

/** The leg's mode, or `undefined` while idle or ended. */
export function modeOf(snapshot: SupervisionSnapshot): SupervisionMode | undefined {
  const { value } = snapshot;
  return value === 'idle' || value === 'ended' ? undefined : value;
}

/**
 * Who hears whom in a mode, for a mixer or a conference: the parties each party hears. `customer` and `agent` are
 * the call's two sides; `supervisor` is the leg.
 */
export interface SupervisionAudio {
  /** What the supervisor hears. */
  readonly supervisor: readonly ('customer' | 'agent')[];
  /** Whom the agent hears besides the customer. */
  readonly agent: readonly 'supervisor'[];
  /** Whom the customer hears besides the agent. */
  readonly customer: readonly 'supervisor'[];
}

const AUDIO: Readonly<Record<SupervisionState, SupervisionAudio>> = {
  idle: { supervisor: [], agent: [], customer: [] },
  monitoring: { supervisor: ['customer', 'agent'], agent: [], customer: [] },
  whispering: { supervisor: ['customer', 'agent'], agent: ['supervisor'], customer: [] },
  barging: { supervisor: ['customer', 'agent'], agent: ['supervisor'], customer: ['supervisor'] },
  ended: { supervisor: [], agent: [], customer: [] },
};

/**
 * Who hears whom in `state`: the one table the browser mixer and the Vonage legs both follow.
 *
 * @example
 * ```ts
 * supervisionAudio('whispering').customer; // [] — the customer never hears a whisper
 * ```
 */
export function supervisionAudio(state: SupervisionState): SupervisionAudio {
  return AUDIO[state];
}
