import type { ContactIdentity } from '../customer/customer.types';
import type { Interaction, Participant } from '../interaction/interaction.types';
import { transition } from '../machine';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { helplineError, isHelplineError } from '../protocol/errors';
import type { ConversationEvent } from '../protocol/protocol.types';
import type { CommitOptions, HubClock, HubStorage, StoredEvent } from './hub.types';
import { eventFor, type Intent, type InteractionSnapshot, withSnapshot } from './lifecycles';
import type { Live } from './live';
import type { CallStep, VoiceHub } from './voice.hub';

// The conversation log: every change of an interaction is worked out purely (a `Change`), stored as one unit, and
// only then made current — memory first, then fan-out, then one `InteractionStepped` to whoever subscribed.

/**
 * One step of one interaction, worked out without touching anything: the next record and machine snapshot, the
 * events it appends (each with the parties it reaches as of that moment) and the reporting events it implies.
 * Nothing of it is real until {@link ConversationLog.commit} stored it.
 */
export interface Change {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  readonly events: { readonly at: number; readonly ev: ConversationEvent; readonly to: string[] }[];
  readonly reports: KpiLogEvent[];
  /** Steps of the interaction's call stored with it (see voice.hub.ts). */
  readonly calls: CallStep[];
  /** The client request that starts this conversation, kept with it (see {@link HubStorage.startedBy}). */
  startRequest?: CommitOptions['startRequest'];
  /** A messaging channel's thread and providers' message ids, kept with it (see {@link HubStorage.threadOf}). */
  channel?: CommitOptions['channel'];
  /** Who the contact of a new interaction is: its customer is resolved from this once the step is stored. */
  contact?: ContactIdentity;
  /** The agent this step makes hold the interaction, checked against the stored records (an accept). */
  holds?: CommitOptions['holds'];
}

/** One step of one interaction, stored and made current: what every subscriber of the log hears. */
export interface InteractionStepped {
  /** The interaction as it is now. */
  readonly current: Live;
  /** The record before the step. */
  readonly previous: Interaction;
  /** The machine state before the step (`current.snapshot.value` is the state after). */
  readonly stateBefore: string;
  /** The reporting events the step implies. */
  readonly reports: readonly KpiLogEvent[];
  /** The call steps stored with it. */
  readonly calls: readonly CallStep[];
  /** The events the step appended, with their `seq`. */
  readonly stored: readonly StoredEvent[];
  /** The contact of an interaction this step created (see {@link Change.contact}). */
  readonly contact?: ContactIdentity | undefined;
}

/** What the conversation log needs from the hub. */
export interface ConversationLogDeps {
  readonly clock: HubClock;
  /** `getInteraction` reloads a copy found stale (without it the copy stays as it is). */
  readonly storage: Pick<HubStorage, 'commit' | 'appendEvent'> & Partial<Pick<HubStorage, 'getInteraction'>>;
  /** The interaction the hub holds live. */
  readonly live: (cid: string) => Live | undefined;
  /** Keeps a committed interaction live (in memory). */
  readonly remember: (current: Live) => void;
  /** The reporting events one machine step implies. */
  readonly reportsOf: (before: Interaction, after: Interaction, intent: Intent) => KpiLogEvent[];
  /** An agent's name as participants see it. */
  readonly displayNameOf: (agentId: string) => string;
  /** The call steps an interaction step implies, and their log events (see voice.hub.ts). */
  readonly calls: Pick<VoiceHub, 'plan' | 'eventOf' | 'carriedOn'>;
  /** Sends stored events to the subjects named for each. */
  readonly fanOut: (stored: readonly StoredEvent[], recipients: readonly (readonly string[])[]) => void;
  /** Sends a subject the whole conversation, in order (an agent who just took it). */
  readonly replay: (subjectId: string, cid: string) => Promise<void>;
  /**
   * The hub's copy of an interaction was found stale (storage refused a step taken from it) and was reloaded from
   * storage: the router and the deadlines follow the record as it is.
   */
  readonly resynced?: (current: Live) => void;
}

/** The conversation log of a hub. */
export interface ConversationLog {
  /** An empty change of an interaction, starting where it stands. */
  changeOf(current: Live): Change;
  /** Adds an event to a change; it reaches whoever takes part at this point of the change. */
  addEvent(change: Change, ev: ConversationEvent): void;
  /**
   * Carries out an intent through the interaction's machine, the one writer of its state, inside a change.
   * Throws `conflict/state` when the machine refuses.
   */
  step(current: Live, change: Change, intent: Intent): void;
  /** Where the interaction stands after the change (with a callback's plan, which may change in place). */
  stateEventOf(change: Change): ConversationEvent;
  /** An agent joins the conversation in this change. */
  join(change: Change, agentId: string): void;
  /** An agent leaves the conversation in this change (they still receive their own `left`). */
  leave(change: Change, agentId: string): void;
  /**
   * Stores a change as one unit, then makes it current (`replayTo`: a subject who gets the whole conversation
   * instead of this change's events). Rejects, and nothing moved, when storage refuses.
   */
  commit(current: Live, change: Change, options?: { replayTo?: string }): Promise<StoredEvent[]>;
  /** One machine step as its own change. */
  drive(current: Live, intent: Intent): Promise<void>;
  /** Appends one event on its own (nothing else of the interaction changes with it) and fans it out. */
  append(cid: string, ev: ConversationEvent): Promise<StoredEvent>;
  /** Hears every committed step, in the order of subscription; returns the unsubscribe. */
  subscribe(listener: (stepped: InteractionStepped) => void): () => void;
}

/** Who receives the conversation's events now: the customer and every agent still taking part. */
export function partiesOf(interaction: Interaction): string[] {
  const ids = [interaction.customer.id];
  for (const p of interaction.participants)
    if (p.role !== 'visitor' && p.leftAt === undefined) ids.push(p.id);
  return ids;
}

/** The one kind of event whose `seq` goes into the interaction's record: a participant's `left` (`leftSeq`). */
function putsSeqInRecord(ev: ConversationEvent): ev is Extract<ConversationEvent, { type: 'left' }> {
  return ev.type === 'left';
}

/**
 * Creates the conversation log of a hub.
 *
 * @example
 * ```ts
 * const log = createConversationLog({ clock, storage, live, remember, reportsOf, … });
 * log.subscribe(({ reports }) => reports.forEach(reporting.log));
 * await log.drive(current, { kind: 'agent-ends' });
 * ```
 */
export function createConversationLog(deps: ConversationLogDeps): ConversationLog {
  const { clock } = deps;
  const listeners = new Set<(stepped: InteractionStepped) => void>();

  function changeOf(current: Live): Change {
    return {
      interaction: current.interaction,
      snapshot: current.snapshot,
      events: [],
      reports: [],
      calls: [],
    };
  }

  /** Adds an event to a change; it reaches whoever takes part at this point of the change. */
  function addEvent(change: Change, ev: ConversationEvent): void {
    change.events.push({ at: clock.now(), ev, to: partiesOf(change.interaction) });
  }

  /**
   * Carries out an intent through the interaction's machine, the one writer of its state, inside a change: a
   * `state` event joins the change when the state moves. Throws `conflict/state` when the machine refuses.
   */
  function step(current: Live, change: Change, intent: Intent): void {
    const event = eventFor(current.lifecycle, change.snapshot, intent, clock.now());
    const result = event
      ? transition(current.lifecycle.machine, change.snapshot, event)
      : { ok: false as const, error: undefined };
    if (!result.ok) {
      throw helplineError(
        'conflict/state',
        { operation: intent.kind, entity: current.interaction.channel, state: change.snapshot.value },
        result.error ? { cause: result.error } : {},
      );
    }
    const before = change.interaction;
    const stateBefore = change.snapshot.value;
    change.snapshot = result.snapshot;
    change.interaction = withSnapshot(change.interaction, result.snapshot);
    change.reports.push(...deps.reportsOf(before, change.interaction, intent));
    if (stateBefore !== result.snapshot.value) addEvent(change, stateEventOf(change));
    // An agent the step took the interaction from (an unanswered dial's retry, a hand-back) leaves it: rights
    // follow the work.
    const from = before.agentId;
    const joined = change.interaction.participants.some((p) => p.id === from && p.leftAt === undefined);
    if (from !== undefined && change.interaction.agentId !== from && joined) leave(change, from);
  }

  /**
   * Storage refused a step because its record is not in the state the hub's copy is in: the copy is stale (a write
   * that committed although its answer was lost). The copy becomes the record again, and the hub follows it.
   */
  async function reload(current: Live): Promise<void> {
    const stored = await deps.storage.getInteraction?.(current.interaction.id).catch(() => undefined);
    if (!stored || stored.snapshot.value === current.snapshot.value) return;
    current.interaction = stored.interaction;
    current.snapshot = stored.snapshot;
    deps.resynced?.(current);
  }

  /** Where the interaction stands (with a callback's plan, which may change in place). */
  function stateEventOf({ interaction, snapshot }: Change): ConversationEvent {
    const { endReason, endedBy, callback } = interaction;
    return {
      type: 'state',
      state: snapshot.value,
      ...(endReason ? { endReason } : {}),
      ...(endedBy ? { endedBy } : {}),
      ...(callback ? { callback } : {}),
    };
  }

  function join(change: Change, agentId: string): void {
    // Already taking part (a messaging conversation offered back to the agent who still holds it): nothing to add.
    if (change.interaction.participants.some((p) => p.id === agentId && p.leftAt === undefined)) return;
    const participant: Participant = {
      id: agentId,
      role: 'agent',
      displayName: deps.displayNameOf(agentId),
      joinedAt: clock.now(),
    };
    change.interaction = {
      ...change.interaction,
      participants: [...change.interaction.participants, participant],
    };
    addEvent(change, { type: 'joined', participant });
  }

  function leave(change: Change, agentId: string): void {
    // The leaving agent still receives their own `left`; nothing after it.
    addEvent(change, { type: 'left', participantId: agentId });
    const at = clock.now();
    change.interaction = {
      ...change.interaction,
      participants: change.interaction.participants.map((p) =>
        p.id === agentId && p.leftAt === undefined ? { ...p, leftAt: at } : p,
      ),
    };
  }

  /** Marks, once the log has placed them, where each participant who left in this change left (`leftSeq`). */
  function withLeftSeqs(interaction: Interaction, stored: readonly StoredEvent[]): Interaction {
    const lefts = new Map<string, number>();
    for (const { seq, ev } of stored) if (putsSeqInRecord(ev)) lefts.set(ev.participantId, seq);
    if (lefts.size === 0) return interaction;
    return {
      ...interaction,
      participants: interaction.participants.map((p) => {
        const leftSeq = lefts.get(p.id);
        return leftSeq !== undefined && p.leftAt !== undefined && p.leftSeq === undefined
          ? { ...p, leftSeq }
          : p;
      }),
    };
  }

  /**
   * Stores a change as one unit, and only then makes it current: memory, then fan-out, then one
   * {@link InteractionStepped} to every subscriber (reporting, timers and routing, calls, the agents' inboxes).
   * When storage refuses, the change is dropped whole and nothing anywhere moved.
   */
  async function commit(
    current: Live,
    change: Change,
    { replayTo }: { replayTo?: string } = {},
  ): Promise<StoredEvent[]> {
    const previous = current.interaction;
    const stateBefore = current.snapshot.value;
    const open = !current.lifecycle.final.has(change.snapshot.value);
    // The call steps this step implies are stored with it.
    const calls = [...change.calls];
    if (stateBefore !== change.snapshot.value) {
      const nextView = {
        interaction: change.interaction,
        snapshot: change.snapshot,
        lifecycle: current.lifecycle,
      };
      calls.push(...deps.calls.plan(nextView, stateBefore, calls));
    }
    for (const call of calls) {
      const ev = deps.calls.eventOf(call);
      if (ev) addEvent(change, ev);
    }
    let next = change.interaction;
    // The call a restoring hub takes back, stored with the record it belongs to.
    const call = deps.calls.carriedOn({ ...current, interaction: change.interaction }, calls);
    const stored = await deps.storage
      .commit(
        previous.id,
        change.events.map(({ at, ev }) => ({ at, ev })),
        (placed) => {
          next = withLeftSeqs(change.interaction, placed);
          return { interaction: next, snapshot: change.snapshot, open, ...(call ? { call } : {}) };
        },
        {
          expectState: previous.state,
          recordIgnoresSeqs: !change.events.some(({ ev }) => putsSeqInRecord(ev)),
          createsRecord: change.events.some(({ ev }) => ev.type === 'created'),
          ...(change.holds ? { holds: change.holds } : {}),
          ...(change.startRequest ? { startRequest: change.startRequest } : {}),
          ...(change.channel ? { channel: change.channel } : {}),
        },
      )
      .catch(async (error: unknown) => {
        if (isHelplineError(error) && error.code === 'conflict/state') await reload(current);
        throw error;
      });
    current.interaction = next;
    current.snapshot = change.snapshot;
    current.usedAt = clock.now();
    deps.remember(current);
    deps.fanOut(
      stored,
      change.events.map((pending) => pending.to.filter((subjectId) => subjectId !== replayTo)),
    );
    if (replayTo !== undefined) await deps.replay(replayTo, next.id);
    const stepped: InteractionStepped = {
      current,
      previous,
      stateBefore,
      reports: change.reports,
      calls,
      stored,
      contact: change.contact,
    };
    for (const listener of listeners) listener(stepped);
    return stored;
  }

  /** One machine step as its own change. */
  async function drive(current: Live, intent: Intent): Promise<void> {
    const change = changeOf(current);
    step(current, change, intent);
    await commit(current, change);
  }

  async function append(cid: string, ev: ConversationEvent): Promise<StoredEvent> {
    const stored = await deps.storage.appendEvent(cid, clock.now(), ev);
    const current = deps.live(cid);
    deps.fanOut([stored], [current ? partiesOf(current.interaction) : []]);
    return stored;
  }

  return {
    changeOf,
    addEvent,
    step,
    stateEventOf,
    join,
    leave,
    commit,
    drive,
    append,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
