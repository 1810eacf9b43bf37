import type { ConversationEvent } from '../protocol/protocol.types';
import type { HubStorage, StoredEvent, StoredInteraction } from './hub.types';

/**
 * A {@link HubStorage} that keeps everything in memory: for tests, demos and the memory transport.
 *
 * @example
 * ```ts
 * const hub = createHub({ queues, agents, authenticate, storage: createMemoryStorage() });
 * ```
 */
export function createMemoryStorage(): HubStorage {
  const interactions = new Map<string, StoredInteraction>();
  const logs = new Map<string, StoredEvent[]>();
  const byClientMsgId = new Map<string, StoredEvent>();
  const logOf = (cid: string): StoredEvent[] => {
    let log = logs.get(cid);
    if (!log) {
      log = [];
      logs.set(cid, log);
    }
    return log;
  };
  return {
    async putInteraction(record) {
      interactions.set(record.interaction.id, record);
    },
    async getInteraction(id) {
      return interactions.get(id);
    },
    async appendEvent(cid: string, at: number, ev: ConversationEvent) {
      const log = logOf(cid);
      const stored: StoredEvent = { cid, seq: log.length + 1, at, ev };
      log.push(stored);
      if (ev.type === 'message') byClientMsgId.set(`${cid}\u0000${ev.clientMsgId}`, stored);
      return stored;
    },
    async events(cid, afterSeq, limit) {
      return logOf(cid).slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit);
    },
    async lastSeq(cid) {
      return logOf(cid).length;
    },
    async messageByClientId(cid, clientMsgId) {
      return byClientMsgId.get(`${cid}\u0000${clientMsgId}`);
    },
    async openInteractions() {
      return [...interactions.values()].filter((r) => r.open);
    },
    async interactionsOfCustomer(customerId) {
      return [...interactions.values()].map((r) => r.interaction).filter((i) => i.customer.id === customerId);
    },
    async interactionsSince(from) {
      return [...interactions.values()]
        .map((r) => r.interaction)
        .filter((i) => i.timestamps.createdAt >= from)
        .sort((a, b) => a.timestamps.createdAt - b.timestamps.createdAt);
    },
  };
}
