import type { Agent } from '../agent/agent.types';
import type { PresenceSnapshot } from '../agent/presence.machine';
import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import type { Queue } from '../queue/queue.types';
import type { Router, RoutingEvent } from '../routing/routing.types';
import { authorizeRole } from './access';
import type { ConversationLog } from './conversation.log';
import type { CommandHandlers } from './dispatch';
import type { Subject } from './hub.types';
import type { LiveInteractions } from './interactions.hub';
import { phaseOfLive } from './live';
import type { RoutingHub } from './routing.hub';

// An agent's work: taking or declining an offer, wrapping up, transferring (to a queue or a named colleague), a
// supervisor moving waiting work to another queue, the agent's own snapshot after a reload, and the queues'
// configuration the console shows.

/** The commands of an agent's work. */
export type WorkOp =
  | 'offer.accept'
  | 'offer.reject'
  | 'wrapup.submit'
  | 'transfer'
  | 'supervisor.reassign'
  | 'queues.list'
  | 'agent.snapshot';

/** What an agent's work needs from the hub. */
export interface WorkHubDeps {
  readonly queues: ReadonlyMap<string, Queue>;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly router: Pick<
    Router,
    'offerOf' | 'accept' | 'reject' | 'release' | 'remove' | 'refusalOfOfferTo' | 'transfer'
  >;
  readonly routing: Pick<
    RoutingHub,
    'transferSettled' | 'leftLine' | 'schedule' | 'run' | 'itemOf' | 'enqueue' | 'transferTo' | 'restoreOffer'
  >;
  readonly live: Pick<LiveInteractions, 'getLive' | 'inTurn' | 'values'>;
  readonly log: Pick<
    ConversationLog,
    'changeOf' | 'step' | 'join' | 'leave' | 'addEvent' | 'commit' | 'drive'
  >;
  /** A queue by id; `not-found` otherwise. */
  readonly pickQueue: (queueId: string | undefined, topic: string | undefined) => Queue;
  /** An agent's presence. */
  readonly presenceOf: (agentId: string) => PresenceSnapshot;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
  /**
   * The states in which an agent holds a call (the voice lifecycle's `handling`): an agent whose capacity says
   * `voiceBlocksChat` is refused a chat's accept while storage holds such a call of theirs. Absent: no calls here.
   */
  readonly callStates?: readonly string[] | undefined;
  /** Sends a subject the whole conversation, in order (an agent whose accept was found stored). */
  readonly replay?: ((subjectId: string, cid: string) => Promise<void>) | undefined;
}

/** An agent's work on a hub. */
export interface WorkHub {
  readonly handlers: CommandHandlers<WorkOp>;
}

/**
 * Creates the agent's-work part of a hub.
 *
 * @example
 * ```ts
 * const work = createWorkHub({ queues, agents, router, routing, live, log, pickQueue, presenceOf, wireFor });
 * const handlers = { ...work.handlers };
 * ```
 */
export function createWorkHub(deps: WorkHubDeps): WorkHub {
  const { queues, agents, router, routing, live, pickQueue, wireFor } = deps;
  const { getLive, inTurn } = live;
  const { changeOf, step, join, leave, addEvent, commit, drive } = deps.log;

  const handlers: WorkHub['handlers'] = {
    async 'offer.accept'(caller, args) {
      const current = await inTurn(
        caller.subject,
        args.cid,
        'offer.accept',
        'accept an offer',
        async (current) => {
          if (router.offerOf(args.cid)?.agentId !== caller.subject.id) {
            throw helplineError('not-found', { entity: 'Offer', id: args.cid });
          }
          const change = changeOf(current);
          step(current, change, { kind: 'accept', agentId: caller.subject.id });
          join(change, caller.subject.id);
          // The router's room is a cache of the records; storage counts the agent's work again by the records,
          // under a lock on the agent, and refuses the accept past their capacity (`agent/capacity`).
          const { channel } = current.interaction;
          const capacity = agents.get(caller.subject.id)?.capacity;
          // A call held blocks chats (voiceBlocksChat): counted by the records too, as the router counts it.
          const callBlocks = channel === 'chat' && capacity?.voiceBlocksChat === true && deps.callStates;
          change.holds = {
            agentId: caller.subject.id,
            channel,
            capacity: capacity?.[channel] ?? 0,
            states: [...current.lifecycle.handling],
            ...(callBlocks ? { blockedBy: { channel: 'voice', states: callBlocks } } : {}),
          };
          // The router holds the accept before it is stored: the offer stood and the machine took the accept, so
          // the accept wins even when the offer runs out while it is written (a slow database, a cluster leader's
          // fenced write). Otherwise the router would count a miss and put the chat back in line under a chat that
          // is active, and the agent's load would no longer count it. A write that fails gives the offer back.
          router.accept(args.cid, caller.subject.id);
          try {
            // The agent gets the whole conversation below, in order, instead of its last events first.
            await commit(current, change, { replayTo: caller.subject.id });
          } catch (error) {
            if (phaseOfLive(current) === 'offered') {
              router.release(args.cid);
              routing.restoreOffer(current);
              throw error;
            }
            // The copy was stale and is reloaded; the router follows the record already (hub.ts, resync). When the
            // record shows this agent's accept stored — a write that committed although its answer was lost, which
            // this retry finds — the accept stands, and the agent gets the whole conversation as after any accept.
            const stands =
              current.lifecycle.handling.has(current.snapshot.value) &&
              current.interaction.agentId === caller.subject.id;
            if (!stands) throw error;
            await deps.replay?.(caller.subject.id, args.cid);
          }
          routing.transferSettled(args.cid, caller.subject.id, 'accepted');
          return current;
        },
      );
      routing.leftLine(args.cid);
      void routing.schedule();
      return { interaction: wireFor(current.interaction, caller.subject) };
    },
    async 'offer.reject'(caller, args) {
      let requeued: RoutingEvent[] = [];
      await inTurn(caller.subject, args.cid, 'offer.reject', 'reject an offer', async (current) => {
        if (router.offerOf(args.cid)?.agentId !== caller.subject.id) {
          throw helplineError('not-found', { entity: 'Offer', id: args.cid });
        }
        // As an accept: the router takes the decline before it is stored, so an offer that runs out meanwhile is
        // not counted as missed; a write that fails gives the offer back.
        requeued = router.reject(args.cid, caller.subject.id);
        try {
          await drive(current, { kind: 'reject', agentId: caller.subject.id });
        } catch (error) {
          router.remove(args.cid);
          routing.restoreOffer(current);
          throw error;
        }
      });
      routing.transferSettled(args.cid, caller.subject.id, 'declined');
      void routing.run(() => requeued);
      return {};
    },
    async 'wrapup.submit'(caller, args) {
      const current = await getLive(caller.subject, args.cid, 'wrapup.submit', 'wrap up this interaction');
      const queue = queues.get(current.interaction.queueId);
      if (args.disposition && queue && !queue.dispositions.some((d) => d.id === args.disposition)) {
        throw helplineError(
          'validation/field',
          {
            scope: 'wrapup.submit',
            field: 'disposition',
            detail: `"${args.disposition}" is not a disposition of queue ${queue.id}`,
          },
          { field: 'disposition' },
        );
      }
      await inTurn(caller.subject, args.cid, 'wrapup.submit', 'wrap up this interaction', async () => {
        if (phaseOfLive(current) === 'wrap-up' && queue?.dispositionRequired && !args.disposition) {
          throw helplineError('wrapup/disposition-required', { queue: queue.id }, { field: 'disposition' });
        }
        await drive(current, {
          kind: 'wrap-up',
          ...(args.disposition ? { disposition: args.disposition } : {}),
          ...(args.notes ? { notes: redactCardNumbers(args.notes) } : {}),
        });
      });
      return {};
    },
    async transfer(caller, args) {
      const current = await getLive(caller.subject, args.cid, 'transfer', 'transfer this interaction');
      if (!args.toQueueId && !args.toAgentId) {
        throw helplineError('validation/field', {
          scope: 'transfer',
          field: 'toQueueId',
          detail: 'or toAgentId is required',
        });
      }
      const target = args.toQueueId
        ? pickQueue(args.toQueueId, undefined)
        : queues.get(current.interaction.queueId);
      if (!target) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      const named = args.toAgentId;
      const refusalOfNamed = () => {
        if (named === undefined) return undefined;
        if (!agents.has(named)) return helplineError('not-found', { entity: 'Agent', id: named });
        if (named === caller.subject.id) {
          return helplineError(
            'validation/field',
            { scope: 'transfer', field: 'toAgentId', detail: 'must be another agent' },
            { field: 'toAgentId' },
          );
        }
        return router.refusalOfOfferTo({ ...routing.itemOf(current.interaction), queueId: target.id }, named);
      };
      const refused = refusalOfNamed();
      if (refused) throw refused;
      await inTurn(caller.subject, args.cid, 'transfer', 'transfer this interaction', async () => {
        // Checked again in the conversation's turn: the named agent may have gone away meanwhile.
        const stillRefused = refusalOfNamed();
        if (stillRefused) throw stillRefused;
        const change = changeOf(current);
        // The note first: its writer reads it in their history too, which ends at their leave.
        if (args.note) addEvent(change, { type: 'note', text: redactCardNumbers(args.note) });
        leave(change, caller.subject.id);
        step(current, change, { kind: 'transfer', queue: target });
        await commit(current, change);
      });
      if (named === undefined) routing.enqueue(current);
      else {
        routing.transferTo(current, caller.subject.id, named);
      }
      return {};
    },
    async 'supervisor.reassign'(caller, args) {
      const target = pickQueue(args.toQueueId, undefined);
      await inTurn(
        caller.subject,
        args.cid,
        'supervisor.reassign',
        'reassign an interaction',
        async (current) => {
          // Only waiting work moves: the machine refuses it in any other state.
          const change = changeOf(current);
          step(current, change, { kind: 'reassign', queue: target });
          addEvent(change, { type: 'note', text: `Moved to ${target.name}` });
          await commit(current, change);
        },
      );
      void routing.run(() => router.transfer(args.cid, target.id));
      return {};
    },
    async 'queues.list'(caller) {
      authorizeRole(caller.subject, 'queues.list', 'read the queue configuration');
      // Routing internals (business hours, overflow) stay on the server.
      return {
        queues: [...queues.values()].map((queue) => ({
          id: queue.id,
          name: queue.name,
          ...(queue.names ? { names: { ...queue.names } } : {}),
          priority: queue.priority,
          slaTargetSeconds: queue.slaTargetSeconds,
          skills: [...queue.skills],
          closedAlternative: queue.closedAlternative,
          acw: queue.acw,
          dispositions: [...queue.dispositions],
          dispositionRequired: queue.dispositionRequired,
          offerTimeoutSeconds: queue.offerTimeoutSeconds,
          ...(queue.cannedResponses ? { cannedResponses: [...queue.cannedResponses] } : {}),
          ...(queue.voice ? { voice: queue.voice } : {}),
        })),
      };
    },
    async 'agent.snapshot'(caller) {
      authorizeRole(caller.subject, 'agent.snapshot', 'read the agent snapshot');
      const snapshot = deps.presenceOf(caller.subject.id);
      const mine = [...live.values()].filter((l) => l.interaction.agentId === caller.subject.id);
      const offers = mine
        .filter((l) => phaseOfLive(l) === 'offered')
        .flatMap((l) => {
          const routed = router.offerOf(l.interaction.id);
          return routed
            ? [{ interaction: wireFor(l.interaction, caller.subject), expiresAt: routed.expiresAt }]
            : [];
        });
      const { reasonCode } = snapshot.context;
      return {
        status: snapshot.value,
        ...(reasonCode ? { reason: reasonCode } : {}),
        interactions: mine
          .filter((l) => l.lifecycle.handling.has(l.snapshot.value))
          .map((l) => wireFor(l.interaction, caller.subject)),
        offers,
      };
    },
  };

  return { handlers };
}
