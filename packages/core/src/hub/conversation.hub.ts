import type { AttachmentClaims } from '../attachment/attachment.claims';
import type { AttachmentRef } from '../attachment/attachment.types';
import { randomId } from '../ids/ids';
import { isMessagingChannel } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import { attachmentError } from '../protocol/errors.attachment';
import { LIMITS } from '../protocol/protocol.limits';
import type { CommandArgs, Notice, ServerFrame } from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import type { Queue } from '../queue/queue.types';
import { surveyOf, surveyRefusal } from '../queue/survey';
import { eventFor, type InteractionOp, type Relation, visibleUntil } from './access';
import type { ChannelsEngine } from './channels.hub';
import { type ConversationLog, partiesOf } from './conversation.log';
import { afterReply, type Caller, type CommandHandlers } from './dispatch';
import type { HubClock, HubStorage, Subject } from './hub.types';
import type { Live } from './live';

// The conversation commands: writing (deduped by `clientMsgId`), typing, read receipts, history (a former agent
// reads up to their own leave), ending a chat, and the customer's rating once it is over.

/** The conversation commands. */
export type ConversationOp = 'message.send' | 'typing' | 'read' | 'history' | 'chat.end' | 'csat.submit';

/** What the conversation commands need from the hub. */
export interface ConversationHubDeps {
  readonly clock: HubClock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The queues (each with its survey policy). */
  readonly queues: ReadonlyMap<string, Queue>;
  readonly storage: Pick<HubStorage, 'messageByClientId' | 'lastSeq' | 'events'>;
  /** The interaction `op` acts on, once the access rules allow `subject` to run it there. */
  readonly getLive: (subject: Subject, cid: string, op: InteractionOp, operation: string) => Promise<Live>;
  /** Runs `task` in the conversation's turn, the access rules checked again once it is this command's turn. */
  readonly inTurn: <T>(
    subject: Subject,
    cid: string,
    op: InteractionOp,
    operation: string,
    task: (current: Live) => Promise<T>,
  ) => Promise<T>;
  /** Who `subject` is to the interaction. */
  readonly relationTo: (subject: Subject, current: Live) => Relation;
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'addEvent' | 'commit' | 'drive' | 'append'>;
  readonly notify: (subjectId: string, notice: Notice) => void;
  /** Sends one frame to the connection a command came from (nothing when it came over HTTP). */
  readonly send: (caller: Caller, frame: ServerFrame) => void;
  /** The place in line the customer was last told, while the interaction waits. */
  readonly standingOf: (cid: string) => Notice | undefined;
  /** Claims the attachments a message names; absent: attachments are refused. */
  readonly attachments?: AttachmentClaims | undefined;
  /** Staff's messages in a messaging conversation (email, SMS, WhatsApp, Messenger) go through its channel. */
  readonly channels?: Pick<ChannelsEngine, 'reply'> | undefined;
}

/** The conversation commands of a hub. */
export interface ConversationHub {
  readonly handlers: CommandHandlers<ConversationOp>;
}

/**
 * Creates the conversation commands of a hub.
 *
 * @example
 * ```ts
 * const conversation = createConversationHub({ clock, randomBytes, queues, storage, getLive, inTurn, … });
 * const handlers = { ...conversation.handlers };
 * ```
 */
export function createConversationHub(deps: ConversationHubDeps): ConversationHub {
  const { clock, randomBytes, storage, serialized } = deps;
  const { changeOf, addEvent, commit, drive, append } = deps.log;

  async function claimAttachments(
    senderId: string,
    args: CommandArgs<'message.send'>,
  ): Promise<readonly AttachmentRef[]> {
    const ids = (args.attachments ?? []).map((ref) => ref.id);
    if (ids.length === 0) return [];
    if (!deps.attachments) throw attachmentError('attachment/disabled');
    return deps.attachments.claim({ cid: args.cid, senderId, clientMsgId: args.clientMsgId, ids });
  }

  const handlers: ConversationHub['handlers'] = {
    async 'csat.submit'(caller, args) {
      const current = await deps.getLive(caller.subject, args.cid, 'csat.submit', 'rate a conversation');
      return serialized(args.cid, async () => {
        // Not over yet, answered already, not asked by the queue, or past the queue's survey window.
        const policy = surveyOf(deps.queues.get(current.interaction.queueId));
        const refused = surveyRefusal(current.interaction, current.snapshot.value, policy, args, clock.now());
        if (refused) throw refused;
        const comment = args.comment ? redactCardNumbers(args.comment) : undefined;
        const change = changeOf(current);
        change.interaction = {
          ...change.interaction,
          csat: {
            score: args.score,
            ...(comment ? { comment } : {}),
            ...(args.nps === undefined ? {} : { nps: args.nps }),
          },
        };
        change.reports.push({
          at: clock.now(),
          interactionId: args.cid,
          type: 'csat',
          score: args.score,
          ...(args.nps === undefined ? {} : { nps: args.nps }),
        });
        addEvent(change, {
          type: 'csat',
          score: args.score,
          ...(comment ? { comment } : {}),
          ...(args.nps === undefined ? {} : { nps: args.nps }),
        });
        await commit(current, change);
        return {};
      });
    },
    async 'message.send'(caller, args) {
      return deps.inTurn(
        caller.subject,
        args.cid,
        'message.send',
        'write in this conversation',
        async (current) => {
          // A retried send answers with the original ack, never an error.
          const original = await storage.messageByClientId(args.cid, args.clientMsgId);
          if (original?.ev.type === 'message') {
            return { seq: original.seq, messageId: original.ev.messageId, at: original.at };
          }
          const state = current.snapshot.value;
          if (
            isMessagingChannel(current.interaction.channel) &&
            deps.channels &&
            caller.subject.role !== 'visitor'
          ) {
            const attachments = await claimAttachments(caller.subject.id, args);
            const stored = await deps.channels.reply(caller.subject, current, { ...args, attachments });
            return {
              seq: stored.seq,
              messageId: (stored.ev as { messageId: string }).messageId,
              at: stored.at,
            };
          }
          const allowed = caller.subject.role === 'visitor' ? ['queued', 'offered', 'active'] : ['active'];
          if (current.interaction.channel !== 'chat' || !allowed.includes(state)) {
            throw helplineError('conflict/state', {
              operation: 'send a message',
              entity: 'conversation',
              state,
            });
          }
          // The stored facts of each attachment, bound to this message for good: the client's copies are not kept.
          const attachments = await claimAttachments(caller.subject.id, args);
          const messageId = randomId('m', randomBytes);
          const stored = await append(args.cid, {
            type: 'message',
            messageId,
            clientMsgId: args.clientMsgId,
            from: { id: caller.subject.id, role: caller.subject.role, name: caller.subject.name },
            text: redactCardNumbers(args.text),
            ...(attachments.length > 0 ? { attachments } : {}),
          });
          return { seq: stored.seq, messageId, at: stored.at };
        },
      );
    },
    async typing(caller, args) {
      const current = await deps.getLive(caller.subject, args.cid, 'typing', 'type in this conversation');
      const from = { id: caller.subject.id, role: caller.subject.role, name: caller.subject.name };
      for (const subjectId of partiesOf(current.interaction)) {
        if (subjectId !== caller.subject.id)
          deps.notify(subjectId, { type: 'typing', cid: args.cid, from, typing: args.typing });
      }
      return {};
    },
    async read(caller, args) {
      return deps.inTurn(caller.subject, args.cid, 'read', 'mark this conversation read', async (current) => {
        const last = await storage.lastSeq(args.cid);
        if (args.seq > last) {
          throw helplineError(
            'validation/field',
            { scope: 'read', field: 'seq', detail: `is beyond the last event ${last}` },
            { field: 'seq' },
          );
        }
        await append(current.interaction.id, {
          type: 'read',
          participantId: caller.subject.id,
          seq: args.seq,
        });
        return {};
      });
    },
    async history(caller, args) {
      const current = await deps.getLive(caller.subject, args.cid, 'history', 'read this conversation');
      // A former agent reads up to their own leave; nobody reads a staff-only event they may not see.
      const until = visibleUntil(
        deps.relationTo(caller.subject, current),
        current.interaction,
        caller.subject.id,
      );
      const after = args.after ?? 0;
      const limit = args.limit ?? LIMITS.historyPage;
      const last = await storage.lastSeq(args.cid);
      const lastSeq = until === undefined ? last : Math.min(last, until);
      const events =
        after >= lastSeq ? [] : await storage.events(args.cid, after, Math.min(limit, lastSeq - after));
      // A customer loading their waiting conversation (a reload) hears where they stand now, not at the next change.
      const standing = current.interaction.customer.id === caller.subject.id && deps.standingOf(args.cid);
      if (standing) afterReply(caller, () => deps.send(caller, { t: 'notice', notice: standing }));
      return {
        events: events.map(({ seq, at, ev }) => ({ seq, at, ev: eventFor(caller.subject.role, ev) })),
        lastSeq,
      };
    },
    async 'chat.end'(caller, args) {
      await deps.inTurn(caller.subject, args.cid, 'chat.end', 'end this conversation', (current) =>
        drive(
          current,
          caller.subject.role === 'visitor' ? { kind: 'customer-leaves' } : { kind: 'agent-ends' },
        ),
      );
      return {};
    },
  };

  return { handlers };
}
