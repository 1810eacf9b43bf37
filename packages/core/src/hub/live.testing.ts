import assert from 'node:assert/strict';
import type { Interaction } from '../interaction/interaction.types';
import { transition } from '../machine';
import { supportQueue } from '../testing';
import { type ConversationLog, createConversationLog } from './conversation.log';
import type { Caller } from './dispatch';
import type { HubClock, HubStorage, Subject } from './hub.types';
import { createLiveInteractions, type LiveInteractions } from './interactions.hub';
import { DEFAULT_LIFECYCLES, type Lifecycle, withSnapshot } from './lifecycles';
import type { Live } from './live';
import { createTurns } from './turns';

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

/** A caller of `subject` with no connection behind it: for handlers tested without a hub. */
export function callerOf(subject: Subject): Caller {
  return { id: 'k1', subject, meta: {}, afterReply: [] };
}

/** A conversation log over `storage` that keeps its interactions `live`, with no calls, reports or fan-out. */
export function quietLog(
  clock: HubClock,
  storage: Pick<HubStorage, 'commit' | 'appendEvent'>,
  live: Pick<LiveInteractions, 'get' | 'remember'>,
): ConversationLog {
  return createConversationLog({
    clock,
    storage,
    live: (cid) => live.get(cid),
    remember: (current) => live.remember(current),
    reportsOf: () => [],
    displayNameOf: (agentId) => agentId,
    calls: { plan: () => [], eventOf: () => undefined, carriedOn: () => undefined },
    fanOut: () => {},
    replay: async () => {},
  });
}

/** The live interactions of a hub over `storage`, reached through the real access rules (every agent serves every queue). */
export function liveOver(clock: HubClock, storage: Pick<HubStorage, 'getInteraction'>): LiveInteractions {
  const turns = createTurns();
  return createLiveInteractions({
    clock,
    storage,
    lifecycles: DEFAULT_LIFECYCLES,
    queuesOf: () => undefined,
    serialized: turns.serialized,
    busy: turns.busy,
    finishedRetentionMs: 60_000,
  });
}
