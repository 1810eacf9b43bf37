import { helplineError } from '../protocol/errors';
import type { ConversationEvent } from '../protocol/protocol.types';
import type { EmailLeg } from './email-leg.hub';
import type { HubStorage, PendingEvent, StoredEvent, StoredInteraction } from './hub.types';

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
  const startRequests = new Map<string, string>();
  const threads = new Map<string, string>();
  const channelMessages = new Map<string, { cid: string; seq: number }>();
  const emailLegs = new Map<string, EmailLeg>();
  const logOf = (cid: string): StoredEvent[] => {
    let log = logs.get(cid);
    if (!log) {
      log = [];
      logs.set(cid, log);
    }
    return log;
  };
  const append = (cid: string, events: readonly PendingEvent[]): StoredEvent[] => {
    const log = logOf(cid);
    return events.map(({ at, ev }) => {
      const stored: StoredEvent = { cid, seq: log.length + 1, at, ev };
      log.push(stored);
      if (ev.type === 'message') byClientMsgId.set(`${cid}\u0000${ev.clientMsgId}`, stored);
      return stored;
    });
  };
  return {
    async putInteraction(record) {
      interactions.set(record.interaction.id, record);
    },
    async getInteraction(id) {
      return interactions.get(id);
    },
    async appendEvent(cid: string, at: number, ev: ConversationEvent) {
      return append(cid, [{ at, ev }])[0] as StoredEvent;
    },
    async commit(cid, events, recordOf, options = {}) {
      const kept = interactions.get(cid);
      if (options.expectState !== undefined && kept && kept.interaction.state !== options.expectState) {
        throw helplineError('conflict/state', {
          operation: 'commit',
          entity: `interaction ${cid}`,
          state: kept.interaction.state,
        });
      }
      const { holds } = options;
      if (holds) {
        const held = [...interactions.values()].filter(
          ({ interaction, open }) =>
            open &&
            interaction.id !== cid &&
            interaction.agentId === holds.agentId &&
            interaction.channel === holds.channel &&
            holds.states.includes(interaction.state),
        ).length;
        if (held >= holds.capacity)
          throw helplineError('agent/capacity', { agent: holds.agentId, channel: holds.channel });
        const { blockedBy } = holds;
        const blocked =
          blockedBy !== undefined &&
          [...interactions.values()].some(
            ({ interaction, open }) =>
              open &&
              interaction.id !== cid &&
              interaction.agentId === holds.agentId &&
              interaction.channel === blockedBy.channel &&
              blockedBy.states.includes(interaction.state),
          );
        if (blocked) throw helplineError('agent/capacity', { agent: holds.agentId, channel: holds.channel });
      }
      const log = logOf(cid);
      const stored = events.map(
        ({ at, ev }, index): StoredEvent => ({ cid, seq: log.length + index + 1, at, ev }),
      );
      // Built before anything is kept: a record that cannot be built leaves the log as it was.
      const record = recordOf(stored);
      append(cid, events);
      interactions.set(record.interaction.id, record);
      const { startRequest } = options;
      if (startRequest) startRequests.set(`${startRequest.subjectId}\u0000${startRequest.requestId}`, cid);
      const keys = options.channel;
      if (keys?.threadKey !== undefined && !threads.has(`${keys.channel}\u0000${keys.threadKey}`))
        threads.set(`${keys.channel}\u0000${keys.threadKey}`, cid);
      for (const { externalId, index } of keys?.externalIds ?? []) {
        const event = stored[index];
        if (event) channelMessages.set(`${keys?.channel}\u0000${externalId}`, { cid, seq: event.seq });
      }
      return stored;
    },
    async startedBy(subjectId, requestId) {
      return startRequests.get(`${subjectId}\u0000${requestId}`);
    },
    async threadOf(channel, threadKey) {
      return threads.get(`${channel}\u0000${threadKey}`);
    },
    async channelMessage(channel, externalId) {
      return channelMessages.get(`${channel}\u0000${externalId}`);
    },
    async emailLeg(cid) {
      return emailLegs.get(cid);
    },
    async saveEmailLeg(leg) {
      emailLegs.set(leg.cid, leg);
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
