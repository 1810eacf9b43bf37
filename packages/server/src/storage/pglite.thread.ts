import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlQueryable } from './sql.client';

// PGlite is PostgreSQL compiled to WebAssembly: every statement runs synchronously on the thread that owns it.
// On the server's main thread that would stall every socket for the length of each query, so the database lives
// in a worker thread and statements travel as messages. The worker is plain JavaScript in a string so that it
// runs the same from sources (tsx) and from the bundled dist, without a file of its own to locate.
const WORKER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const post = (message) => parentPort.postMessage(message);
const failure = (error) => ({ message: String(error && error.message || error), code: error && error.code });
import(workerData.pglite).then(async ({ PGlite }) => {
  const db = new PGlite(workerData.dataDir);
  await db.waitReady;
  const transactions = new Map();
  parentPort.on('message', async (message) => {
    const { id, kind, tx } = message;
    try {
      const target = kind === 'query' || kind === 'exec' ? (tx === undefined ? db : transactions.get(tx).tx) : db;
      if (kind === 'query') {
        post({ id, rows: (await target.query(message.text, message.params)).rows });
      } else if (kind === 'exec') {
        await target.exec(message.text);
        post({ id });
      } else if (kind === 'begin') {
        db.transaction((handle) => new Promise((commit, rollback) => {
          transactions.set(message.tx, { tx: handle, commit, rollback });
          post({ id });
        })).then(
          () => post({ id: message.doneId }),
          (error) => post({ id: message.doneId, error: failure(error) }),
        ).finally(() => transactions.delete(message.tx));
      } else if (kind === 'end') {
        const open = transactions.get(message.tx);
        if (message.commit) open.commit(); else open.rollback(new Error('rolled back'));
        post({ id });
      } else if (kind === 'close') {
        await db.close();
        post({ id });
      }
    } catch (error) {
      post({ id, error: failure(error) });
    }
  });
  post({ ready: true });
}, (error) => post({ ready: false, error: failure(error) }));
`;

interface Reply {
  id?: number;
  ready?: boolean;
  rows?: unknown[];
  error?: { message: string; code?: string };
}

/** Opens PGlite in `dataDir` inside a worker thread. */
export async function openPgliteThread(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { dataDir, pglite: import.meta.resolve('@electric-sql/pglite') },
  });
  const waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let nextTx = 1;
  let crashed: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const onReady = (reply: Reply) => {
      if (reply.ready === undefined) return;
      worker.off('message', onReady);
      if (reply.ready) resolve();
      else reject(new Error(`PGlite failed to open ${dataDir}: ${reply.error?.message}`));
    };
    worker.on('message', onReady);
  });
  worker.on('message', (reply: Reply) => {
    if (reply.id === undefined) return;
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    // An idle database must not keep the process alive (a forgotten close would hang it); a busy one must.
    if (waiting.size === 0) worker.unref();
    if (!pending) return;
    if (reply.error)
      pending.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else pending.resolve(reply);
  });
  worker.on('error', (error) => {
    crashed = error;
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  });
  await ready;

  const request = (message: Record<string, unknown>, id = nextId++): Promise<Reply> => {
    if (crashed) return Promise.reject(crashed);
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...message, id });
    });
  };
  const queryable = (tx?: number): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return ((await request({ kind: 'query', text, params: [...params], tx })).rows ?? []) as Row[];
    },
    async exec(text) {
      await request({ kind: 'exec', text, tx });
    },
  });

  return {
    kind: 'pglite',
    ...queryable(),
    async transaction(work) {
      const tx = nextTx++;
      const doneId = nextId++;
      const done = new Promise<Reply>((resolve, reject) => {
        waiting.set(doneId, { resolve, reject });
        worker.ref();
      });
      // Consumed below; keep an early rejection from being reported as unhandled.
      done.catch(() => {});
      await request({ kind: 'begin', tx, doneId });
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work(queryable(tx));
      } catch (error) {
        await request({ kind: 'end', tx, commit: false });
        await done.catch(() => {});
        throw error;
      }
      await request({ kind: 'end', tx, commit: true });
      await done;
      return result;
    },
    async close() {
      await request({ kind: 'close' });
      await worker.terminate();
    },
  };
}
