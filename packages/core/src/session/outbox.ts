import type { AttachmentRef } from '../attachment/attachment.types';

/** A message typed by the user and not yet confirmed by the server. */
export interface OutboxEntry {
  readonly cid: string;
  /** UUIDv7 chosen on the device; the server dedupes on it. */
  readonly clientMsgId: string;
  /** May be empty when the message carries attachments. */
  readonly text: string;
  /** Files uploaded for the message (`upload()`); their bytes are on the server already. */
  readonly attachments?: readonly AttachmentRef[] | undefined;
  /** Epoch ms when it was typed. */
  readonly at: number;
}

/**
 * Where unsent messages wait, in the order they were typed. The memory outbox lives as long as the page; the
 * browser outbox (IndexedDB with a localStorage fallback) survives a reload.
 */
export interface Outbox {
  add(entry: OutboxEntry): Promise<void>;
  remove(clientMsgId: string): Promise<void>;
  /** Entries in the order they were added. */
  list(): Promise<OutboxEntry[]>;
}

/**
 * An outbox in memory.
 *
 * @example
 * ```ts
 * const session = createVisitorSession({ transport, token, outbox: createMemoryOutbox() });
 * ```
 */
export function createMemoryOutbox(): Outbox {
  const entries = new Map<string, OutboxEntry>();
  return {
    async add(entry) {
      entries.set(entry.clientMsgId, entry);
    },
    async remove(clientMsgId) {
      entries.delete(clientMsgId);
    },
    async list() {
      return [...entries.values()];
    },
  };
}
