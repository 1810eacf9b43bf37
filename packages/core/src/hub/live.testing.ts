import assert from 'node:assert/strict';
import type { Interaction } from '../interaction/interaction.types';
import { transition } from '../machine';
import { supportQueue } from '../testing';
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
