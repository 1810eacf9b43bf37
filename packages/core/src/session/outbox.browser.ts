import { createMemoryOutbox, type Outbox, type OutboxEntry } from './outbox';
import { safeGlobal } from './visitor.persistence';

/** Where a browser outbox keeps its entries. */
export type OutboxBackend = 'indexeddb' | 'localstorage' | 'memory';

/** Options of {@link createBrowserOutbox}. */
export interface BrowserOutboxOptions {
  /** Separates the outboxes of different sites or visitors on one origin, e.g. `shop:visitor`. */
  readonly key: string;
  /** The IndexedDB factory; default `globalThis.indexedDB`; `null` to use the fallback only. */
  readonly indexedDB?: { open(name: string, version?: number): object } | null;
  /** The fallback storage; default `globalThis.localStorage`; `null` for none (entries then live in memory). */
  readonly storage?: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  } | null;
}

/** An outbox that survives a reload, and says where it keeps its entries. */
export interface BrowserOutbox extends Outbox {
  /** The backend in use, once the first operation has settled which one works. */
  backend(): Promise<OutboxBackend>;
}

const DATABASE = 'helpline';
const STORE = 'outbox';
const BY_KEY = 'byKey';
const BY_MESSAGE = 'byMessage';

interface ActiveOutbox {
  readonly outbox: Outbox;
  readonly backend: OutboxBackend;
}

function isEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.cid === 'string' &&
    typeof entry.clientMsgId === 'string' &&
    typeof entry.text === 'string' &&
    typeof entry.at === 'number'
  );
}

const entryOf = ({ cid, clientMsgId, text, at }: OutboxEntry): OutboxEntry => ({
  cid,
  clientMsgId,
  text,
  at,
});

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      // One store, ordered by its auto-incremented key: insertion order, across every outbox of the origin.
      const store = request.result.createObjectStore(STORE, { autoIncrement: true });
      store.createIndex(BY_KEY, 'key');
      store.createIndex(BY_MESSAGE, ['key', 'clientMsgId'], { unique: true });
    };
    request.onsuccess = () => {
      const db = request.result;
      // Let a future version upgrade the schema from another tab instead of being blocked by this one.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('IndexedDB cannot be opened'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

function indexedDbOutbox(db: IDBDatabase, key: string): Outbox {
  const run = async <T>(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => Promise<T>,
  ): Promise<T> => {
    const transaction = db.transaction(STORE, mode);
    const done = transactionDone(transaction);
    const result = await work(transaction.objectStore(STORE));
    await done;
    return result;
  };
  return {
    add: (entry) =>
      run('readwrite', async (store) => {
        const existing = await requestResult(store.index(BY_MESSAGE).getKey([key, entry.clientMsgId]));
        if (existing === undefined) await requestResult(store.add({ key, ...entryOf(entry) }));
      }),
    remove: (clientMsgId) =>
      run('readwrite', async (store) => {
        const existing = await requestResult(store.index(BY_MESSAGE).getKey([key, clientMsgId]));
        if (existing !== undefined) await requestResult(store.delete(existing));
      }),
    list: () =>
      run('readonly', async (store) => {
        // An index lists equal keys in primary-key order, so this is insertion order.
        const rows = await requestResult(store.index(BY_KEY).getAll(IDBKeyRange.only(key)));
        return (rows as unknown[]).filter(isEntry).map(entryOf);
      }),
  };
}

function storageOutbox(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key: string): Outbox {
  const itemKey = `helpline:outbox:${key}`;
  const read = (): OutboxEntry[] => {
    try {
      const parsed: unknown = JSON.parse(storage.getItem(itemKey) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isEntry).map(entryOf) : [];
    } catch {
      return [];
    }
  };
  const write = (entries: OutboxEntry[]) => {
    if (entries.length === 0) storage.removeItem(itemKey);
    else storage.setItem(itemKey, JSON.stringify(entries));
  };
  return {
    async add(entry) {
      const entries = read();
      if (!entries.some((e) => e.clientMsgId === entry.clientMsgId)) write([...entries, entryOf(entry)]);
    },
    async remove(clientMsgId) {
      const entries = read();
      const rest = entries.filter((e) => e.clientMsgId !== clientMsgId);
      if (rest.length !== entries.length) write(rest);
    },
    async list() {
      return read();
    },
  };
}

/**
 * An outbox that survives a reload: IndexedDB (one object store, in insertion order), falling back to
 * localStorage when IndexedDB is missing or fails, and to memory when neither works. Entries keep their
 * `clientMsgId`, so a message re-sent after a reload is recognised by the server and stored once.
 *
 * @example
 * ```ts
 * const outbox = createBrowserOutbox({ key: 'shop:visitor' });
 * const session = createVisitorSession({ transport, token, outbox });
 * ```
 */
export function createBrowserOutbox(options: BrowserOutboxOptions): BrowserOutbox {
  const { key } = options;
  const factory =
    options.indexedDB === undefined
      ? safeGlobal(() => globalThis.indexedDB)
      : // The browser's IDBFactory: the option is typed by what it is so that Node code needs no DOM lib.
        ((options.indexedDB ?? undefined) as IDBFactory | undefined);
  const storage =
    options.storage === undefined
      ? safeGlobal(() => globalThis.localStorage)
      : (options.storage ?? undefined);
  const memory: ActiveOutbox = { outbox: createMemoryOutbox(), backend: 'memory' };
  const fallback: ActiveOutbox = storage
    ? { outbox: storageOutbox(storage, key), backend: 'localstorage' }
    : memory;

  let active: Promise<ActiveOutbox> | undefined;
  const settle = () => {
    active ??= (async (): Promise<ActiveOutbox> => {
      if (!factory) return fallback;
      try {
        const primary = indexedDbOutbox(await openDatabase(factory), key);
        // Entries an earlier page had to leave in the fallback move over, behind what IndexedDB already holds.
        for (const entry of await fallback.outbox.list()) {
          await primary.add(entry);
          await fallback.outbox.remove(entry.clientMsgId);
        }
        return { outbox: primary, backend: 'indexeddb' };
      } catch {
        return fallback;
      }
    })();
    return active;
  };

  /** Runs `operation` on the active backend; one that fails (quota, a closed database) is replaced for good. */
  async function perform<T>(operation: (outbox: Outbox) => Promise<T>): Promise<T> {
    for (;;) {
      const current = await settle();
      try {
        return await operation(current.outbox);
      } catch (error) {
        if (current.backend === 'memory') throw error;
        active = Promise.resolve(current.backend === 'indexeddb' ? fallback : memory);
      }
    }
  }

  return {
    add: (entry) => perform((outbox) => outbox.add(entry)),
    remove: (clientMsgId) => perform((outbox) => outbox.remove(clientMsgId)),
    list: () => perform((outbox) => outbox.list()),
    backend: async () => (await settle()).backend,
  };
}
