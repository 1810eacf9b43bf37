import { randomId } from '../ids/ids';
import type { Channel, Interaction } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import { transition } from '../machine';
import { helplineError, isHelplineError } from '../protocol/errors';
import type {
  ClientCapabilities,
  CommandArgs,
  CommandOp,
  CommandResult,
  ConversationEvent,
  Notice,
  WireCall,
} from '../protocol/protocol.types';
import {
  type CallSide,
  type VoiceEvent,
  type VoiceSnapshot,
  type VoiceState,
  voiceMachine,
  voiceSnapshot,
} from '../voice/voice.machine';
import { type CallRecord, toWireCall } from '../voice/voice.wire';
import type { HubClock, Subject, VoiceHubOptions } from './hub.types';
import type { Intent, InteractionSnapshot, Lifecycle } from './lifecycles';

// The hub's side of browser calls. A call is a voice-machine snapshot attached to an interaction, one at a time:
// on a `voice` interaction it is the interaction itself (it rings while the interaction waits in the queue, is
// picked up when an agent accepts, and hanging up ends the interaction); in a chat or a callback it is
// orthogonal (a chat escalated to a call keeps going after the call). Media is peer-to-peer; the hub relays
// signaling between the two parties only, and ends calls whose media is gone so that no call outlives its
// browsers.

export type { VoiceHubOptions } from './hub.types';

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

/** What the voice hub needs from the hub engine. */
export interface VoiceHubDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  /**
   * The live interaction, when the access rules let `subject` run `op` on it; rejects with `not-found` (or
   * `auth/forbidden`) otherwise.
   */
  readonly getLive: (subject: Subject, cid: string, op: CallOp) => Promise<VoiceInteraction>;
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /**
   * Stores call steps with the conversation, as one unit with `intent` (the interaction's own step, when a call's
   * end ends a voice interaction), then settles them (inside a serialized task). Rejects and changes nothing when
   * storage refuses.
   */
  readonly commit: (
    cid: string,
    step: { readonly calls: readonly CallStep[]; readonly intent?: Intent },
  ) => Promise<void>;
  /** Sends a notice to a subject: only to `connectionId` while that connection is open, else to all of theirs. */
  readonly notify: (subjectId: string, notice: Notice, connectionId?: string) => void;
  /** True while the subject has a connection to the hub. */
  readonly isOnline: (subjectId: string) => boolean;
  /** What each open connection of the subject declared at `hello` (`undefined`: nothing). */
  readonly capabilitiesOf: (subjectId: string) => readonly (ClientCapabilities | undefined)[];
  /**
   * Gives an agent their configured voice capacity (`true`) or none (`false`) in the router, and routes again;
   * ignores anyone who is not a routed agent.
   */
  readonly setVoiceCapable: (agentId: string, capable: boolean) => void;
  /** Reports a failure no command answers for (a timer's step). */
  readonly reportFailure: (what: string, error: unknown) => void;
}

/** The call commands, handled by the voice hub. */
export type CallOp = Extract<CommandOp, `call.${string}`>;

type CallHandlers = {
  [Op in CallOp]: (conn: VoiceConnection, args: CommandArgs<Op>) => Promise<CommandResult<Op>>;
};

/** The voice part of a hub. */
export interface VoiceHub {
  readonly handlers: CallHandlers;
  /** The call steps an interaction step implies, to be stored with it (nothing changes until `settled`). */
  plan(next: VoiceInteraction, before: string, staged: readonly CallStep[]): CallStep[];
  /** The log event of a call step, when it has one. */
  eventOf(step: CallStep): ConversationEvent | undefined;
  /** The interaction step and these call steps are stored: they become current (in the conversation's turn). */
  settled(current: VoiceInteraction, steps: readonly CallStep[]): void;
  /**
   * After a restart, for each interaction the hub restored: its call did not survive (its state and timers lived in
   * this process, its media in the browsers). A voice interaction still waiting in its queue rings again with a new
   * call, which the caller's page takes back (unless the caller stays away: then it ends like any call whose parties
   * are gone); one that was being talked on ends as failed (the agent wraps up).
   */
  restored(current: VoiceInteraction): Promise<void>;
  /**
   * A subject's connections changed (one opened, or one closed): calls whose parties are all gone are watched,
   * and an agent whose every console declared it cannot take calls gets no voice capacity (see
   * {@link VoiceHubDeps.capabilitiesOf}).
   */
  presenceChanged(subjectId: string): void;
  /** The latest call of an interaction, live or ended. */
  callOf(cid: string): WireCall | undefined;
  /** Stops every timer. */
  close(): void;
}

type TimerKind = 'ring' | 'connect' | 'media' | 'absent';

/** One staged step of a call (see `createVoiceHub`): the call, its snapshot before, and the next one. */
export interface CallStep {
  readonly call: CallRecord;
  readonly before: VoiceSnapshot | undefined;
  readonly next: VoiceSnapshot;
}

interface HubCall extends CallRecord {
  snapshot: VoiceSnapshot;
  /** Each party's connection for this call: signaling goes there (other tabs of the same subject stay quiet). */
  readonly bound: Map<CallSide, string>;
  readonly timers: Map<TimerKind, unknown>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const LIVE_CALL: ReadonlySet<VoiceState> = new Set(['dialing', 'ringing', 'connecting', 'active', 'held']);
const TALKING: ReadonlySet<VoiceState> = new Set(['connecting', 'active', 'held']);
/**
 * Whether a call of the interaction's channel may go on in `state`; leaving such a state ends the call. A phone
 * call rings in the queue and through the offer; a chat's call and a callback's only while an agent handles them.
 */
function callMayGoOn(channel: Channel, state: string): boolean {
  const phase = phaseOf(channel, state);
  if (channel === 'voice') return phase === 'waiting' || phase === 'offered' || phase === 'handling';
  return channel !== 'offline-message' && phase === 'handling';
}

const isLive = (call: HubCall): boolean => LIVE_CALL.has(call.snapshot.value);
/** Steps are made only by this module, always of its own calls. */
const hubCallOf = (step: CallStep): HubCall => step.call as HubCall;
const otherSide = (side: CallSide): CallSide => (side === 'visitor' ? 'agent' : 'visitor');

/** The subject on one side of an interaction's call: the customer, or the assigned agent. */
function subjectOf(interaction: Interaction, side: CallSide): string | undefined {
  return side === 'visitor' ? interaction.customer.id : interaction.agentId;
}

/**
 * Creates the voice part of a hub: call commands, signaling relay, and calls kept in step with their
 * interactions.
 *
 * @example
 * ```ts
 * const voice = createVoiceHub({ clock, randomBytes, getLive, serialized, drive, append, notify, isOnline });
 * const handlers = { ...chatHandlers, ...voice.handlers };
 * ```
 */
export function createVoiceHub(deps: VoiceHubDeps, options: VoiceHubOptions = {}): VoiceHub {
  const { clock } = deps;
  const reattachMs = options.reattachMs ?? 20_000;
  const connectMs = options.connectMs ?? 30_000;
  const ringMs = options.ringMs ?? 45_000;
  const absentMs = options.absentMs ?? 60_000;
  const burst = options.signalBurst ?? 60;
  const perSecond = options.signalsPerSecond ?? 20;
  const calls = new Map<string, HubCall>();
  const interactions = new Map<string, VoiceInteraction>();
  const buckets = new WeakMap<VoiceConnection, Bucket>();
  /** Agents none of whose connected consoles can take calls: the router offers them none. */
  const voiceless = new Set<string>();

  /** The side `subject` takes in the call of `interaction`: only its customer and its assigned agent have one. */
  function sideOf(subject: Subject, interaction: Interaction, operation: string): CallSide {
    if (subject.role === 'visitor' && subject.id === interaction.customer.id) return 'visitor';
    if (subject.role === 'agent' && subject.id === interaction.agentId) return 'agent';
    throw helplineError('auth/forbidden', { operation });
  }

  /** Token bucket per connection: signaling is chatty by nature, but bounded. */
  function spend(conn: VoiceConnection): void {
    const now = clock.now();
    const bucket = buckets.get(conn) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    buckets.set(conn, bucket);
    if (bucket.tokens < 1) {
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
      throw helplineError('limit/rate', { seconds: Math.ceil(retryAfterMs / 1000) }, { retryAfterMs });
    }
    bucket.tokens -= 1;
  }

  function requireCall(cid: string, callId: string): HubCall {
    const call = calls.get(cid);
    if (!call || call.callId !== callId) throw helplineError('not-found', { entity: 'Call', id: callId });
    return call;
  }

  function conflict(operation: string, state: string): never {
    throw helplineError('conflict/state', { operation, entity: 'call', state });
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * One voice-machine step of a call, worked out without touching the call: the hub stores its event with the
   * interaction's step (one transaction), and only then does {@link settle} make it current.
   */
  function stage(
    call: HubCall,
    event: VoiceEvent,
    operation: string,
    staged: readonly CallStep[] = [],
  ): CallStep | undefined {
    const before = latest(call, staged);
    const result = transition(voiceMachine, before, event);
    if (!result.ok) conflict(operation, before.value);
    return result.changed ? { call, before, next: result.snapshot } : undefined;
  }

  /** A call's snapshot as of the steps already staged for it. */
  function latest(call: HubCall, staged: readonly CallStep[]): VoiceSnapshot {
    let snapshot = call.snapshot;
    for (const step of staged) if (step.call === call) snapshot = step.next;
    return snapshot;
  }

  /** The log event of a step when it changes what both sides must see (state, media, hold). */
  function eventOf({ call, before, next }: CallStep): ConversationEvent | undefined {
    const { value, context } = next;
    const shared =
      !before ||
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
      ...(context.endedBy ? { endedBy: context.endedBy } : {}),
      ...(context.endReason ? { endReason: context.endReason } : {}),
    };
  }

  /** Makes stored steps current: the call's snapshot, its parties told, its timers re-armed. */
  function settle(steps: readonly CallStep[]): void {
    for (const step of steps) {
      const call = hubCallOf(step);
      const { next } = step;
      if (calls.get(call.cid) !== call) {
        const previous = calls.get(call.cid);
        if (previous) for (const timer of previous.timers.values()) clock.clearTimeout(timer);
        previous?.timers.clear();
        calls.set(call.cid, call);
      }
      call.snapshot = next;
      const interaction = interactions.get(call.cid)?.interaction;
      if (interaction) {
        const wire = toWireCall(call);
        for (const side of ['visitor', 'agent'] as const) {
          const subjectId = subjectOf(interaction, side);
          if (subjectId) deps.notify(subjectId, { type: 'call', call: wire });
        }
      }
      armTimers(call);
    }
  }

  /** Stores call steps (with the interaction step they imply on a voice interaction), then makes them current. */
  async function commit(cid: string, steps: readonly (CallStep | undefined)[]): Promise<void> {
    const calls = steps.filter((step): step is CallStep => step !== undefined);
    if (calls.length === 0) return;
    const last = calls.at(-1) as CallStep;
    await deps.commit(cid, { calls, ...endIntentOf(last) });
  }

  /** Timers follow the state: ringing, waiting for media, media broken; an ended call has none. */
  function armTimers(call: HubCall): void {
    const { value, context } = call.snapshot;
    const channel = interactions.get(call.cid)?.interaction.channel;
    // A voice interaction rings while it waits in its queue: the queue's own timers and offers govern it.
    toggle(call, 'ring', (value === 'dialing' || value === 'ringing') && channel !== 'voice', ringMs, () => ({
      type: 'TIMEOUT',
      at: clock.now(),
    }));
    toggle(call, 'connect', value === 'connecting', connectMs, () => ({ type: 'FAIL', at: clock.now() }));
    toggle(call, 'media', TALKING.has(value) && context.media !== 'ok', reattachMs, () => ({
      type: 'FAIL',
      at: clock.now(),
    }));
    if (!isLive(call)) toggle(call, 'absent', false, 0, () => ({ type: 'FAIL', at: clock.now() }));
  }

  function toggle(call: HubCall, kind: TimerKind, on: boolean, ms: number, event: () => VoiceEvent): void {
    const running = call.timers.get(kind);
    if (!on) {
      if (running !== undefined) clock.clearTimeout(running);
      call.timers.delete(kind);
      return;
    }
    if (running !== undefined) return;
    call.timers.set(
      kind,
      clock.setTimeout(() => {
        call.timers.delete(kind);
        void deps
          .serialized(call.cid, async () => {
            if (calls.get(call.cid) !== call || !isLive(call)) return;
            await commit(call.cid, [stage(call, event(), `time out (${kind})`)]);
          })
          .catch((error: unknown) => {
            // The log was away: the watchdog tries again rather than leave the call running for good.
            if (isHelplineError(error) && error.code === 'unavailable')
              toggle(call, kind, true, error.retryAfterMs ?? 1_000, event);
            else deps.reportFailure(`call timer (${kind})`, error);
          });
      }, ms),
    );
  }

  /** On a voice interaction the call is the interaction: when a step ends the call, the interaction ends with it. */
  function endIntentOf({ call, next }: CallStep): { intent?: Intent } {
    const current = interactions.get(call.cid);
    if (LIVE_CALL.has(next.value) || current?.interaction.channel !== 'voice') return {};
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

  /** A new call of an interaction, not yet current: its first step creates it. */
  function draftCall(current: VoiceInteraction, startedBy: CallSide): CallStep {
    const at = clock.now();
    const cid = current.interaction.id;
    let snapshot = voiceSnapshot({
      direction: startedBy === 'visitor' ? 'inbound' : 'outbound',
      at,
      acw: { kind: 'none' },
    });
    // The visitor's browser rings as soon as the call exists (the notice reaches it when it is settled).
    if (startedBy === 'agent') snapshot = transition(voiceMachine, snapshot, { type: 'RING', at }).snapshot;
    const call: HubCall = {
      callId: randomId('v', deps.randomBytes),
      cid,
      startedBy,
      snapshot,
      bound: new Map(),
      timers: new Map(),
    };
    interactions.set(cid, current);
    return { call, before: undefined, next: snapshot };
  }

  function bind(call: HubCall, side: CallSide, conn: VoiceConnection): void {
    call.bound.set(side, conn.id);
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────

  /** Resolves the interaction, the caller's side and the call, then runs `task` in the conversation's order. */
  async function onCall<T>(
    op: CallOp,
    conn: VoiceConnection,
    args: { cid: string; callId: string },
    operation: string,
    task: (call: HubCall, side: CallSide) => Promise<T>,
  ): Promise<T> {
    const current = await deps.getLive(conn.subject, args.cid, op);
    const side = sideOf(conn.subject, current.interaction, operation);
    spend(conn);
    return deps.serialized(args.cid, async () => {
      const call = requireCall(args.cid, args.callId);
      interactions.set(args.cid, current);
      return task(call, side);
    });
  }

  const handlers: CallHandlers = {
    async 'call.start'(conn, args) {
      const current = await deps.getLive(conn.subject, args.cid, 'call.start');
      const side = sideOf(conn.subject, current.interaction, 'start a call');
      spend(conn);
      return deps.serialized(args.cid, async () => {
        const { interaction } = current;
        const existing = calls.get(args.cid);
        if (existing && isLive(existing)) conflict('start a call', existing.snapshot.value);
        // A voice interaction's call is placed by `chat.start`; elsewhere only a running conversation escalates.
        if (interaction.channel === 'voice' || !callMayGoOn(interaction.channel, current.snapshot.value)) {
          throw helplineError('conflict/state', {
            operation: 'start a call',
            entity: interaction.channel,
            state: current.snapshot.value,
          });
        }
        const callee = subjectOf(interaction, otherSide(side));
        if (!callee || !deps.isOnline(callee)) {
          throw helplineError('voice/unreachable', { party: otherSide(side) });
        }
        const created = draftCall(current, side);
        await commit(args.cid, [created]);
        const call = hubCallOf(created);
        bind(call, side, conn);
        return { call: toWireCall(call) };
      });
    },
    'call.answer': (conn, args) =>
      onCall('call.answer', conn, args, 'answer the call', async (call, side) => {
        if (side === call.startedBy)
          throw helplineError('auth/forbidden', { operation: 'answer your own call' });
        await commit(args.cid, [stage(call, { type: 'ANSWER', at: clock.now() }, 'answer the call')]);
        bind(call, side, conn);
        return { call: toWireCall(call) };
      }),
    'call.hangup': (conn, args) =>
      onCall('call.hangup', conn, args, 'hang up', async (call, side) => {
        const ringingHere =
          side !== call.startedBy && (call.snapshot.value === 'ringing' || call.snapshot.value === 'dialing');
        const at = clock.now();
        const event: VoiceEvent = ringingHere
          ? { type: 'REJECT', at, by: side }
          : { type: 'HANG_UP', at, by: side };
        await commit(args.cid, [stage(call, event, 'hang up')]);
        return { call: toWireCall(call) };
      }),
    'call.hold': (conn, args) =>
      onCall('call.hold', conn, args, 'hold the call', async (call, side) => {
        await commit(args.cid, [stage(call, { type: 'HOLD', at: clock.now(), by: side }, 'hold the call')]);
        return { call: toWireCall(call) };
      }),
    'call.resume': (conn, args) =>
      onCall('call.resume', conn, args, 'resume the call', async (call, side) => {
        await commit(args.cid, [
          stage(call, { type: 'RESUME', at: clock.now(), by: side }, 'resume the call'),
        ]);
        return { call: toWireCall(call) };
      }),
    'call.media': (conn, args) =>
      onCall('call.media', conn, args, 'report call media', async (call, side) => {
        const { value, context } = call.snapshot;
        // A late report about a call that already ended changes nothing.
        if (!TALKING.has(value)) return {};
        bind(call, side, conn);
        const at = clock.now();
        const steps: CallStep[] = [];
        const add = (event: VoiceEvent, operation: string) => {
          const step = stage(call, event, operation, steps);
          if (step) steps.push(step);
        };
        if (args.media === 'connected') {
          if (value === 'connecting') add({ type: 'CONNECTED', at }, 'connect the call');
          if (context.media !== 'ok') add({ type: 'MEDIA_RESTORED', at }, 'restore media');
        } else {
          add(
            { type: args.media === 'failed' ? 'MEDIA_FAILED' : 'MEDIA_RECONNECTING', at },
            'report call media',
          );
        }
        await commit(args.cid, steps);
        return {};
      }),
    'call.signal': (conn, args) =>
      onCall('call.signal', conn, args, 'signal the call', async (call, side) => {
        if (!TALKING.has(call.snapshot.value)) conflict('signal the call', call.snapshot.value);
        bind(call, side, conn);
        const interaction = interactions.get(call.cid)?.interaction;
        const to = otherSide(side);
        const subjectId = interaction && subjectOf(interaction, to);
        if (subjectId) {
          deps.notify(
            subjectId,
            { type: 'call.signal', cid: call.cid, callId: call.callId, from: side, signal: args.signal },
            call.bound.get(to),
          );
        }
        return {};
      }),
    async 'call.attach'(conn, args) {
      const current = await deps.getLive(conn.subject, args.cid, 'call.attach');
      const side = sideOf(conn.subject, current.interaction, 'attach to the call');
      spend(conn);
      return deps.serialized(args.cid, async () => {
        const call = calls.get(args.cid);
        if (!call) return {};
        interactions.set(args.cid, current);
        if (isLive(call)) {
          bind(call, side, conn);
          presenceChanged(conn.subject.id);
        }
        return { call: toWireCall(call) };
      });
    },
  };

  // ─── interaction and presence ──────────────────────────────────────────────────────────────────

  /**
   * The call steps an interaction step implies (pure: nothing is current until the hub stored them and calls
   * {@link VoiceHub.settled}): a voice interaction rings while it waits, is answered when accepted, a transferred
   * call ends and a new one rings; any call ends when its interaction leaves the states that allow one.
   */
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
      // Transferred: this call ends here and a new one rings for the next agent.
      add({ type: 'HANG_UP', at, by: 'agent' }, 'transfer the call');
      steps.push(draftCall(next, 'visitor'));
      return steps;
    }
    if (interaction.channel === 'voice' && phase === 'handling' && phaseOf('voice', before) === 'offered') {
      add({ type: 'ANSWER', at }, 'answer the call');
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

  /** The hub stored an interaction step with these call steps: they become current. */
  function settled(current: VoiceInteraction, steps: readonly CallStep[]): void {
    const cid = current.interaction.id;
    interactions.set(cid, current);
    settle(steps);
    if (current.lifecycle.final.has(current.snapshot.value)) {
      const call = calls.get(cid);
      if (call) for (const timer of call.timers.values()) clock.clearTimeout(timer);
      calls.delete(cid);
      interactions.delete(cid);
    }
  }

  function presenceChanged(subjectId: string): void {
    capabilitiesChanged(subjectId);
    for (const call of calls.values()) {
      const interaction = interactions.get(call.cid)?.interaction;
      if (!interaction || !isLive(call)) continue;
      const parties = [subjectOf(interaction, 'visitor'), subjectOf(interaction, 'agent')];
      if (!parties.includes(subjectId)) continue;
      const anyoneHere = parties.some((party) => party !== undefined && deps.isOnline(party));
      toggle(call, 'absent', !anyoneHere, absentMs, () => ({ type: 'FAIL', at: clock.now() }));
    }
  }

  /**
   * An agent can take calls while one of their connections can (or declared nothing); with no connection at all (a
   * reload, a lost network) they keep what their consoles said last, so a console that reloads is not offered a call
   * it cannot take in between.
   */
  function capabilitiesChanged(subjectId: string): void {
    const declared = deps.capabilitiesOf(subjectId);
    if (declared.length === 0) return;
    const capable = declared.some((capabilities) => capabilities?.voice !== false);
    if (capable !== voiceless.has(subjectId)) return;
    if (capable) voiceless.delete(subjectId);
    else voiceless.add(subjectId);
    deps.setVoiceCapable(subjectId, capable);
  }

  async function restored(current: VoiceInteraction): Promise<void> {
    const { interaction } = current;
    const state = current.snapshot.value;
    if (interaction.channel !== 'voice' || calls.has(interaction.id)) return;
    await deps.serialized(interaction.id, async () => {
      if (phaseOf('voice', state) === 'waiting') {
        await deps.commit(interaction.id, { calls: [draftCall(current, 'visitor')] });
        // A caller who does not come back leaves no call ringing in the queue for ever.
        presenceChanged(interaction.customer.id);
      } else if (callMayGoOn('voice', state))
        await deps.commit(interaction.id, { calls: [], intent: { kind: 'fail' } });
    });
  }

  return {
    handlers,
    plan,
    restored,
    eventOf,
    settled,
    presenceChanged,
    callOf(cid) {
      const call = calls.get(cid);
      return call && toWireCall(call);
    },
    close() {
      for (const call of calls.values()) {
        for (const timer of call.timers.values()) clock.clearTimeout(timer);
        call.timers.clear();
      }
    },
  };
}
