import type { Clock } from '../clock/clock';
import { backoffDelay, DEFAULT_BACKOFF } from '../connection/backoff';
import type { Connection } from '../connection/connection';
import { type HelplineError, isHelplineError, isRetryable } from '../protocol/errors';
import { clientError } from '../protocol/errors.client';
import type { InteractionInput } from './interactions.fold';
import type { Outbox, OutboxEntry } from './outbox';

// How typed messages reach the server, loaded with the first message a session sends (or the first that an earlier
// page left in the outbox), not with the page.

/** A resend never waits longer than this, whatever the server asks: a message should not sit for minutes. */
const RESEND_CAP_MS = 30_000;
/** Least jitter on top of `retryAfterMs`, so tabs and devices refused together do not come back together. */
const RESEND_JITTER_MS = 100;

/**
 * How long to wait before sending a temporarily refused message again: the server's `retryAfterMs` plus up to a
 * fifth of it (at least 100 ms) of jitter, or exponential back-off with full jitter when the
 * server gave no hint; never more than 30 s. `attempt` counts the refusals of this message so far, from 0.
 */
export function resendDelay(error: HelplineError, attempt: number, random: () => number): number {
  const hinted = error.retryAfterMs;
  const delay =
    hinted === undefined
      ? backoffDelay(attempt, DEFAULT_BACKOFF, random)
      : Math.max(0, hinted) + Math.floor(random() * Math.max(RESEND_JITTER_MS, hinted / 5));
  return Math.min(RESEND_CAP_MS, delay);
}

/** What the lanes need from the store that owns them. */
export interface MessageLanesOptions {
  readonly connection: Pick<Connection, 'command'>;
  readonly outbox: Pick<Outbox, 'remove'>;
  /** Folds a refusal for good into the store's records. */
  readonly apply: (input: InteractionInput) => void;
  readonly clock: Clock;
  readonly random: () => number;
  /** True once the store is disposed: nothing more is sent, and what waits stays in the outbox. */
  readonly disposed: () => boolean;
}

/** The lanes of one store's outgoing messages. */
export interface MessageLanes {
  /**
   * Sends an entry after the ones typed before it in its conversation; resolves once the server has it. The same
   * entry enqueued again while it is on its way shares that first send.
   */
  enqueue(entry: OutboxEntry): Promise<void>;
  /** Wakes the resends that wait out a refusal, so they give up now (on dispose). */
  wake(): void;
}

/** A message waiting its turn in its conversation's lane. */
interface Queued {
  readonly entry: OutboxEntry;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One lane per conversation; its head is the only message of that conversation on the wire. Pipelining would be
 * faster, but a refused message could then be overtaken by the next one, which the server would accept.
 */
export function createMessageLanes(options: MessageLanesOptions): MessageLanes {
  const { connection, outbox, apply, clock, random, disposed } = options;
  const lanes = new Map<string, Queued[]>();
  const queued = new Map<string, Queued>();
  /** Wakes the waiting resends early (on dispose). */
  const waits = new Set<() => void>();

  /** Waits `ms`; false when the store was disposed meanwhile. */
  function pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let handle: unknown;
      const wake = () => {
        clock.clearTimeout(handle);
        waits.delete(wake);
        resolve(!disposed());
      };
      waits.add(wake);
      handle = clock.setTimeout(wake, ms);
    });
  }

  function enqueue(entry: OutboxEntry): Promise<void> {
    const known = queued.get(entry.clientMsgId);
    if (known) return known.done;
    let resolve = () => {};
    let reject: (error: unknown) => void = () => {};
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const item: Queued = { entry, done, resolve, reject };
    queued.set(entry.clientMsgId, item);
    let lane = lanes.get(entry.cid);
    const idle = !lane;
    if (!lane) {
      lane = [];
      lanes.set(entry.cid, lane);
    }
    // In the order typed: entries a reload left in the outbox can be listed after the first new message was sent.
    // The head (index 0) is already on the wire and keeps its place.
    let at = lane.length;
    while (at > 1 && (lane[at - 1]?.entry.at ?? 0) > entry.at) at--;
    lane.splice(at, 0, item);
    if (idle) void pump(entry.cid, lane);
    return done;
  }

  async function pump(cid: string, lane: Queued[]): Promise<void> {
    for (let item = lane[0]; item; item = lane[0]) {
      try {
        await deliver(item.entry);
        item.resolve();
      } catch (error) {
        item.reject(error);
      }
      lane.shift();
      queued.delete(item.entry.clientMsgId);
    }
    lanes.delete(cid);
  }

  async function deliver(entry: OutboxEntry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (disposed()) throw clientError('connection/closed');
      try {
        await connection.command(
          'message.send',
          {
            cid: entry.cid,
            clientMsgId: entry.clientMsgId,
            text: entry.text,
            ...(entry.attachments?.length ? { attachments: entry.attachments } : {}),
          },
          { persistent: true },
        );
        await outbox.remove(entry.clientMsgId);
        return;
      } catch (error) {
        // Not now (a rate limit, a storage outage): the same message again after the wait, still shown as sending.
        // The server dedupes its clientMsgId, so a resend of one it did store is answered with the original ack.
        if (isRetryable(error) && (await pause(resendDelay(error, attempt, random)))) continue;
        // Refused for good (validation, ended chat): keep it visible as failed, drop it from the outbox. A closed
        // session keeps it in the outbox for the next page.
        if (isHelplineError(error) && error.code !== 'connection/closed' && !disposed()) {
          await outbox.remove(entry.clientMsgId);
          apply({ type: 'failed', cid: entry.cid, key: entry.clientMsgId, error });
        }
        throw disposed() ? clientError('connection/closed') : error;
      }
    }
  }

  return {
    enqueue,
    wake() {
      for (const wake of [...waits]) wake();
    },
  };
}
