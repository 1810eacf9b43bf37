import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlQueryable } from './sql.client';
import { DatabaseError, describeStatement } from './sql.errors';

// PGlite is PostgreSQL compiled to WebAssembly: every statement runs synchronously on the thread that owns it.
// On the server's main thread that would stall every socket for the length of each query, so the database lives
// in a worker thread and statements travel as messages. The worker is plain JavaScript in a string so that it
// runs the same from sources (tsx) and from the bundled dist, without a file of its own to locate.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const post = (message) => parentPort.postMessage(message);
// What crosses back is the SQLSTATE and schema identifiers only: PGlite's errors carry the statement's
// parameters and quote its data in message, detail and where.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const failure = (error) => {
  const out = {};
  const code = error && error.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) out.code = code;
  else if (/closed/i.test(String(error && error.message))) out.code = '08003';
  for (const key of ['table', 'constraint', 'column']) {
    const value = error && error[key];
    if (typeof value === 'string' && IDENTIFIER.test(value)) out[key] = value;
  }
  return out;
};
import(workerData.pglite).then(async ({ PGlite }) => {
  const db = new PGlite(workerData.dataDir);
  await db.waitReady;
  const transactions = new Map();
  parentPort.on('message', async (message) => {
    const { id, kind, tx } = message;
    try {
      const open = tx === undefined ? undefined : transactions.get(tx);
      if (tx !== undefined && !open && kind !== 'begin') {
        post({ id, error: { code: '25P01' } });
        return;
      }
      const target = kind === 'query' || kind === 'exec' ? (open ? open.tx : db) : db;
      if (kind === 'query') {
        post({ id, rows: (await target.query(message.text, message.params)).rows });
      } else if (kind === 'exec') {
        await target.exec(message.text);
        post({ id });
      } else if (kind === 'begin') {
        let started = false;
        db.transaction((handle) => new Promise((commit, rollback) => {
          started = true;
          transactions.set(message.tx, { tx: handle, commit, rollback });
          post({ id });
        })).then(
          () => post({ id: message.doneId }),
          (error) => {
            // A transaction that could not even start (a closed database) answers its 'begin' too.
            if (!started) post({ id, error: failure(error) });
            post({ id: message.doneId, error: failure(error) });
          },
        ).finally(() => transactions.delete(message.tx));
      } else if (kind === 'end') {
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
}).catch((error) => post({ ready: false, reason: String(error && error.message || error) }));
`;

interface Reply {
  id?: number;
  ready?: boolean;
  rows?: unknown[];
  /** A failed statement: SQLSTATE and identifiers only (see `failure` in the worker). */
  error?: { code?: string; table?: string; constraint?: string; column?: string };
  /** Why the database did not open (PGlite's own words; no statement has run yet). */
  reason?: string;
}

/** Opens PGlite in `dataDir` inside a worker thread. */
export async function openPgliteThread(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { dataDir, pglite: import.meta.resolve('@electric-sql/pglite') },
  });
  // Failures arrive as replies too, so that the error is made where the caller awaits (its stack then shows who
  // ran the statement, not the worker's message event).
  const waiting = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  let nextTx = 1;
  /** Set once the worker is gone (closed, crashed or exited): every later request fails at once. */
  let gone: '08003' | '08006' | undefined;
  const failAll = (code: '08003' | '08006') => {
    gone ??= code;
    for (const settle of waiting.values()) settle({ error: { code } });
    waiting.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    const onReady = (reply: Reply) => {
      if (reply.ready === undefined) return;
      worker.off('message', onReady);
      if (reply.ready) resolve();
      else reject(new Error(`PGlite failed to open ${dataDir}: ${reply.reason ?? 'unknown reason'}`));
    };
    worker.on('message', onReady);
    // Before it is ready no statement has run, so the worker's own words are safe to pass on.
    worker.once('error', (error) => reject(new Error(`PGlite failed to open ${dataDir}: ${error.message}`)));
    worker.once('exit', (code) => reject(new Error(`PGlite failed to open ${dataDir}: exit code ${code}`)));
  });
  worker.on('message', (reply: Reply) => {
    if (reply.id === undefined) return;
    const settle = waiting.get(reply.id);
    waiting.delete(reply.id);
    // An idle database must not keep the process alive (a forgotten close would hang it); a busy one must.
    if (waiting.size === 0) worker.unref();
    settle?.(reply);
  });
  // A crash is reported without its error: it may quote whatever the worker was holding.
  worker.on('error', () => failAll('08006'));
  worker.on('exit', () => failAll(gone ?? '08006'));
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const settled = (id: number): Promise<Reply> =>
    new Promise((resolve) => {
      if (gone) return resolve({ error: { code: gone } });
      waiting.set(id, resolve);
      worker.ref();
    });
  /** The reply, or the failure as a `DatabaseError` naming `statement` (the worker never says what failed). */
  const outcome = async (statement: string, reply: Promise<Reply>): Promise<Reply> => {
    const { error } = await reply;
    if (!error) return reply;
    throw new DatabaseError({
      ...error,
      code: error.code ?? 'XX000',
      operation: describeStatement(statement),
    });
  };
  const request = (statement: string, message: Record<string, unknown>): Promise<Reply> => {
    const id = nextId++;
    const reply = settled(id);
    if (!gone) worker.postMessage({ ...message, id });
    return outcome(statement, reply);
  };
  const queryable = (tx?: number): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return ((await request(text, { kind: 'query', text, params: [...params], tx })).rows ?? []) as Row[];
    },
    async exec(text) {
      await request(text, { kind: 'exec', text, tx });
    },
  });

  return {
    kind: 'pglite',
    ...queryable(),
    async transaction(work, options = {}) {
      const tx = nextTx++;
      const doneId = nextId++;
      const done = outcome('COMMIT', settled(doneId));
      // Consumed below; keep an early rejection from being reported as unhandled.
      done.catch(() => {});
      await request('BEGIN', { kind: 'begin', tx, doneId });
      let result: Awaited<ReturnType<typeof work>>;
      try {
        const inTransaction = queryable(tx);
        if (options.prelude !== undefined) await inTransaction.exec(options.prelude);
        result = await work(inTransaction);
      } catch (error) {
        // The caller's error is the one that counts; a rollback that fails too (the worker is gone) adds nothing.
        await request('ROLLBACK', { kind: 'end', tx, commit: false }).catch(() => {});
        await done.catch(() => {});
        throw error;
      }
      await request('COMMIT', { kind: 'end', tx, commit: true });
      await done;
      return result;
    },
    async close() {
      await request('close', { kind: 'close' });
      gone = '08003';
      await worker.terminate();
    },
  };
}
