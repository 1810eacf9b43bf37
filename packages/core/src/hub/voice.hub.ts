import type { HelplineError } from '../protocol/errors';
import type { ClientCapabilities, ConversationEvent, Notice, WireCall } from '../protocol/protocol.types';
import type { RecordingPolicy, VoiceState } from '../voice/voice.machine';
import { type CallRecord, toWireCall } from '../voice/voice.wire';
import type { HubClock, Subject, VoiceHubOptions } from './hub.types';
import type { Intent } from './lifecycles';
import type { RecordingAuditEntry } from './recordings.hub';
import type { HubTimers } from './timers.hub';
import {
  type CallOp,
  type CallStep,
  createCallBook,
  isLive,
  subjectOf,
  type VoiceInteraction,
} from './voice.calls';
import { type CallHandlers, createCallCommands } from './voice.commands';
import {
  type ConsultHandlers,
  type ConsultSignalNotice,
  type ConsultTelephony,
  createVoiceConsults,
} from './voice.consult';
import { createCallRestore } from './voice.restore';
import { type CallSignalNotice, createCallSignaling } from './voice.signaling';
import { createCallWatchdogs } from './voice.watchdogs';

// The hub's side of browser calls, composed of the call book (calls and their steps, voice.calls.ts), the call
// commands (voice.commands.ts), signaling and its budget (voice.signaling.ts), the watchdogs that end calls whose
// media or parties are gone (voice.watchdogs.ts) and what a restart leaves of calls (voice.restore.ts).

export type { VoiceHubOptions } from './hub.types';
export type { CallOp, CallStep, VoiceConnection, VoiceInteraction } from './voice.calls';
export type { ConsultHandlers, ConsultSignalNotice, ConsultTelephony, WireConsultLeg } from './voice.consult';
export type { CallSignalNotice } from './voice.signaling';

/**
 * The states of a call a restored hub carries on: picked up. A ringing call rings again as a new one; a consult's leg
 * is known again from the call's consult (its id, party and answer are stored with the call).
 */
const CARRIED_ON: ReadonlySet<VoiceState> = new Set([
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
]);

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
    step: {
      readonly calls: readonly CallStep[];
      readonly intent?: Intent;
      /** Agents who join the conversation with this step (the receiver of a warm transfer). */
      readonly joins?: readonly string[];
    },
  ) => Promise<void>;
  /** Sends a notice to every connection of a subject. */
  readonly notify: (subjectId: string, notice: Notice) => void;
  /**
   * Delivers a signal to the other party: to `connectionId` while that connection is open, else to every connection
   * of theirs. A cluster delivers it wherever the party is connected.
   */
  readonly sendSignal: (
    subjectId: string,
    notice: CallSignalNotice | ConsultSignalNotice,
    connectionId?: string,
  ) => void;
  /** True while the subject is connected to the hub (in a cluster: to any instance). */
  readonly isOnline: (subjectId: string) => boolean;
  /** What each open connection of the subject declared at `hello` (`undefined`: nothing). */
  readonly capabilitiesOf: (subjectId: string) => readonly (ClientCapabilities | undefined)[];
  /**
   * Gives an agent their configured voice capacity (`true`) or none (`false`) in the router, and routes again;
   * ignores anyone who is not a routed agent.
   */
  readonly setVoiceCapable: (agentId: string, capable: boolean) => void;
  /** Where the calls' deadlines are kept (their failures are reported there). */
  readonly timers: Pick<HubTimers, 'group'>;
  /** The role of a connected subject (who may be consulted); without it nobody can be consulted. */
  readonly roleOf?: ((subjectId: string) => Subject['role'] | undefined) | undefined;
  /**
   * Why an agent cannot take the interaction's call now (presence, voice capacity), or `undefined`: asked before a
   * consult rings them and before a warm transfer hands them the call. Default: nobody is refused.
   */
  readonly refusalOfTakeOver?:
    | ((current: VoiceInteraction, agentId: string) => HelplineError | undefined)
    | undefined;
  /** Moves the interaction's voice capacity to the receiver of a warm transfer in the router. */
  readonly handOver?: ((current: VoiceInteraction, agentId: string) => void) | undefined;
  /** Outside numbers for consults and transfers (the server's Vonage voice); none: refused. */
  readonly telephony?: ConsultTelephony | undefined;
  /** The recording policy of an interaction's queue (default: `never`). */
  readonly recordingOf?: ((interaction: VoiceInteraction['interaction']) => RecordingPolicy) | undefined;
  /**
   * True when the interaction's calls are carried by a phone network (its queue's voice is Vonage): their legs live
   * in the gateway, so a restored hub carries them on only when the gateway stores them (`phoneLegsStored`).
   * Default: none is.
   */
  readonly onPhoneNetwork?: ((interaction: VoiceInteraction['interaction']) => boolean) | undefined;
  /** True when the gateway stores its legs: calls on a phone network are stored and carried on as well. */
  readonly phoneLegsStored?: boolean | undefined;
  /** Writes a start, pause or resume of a recording to the audit trail, once the conversation's log has it. */
  readonly auditRecording?: ((entry: RecordingAuditEntry) => Promise<void>) | undefined;
}

/** The voice part of a hub. */
export interface VoiceHub {
  readonly handlers: CallHandlers & ConsultHandlers;
  /** The phone network reports an outside party's consult leg: picked up, or ended (see `Hub.consultEvent`). */
  consultEvent(cid: string, legId: string, event: 'answered' | 'ended'): Promise<boolean>;
  /** The call steps an interaction step implies, to be stored with it (nothing changes until `settled`). */
  plan(next: VoiceInteraction, before: string, staged: readonly CallStep[]): CallStep[];
  /** The log event of a call step, when it has one. */
  eventOf(step: CallStep): ConversationEvent | undefined;
  /**
   * The interaction's call after these steps, when a hub that restores the interaction can carry it on (stored with
   * the record: `StoredInteraction.call`): a browser call being talked on (consulting too), on a phone network only
   * when the gateway stores its legs (`phoneLegsStored`).
   */
  carriedOn(current: VoiceInteraction, steps: readonly CallStep[]): CallRecord | undefined;
  /** The interaction step and these call steps are stored: they become current (in the conversation's turn). */
  settled(current: VoiceInteraction, steps: readonly CallStep[]): void;
  /**
   * After a restart or a takeover, for each interaction the hub restored, with the call stored beside it: a browser
   * call being talked on goes on (its parties attach again); otherwise a waiting voice interaction rings again with
   * a new call, and one whose call was lost ends as failed (see `createCallRestore`).
   */
  restored(current: VoiceInteraction, call?: CallRecord): Promise<void>;
  /**
   * A subject's connections changed (one opened, or one closed): calls whose parties are all gone are watched,
   * and an agent whose every console declared it cannot take calls gets no voice capacity (see
   * {@link VoiceHubDeps.capabilitiesOf}).
   */
  presenceChanged(subjectId: string): void;
  /** The latest call of an interaction, live or ended. */
  callOf(cid: string): WireCall | undefined;
  /** What a staff member's new connection is told of the calls they take part in: each live consult leg of theirs. */
  standing(subjectId: string): Notice[];
  /** Stops every timer. */
  close(): void;
}

/**
 * Creates the voice part of a hub: call commands, signaling relay, and calls kept in step with their
 * interactions. Media is peer-to-peer; the hub relays signaling between the two parties only, and ends calls whose
 * media is gone so that no call outlives its browsers.
 *
 * @example
 * ```ts
 * const voice = createVoiceHub({ clock, randomBytes, getLive, serialized, commit, notify, sendSignal, isOnline, … });
 * const handlers = { ...chatHandlers, ...voice.handlers };
 * ```
 */
export function createVoiceHub(deps: VoiceHubDeps, options: VoiceHubOptions = {}): VoiceHub {
  const { clock, serialized } = deps;
  const book = createCallBook({ clock, randomBytes: deps.randomBytes, recordingOf: deps.recordingOf });
  /** Agents none of whose connected consoles can take calls: the router offers them none. */
  const voiceless = new Set<string>();

  const watchdogs = createCallWatchdogs({
    clock,
    timers: deps.timers,
    async expire(call, event, kind) {
      const held = book.get(call.cid);
      if (held !== call || !isLive(held)) return;
      await commit(held.cid, [book.stage(held, event, `time out (${kind})`)]);
    },
    budgets: {
      ringMs: options.ringMs ?? 45_000,
      connectMs: options.connectMs ?? 30_000,
      reattachMs: options.reattachMs ?? 20_000,
      absentMs: options.absentMs ?? 60_000,
    },
  });
  const signaling = createCallSignaling({
    clock,
    burst: options.signalBurst ?? 60,
    perSecond: options.signalsPerSecond ?? 20,
    sendSignal: deps.sendSignal,
  });

  /** Stores call steps (with the interaction step they imply on a voice interaction), then makes them current. */
  async function commit(cid: string, steps: readonly (CallStep | undefined)[]): Promise<void> {
    const calls = steps.filter((step): step is CallStep => step !== undefined);
    const last = calls.at(-1);
    if (!last) return;
    await deps.commit(cid, { calls, ...book.intentOf(last) });
  }

  /** Makes stored steps current: the call's snapshot, its parties told, its watchdogs re-armed. */
  function settle(steps: readonly CallStep[]): void {
    for (const step of steps) {
      const { call, replaced } = book.apply(step);
      if (replaced) watchdogs.stop(call.cid);
      const interaction = book.interactionOf(call.cid)?.interaction;
      if (interaction) {
        for (const side of ['visitor', 'agent'] as const) {
          const subjectId = subjectOf(interaction, side);
          if (subjectId) deps.notify(subjectId, { type: 'call', call: toWireCall(call, side) });
        }
      }
      watchdogs.follow(call, interaction?.channel);
    }
  }

  function presenceChanged(subjectId: string): void {
    capabilitiesChanged(subjectId);
    for (const call of book.all()) {
      const interaction = book.interactionOf(call.cid)?.interaction;
      if (!interaction || !isLive(call)) continue;
      const parties = [subjectOf(interaction, 'visitor'), subjectOf(interaction, 'agent')];
      if (!parties.includes(subjectId)) continue;
      watchdogs.absent(call, !parties.some((party) => party !== undefined && deps.isOnline(party)));
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

  const consults = createVoiceConsults({
    clock,
    randomBytes: deps.randomBytes,
    getLive: deps.getLive,
    serialized,
    calls: book,
    commit: deps.commit,
    notify: deps.notify,
    sendSignal: deps.sendSignal,
    isOnline: deps.isOnline,
    roleOf: deps.roleOf ?? (() => undefined),
    refusalOfTakeOver: deps.refusalOfTakeOver ?? (() => undefined),
    handOver: deps.handOver ?? (() => undefined),
    telephony: deps.telephony,
    spend: (conn) => signaling.spend(conn),
    ringTimer: deps.timers.group(),
    ringMs: options.ringMs ?? 45_000,
  });

  const handlers = createCallCommands({
    clock,
    getLive: deps.getLive,
    serialized,
    calls: book,
    signaling,
    commit,
    isOnline: deps.isOnline,
    attached: presenceChanged,
    auditRecording: deps.auditRecording,
  });

  return {
    handlers: { ...handlers, ...consults.handlers },
    consultEvent: (cid, legId, event) => consults.consultEvent(cid, legId, event),
    plan: (next, before, staged) => book.plan(next, before, staged),
    eventOf: (step) => book.eventOf(step),
    carriedOn(current, steps) {
      const { interaction } = current;
      const last = [...steps].reverse().find((step) => step.call.cid === interaction.id);
      const call = last ? { ...last.call, snapshot: last.next } : book.get(interaction.id);
      if (!call || !CARRIED_ON.has(call.snapshot.value)) return undefined;
      // A dialled call's far end is a phone line, and a phone network's legs live in its gateway: carried on only when
      // the gateway stores them.
      const dialled = interaction.channel === 'voice' && call.startedBy === 'agent';
      if ((dialled || deps.onPhoneNetwork?.(interaction)) && !deps.phoneLegsStored) return undefined;
      return { callId: call.callId, cid: call.cid, startedBy: call.startedBy, snapshot: call.snapshot };
    },
    settled(current, steps) {
      const cid = current.interaction.id;
      book.remember(current);
      settle(steps);
      const call = book.get(cid);
      if (!call || !isLive(call)) consults.callEnded(cid);
      if (current.lifecycle.final.has(current.snapshot.value)) {
        watchdogs.stop(cid);
        book.forget(cid);
      }
    },
    restored: createCallRestore({
      serialized,
      hasCall: (cid) => book.get(cid) !== undefined,
      draft: (current, startedBy) => book.draft(current, startedBy),
      commit: deps.commit,
      watchParties: presenceChanged,
      takeBack(current, call) {
        book.remember(current);
        settle([{ call: { ...call }, before: undefined, next: call.snapshot }]);
        const held = book.get(call.cid);
        if (held) consults.takeBack(held);
      },
    }),
    presenceChanged,
    callOf(cid) {
      const call = book.get(cid);
      return call && toWireCall(call);
    },
    standing: (subjectId) => consults.legsOf(subjectId).map((leg) => ({ type: 'consult', leg })),
    close() {
      for (const call of book.all()) watchdogs.stop(call.cid);
    },
  };
}
