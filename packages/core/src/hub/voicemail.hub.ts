import type { AttachmentClaims } from '../attachment/attachment.claims';
import { randomId } from '../ids/ids';
import type { Interaction } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import { helplineError } from '../protocol/errors';
import { attachmentError } from '../protocol/errors.attachment';
import type { WireInteraction } from '../protocol/protocol.types';
import { queueAvailability } from '../queue/business-hours';
import type { Queue, VoicemailPolicy } from '../queue/queue.types';
import { authorizeRole, type InteractionOp } from './access';
import type { ConversationLog } from './conversation.log';
import { afterReply, type Caller, type CommandHandlers } from './dispatch';
import type { HubClock, Subject } from './hub.types';
import type { Intake } from './intake.hub';
import type { Live } from './live';

// Voicemail: a caller whose queue is closed, or whose call nobody answered within the queue's `voicemail.afterSeconds`,
// records a message instead. `voicemail.start` opens a `voicemail` interaction in `prechat` (the caller records and
// uploads the audio to it, as any attachment); `voicemail.send` binds the one recording to a message of it and puts it
// in line, where it is routed, offered, accepted and wrapped up like a chat. Phone callers do the same through the
// Vonage gateway's bridge (the gateway records with an NCCO `record` action and keeps the audio in the store).

/** The voicemail commands. */
export type VoicemailOp = 'voicemail.start' | 'voicemail.send';

/** What voicemail needs from the hub. */
export interface VoicemailHubDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly queues: ReadonlyMap<string, Queue>;
  readonly intake: Pick<Intake, 'routeNew' | 'draftInteraction' | 'enqueueStep' | 'once'>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'addEvent' | 'commit'>;
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  /** The interaction, once `subject` may run `op` on it. */
  readonly getLive: (subject: Subject, cid: string, op: InteractionOp, operation: string) => Promise<Live>;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
  /** Puts an interaction in line. */
  readonly enqueue: (current: Live) => void;
  /** Ends the caller's waiting call (`chat.end` as the caller): they leave the line for voicemail. */
  readonly endWaiting: (caller: Caller, cid: string) => Promise<unknown>;
  /** Claims the recording; absent: voicemail is refused with `attachment/disabled`. */
  readonly attachments: AttachmentClaims | undefined;
}

/** The voicemail part of a hub. */
export interface VoicemailHub {
  readonly handlers: CommandHandlers<VoicemailOp>;
}

/** The queue's voicemail, or the typed refusal of a queue without one. */
function policyOf(queue: Queue): VoicemailPolicy {
  if (!queue.voicemail) {
    throw helplineError('conflict/state', {
      operation: 'leave a voicemail',
      entity: `queue ${queue.id}`,
      state: 'without voicemail',
    });
  }
  return queue.voicemail;
}

/**
 * Creates the voicemail commands of a hub.
 *
 * @example
 * ```ts
 * const voicemail = createVoicemailHub({ clock, randomBytes, queues, intake, log, serialized, load, getLive, … });
 * const handlers = { ...voicemail.handlers };
 * ```
 */
export function createVoicemailHub(deps: VoicemailHubDeps): VoicemailHub {
  const { clock, randomBytes, intake, serialized } = deps;
  const { changeOf, addEvent, commit } = deps.log;

  /** The queue of a voicemail `fromCid`'s caller may leave: their own call, waiting, unanswered for long enough. */
  async function waitedTooLong(subject: Subject, fromCid: string): Promise<Queue> {
    const from = await deps.load(fromCid);
    if (!from || from.interaction.customer.id !== subject.id) {
      throw helplineError('not-found', { entity: 'Conversation', id: fromCid });
    }
    const { interaction } = from;
    const queue = deps.queues.get(interaction.queueId);
    if (!queue) throw helplineError('not-found', { entity: 'Queue', id: interaction.queueId });
    const policy = policyOf(queue);
    const phase = phaseOf(interaction.channel, interaction.state);
    if (interaction.channel !== 'voice' || (phase !== 'waiting' && phase !== 'offered')) {
      throw helplineError('conflict/state', {
        operation: 'leave a voicemail',
        entity: 'call',
        state: interaction.state,
      });
    }
    const waitedMs = clock.now() - interaction.timestamps.createdAt;
    if (waitedMs < policy.afterSeconds * 1000) {
      throw helplineError('conflict/state', {
        operation: 'leave a voicemail',
        entity: 'call',
        state: `waiting ${Math.floor(waitedMs / 1000)} s of the queue's ${policy.afterSeconds} s`,
      });
    }
    return queue;
  }

  const handlers: VoicemailHub['handlers'] = {
    async 'voicemail.start'(caller, args) {
      authorizeRole(caller.subject, 'voicemail.start', 'leave a voicemail');
      const current = await intake.once(caller.subject, args.requestId, async (startRequest) => {
        let queue: Queue;
        let routing: ReturnType<Intake['routeNew']>['routing'];
        if (args.fromCid !== undefined) {
          queue = await waitedTooLong(caller.subject, args.fromCid);
          routing = intake.routeNew(caller.subject, caller.meta, { ...args, queueId: queue.id }).routing;
          await deps.endWaiting(caller, args.fromCid);
        } else {
          ({ queue, routing } = intake.routeNew(caller.subject, caller.meta, args));
          policyOf(queue);
          // An open queue takes the call: voicemail is for when it cannot.
          if (queueAvailability(queue, clock.now()).open) {
            throw helplineError('conflict/state', {
              operation: 'leave a voicemail',
              entity: `queue ${queue.id}`,
              state: 'open (call instead)',
            });
          }
        }
        const { current: created, change } = intake.draftInteraction(
          caller.subject,
          'voicemail',
          queue,
          args,
          startRequest,
          routing,
        );
        // Stored in `prechat` while the caller records: no agent sees it before it is sent.
        await serialized(created.interaction.id, () => commit(created, change));
        return created;
      });
      return { cid: current.interaction.id, interaction: deps.wireFor(current.interaction, caller.subject) };
    },
    async 'voicemail.send'(caller, args) {
      const current = await deps.getLive(caller.subject, args.cid, 'voicemail.send', 'send a voicemail');
      const sent = await serialized(args.cid, async () => {
        const { interaction } = current;
        if (interaction.channel !== 'voicemail' || interaction.state !== 'prechat') {
          throw helplineError('conflict/state', {
            operation: 'send a voicemail',
            entity: 'conversation',
            state: interaction.state,
          });
        }
        if (!deps.attachments) throw attachmentError('attachment/disabled');
        const attachments = await deps.attachments.claim({
          cid: args.cid,
          senderId: caller.subject.id,
          clientMsgId: args.clientMsgId,
          ids: args.attachments.map((ref) => ref.id),
        });
        if (!attachments.every((file) => file.type.startsWith('audio/'))) {
          throw helplineError('validation/field', {
            scope: 'voicemail.send',
            field: 'attachments',
            detail: 'must be an audio recording',
          });
        }
        const change = changeOf(current);
        addEvent(change, {
          type: 'message',
          messageId: randomId('m', randomBytes),
          clientMsgId: args.clientMsgId,
          from: { id: caller.subject.id, role: 'visitor', name: caller.subject.name },
          text: '',
          attachments,
        });
        intake.enqueueStep(current, change);
        await commit(current, change);
        return current;
      });
      afterReply(caller, () => deps.enqueue(sent));
      return { interaction: deps.wireFor(sent.interaction, caller.subject) };
    },
  };

  return { handlers };
}
