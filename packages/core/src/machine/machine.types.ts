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

/** The transitions of one state. An array lists candidates tried in order (first passing guard wins). */
export interface StateConfig<TState extends string, TEvent extends MachineEvent> {
  readonly on?: {
    readonly [K in TEvent['type']]?: TransitionConfig<TState> | readonly TransitionConfig<TState>[];
  };
  /** A final state accepts no events. */
  readonly final?: boolean | undefined;
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
export interface MachineDefinition<TState extends string, TEvent extends MachineEvent, TContext> {
  /** Name used in errors and warnings. */
  readonly id: string;
  /** State a new snapshot starts in. */
  readonly initial: TState;
  /** Context a new snapshot starts with. */
  readonly context: TContext;
  /** Every state, each with its transitions. */
  readonly states: { readonly [S in TState]: StateConfig<TState, TEvent> };
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
