import { helplineError } from '../protocol/errors';
import type { CommandArgs, CommandResult } from '../protocol/protocol.types';
import type { CallSide, VoiceEvent } from '../voice/voice.machine';
import { toWireCall } from '../voice/voice.wire';
import type { HubClock, Subject } from './hub.types';
import type { RecordingAuditEntry } from './recordings.hub';
import {
  type CallBook,
  type CallOp,
  type CallStep,
  callMayGoOn,
  type HubCall,
  isLive,
  isTalking,
  otherSide,
  subjectOf,
  type VoiceConnection,
  type VoiceInteraction,
} from './voice.calls';
import type { ConsultOp } from './voice.consult';
import type { CallSignaling } from './voice.signaling';

/** The handlers of the call commands. */
export type CallHandlers = {
  [Op in Exclude<CallOp, ConsultOp>]: (
    conn: VoiceConnection,
    args: CommandArgs<Op>,
  ) => Promise<CommandResult<Op>>;
};

/** What the call commands need from the hub. */
export interface CallCommandsDeps {
  readonly clock: HubClock;
  /**
   * The live interaction, when the access rules let `subject` run `op` on it; rejects with `not-found` (or
   * `auth/forbidden`) otherwise.
   */
  readonly getLive: (subject: Subject, cid: string, op: CallOp) => Promise<VoiceInteraction>;
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  readonly calls: Pick<CallBook, 'get' | 'remember' | 'stage' | 'draft'>;
  readonly signaling: CallSignaling;
  /** Stores call steps (and what they imply for their interaction), then makes them current. */
  readonly commit: (cid: string, steps: readonly (CallStep | undefined)[]) => Promise<void>;
  /** True while the subject is connected (in a cluster: to any instance). */
  readonly isOnline: (subjectId: string) => boolean;
  /** A party's page attached to its live call again (after a reload): its absence may be over. */
  readonly attached: (subjectId: string) => void;
  /** Writes a start, pause or resume of a recording to the server's audit trail (after the log has it). */
  readonly auditRecording?: ((entry: RecordingAuditEntry) => Promise<void>) | undefined;
}

/** The side `subject` takes in the call of `interaction`: only its customer and its assigned agent have one. */
function sideOf(subject: Subject, interaction: VoiceInteraction['interaction'], operation: string): CallSide {
  if (subject.role === 'visitor' && subject.id === interaction.customer.id) return 'visitor';
  if (subject.role === 'agent' && subject.id === interaction.agentId) return 'agent';
  throw helplineError('auth/forbidden', { operation });
}

function conflict(operation: string, state: string): never {
  throw helplineError('conflict/state', { operation, entity: 'call', state });
}

/**
 * Creates the call commands: start, answer, hang up, hold, resume, media reports, signals, attach after a reload.
 *
 * @example
 * ```ts
 * const commands = createCallCommands({ clock, getLive, serialized, calls, signaling, commit, isOnline, attached });
 * const handlers = { ...chatHandlers, ...commands };
 * ```
 */
export function createCallCommands(deps: CallCommandsDeps): CallHandlers {
  const { clock, calls, signaling } = deps;

  /** Resolves the interaction and the caller's side, spends a command of the budget, then runs `task` in turn. */
  async function inTurn<T>(
    op: CallOp,
    conn: VoiceConnection,
    cid: string,
    operation: string,
    task: (current: VoiceInteraction, side: CallSide) => Promise<T>,
  ): Promise<T> {
    const current = await deps.getLive(conn.subject, cid, op);
    const side = sideOf(conn.subject, current.interaction, operation);
    signaling.spend(conn);
    return deps.serialized(cid, () => task(current, side));
  }

  /** As {@link inTurn}, on the call `callId`, which must be the interaction's latest. */
  function onCall<T>(
    op: CallOp,
    conn: VoiceConnection,
    args: { cid: string; callId: string },
    operation: string,
    task: (call: HubCall, side: CallSide, current: VoiceInteraction) => Promise<T>,
  ): Promise<T> {
    return inTurn(op, conn, args.cid, operation, async (current, side) => {
      const call = calls.get(args.cid);
      if (!call || call.callId !== args.callId) {
        throw helplineError('not-found', { entity: 'Call', id: args.callId });
      }
      calls.remember(current);
      return task(call, side, current);
    });
  }

  /** Stores one event of a call as its next step; answers with the call as it is then. */
  async function stepped(call: HubCall, event: VoiceEvent, operation: string, side: CallSide) {
    await deps.commit(call.cid, [calls.stage(call, event, operation)]);
    return { call: toWireCall(call, side) };
  }

  return {
    'call.start': (conn, args) =>
      inTurn('call.start', conn, args.cid, 'start a call', async (current, side) => {
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
        const created = calls.draft(current, side);
        await deps.commit(args.cid, [created]);
        signaling.bind(created.call, side, conn.id);
        return { call: toWireCall(created.call, side) };
      }),
    'call.answer': (conn, args) =>
      onCall('call.answer', conn, args, 'answer the call', async (call, side) => {
        if (side === call.startedBy)
          throw helplineError('auth/forbidden', { operation: 'answer your own call' });
        const answered = await stepped(call, { type: 'ANSWER', at: clock.now() }, 'answer the call', side);
        signaling.bind(call, side, conn.id);
        return answered;
      }),
    'call.ring': (conn, args) =>
      onCall('call.ring', conn, args, 'report ringing', async (call, side) => {
        if (side === call.startedBy)
          throw helplineError('auth/forbidden', { operation: 'ring your own call' });
        // A late or repeated report (the far end already picked up) changes nothing.
        if (call.snapshot.value !== 'dialing') return { call: toWireCall(call, side) };
        return stepped(call, { type: 'RING', at: clock.now() }, 'report ringing', side);
      }),
    'call.hangup': (conn, args) =>
      onCall('call.hangup', conn, args, 'hang up', (call, side) => {
        const { value } = call.snapshot;
        const ringingHere = side !== call.startedBy && (value === 'ringing' || value === 'dialing');
        const at = clock.now();
        const event: VoiceEvent = ringingHere
          ? { type: 'REJECT', at, by: side }
          : { type: 'HANG_UP', at, by: side };
        return stepped(call, event, 'hang up', side);
      }),
    'call.hold': (conn, args) =>
      onCall('call.hold', conn, args, 'hold the call', (call, side) =>
        stepped(call, { type: 'HOLD', at: clock.now(), by: side }, 'hold the call', side),
      ),
    'call.resume': (conn, args) =>
      onCall('call.resume', conn, args, 'resume the call', (call, side) =>
        stepped(call, { type: 'RESUME', at: clock.now(), by: side }, 'resume the call', side),
      ),
    'call.media': (conn, args) =>
      onCall('call.media', conn, args, 'report call media', async (call, side) => {
        // A late report about a call that already ended changes nothing.
        if (!isTalking(call)) return {};
        const { value, context } = call.snapshot;
        signaling.bind(call, side, conn.id);
        const at = clock.now();
        const steps: CallStep[] = [];
        const add = (event: VoiceEvent, operation: string) => {
          const step = calls.stage(call, event, operation, steps);
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
        await deps.commit(args.cid, steps);
        return {};
      }),
    'call.signal': (conn, args) =>
      onCall('call.signal', conn, args, 'signal the call', async (call, side, current) => {
        if (!isTalking(call)) conflict('signal the call', call.snapshot.value);
        signaling.bind(call, side, conn.id);
        signaling.relay(call, current.interaction, side, args.signal);
        return {};
      }),
    'call.recording': (conn, args) =>
      onCall('call.recording', conn, args, `${args.action} recording`, async (call, side) => {
        const operation = `${args.action} recording`;
        // The agent's own call only: the customer never controls the recording (access rules refuse them too).
        if (side !== 'agent') throw helplineError('auth/forbidden', { operation });
        const type =
          args.action === 'start'
            ? 'START_RECORDING'
            : args.action === 'pause'
              ? 'PAUSE_RECORDING'
              : 'RESUME_RECORDING';
        const step = calls.stage(call, { type, at: clock.now() }, operation);
        if (!step) conflict(operation, call.snapshot.value);
        const at = clock.now();
        await deps.commit(call.cid, [{ ...step, actor: conn.subject.id }]);
        await deps.auditRecording?.({
          cid: call.cid,
          callId: call.callId,
          action: args.action,
          actor: conn.subject.id,
          at,
        });
        return { call: toWireCall(call) };
      }),
    'call.attach': (conn, args) =>
      inTurn('call.attach', conn, args.cid, 'attach to the call', async (current, side) => {
        const call = calls.get(args.cid);
        if (!call) return {};
        calls.remember(current);
        if (isLive(call)) {
          signaling.bind(call, side, conn.id);
          deps.attached(conn.subject.id);
        }
        return { call: toWireCall(call, side) };
      }),
  };
}
