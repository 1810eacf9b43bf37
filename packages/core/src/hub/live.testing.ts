import assert from 'node:assert/strict';
import type { Interaction } from '../interaction/interaction.types';
import { transition } from '../machine';
import { supportQueue } from '../testing';
import { authorize, type InteractionOp, type Relation, relationOf } from './access';
import type { AuthedConn } from './connections.hub';
import { type ConversationLog, createConversationLog } from './conversation.log';
import type { HubClock, HubStorage, Subject } from './hub.types';
import { DEFAULT_LIFECYCLES, type Lifecycle, withSnapshot } from './lifecycles';
import type { Live } from './live';

/** A chat of `customerId` waiting in the support queue, as its `enqueue` step leaves it: for the hub modules' tests. */
export function waitingChat(id: string, at: number, customerId = `v-${id}`): Live {
  const chat = DEFAULT_LIFECYCLES.chat as Lifecycle;
  const draft: Interaction = {
    id,
    channel: 'chat',
    state: 'prechat',
    queueId: supportQueue.id,
    customer: { id: customerId, identified: false, attributes: {} },
    participants: [{ id: customerId, role: 'visitor', displayName: 'Visitor', joinedAt: at }],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: at },
  };
  const enqueue = chat.event({ kind: 'enqueue', prechat: {} }, at);
  assert.ok(enqueue);
  const queued = transition(chat.machine, chat.create(at, supportQueue, draft), enqueue);
  assert.ok(queued.ok);
  return { interaction: withSnapshot(draft, queued.snapshot), snapshot: queued.snapshot, lifecycle: chat };
}

/** An admitted connection of `subject` that sends nowhere: for handlers tested without a hub. */
export function authedConn(subject: Subject): AuthedConn {
  return {
    id: 'k1',
    sink: { send() {}, close() {} },
    meta: {},
    subject,
    lastSeenAt: 0,
    unansweredPings: 0,
    closed: false,
    replaying: new Set(),
    afterReply: [],
  };
}

/** A conversation log over `storage` that keeps its interactions in `live`, with no calls, reports or fan-out. */
export function quietLog(
  clock: HubClock,
  storage: Pick<HubStorage, 'commit' | 'appendEvent'>,
  live: Map<string, Live>,
): ConversationLog {
  return createConversationLog({
    clock,
    storage,
    live: (cid) => live.get(cid),
    remember: (current) => live.set(current.interaction.id, current),
    reportsOf: () => [],
    displayNameOf: (agentId) => agentId,
    calls: { plan: () => [], eventOf: () => undefined },
    fanOut: () => {},
    replay: async () => {},
  });
}

/** The access rules over a map of live interactions, as the hub applies them: for handlers tested without a hub. */
export function accessOver(
  live: Map<string, Live>,
  serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>,
) {
  const relationTo = (subject: Subject, current: Live): Relation =>
    relationOf(subject, current.interaction, {
      offered: current.snapshot.value === 'offered',
      queuesOf: () => undefined,
    });
  async function getLive(subject: Subject, cid: string, op: InteractionOp, operation: string): Promise<Live> {
    const current = live.get(cid);
    assert.ok(current, `no interaction ${cid}`);
    authorize(op, relationTo(subject, current), cid, operation);
    return current;
  }
  async function inTurn<T>(
    subject: Subject,
    cid: string,
    op: InteractionOp,
    operation: string,
    task: (current: Live) => Promise<T>,
  ): Promise<T> {
    const current = await getLive(subject, cid, op, operation);
    return serialized(cid, () => task(current));
  }
  return { relationTo, getLive, inTurn };
}
