import { atom, type ReadableAtom } from 'nanostores';
import { devWarn } from '../protocol/dev';
import { HelplineError } from '../protocol/errors';
import type {
  Deadline,
  MachineDefinition,
  MachineEvent,
  Snapshot,
  TransitionConfig,
  TransitionResult,
} from './machine.types';

/** Identity helper that keeps the literal types of a machine definition. */
export function defineMachine<
  TState extends string,
  TEvent extends MachineEvent,
  TContext,
  TKind extends string = string,
>(
  definition: MachineDefinition<TState, TEvent, TContext, TKind>,
): MachineDefinition<TState, TEvent, TContext, TKind> {
  return definition;
}

/** The initial snapshot of a machine, optionally with a context override. */
export function initialSnapshot<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  context: TContext = machine.context,
): Snapshot<TState, TContext> {
  return { value: machine.initial, context };
}

function candidatesFor<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  state: TState,
  eventType: TEvent['type'],
): readonly TransitionConfig<TState>[] {
  const config = machine.states[state];
  if (config.final) return [];
  const entry = config.on?.[eventType as keyof typeof config.on] as
    | TransitionConfig<TState>
    | readonly TransitionConfig<TState>[]
    | undefined;
  if (entry === undefined) return [];
  return Array.isArray(entry) ? entry : [entry as TransitionConfig<TState>];
}

function lookup<T>(table: { readonly [name: string]: T } | undefined, name: string, machineId: string): T {
  const found = table && Object.hasOwn(table, name) ? table[name] : undefined;
  // A missing guard or action is a bug in the machine definition, not a runtime condition.
  if (found === undefined) throw new Error(`[helpline] machine ${machineId} references unknown "${name}"`);
  return found;
}

/**
 * Computes the next snapshot for `event`, purely. An event that the current state does not accept (or whose
 * guards all fail) yields `{ ok: false, error }` with code `machine/illegal-event` and the snapshot unchanged.
 *
 * @example
 * ```ts
 * const r = transition(chatMachine, snapshot, { type: 'ACCEPT', agentId: 'a1', at: now });
 * if (r.ok) snapshot = r.snapshot;
 * ```
 */
export function transition<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  snapshot: Snapshot<TState, TContext>,
  event: NoInfer<TEvent>,
): TransitionResult<TState, TContext> {
  for (const candidate of candidatesFor(machine, snapshot.value, event.type)) {
    if (candidate.guard && !lookup(machine.guards, candidate.guard, machine.id)(snapshot.context, event))
      continue;
    let context = snapshot.context;
    for (const name of candidate.actions ?? [])
      context = lookup(machine.actions, name, machine.id)(context, event);
    const value = candidate.target ?? snapshot.value;
    const changed = value !== snapshot.value || context !== snapshot.context;
    return { ok: true, changed, snapshot: changed ? { value, context } : snapshot };
  }
  return {
    ok: false,
    snapshot,
    error: illegalEvent(machine.id, snapshot.value, event.type),
  };
}

/**
 * The `machine/illegal-event` error, spelled out here rather than looked up in the catalog so that importing
 * the runtime does not pull in every message of the catalog (a test keeps the two texts identical).
 */
export function illegalEvent(machineId: string, state: string, eventType: string): HelplineError {
  return new HelplineError(
    'machine/illegal-event',
    `Event ${eventType} is not allowed in state ${state} of the ${machineId} machine.`,
  );
}

/**
 * The deadline `snapshot` waits for: the one its state declares (`after`), when the context sets its time. Pure, so
 * a store can keep it beside the snapshot; whoever runs timers arms it on entering the state and cancels it on
 * leaving.
 *
 * @example
 * ```ts
 * const deadline = pendingDeadline(chatMachine, chat); // { kind: 'offer-timeout', at, event } while offered
 * if (deadline && now >= deadline.at) chat = transition(chatMachine, chat, deadline.event(now)).snapshot;
 * ```
 */
export function pendingDeadline<
  TState extends string,
  TEvent extends MachineEvent,
  TContext,
  TKind extends string,
>(
  machine: MachineDefinition<TState, TEvent, TContext, TKind>,
  snapshot: Snapshot<TState, TContext>,
): Deadline<TEvent, TKind> | undefined {
  const after = machine.states[snapshot.value]?.after;
  const at = after?.at(snapshot.context);
  if (after === undefined || at === undefined) return undefined;
  return { kind: after.kind, at, event: (now) => after.event(now) };
}

/** True when `eventType` has a transition in the current state whose guard passes for `event`. */
export function can<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  snapshot: Snapshot<TState, TContext>,
  event: NoInfer<TEvent>,
): boolean {
  return transition(machine, snapshot, event).ok;
}

/** A machine instance as a store: the snapshot is readable, and `send` is its only writer. */
export interface MachineStore<TState extends string, TEvent extends MachineEvent, TContext> {
  /** The current snapshot; subscribe to follow changes. */
  readonly $snapshot: ReadableAtom<Snapshot<TState, TContext>>;
  /** Applies an event. Illegal events return the error (and warn in development) and change nothing. */
  send(event: TEvent): TransitionResult<TState, TContext>;
  /** True when `event` would be accepted now. */
  can(event: TEvent): boolean;
}

/**
 * Wraps a machine in a nanostores atom. `send(event)` is the only way to change it.
 *
 * @example
 * ```ts
 * const presence = createMachineStore(presenceMachine);
 * presence.send({ type: 'GO_AVAILABLE', at: Date.now() });
 * presence.$snapshot.get().value; // 'available'
 * ```
 */
export function createMachineStore<TState extends string, TEvent extends MachineEvent, TContext>(
  machine: MachineDefinition<TState, TEvent, TContext>,
  start: Snapshot<TState, TContext> = initialSnapshot(machine),
): MachineStore<TState, TEvent, TContext> {
  const $snapshot = atom(start);
  return {
    $snapshot,
    send(event) {
      const result = transition(machine, $snapshot.get(), event);
      if (!result.ok) devWarn(result.error.message);
      else if (result.changed) $snapshot.set(result.snapshot);
      return result;
    },
    can(event) {
      return can(machine, $snapshot.get(), event);
    },
  };
}
