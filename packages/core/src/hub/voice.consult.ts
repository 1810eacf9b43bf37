import { randomId } from '../ids/ids';
import { transition } from '../machine';
import { type HelplineError, helplineError } from '../protocol/errors';
import type { CommandArgs, CommandResult, Notice } from '../protocol/protocol.types';
import {
  type ConsultParty,
  type VoiceEvent,
  type VoiceSnapshot,
  voiceMachine,
  voiceSnapshot,
} from '../voice/voice.machine';
import { toWireCall } from '../voice/voice.wire';
import { authorizeRole } from './access';
import type { Subject } from './hub.types';
import type { TimerGroup } from './timers.hub';
import type { CallBook, CallOp, CallStep, HubCall, VoiceConnection, VoiceInteraction } from './voice.calls';
import type { VoiceHubDeps } from './voice.hub';

// Consult, conference and warm transfer on a call (docs/voice.md, "Consult, conference and transfer"). The customer's
// call moves through the voice machine's `consulting` and `conferenced` states; the consult leg is a second call
// between the call's agent and the party consulted, with its own voice-machine snapshot (`ringing → connecting →
// active → ended`). Media stays peer to peer: the hub relays the leg's signaling between its two ends, and the agent's
// browser mixes (hold music to the customer while consulting; each party hears the other two in a conference). A warm
// transfer hands the interaction to the colleague and re-signals the customer's call to them directly.

/** The commands of consult legs. */
export type ConsultOp =
  | 'call.consult'
  | 'call.return'
  | 'call.merge'
  | 'call.transfer'
  | 'consult.answer'
  | 'consult.hangup'
  | 'consult.signal';

/** The handlers of {@link ConsultOp}. */
export type ConsultHandlers = {
  [Op in ConsultOp]: (conn: VoiceConnection, args: CommandArgs<Op>) => Promise<CommandResult<Op>>;
};

/** A consult leg on the wire. */
export type WireConsultLeg = Extract<Notice, { type: 'consult' }>['leg'];
/** The notice that carries a consult leg's signal to its other end. */
export type ConsultSignalNotice = Extract<Notice, { type: 'consult.signal' }>;

/** How a leg ends: hung up, declined while it rang, or nobody picked up in time. */
type LegEnd = 'hangup' | 'reject' | 'timeout';

/** How a consult leg ended for the customer's call. */
type LegOutcome = NonNullable<WireConsultLeg['outcome']>;

/** One consult leg the hub holds. */
interface ConsultLeg {
  readonly legId: string;
  readonly cid: string;
  /** The customer's call the consult is about. */
  readonly callId: string;
  readonly agentId: string;
  readonly party: ConsultParty;
  snapshot: VoiceSnapshot;
  outcome?: LegOutcome | undefined;
  /** The connection of each end that signals on the leg. */
  readonly bound: Map<'agent' | 'party', string>;
}

/** An outside party reached over the phone network (the server's telephony, e.g. Vonage). */
export interface ConsultTelephony {
  /**
   * Checks `number` as `voice.dial` does (E.164, do-not-call list, calling hours, caller ID of the queue) for the
   * agent on this interaction; resolves with the number in E.164 or rejects with the typed error of the refusal.
   */
  check(subject: Subject, number: string, current: VoiceInteraction): Promise<string>;
  /** Calls the party on a leg of its own; the server reports the answer and the end with `consultEvent`. */
  place(leg: WireConsultLeg): Promise<void>;
  /** Joins the party's leg and the customer's call into one conversation (everyone hears everyone). */
  merge(leg: WireConsultLeg): Promise<void>;
  /** Moves the customer's leg to the party and drops the agent (a warm or cold transfer to a number). */
  transfer(leg: WireConsultLeg): Promise<void>;
  /** Hangs up the party's leg. */
  hangup(leg: WireConsultLeg): Promise<void>;
}

/** What consult legs need from the voice hub and the engine. */
export interface VoiceConsultDeps
  extends Pick<
    VoiceHubDeps,
    'clock' | 'randomBytes' | 'getLive' | 'serialized' | 'commit' | 'notify' | 'isOnline'
  > {
  readonly calls: Pick<CallBook, 'get' | 'remember' | 'stage' | 'draft' | 'interactionOf'>;
  readonly sendSignal: (subjectId: string, notice: ConsultSignalNotice, connectionId?: string) => void;
  readonly isOnline: (subjectId: string) => boolean;
  /** The role a connected subject has (`undefined` when not connected). */
  readonly roleOf: (subjectId: string) => Subject['role'] | undefined;
  /**
   * Why `agentId` cannot take this interaction's call now (presence, voice capacity, skills), or `undefined`. Asked
   * before a consult rings them and again before a warm transfer hands the call over.
   */
  readonly refusalOfTakeOver: (current: VoiceInteraction, agentId: string) => HelplineError | undefined;
  /** Moves the interaction's capacity from its agent to `agentId` in the router (after the hand-over is stored). */
  readonly handOver: (current: VoiceInteraction, agentId: string) => void;
  /** Outside numbers; without it a consult to a number is refused (`voice/unsupported`). */
  readonly telephony?: ConsultTelephony | undefined;
  /** Where a consult's ring timeout is kept (one per interaction, run in the conversation's turn). */
  readonly ringTimer: Pick<TimerGroup, 'stepAt' | 'clear'>;
  /** How long a consult rings before it ends unanswered, ms. */
  readonly ringMs: number;
  /** Spends one call command of the connection's budget. */
  readonly spend: (conn: VoiceConnection) => void;
}

/** The consult part of the voice hub. */
export interface VoiceConsults {
  readonly handlers: ConsultHandlers;
  /**
   * The telephony reports the outside party's leg: picked up or ended. Resolves `true` while the leg is live after
   * it (an answer repeated changes nothing), `false` when the hub holds no such live leg.
   */
  consultEvent(cid: string, legId: string, event: 'answered' | 'ended'): Promise<boolean>;
  /** The live consult legs `subjectId` is an end of (the agent who consults, or the colleague consulted). */
  legsOf(subjectId: string): WireConsultLeg[];
  /**
   * After a restart or a takeover, the call taken back (consulting or in a conference) has its consult leg again, under
   * the id stored with the call: both ends are told, and a leg still ringing times out when it would have.
   */
  takeBack(call: HubCall): void;
  /** The customer's call ended or the interaction did: its consult leg ends too. */
  callEnded(cid: string): void;
}

const LIVE_LEG = new Set(['dialing', 'ringing', 'connecting', 'active']);
const isLiveLeg = (leg: ConsultLeg): boolean => LIVE_LEG.has(leg.snapshot.value);

function wireOf(leg: ConsultLeg): WireConsultLeg {
  return {
    legId: leg.legId,
    cid: leg.cid,
    callId: leg.callId,
    agentId: leg.agentId,
    party: leg.party,
    state: leg.snapshot.value,
    ...(leg.outcome ? { outcome: leg.outcome } : {}),
  };
}

function conflict(operation: string, entity: string, state: string): never {
  throw helplineError('conflict/state', { operation, entity, state });
}

/**
 * Creates consult legs and their commands: consult, return, merge, warm transfer on the agent's side; answer,
 * hang up and signal on both ends of a leg.
 *
 * @example
 * ```ts
 * const consults = createVoiceConsults({ clock, randomBytes, getLive, serialized, calls, commit, notify, … });
 * const handlers = { ...callHandlers, ...consults.handlers };
 * ```
 */
export function createVoiceConsults(deps: VoiceConsultDeps): VoiceConsults {
  const { clock, calls } = deps;
  /** The consult leg of each interaction (one at a time), live or last ended. */
  const legs = new Map<string, ConsultLeg>();

  function step(snapshot: VoiceSnapshot, event: VoiceEvent, operation: string): VoiceSnapshot {
    const result = transition(voiceMachine, snapshot, event);
    if (!result.ok) conflict(operation, 'consult', snapshot.value);
    return result.snapshot;
  }

  /** Tells both ends of a leg how it stands. */
  function publish(leg: ConsultLeg): void {
    const notice: Notice = { type: 'consult', leg: wireOf(leg) };
    deps.notify(leg.agentId, notice);
    if (leg.party.kind !== 'external') deps.notify(leg.party.id, notice);
  }

  /** Ends a leg (hung up by `by`'s side, or rejected while it rang) with `outcome`. */
  function endLeg(leg: ConsultLeg, outcome: LegOutcome, how: LegEnd = 'hangup'): void {
    deps.ringTimer.clear(leg.cid);
    if (!isLiveLeg(leg)) return;
    const at = clock.now();
    const event: VoiceEvent =
      how === 'timeout'
        ? { type: 'TIMEOUT', at }
        : how === 'reject'
          ? { type: 'REJECT', at, by: 'agent' }
          : { type: 'HANG_UP', at, by: 'agent' };
    leg.snapshot = step(leg.snapshot, event, 'end the consult');
    leg.outcome = outcome;
    publish(leg);
    if (leg.party.kind === 'external') void deps.telephony?.hangup(wireOf(leg)).catch(() => undefined);
  }

  /** The caller must be the interaction's agent on its latest call `callId`. */
  async function agentTurn<T>(
    op: CallOp,
    conn: VoiceConnection,
    args: { readonly cid: string; readonly callId: string },
    operation: string,
    task: (call: HubCall, current: VoiceInteraction) => Promise<T>,
  ): Promise<T> {
    const current = await deps.getLive(conn.subject, args.cid, op);
    if (conn.subject.role !== 'agent' || conn.subject.id !== current.interaction.agentId) {
      throw helplineError('auth/forbidden', { operation });
    }
    deps.spend(conn);
    return deps.serialized(args.cid, async () => {
      const call = calls.get(args.cid);
      if (!call || call.callId !== args.callId)
        throw helplineError('not-found', { entity: 'Call', id: args.callId });
      calls.remember(current);
      return task(call, current);
    });
  }

  /** The caller must be one end of the leg `legId` of `cid`. */
  function legTurn<T>(
    op: 'consult.answer' | 'consult.hangup' | 'consult.signal',
    conn: VoiceConnection,
    args: { readonly cid: string; readonly legId: string },
    operation: string,
    task: (leg: ConsultLeg, end: 'agent' | 'party') => Promise<T>,
  ): Promise<T> {
    authorizeRole(conn.subject, op, operation);
    const found = legs.get(args.cid);
    const leg = found?.legId === args.legId ? found : undefined;
    const end =
      conn.subject.id === leg?.agentId
        ? 'agent'
        : leg?.party.kind !== 'external' && conn.subject.id === leg?.party.id
          ? 'party'
          : undefined;
    // The same answer for a leg that does not exist and one of somebody else (no consult of theirs is in any
    // state to act on), so ids cannot be probed.
    if (!leg || !end) conflict(operation, 'consult', 'none');
    deps.spend(conn);
    return deps.serialized(args.cid, () => task(leg, end));
  }

  /** Who the agent asks for, checked: a colleague online with room for the call, a supervisor online, a number. */
  async function partyOf(
    conn: VoiceConnection,
    to: CommandArgs<'call.consult'>['to'],
    current: VoiceInteraction,
  ): Promise<ConsultParty> {
    if (to.kind === 'external') {
      if (!deps.telephony) {
        throw helplineError('voice/unsupported', {
          detail: 'consulting a phone number needs telephony (Vonage)',
        });
      }
      return { kind: 'external', id: await deps.telephony.check(conn.subject, to.number, current) };
    }
    if (to.id === conn.subject.id) {
      throw helplineError(
        'validation/field',
        { scope: 'call.consult', field: 'to', detail: 'must be someone else' },
        { field: 'to' },
      );
    }
    if (deps.roleOf(to.id) !== to.kind || !deps.isOnline(to.id)) {
      throw helplineError('voice/unreachable', { party: to.kind });
    }
    if (to.kind === 'agent') {
      const refusal = deps.refusalOfTakeOver(current, to.id);
      if (refusal) throw refusal;
    }
    return { kind: to.kind, id: to.id };
  }

  /** Stores one step of the customer's call; answers with it. */
  async function stepped(call: HubCall, event: VoiceEvent, operation: string) {
    const next = calls.stage(call, event, operation);
    await deps.commit(call.cid, { calls: next ? [next] : [] });
    return { call: toWireCall(call) };
  }

  /** The live leg of the call, which must be answered for `operation`. */
  function liveLeg(call: HubCall, operation: string): ConsultLeg {
    const leg = legs.get(call.cid);
    if (!leg || leg.callId !== call.callId || !isLiveLeg(leg))
      conflict(operation, 'call', call.snapshot.value);
    return leg;
  }

  const handlers: ConsultHandlers = {
    'call.consult': (conn, args) =>
      agentTurn('call.consult', conn, args, 'consult', async (call, current) => {
        const existing = legs.get(args.cid);
        if (existing && isLiveLeg(existing)) conflict('consult', 'call', call.snapshot.value);
        // The call's state first (a ringing call, one the customer holds), then who is asked for.
        const asked = { kind: args.to.kind, id: args.to.kind === 'external' ? args.to.number : args.to.id };
        calls.stage(call, { type: 'CONSULT', at: clock.now(), party: asked }, 'consult');
        const party = await partyOf(conn, args.to, current);
        const legId = randomId('k', deps.randomBytes);
        const next = calls.stage(call, { type: 'CONSULT', at: clock.now(), party, legId }, 'consult');
        if (!next) conflict('consult', 'call', call.snapshot.value);
        const at = clock.now();
        const leg: ConsultLeg = {
          legId,
          cid: args.cid,
          callId: call.callId,
          agentId: conn.subject.id,
          party,
          snapshot: step(
            voiceSnapshot({ direction: 'outbound', at, acw: { kind: 'none' } }),
            { type: 'RING', at },
            'consult',
          ),
          bound: new Map([['agent', conn.id]]),
        };
        await deps.commit(args.cid, { calls: [next] });
        legs.set(args.cid, leg);
        publish(leg);
        ringFor(leg, at);
        if (party.kind === 'external') {
          await deps.telephony?.place(wireOf(leg)).catch(async (error: unknown) => {
            await finish(leg, 'ended');
            throw error;
          });
        }
        return { call: toWireCall(call), leg: wireOf(leg) };
      }),
    'call.return': (conn, args) =>
      agentTurn('call.return', conn, args, 'return to the customer', async (call) => {
        const leg = legs.get(args.cid);
        const answer = await stepped(call, { type: 'RETURN', at: clock.now() }, 'return to the customer');
        if (leg) endLeg(leg, 'returned');
        return answer;
      }),
    'call.merge': (conn, args) =>
      agentTurn('call.merge', conn, args, 'merge the calls', async (call) => {
        const leg = liveLeg(call, 'merge the calls');
        const answer = await stepped(call, { type: 'MERGE', at: clock.now() }, 'merge the calls');
        publish(leg);
        if (leg.party.kind === 'external') await deps.telephony?.merge(wireOf(leg));
        return answer;
      }),
    'call.transfer': (conn, args) =>
      agentTurn('call.transfer', conn, args, 'transfer the call', async (call, current) => {
        const leg = liveLeg(call, 'transfer the call');
        const at = clock.now();
        const leaving = calls.stage(call, { type: 'TRANSFER', at }, 'transfer the call');
        if (!leaving) conflict('transfer the call', 'call', call.snapshot.value);
        if (leg.party.kind !== 'agent') {
          if (leg.party.kind === 'supervisor') {
            throw helplineError(
              'validation/field',
              {
                scope: 'call.transfer',
                field: 'callId',
                detail: 'a supervisor is consulted, not handed calls',
              },
              { field: 'callId' },
            );
          }
          // An outside number keeps the customer: the phone network joins them and the agent leaves.
          await deps.telephony?.transfer(wireOf(leg));
          await deps.commit(args.cid, { calls: [leaving], intent: { kind: 'agent-ends' } });
          finishQuietly(leg, 'transferred');
          return { call: toWireCall(call) };
        }
        const receiver = leg.party.id;
        const refusal = deps.refusalOfTakeOver(current, receiver);
        if (refusal) throw refusal;
        // The customer's call goes on with the receiver: a new call of the same interaction, picked up at once, so
        // both browsers negotiate media with each other directly.
        const handed: VoiceInteraction = {
          ...current,
          interaction: { ...current.interaction, agentId: receiver },
        };
        const created = calls.draft(handed, 'visitor');
        const answered = transition(voiceMachine, created.next, { type: 'ANSWER', at });
        const steps: CallStep[] = [leaving, answered.ok ? { ...created, next: answered.snapshot } : created];
        await deps.commit(args.cid, {
          calls: steps,
          intent: { kind: 'hand-over', agentId: receiver },
          joins: [receiver],
        });
        deps.handOver(current, receiver);
        finishQuietly(leg, 'transferred');
        return { call: toWireCall(call) };
      }),
    'consult.answer': (conn, args) =>
      legTurn('consult.answer', conn, args, 'answer the consult', async (leg, end) => {
        if (end !== 'party') throw helplineError('auth/forbidden', { operation: 'answer your own consult' });
        await answered(leg);
        leg.bound.set('party', conn.id);
        return { leg: wireOf(leg) };
      }),
    'consult.hangup': (conn, args) =>
      legTurn('consult.hangup', conn, args, 'hang up the consult', async (leg, end) => {
        if (!isLiveLeg(leg)) return { leg: wireOf(leg) };
        // The agent hanging up the leg leaves the customer on hold (`call.return` resumes them at once).
        await finish(leg, 'ended', end === 'party' && leg.snapshot.value === 'ringing' ? 'reject' : 'hangup');
        return { leg: wireOf(leg) };
      }),
    'consult.signal': (conn, args) =>
      legTurn('consult.signal', conn, args, 'signal the consult', async (leg, end) => {
        const { value } = leg.snapshot;
        if (value !== 'connecting' && value !== 'active') conflict('signal the consult', 'consult', value);
        if (leg.party.kind === 'external') conflict('signal the consult', 'consult', 'on the phone network');
        leg.bound.set(end, conn.id);
        const other = end === 'agent' ? 'party' : 'agent';
        const to = end === 'agent' ? leg.party.id : leg.agentId;
        deps.sendSignal(
          to,
          { type: 'consult.signal', cid: leg.cid, legId: leg.legId, from: end, signal: args.signal },
          leg.bound.get(other),
        );
        return {};
      }),
  };

  /** Nobody picking up by `ringingAt + ringMs` ends the consult: the customer stays on hold until the agent returns. */
  function ringFor(leg: ConsultLeg, ringingAt: number): void {
    deps.ringTimer.stepAt(leg.cid, ringingAt + deps.ringMs, 'consult ring timeout', async () => {
      if (legs.get(leg.cid) === leg && leg.snapshot.value === 'ringing')
        await finish(leg, 'ended', 'timeout');
    });
  }

  /** The party picked up: the leg talks, and the customer's call knows merge and transfer are open. */
  async function answered(leg: ConsultLeg): Promise<void> {
    if (leg.snapshot.value !== 'ringing') conflict('answer the consult', 'consult', leg.snapshot.value);
    const at = clock.now();
    const call = calls.get(leg.cid);
    const next =
      call?.callId === leg.callId
        ? calls.stage(call, { type: 'CONSULT_ANSWERED', at }, 'answer the consult')
        : undefined;
    let snapshot = step(leg.snapshot, { type: 'ANSWER', at }, 'answer the consult');
    snapshot = step(snapshot, { type: 'CONNECTED', at }, 'answer the consult');
    await deps.commit(leg.cid, { calls: next ? [next] : [] });
    leg.snapshot = snapshot;
    deps.ringTimer.clear(leg.cid);
    publish(leg);
  }

  /** The leg ended without the agent's choice (or the agent hung it up): the customer's call learns it. */
  async function finish(leg: ConsultLeg, outcome: LegOutcome, how: LegEnd = 'hangup'): Promise<void> {
    const call = calls.get(leg.cid);
    const { value } = call?.snapshot ?? { value: 'ended' };
    const next =
      call?.callId === leg.callId && (value === 'consulting' || value === 'conferenced')
        ? calls.stage(call, { type: 'CONSULT_ENDED', at: clock.now() }, 'end the consult')
        : undefined;
    if (next) await deps.commit(leg.cid, { calls: [next] });
    endLeg(leg, outcome, how);
  }

  /** Ends a leg whose call has already moved on (merged away, transferred). */
  function finishQuietly(leg: ConsultLeg, outcome: LegOutcome): void {
    if (!isLiveLeg(leg)) return;
    leg.snapshot = step(leg.snapshot, { type: 'HANG_UP', at: clock.now(), by: 'agent' }, 'end the consult');
    leg.outcome = outcome;
    publish(leg);
  }

  return {
    handlers,
    async consultEvent(cid, legId, event) {
      const leg = legs.get(cid);
      if (leg?.legId !== legId || !isLiveLeg(leg)) return false;
      return deps.serialized(cid, async () => {
        // It may have ended while the report waited for its turn.
        if (legs.get(cid) !== leg || !isLiveLeg(leg)) return false;
        if (event === 'ended') {
          await finish(leg, 'ended');
          return false;
        }
        if (leg.snapshot.value === 'ringing') await answered(leg);
        return true;
      });
    },
    legsOf(subjectId) {
      const own: WireConsultLeg[] = [];
      for (const leg of legs.values()) {
        const end =
          leg.agentId === subjectId || (leg.party.kind !== 'external' && leg.party.id === subjectId);
        if (end && isLiveLeg(leg)) own.push(wireOf(leg));
      }
      return own;
    },
    takeBack(call) {
      const { consult } = call.snapshot.context;
      const agentId = calls.interactionOf(call.cid)?.interaction.agentId;
      const { value } = call.snapshot;
      if (!consult?.legId || !agentId || (value !== 'consulting' && value !== 'conferenced')) return;
      // The leg's state follows from the call's: ringing until the party picked up, then talking (a conference only
      // follows an answer). Its media, between browsers or on the phone network, never stopped.
      const ringing = voiceSnapshot({ direction: 'outbound', at: consult.startedAt, acw: { kind: 'none' } });
      let snapshot = step(ringing, { type: 'RING', at: consult.startedAt }, 'take the consult back');
      if (consult.answeredAt !== undefined) {
        snapshot = step(snapshot, { type: 'ANSWER', at: consult.answeredAt }, 'take the consult back');
        snapshot = step(snapshot, { type: 'CONNECTED', at: consult.answeredAt }, 'take the consult back');
      }
      const leg: ConsultLeg = {
        legId: consult.legId,
        cid: call.cid,
        callId: call.callId,
        agentId,
        party: consult.party,
        snapshot,
        bound: new Map(),
      };
      legs.set(call.cid, leg);
      publish(leg);
      // A ring that ran out while no hub ran ends at once.
      if (snapshot.value === 'ringing') ringFor(leg, consult.startedAt);
    },
    callEnded(cid) {
      const leg = legs.get(cid);
      if (leg) endLeg(leg, 'ended');
      legs.delete(cid);
    },
  };
}
