// Reads one mailbox over IMAP for as long as the server runs: connect, read everything after the cursor, then IDLE
// until the server says a mail arrived. A failure (bad password, server gone, a mail the hub refused) is reported in
// the mailbox's status and retried with full-jitter backoff; the cursor moves past a mail only after it was taken
// in, so a cut connection — even in the middle of a fetch — loses nothing, and the Message-ID check and the hub's
// dedupe make a re-read add nothing.
import { type BackoffPolicy, backoffDelay } from '@helpline/core';
import { ImapFlow } from 'imapflow';
import type { ResolvedMailbox } from './email.config';
import type { EmailStore } from './email.store';
import type { MailboxProblem, MailboxStatus } from './email.types';

/** What the reader needs around it. */
export interface MailboxReaderOptions {
  readonly mailbox: ResolvedMailbox;
  readonly store: EmailStore;
  /** Takes one raw mail in; a rejection leaves the cursor before it (the mail is read again on the next try). */
  readonly takeIn: (source: Buffer) => Promise<void>;
  readonly backoff: BackoffPolicy;
  /** Told every status change (the supervisor board, the log). */
  readonly onStatus?: ((status: MailboxStatus) => void) | undefined;
  /** A read even without word from the server, ms (IDLE can be silently dropped by middleboxes). Default 5 min. */
  readonly pollMs?: number | undefined;
  readonly random?: (() => number) | undefined;
  readonly now?: (() => number) | undefined;
}

/** One mailbox's reader. */
export interface MailboxReader {
  readonly status: MailboxStatus;
  /** Starts reading (resolves at once; progress is in `status`). */
  start(): void;
  /** Stops and logs out; resolves when the connection is closed. */
  stop(): Promise<void>;
}

// Node's network errors (ECONNREFUSED, ETIMEDOUT, …) and imapflow's for a connection that closed or never answered.
const UNREACHABLE =
  /^(E[A-Z]+|NoConnection|EConnectionClosed|ClosedAfterConnect\w*|CONNECT_TIMEOUT|GREETING_TIMEOUT|UPGRADE_TIMEOUT)$/;

/** What a failure means for staff: imapflow marks a refused login; network errors carry a `code`. */
export function problemOf(error: unknown): MailboxProblem {
  const failure = error as { authenticationFailed?: boolean; code?: string; intake?: boolean };
  if (failure.intake) return 'intake';
  if (failure.authenticationFailed) return 'authentication';
  if (typeof failure.code === 'string' && UNREACHABLE.test(failure.code)) return 'unreachable';
  return 'protocol';
}

class IntakeFailure extends Error {
  readonly intake = true;
}

/** Creates the reader of one mailbox (IMAP section required). */
export function createMailboxReader(options: MailboxReaderOptions): MailboxReader {
  const { mailbox, store } = options;
  const imap = mailbox.imap;
  if (!imap) throw new Error(`mailbox ${mailbox.id} has no imap section`);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const pollMs = options.pollMs ?? 5 * 60_000;
  let status: MailboxStatus = {
    mailbox: mailbox.id,
    address: mailbox.address,
    state: 'connecting',
    failures: 0,
    received: 0,
  };
  let stopped = false;
  let running: Promise<void> | undefined;
  let client: ImapFlow | undefined;
  let wake: (() => void) | undefined;

  const setStatus = (change: Partial<MailboxStatus>) => {
    status = { ...status, ...change };
    options.onStatus?.(status);
  };

  /** Reads every mail after the cursor, one at a time, moving the cursor after each. */
  async function catchUp(connection: ImapFlow): Promise<void> {
    const folder = connection.mailbox;
    if (!folder) throw new Error('no folder selected');
    const uidValidity = BigInt(folder.uidValidity);
    const saved = await store.cursor(mailbox.id, imap?.folder ?? 'INBOX');
    // A new UIDVALIDITY means the server renumbered the folder: read it all again (Message-IDs stop doubles).
    const lastUid = saved && saved.uidValidity === uidValidity ? saved.lastUid : 0;
    if (folder.exists === 0) return;
    const found = await connection.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    // `n:*` always includes the highest UID, even when it is below n.
    const uids = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
    for (const uid of uids) {
      const message = await connection.fetchOne(String(uid), { source: true }, { uid: true });
      // imapflow answers `false` both for a mail deleted meanwhile and for a fetch cut off by a closing connection:
      // only the first may move the cursor past it.
      if (!connection.usable)
        throw Object.assign(new Error('the IMAP connection closed during a fetch'), { code: 'ECLOSED' });
      const source = message ? message.source : undefined;
      if (source) {
        try {
          await options.takeIn(source);
        } catch (error) {
          throw new IntakeFailure(`mail UID ${uid} was not taken in: ${(error as Error).message}`, {
            cause: error,
          });
        }
        setStatus({ received: status.received + 1 });
      }
      await store.saveCursor(mailbox.id, imap?.folder ?? 'INBOX', { uidValidity, lastUid: uid });
    }
  }

  async function session(): Promise<void> {
    if (!imap) return;
    const connection = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.secure,
      doSTARTTLS: imap.secure ? undefined : !imap.allowPlaintext,
      auth: { user: imap.user, pass: mailbox.imapPassword ?? '' },
      logger: false,
      // IDLE is renewed before servers and middleboxes drop it.
      maxIdleTime: Math.min(pollMs, 25 * 60_000),
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      socketTimeout: 5 * 60_000,
    });
    client = connection;
    let closed = false;
    let arrived = false;
    const nudge = () => wake?.();
    connection.on('exists', () => {
      arrived = true;
      nudge();
    });
    connection.on('close', () => {
      closed = true;
      nudge();
    });
    connection.on('error', () => {
      // 'close' follows; the session ends there and the error is reported by the loop.
    });
    try {
      await connection.connect();
      const lock = await connection.getMailboxLock(imap.folder);
      try {
        setStatus({ state: 'connected', retryAt: undefined });
        while (!stopped && !closed) {
          arrived = false;
          await catchUp(connection);
          // Healthy only once everything new was taken in: a mail the hub keeps refusing keeps the backoff growing.
          setStatus({ lastSyncAt: now(), failures: 0, problem: undefined, error: undefined });
          if (arrived || stopped || closed) continue;
          // IDLE until a mail arrives or the poll is due. imapflow does not idle by itself while a mailbox lock is
          // held; the next command (the search of catchUp) ends the IDLE.
          connection.idle().catch(() => {
            // A failed IDLE closes the connection: 'close' ends this session.
          });
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (closed && !stopped)
          throw Object.assign(new Error('the IMAP connection closed'), { code: 'ECLOSED' });
      } finally {
        if (!closed) lock.release();
      }
    } finally {
      client = undefined;
      if (!closed) await connection.logout().catch(() => connection.close());
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        setStatus({ state: status.failures > 0 ? 'retrying' : 'connecting' });
        await session();
      } catch (error) {
        if (stopped) break;
        const failures = status.failures + 1;
        const delay = backoffDelay(failures - 1, options.backoff, random);
        const message = error instanceof Error ? error.message : String(error);
        const detail = (error as { responseText?: string }).responseText;
        setStatus({
          state: 'retrying',
          failures,
          problem: problemOf(error),
          error: detail ? `${message} (${detail})` : message,
          retryAt: now() + delay,
        });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
    setStatus({ state: 'stopped', retryAt: undefined });
  }

  return {
    get status() {
      return status;
    },
    start() {
      if (running || stopped) return;
      running = loop();
    },
    async stop() {
      stopped = true;
      wake?.();
      client?.close();
      await running;
    },
  };
}
