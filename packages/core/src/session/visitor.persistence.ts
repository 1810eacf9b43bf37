import { createMemoryOutbox, type Outbox } from './outbox';

/** Reads a global that may throw on access (localStorage in a sandboxed frame or with storage blocked). */
export function safeGlobal<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The visitor's current conversation as remembered across a reload. */
export interface RememberedConversation {
  readonly cid: string;
  /** Last `seq` the page had folded in (history is loaded again from the server on return). */
  readonly lastSeq: number;
}

/** Keeps the visitor's current conversation across reloads. */
export interface ConversationMemory {
  read(): RememberedConversation | undefined;
  /** Remembers a conversation, or forgets it with `undefined`. */
  write(value: RememberedConversation | undefined): void;
}

/** Options of {@link createBrowserConversationMemory}. */
export interface BrowserConversationMemoryOptions {
  /** The same key as the outbox's. */
  readonly key: string;
  /** Default `globalThis.localStorage`; `null` (or no storage) keeps it in memory only. */
  readonly storage?: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  } | null;
}

/**
 * Remembers the visitor's current conversation in localStorage (synchronously, so it is there before the page
 * unloads), so a reload mid-chat returns to the same conversation.
 *
 * @example
 * ```ts
 * const memory = createBrowserConversationMemory({ key: 'shop:visitor' });
 * memory.read(); // { cid: 'c_…', lastSeq: 12 } after a reload mid-chat
 * ```
 */
export function createBrowserConversationMemory(
  options: BrowserConversationMemoryOptions,
): ConversationMemory {
  const storage =
    options.storage === undefined
      ? safeGlobal(() => globalThis.localStorage)
      : (options.storage ?? undefined);
  const itemKey = `helpline:conversation:${options.key}`;
  let inMemory: RememberedConversation | undefined;
  return {
    read() {
      if (!storage) return inMemory;
      try {
        const parsed: unknown = JSON.parse(storage.getItem(itemKey) ?? 'null');
        if (typeof parsed !== 'object' || parsed === null) return undefined;
        const { cid, lastSeq } = parsed as Record<string, unknown>;
        return typeof cid === 'string' && typeof lastSeq === 'number' ? { cid, lastSeq } : undefined;
      } catch {
        return undefined;
      }
    },
    write(value) {
      inMemory = value;
      if (!storage) return;
      try {
        if (value === undefined) storage.removeItem(itemKey);
        else storage.setItem(itemKey, JSON.stringify({ cid: value.cid, lastSeq: value.lastSeq }));
      } catch {
        // Storage full or blocked: the conversation is still found with `restore()`.
      }
    },
  };
}

/**
 * The browser outbox (`createBrowserOutbox`: IndexedDB, localStorage fallback), imported on first use: the first
 * connect (to send what an earlier page left unsent) or the first message, not before the visitor's first paint.
 * If that import fails, entries wait in memory, as they do when no browser storage works.
 */
function lazyBrowserOutbox(key: string): Outbox {
  let loaded: Promise<Outbox> | undefined;
  const outbox = () =>
    (loaded ??= import('./outbox.browser').then(
      ({ createBrowserOutbox }) => createBrowserOutbox({ key }),
      () => createMemoryOutbox(),
    ));
  return {
    add: async (entry) => (await outbox()).add(entry),
    remove: async (clientMsgId) => (await outbox()).remove(clientMsgId),
    list: async () => (await outbox()).list(),
  };
}

/** The persistence a visitor session uses by default: in a page, a browser outbox and memory under `key`. */
export function defaultVisitorPersistence(
  key: string,
): { readonly outbox: Outbox; readonly memory: ConversationMemory } | undefined {
  const inPage = typeof (globalThis as { window?: unknown }).window !== 'undefined';
  if (!inPage) return undefined;
  return { outbox: lazyBrowserOutbox(key), memory: createBrowserConversationMemory({ key }) };
}
