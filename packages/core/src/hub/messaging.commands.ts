import type { Agent } from '../agent/agent.types';
import { isMessagingChannel } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import { redactCardNumbers } from '../protocol/redact';
import type { Queue } from '../queue/queue.types';
import type { ConversationLog } from './conversation.log';
import type { CommandHandlers } from './dispatch';
import type { HubClock, Subject } from './hub.types';
import type { LiveInteractions } from './interactions.hub';
import type { Intent } from './lifecycles';
import type { Live } from './live';

// The agent's commands on a messaging conversation: wait for the customer, snooze until a time, resolve, reopen.
// The access rules let the assigned agent and supervisors run them; the machine says which state allows which.

/** The messaging conversation commands. */
export type MessagingOp =
  | 'conversation.pending'
  | 'conversation.snooze'
  | 'conversation.resolve'
  | 'conversation.reopen';

/** What the messaging commands need from the hub. */
export interface MessagingCommandsDeps {
  readonly clock: HubClock;
  readonly queues: ReadonlyMap<string, Queue>;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly live: Pick<LiveInteractions, 'inTurn'>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'step' | 'join' | 'commit'>;
}

/**
 * Creates the messaging conversation commands of a hub.
 *
 * @example
 * ```ts
 * const messaging = createMessagingCommands({ clock, queues, agents, live, log });
 * const handlers = { ...messaging.handlers };
 * ```
 */
export function createMessagingCommands(deps: MessagingCommandsDeps): {
  readonly handlers: CommandHandlers<MessagingOp>;
} {
  const { clock, log } = deps;

  /** Runs `task` in the conversation's turn once the rules allow it; only messaging conversations have these steps. */
  function onConversation(
    subject: Subject,
    cid: string,
    op: MessagingOp,
    operation: string,
    task: (current: Live) => Promise<void>,
  ) {
    return deps.live.inTurn(subject, cid, op, operation, async (current) => {
      if (!isMessagingChannel(current.interaction.channel)) {
        throw helplineError('conflict/state', {
          operation,
          entity: current.interaction.channel,
          state: current.snapshot.value,
        });
      }
      await task(current);
      return {};
    });
  }

  /** One machine step, stored; `joins` becomes a participant with it (an agent a conversation is reopened for). */
  async function apply(current: Live, intent: Intent, joins?: string): Promise<void> {
    const change = log.changeOf(current);
    log.step(current, change, intent);
    if (joins !== undefined) log.join(change, joins);
    await log.commit(current, change, joins === undefined ? {} : { replayTo: joins });
  }

  const handlers: CommandHandlers<MessagingOp> = {
    async 'conversation.pending'(caller, args) {
      const operation = 'wait for the customer';
      return onConversation(caller.subject, args.cid, 'conversation.pending', operation, (current) =>
        apply(current, { kind: 'set-pending' }),
      );
    },
    async 'conversation.snooze'(caller, args) {
      if (args.until <= clock.now()) {
        throw helplineError(
          'validation/field',
          { scope: 'conversation.snooze', field: 'until', detail: 'must be in the future' },
          { field: 'until' },
        );
      }
      return onConversation(
        caller.subject,
        args.cid,
        'conversation.snooze',
        'snooze this conversation',
        (current) => apply(current, { kind: 'snooze', until: args.until }),
      );
    },
    async 'conversation.resolve'(caller, args) {
      return onConversation(
        caller.subject,
        args.cid,
        'conversation.resolve',
        'resolve this conversation',
        (current) => {
          const queue = deps.queues.get(current.interaction.queueId);
          if (args.disposition && queue && !queue.dispositions.some((d) => d.id === args.disposition)) {
            throw helplineError(
              'validation/field',
              {
                scope: 'conversation.resolve',
                field: 'disposition',
                detail: `"${args.disposition}" is not a disposition of queue ${queue.id}`,
              },
              { field: 'disposition' },
            );
          }
          if (queue?.dispositionRequired && !args.disposition)
            throw helplineError('wrapup/disposition-required', { queue: queue.id }, { field: 'disposition' });
          return apply(current, {
            kind: 'resolve',
            by: 'agent',
            ...(args.disposition ? { disposition: args.disposition } : {}),
            ...(args.notes ? { notes: redactCardNumbers(args.notes) } : {}),
          });
        },
      );
    },
    async 'conversation.reopen'(caller, args) {
      return onConversation(
        caller.subject,
        args.cid,
        'conversation.reopen',
        'reopen this conversation',
        (current) => {
          const resolved = current.lifecycle.final.has(current.snapshot.value);
          // A waiting conversation goes back to its own agent; a resolved one to whom the request names.
          const agentId = resolved
            ? (args.toAgentId ?? (caller.subject.role === 'agent' ? caller.subject.id : undefined))
            : current.interaction.agentId;
          if (agentId === undefined || !deps.agents.has(agentId)) {
            throw helplineError(
              'validation/field',
              { scope: 'conversation.reopen', field: 'toAgentId', detail: 'must name an agent of this site' },
              { field: 'toAgentId' },
            );
          }
          return apply(current, { kind: 'reopen', agentId }, resolved ? agentId : undefined);
        },
      );
    },
  };
  return { handlers };
}
