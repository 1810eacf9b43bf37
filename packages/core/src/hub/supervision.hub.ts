import { randomId } from '../ids/ids';
import type { Interaction } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import { transition } from '../machine';
import { helplineError } from '../protocol/errors';
import type { Notice, WireCall } from '../protocol/protocol.types';
import {
  modeEvent,
  type SupervisionEvent,
  type SupervisionMode,
  type SupervisionSnapshot,
  type SupervisionTarget,
  supervisionMachine,
  supervisionSnapshot,
} from '../supervision/supervision.machine';
import {
  agentNotifiedOf,
  createMemorySupervisionAudit,
  type SupervisionAudit,
  type SupervisionAuditEntry,
  type SupervisionLeg,
  type SupervisionMedia,
  type SupervisionNote,
  type SupervisionSettings,
} from '../supervision/supervision.types';
import { authorize, authorizeRole, type InteractionOp, type Relation, roleMayRun } from './access';
import type { Caller, CommandHandlers } from './dispatch';
import type { ReportFailure } from './failures';
import type { HubClock, Subject } from './hub.types';

// Supervisor legs (docs/voice.md, "Supervisor monitor, whisper and barge"): a supervisor joins a live call to listen
// (monitoring), to speak to the agent only (whispering) or to both (barging), or silently reads a live chat and sends
// the agent private notes. The leg is a machine (supervision.machine.ts); this module keeps legs, checks who may act,
// relays a browser leg's signaling between the supervisor and the agent's browser, and writes the audit log.

/** The commands of this module. */
export type SupervisionOp =
  | 'supervision.start'
  | 'supervision.mode'
  | 'supervision.stop'
  | 'supervision.signal'
  | 'supervision.note'
  | 'supervision.list'
  | 'supervision.audit';

/** The notices this module sends. */
export type SupervisionNotice = Extract<
  Notice,
  { type: 'supervision' | 'supervision.signal' | 'supervision.note' }
>;

/**
 * How a Vonage call carries a supervisor: a leg of the call's conversation whose hearing and speaking follow the mode
 * (see the server's Vonage gateway). Absent without Vonage.
 */
export interface SupervisionVonagePort {
  /** True when the interaction's call is carried by Vonage (then the leg is a Vonage leg, not a browser one). */
  carries(cid: string): boolean;
  /** Joins the supervisor to the call's conversation in `mode`. */
  join(leg: SupervisionLeg, mode: SupervisionMode): Promise<void>;
  /** Changes what the supervisor's leg hears and who hears it. */
  setMode(leg: SupervisionLeg, mode: SupervisionMode): Promise<void>;
  /** Takes the supervisor's leg out of the conversation. */
  leave(leg: SupervisionLeg): Promise<void>;
}

/** What the supervision module needs from the hub. */
export interface SupervisionHubDeps {
  readonly clock: HubClock;
  readonly randomBytes?: ((length: number) => Uint8Array) | undefined;
  /**
   * Who `subject` is to the live interaction `cid` (see access.ts), or `undefined` when there is none (ended,
   * unknown): every command here is refused by the access rules first.
   */
  readonly relationOf: (subject: Subject, cid: string) => Relation | undefined;
  /** The live interaction, or `undefined` when there is none (ended, unknown). */
  readonly interactionOf: (cid: string) => Interaction | undefined;
  /** The interaction's latest call, live or ended. */
  readonly callOf: (cid: string) => WireCall | undefined;
  /** Sends a notice to every connection of a subject. */
  readonly notify: (subjectId: string, notice: Notice) => void;
  /** Sends a notice to one connection of a subject while it is open, else to all of theirs. */
  readonly sendTo: (subjectId: string, notice: Notice, connectionId?: string) => void;
  readonly options?: SupervisionOptions | undefined;
  readonly reportFailure: ReportFailure;
}

/** The hub's supervision options (`HubOptions.supervision`). */
export interface SupervisionOptions extends SupervisionSettings {
  /** Where the audit log is kept. Default: in memory. */
  readonly audit?: SupervisionAudit | undefined;
  /** How Vonage calls carry a supervisor; absent, every call is a browser call. */
  readonly vonage?: SupervisionVonagePort | undefined;
}

/** The supervision part of a hub. */
export interface SupervisionHub {
  readonly handlers: CommandHandlers<SupervisionOp>;
  /** Supervisors whose live legs watch `cid`: they receive its conversation events, read-only. */
  watchers(cid: string): readonly string[];
  /** An interaction changed: legs whose call or chat is over (or whose agent left) end with it. */
  changed(cid: string): void;
}

interface Leg {
  readonly legId: string;
  readonly cid: string;
  readonly callId: string | undefined;
  readonly target: SupervisionTarget;
  readonly media: SupervisionMedia;
  readonly supervisorId: string;
  readonly agentId: string;
  /** The supervisor's connection that started the leg: its signaling goes there. */
  readonly supervisorConn: string;
  snapshot: SupervisionSnapshot;
  agentNotified: boolean;
}

const LIVE_CALL_STATES: ReadonlySet<string> = new Set([
  'connecting',
  'active',
  'held',
  'consulting',
  'conferenced',
]);
/** An agent holds the conversation now (handling it, or waiting for the customer's reply): a supervisor may join. */
function isHeld(interaction: Interaction): boolean {
  const phase = phaseOf(interaction.channel, interaction.state);
  return phase === 'handling' || phase === 'pending';
}

/**
 * Creates the supervision part of a hub.
 *
 * @example
 * ```ts
 * const supervision = createSupervisionHub({ clock, interactionOf, callOf, notify, sendTo, audit, reportFailure });
 * const handlers = { ...voice.handlers, ...supervision.handlers };
 * ```
 */
export function createSupervisionHub(deps: SupervisionHubDeps): SupervisionHub {
  const { clock } = deps;
  const settings = deps.options;
  const audit = deps.options?.audit ?? createMemorySupervisionAudit();
  const vonage = deps.options?.vonage;
  const legs = new Map<string, Leg>();

  function wire(leg: Leg): SupervisionLeg {
    const { context, value } = leg.snapshot;
    return {
      legId: leg.legId,
      cid: leg.cid,
      ...(leg.callId ? { callId: leg.callId } : {}),
      target: leg.target,
      media: leg.media,
      supervisorId: leg.supervisorId,
      agentId: leg.agentId,
      state: value,
      agentNotified: leg.agentNotified,
      createdAt: context.createdAt,
      ...(context.joinedAt === undefined ? {} : { joinedAt: context.joinedAt }),
      ...(context.modeSince === undefined ? {} : { modeSince: context.modeSince }),
      ...(context.endedAt === undefined ? {} : { endedAt: context.endedAt }),
      ...(context.endReason ? { endReason: context.endReason } : {}),
    };
  }

  /**
   * Tells the supervisor, and the agent when their browser carries the leg's audio (it must mix) or the agent is to
   * be told. A leg the agent is not told of never reaches the agent's connections on a Vonage call or a chat.
   */
  function publish(leg: Leg): void {
    const notice: SupervisionNotice = { type: 'supervision', leg: wire(leg) };
    deps.notify(leg.supervisorId, notice);
    if (leg.media === 'webrtc' || leg.agentNotified) deps.notify(leg.agentId, notice);
  }

  function record(
    leg: Leg,
    entry: Omit<SupervisionAuditEntry, 'legId' | 'cid' | 'supervisorId' | 'agentId'>,
  ): void {
    const full: SupervisionAuditEntry = {
      legId: leg.legId,
      cid: leg.cid,
      supervisorId: leg.supervisorId,
      agentId: leg.agentId,
      ...entry,
    };
    audit.append(full).catch((error: unknown) => deps.reportFailure('supervision audit', error));
  }

  function step(leg: Leg, event: SupervisionEvent, operation: string): void {
    const result = transition(supervisionMachine, leg.snapshot, event);
    if (!result.ok) {
      throw helplineError('conflict/state', { operation, entity: 'supervision', state: leg.snapshot.value });
    }
    leg.snapshot = result.snapshot;
  }

  /** Refuses `op` on `cid` as the access rules say (a live interaction is needed). */
  function allow(
    caller: Caller,
    op: InteractionOp & SupervisionOp,
    cid: string,
    operation: string,
  ): Relation {
    const relation = deps.relationOf(caller.subject, cid);
    if (!relation) {
      // A role that may never run it is told so before learning whether the conversation exists.
      if (!roleMayRun(caller.subject.role, op)) throw helplineError('auth/forbidden', { operation });
      throw helplineError('not-found', { entity: 'Conversation', id: cid });
    }
    authorize(op, relation, cid, operation);
    return relation;
  }

  /** The caller's own live leg on `cid`. */
  function ownLeg(caller: Caller, cid: string, operation: string): Leg {
    for (const leg of legs.values())
      if (leg.cid === cid && leg.supervisorId === caller.subject.id) return leg;
    throw helplineError('conflict/state', { operation, entity: 'supervision', state: 'not started' });
  }

  function end(leg: Leg, event: SupervisionEvent): void {
    const result = transition(supervisionMachine, leg.snapshot, event);
    if (!result.ok) return;
    leg.snapshot = result.snapshot;
    legs.delete(leg.legId);
    record(leg, { action: 'end', endReason: leg.snapshot.context.endReason ?? 'stopped', at: event.at });
    publish(leg);
    if (leg.media === 'vonage') {
      vonage?.leave(wire(leg)).catch((error: unknown) => deps.reportFailure('supervision leave', error));
    }
  }

  const handlers: CommandHandlers<SupervisionOp> = {
    async 'supervision.start'(caller, args) {
      allow(caller, 'supervision.start', args.cid, 'supervise an interaction');
      const interaction = deps.interactionOf(args.cid);
      if (!interaction) throw helplineError('not-found', { entity: 'Conversation', id: args.cid });
      const agentId = interaction.agentId;
      if (!agentId || !isHeld(interaction)) {
        throw helplineError('conflict/state', {
          operation: 'supervise it',
          entity: 'conversation',
          state: interaction.state,
        });
      }
      const call = deps.callOf(args.cid);
      const onCall = call !== undefined && LIVE_CALL_STATES.has(call.state);
      if (interaction.channel === 'voice' && !onCall) {
        throw helplineError('conflict/state', {
          operation: 'supervise it',
          entity: 'call',
          state: call?.state ?? 'not started',
        });
      }
      const target: SupervisionTarget = onCall ? 'call' : 'chat';
      const media: SupervisionMedia =
        target === 'chat' ? 'none' : vonage?.carries(args.cid) ? 'vonage' : 'webrtc';
      const at = clock.now();
      const leg: Leg = {
        legId: randomId('sv', deps.randomBytes),
        cid: args.cid,
        callId: onCall ? call.callId : undefined,
        target,
        media,
        supervisorId: caller.subject.id,
        agentId,
        supervisorConn: caller.id,
        snapshot: supervisionSnapshot({ target, at }),
        agentNotified: agentNotifiedOf(settings, args.mode, false),
      };
      step(leg, modeEvent(args.mode, at), `${args.mode.replace(/ing$/, '')} a ${target}`);
      // One leg per supervisor and interaction: a second start (another tab) replaces the first, once it is legal.
      for (const other of [...legs.values()]) {
        if (other.cid === args.cid && other.supervisorId === caller.subject.id)
          end(other, { type: 'REPLACE', at });
      }
      if (media === 'vonage') await vonage?.join(wire(leg), args.mode);
      legs.set(leg.legId, leg);
      record(leg, { action: 'start', mode: args.mode, at });
      publish(leg);
      return { leg: wire(leg) };
    },
    async 'supervision.mode'(caller, args) {
      allow(caller, 'supervision.mode', args.cid, 'change a supervision mode');
      const leg = ownLeg(caller, args.cid, `switch to ${args.mode}`);
      const at = clock.now();
      step(leg, modeEvent(args.mode, at), `switch to ${args.mode}`);
      leg.agentNotified = agentNotifiedOf(settings, args.mode, leg.agentNotified);
      if (leg.media === 'vonage') await vonage?.setMode(wire(leg), args.mode);
      record(leg, { action: 'mode', mode: args.mode, at });
      publish(leg);
      return { leg: wire(leg) };
    },
    async 'supervision.stop'(caller, args) {
      allow(caller, 'supervision.stop', args.cid, 'stop supervising');
      const leg = ownLeg(caller, args.cid, 'stop supervising');
      end(leg, { type: 'STOP', at: clock.now() });
      return { leg: wire(leg) };
    },
    async 'supervision.signal'(caller, args) {
      const relation = allow(caller, 'supervision.signal', args.cid, 'signal a supervision');
      const leg = legs.get(args.legId);
      const subjectId = caller.subject.id;
      const fromSupervisor = relation === 'supervisor' && leg?.supervisorId === subjectId;
      const fromAgent = relation === 'assigned' && leg?.agentId === subjectId;
      // A leg that ended (or is someone else's) has nothing to signal.
      if (!leg || leg.cid !== args.cid || (!fromSupervisor && !fromAgent))
        throw helplineError('conflict/state', { operation: 'signal', entity: 'supervision', state: 'ended' });
      if (leg.media !== 'webrtc') {
        throw helplineError('conflict/state', {
          operation: 'signal',
          entity: 'supervision',
          state: leg.media,
        });
      }
      const notice: SupervisionNotice = {
        type: 'supervision.signal',
        legId: leg.legId,
        from: fromSupervisor ? 'supervisor' : 'agent',
        signal: args.signal,
      };
      if (fromSupervisor) deps.notify(leg.agentId, notice);
      else deps.sendTo(leg.supervisorId, notice, leg.supervisorConn);
      return {};
    },
    async 'supervision.note'(caller, args) {
      allow(caller, 'supervision.note', args.cid, 'send a private note');
      const leg = ownLeg(caller, args.cid, 'send a private note');
      const at = clock.now();
      const note: SupervisionNote = {
        id: randomId('sn', deps.randomBytes),
        legId: leg.legId,
        cid: leg.cid,
        supervisorId: leg.supervisorId,
        text: args.text,
        at,
      };
      // A notice to the agent, never an event of the conversation: no replay, history, transcript or email carries it.
      deps.notify(leg.agentId, { type: 'supervision.note', note });
      record(leg, { action: 'note', at });
      return { note };
    },
    async 'supervision.list'(caller) {
      authorizeRole(caller.subject, 'supervision.list', 'list supervisions');
      const { id: subjectId, role } = caller.subject;
      const mine = [...legs.values()].filter((leg) =>
        role === 'supervisor'
          ? leg.supervisorId === subjectId
          : role === 'agent' && leg.agentId === subjectId && (leg.media === 'webrtc' || leg.agentNotified),
      );
      return { legs: mine.map(wire) };
    },
    async 'supervision.audit'(caller, args) {
      authorizeRole(caller.subject, 'supervision.audit', 'read the supervision audit log');
      return { entries: await audit.list({ cid: args.cid, limit: args.limit ?? 100 }) };
    },
  };

  return {
    handlers,
    watchers(cid) {
      const ids: string[] = [];
      for (const leg of legs.values()) if (leg.cid === cid) ids.push(leg.supervisorId);
      return ids;
    },
    changed(cid) {
      const at = clock.now();
      for (const leg of [...legs.values()]) {
        if (leg.cid !== cid) continue;
        const interaction = deps.interactionOf(cid);
        const call = leg.callId ? deps.callOf(cid) : undefined;
        const over =
          !interaction ||
          interaction.agentId !== leg.agentId ||
          !isHeld(interaction) ||
          (leg.callId !== undefined && (call?.callId !== leg.callId || !LIVE_CALL_STATES.has(call.state)));
        if (over) end(leg, { type: 'INTERACTION_ENDED', at });
      }
    },
  };
}
