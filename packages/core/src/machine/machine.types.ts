import type { HelplineError } from '../protocol/errors';

/** Any machine event: a SCREAMING_CASE `type` plus its payload. */
export interface MachineEvent {
  readonly type: string;
}

/** One possible transition for an event: optional target, a named guard, named actions. */
export interface TransitionConfig<TState extends string> {
  /** Next state; omitted for a transition that only runs actions (stays in place). */
  readonly target?: TState | undefined;
  /** Name of a guard in the machine's `guards`; the transition applies only when it returns true. */
  readonly guard?: string | undefined;
  /** Names of actions in the machine's `actions`, applied in order to compute the next context. */
  readonly actions?: readonly string[] | undefined;
}

/**
 * The deadline a state declares: it is armed when a snapshot enters the state and cancelled when it leaves. When
 * it falls due depends on the context alone, so whoever keeps snapshots (memory, a database row) can keep the
 * deadline beside them.
 *
 * @example
 * ```ts
 * offered: {
 *   on: { OFFER_TIMEOUT: { target: 'queued', guard: 'offerExpired' } },
 *   after: { kind: 'offer-timeout', at: (c) => c.offerExpiresAt, event: (at) => ({ type: 'OFFER_TIMEOUT', at }) },
 * }
 * ```
 */
export interface DeadlineConfig<TContext, TEvent extends MachineEvent, TKind extends string = string> {
  /** What runs out, named alike in every machine that has it (`offer-timeout`, …). */
  readonly kind: TKind;
  /** When it falls due, epoch ms; `undefined` when the context sets no time (then nothing waits). */
  at(context: TContext): number | undefined;
  /** The event that says so, stamped `now` (at or after the deadline); the state must accept it then. */
  event(now: number): TEvent;
}

/** The transitions of one state. An array lists candidates tried in order (first passing guard wins). */
export interface StateConfig<
  TState extends string,
  TEvent extends MachineEvent,
  TContext = unknown,
  TKind extends string = string,
> {
  readonly on?: {
    readonly [K in TEvent['type']]?: TransitionConfig<TState> | readonly TransitionConfig<TState>[];
  };
  /** A final state accepts no events. */
  readonly final?: boolean | undefined;
  /** The one deadline of this state, if it has one. */
  readonly after?: DeadlineConfig<TContext, TEvent, TKind> | undefined;
}

/** A guard: a pure predicate over context and event. */
export type Guard<TContext, TEvent extends MachineEvent> = (context: TContext, event: TEvent) => boolean;

/** An action: a pure function from (context, event) to the next context. */
export type Action<TContext, TEvent extends MachineEvent> = (context: TContext, event: TEvent) => TContext;

/**
 * A state machine as plain data: states, transitions, named guards and actions.
 *
 * @example
 * ```ts
 * const toggle = defineMachine({
 *   id: 'toggle', initial: 'off', context: {},
 *   states: { off: { on: { FLIP: { target: 'on' } } }, on: { on: { FLIP: { target: 'off' } } } },
 * });
 * ```
 */
export interface MachineDefinition<
  TState extends string,
  TEvent extends MachineEvent,
  TContext,
  TKind extends string = string,
> {
  /** Name used in errors and warnings. */
  readonly id: string;
  /** State a new snapshot starts in. */
  readonly initial: TState;
  /** Context a new snapshot starts with. */
  readonly context: TContext;
  /** Every state, each with its transitions and its deadline. */
  readonly states: { readonly [S in TState]: StateConfig<TState, TEvent, TContext, TKind> };
  /** Guards referenced by name from transitions. */
  readonly guards?: { readonly [name: string]: Guard<TContext, TEvent> } | undefined;
  /** Actions referenced by name from transitions. */
  readonly actions?: { readonly [name: string]: Action<TContext, TEvent> } | undefined;
}

/** The state of one machine instance: the current state name plus its context. */
export interface Snapshot<TState extends string, TContext> {
  readonly value: TState;
  readonly context: TContext;
}

/** The deadline a snapshot waits for (see {@link DeadlineConfig}): what runs out, when, and the event then. */
export interface Deadline<TEvent extends MachineEvent, TKind extends string = string> {
  readonly kind: TKind;
  /** Epoch ms. */
  readonly at: number;
  /** The event to send once it fell due, stamped `now`. */
  event(now: number): TEvent;
}

/** Result of {@link transition}: the next snapshot, or a typed error and the unchanged snapshot. */
export type TransitionResult<TState extends string, TContext> =
  | { readonly ok: true; readonly snapshot: Snapshot<TState, TContext>; readonly changed: boolean }
  | { readonly ok: false; readonly snapshot: Snapshot<TState, TContext>; readonly error: HelplineError };

/** Extracts the state union of a machine definition. */
export type StateOf<M> = M extends MachineDefinition<infer S, MachineEvent, unknown> ? S : never;
/** Extracts the event union of a machine definition. */
export type EventOf<M> = M extends MachineDefinition<string, infer E, unknown> ? E : never;
/** Extracts the context type of a machine definition. */
export type ContextOf<M> = M extends MachineDefinition<string, MachineEvent, infer C> ? C : never;
