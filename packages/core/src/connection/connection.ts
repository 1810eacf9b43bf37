import { atom, type ReadableAtom } from 'nanostores';
import { type Clock, systemClock } from '../clock/clock';
import { createMachineStore } from '../machine';
import { type ErrorPayload, HelplineError } from '../protocol/errors';
import { clientError } from '../protocol/errors.client';
import type { ResultSchemas } from '../protocol/protocol';
import type { FrameGuard } from '../protocol/protocol.guards';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../protocol/protocol.limits';
import type {
  ClientCapabilities,
  CommandArgs,
  CommandOp,
  CommandResult,
  ConversationEvent,
  Notice,
  ServerFrame,
  WelcomeFrame,
} from '../protocol/protocol.types';
import type { LinkCloseInfo, Transport, TransportLink } from '../transport/transport.types';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { type ConnectionChecks, checksOf } from './connection.checks';
import { type ConnectionSnapshot, connectionMachine } from './connection.machine';
import { bindEnvironment, type ConnectionEnvironment, defaultEnvironment } from './environment';

/** One durable conversation event as the connection delivers it: in `seq` order, exactly once. */
export interface DeliveredEvent {
  readonly cid: string;
  readonly seq: number;
  readonly at: number;
  readonly ev: ConversationEvent;
}

/** Options of {@link createConnection}. */
export interface ConnectionOptions {
  readonly transport: Transport;
  /** The bearer token, or a function returning a fresh one before each connect. */
  readonly token: string | (() => string | Promise<string>);
  readonly clock?: Clock | undefined;
  /** Random source in [0, 1) for back-off jitter. */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy | undefined;
  /** A command sent on a live link without an answer for this long fails with `connection/timeout`. */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * Page lifecycle signals (online, visibility, back/forward cache, freeze) that drive probes, suspension and
   * the liveness judgement. Default: the browser's in a page, none in Node; `null` for none.
   */
  readonly environment?: ConnectionEnvironment | null | undefined;
  /**
   * What this client can do, sent with every `hello` (`{ voice: false }`: it takes no calls, so the router offers
   * this agent none while no other connection of theirs can). Omitted: nothing declared (taken as able).
   */
  readonly capabilities?: ClientCapabilities | undefined;
}

/** Options of one command. */
export interface CommandOptions {
  /**
   * Keep the command until it is answered, across disconnects and lost acks (only for idempotent commands,
   * such as `message.send` whose `clientMsgId` the server dedupes).
   */
  readonly persistent?: boolean | undefined;
}

/**
 * A connection to a Helpline server over any {@link Transport}: hello/welcome, commands with ack/nack,
 * per-conversation ordering by `seq` with gap backfill, resume after reconnect, server-driven liveness and
 * back-off with full jitter.
 */
export interface Connection {
  /** The connection machine's snapshot (`idle`, `connecting`, `connected`, `caught-up`, `reconnecting`, …). */
  readonly $state: ReadableAtom<ConnectionSnapshot>;
  /** Who the server says we are, after the first welcome. */
  readonly $subject: ReadableAtom<WelcomeFrame['subject'] | undefined>;
  /** Opens the connection (idempotent). */
  open(): void;
  /** Closes deliberately: no reconnect afterwards; pending commands fail with `connection/closed`. */
  close(): void;
  /** Sends a command and resolves with its validated result, or rejects with a {@link HelplineError}. */
  command<Op extends CommandOp>(
    op: Op,
    args: CommandArgs<Op>,
    options?: CommandOptions,
  ): Promise<CommandResult<Op>>;
  /** Follows a conversation from `afterSeq` (events up to it are already known to the caller). */
  follow(cid: string, afterSeq: number): void;
  /** Listens to durable events, delivered in order without gaps or duplicates. */
  onEvent(listener: (event: DeliveredEvent) => void): () => void;
  /** Listens to notices (offers, presence, positions, typing). */
  onNotice(listener: (notice: Notice) => void): () => void;
  /** Checks liveness now (on `online`, tab visible, `pageshow`): a dead link is replaced at once. */
  probe(): void;
  /**
   * Closes the link and stops reconnecting until {@link Connection.resume} (the page went into the back/forward
   * cache or was frozen). Pending commands wait; nothing is failed.
   */
  suspend(): void;
  /** Reconnects at once after {@link Connection.suspend}; does nothing otherwise. */
  resume(): void;
  /**
   * While hidden, the connection does not declare its link dead on its own (timers of hidden tabs run late);
   * the server keeps pinging, and a probe when the tab is visible again decides.
   */
  setHidden(hidden: boolean): void;
}

interface Pending {
  readonly id: string;
  readonly op: CommandOp;
  readonly args: unknown;
  readonly persistent: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: HelplineError) => void;
  timer?: unknown;
}

interface Cursor {
  /** Last seq delivered to listeners. */
  last: number;
  /** Frames that arrived ahead of a gap, by seq. */
  readonly ahead: Map<number, DeliveredEvent>;
  backfilling: boolean;
}

/** How long a liveness probe waits for any frame before the link is declared dead. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Tries in a row that never opened a socket before the connection says why: `connection/wrong-path` for good when
 * the platform saw the server answer 404 each time (Node's `ws` tells; browsers never do), else
 * `connection/unreachable` while it keeps retrying.
 */
export const UNOPENED_TRIES = 3;

/** Close codes of a refusal that retrying the same link cannot change. */
const REFUSED_FOR_GOOD: ReadonlySet<number> = new Set([
  CLOSE_CODES.unauthorized,
  CLOSE_CODES.protocolError,
  CLOSE_CODES.forbidden,
  CLOSE_CODES.notFound,
]);

/**
 * Creates a connection. Nothing happens until `open()` (sessions open it when their stores gain a listener).
 * `results` are the schemas every `ack` is checked against before a command resolves: `commandResultSchemas` for
 * every command, or a client's own subset (`visitorResultSchemas`), which keeps the others out of its bundle; the
 * ack of a command the map lacks is refused as `protocol/invalid-frame`. `frames` checks every frame received:
 * `serverFrameGuard` for every frame, or `visitorFrameGuard`, which leaves the staff notices out of a visitor's
 * bundle; a frame it refuses is dropped.
 *
 * @example
 * ```ts
 * const connection = createConnection({ transport, token }, commandResultSchemas, serverFrameGuard);
 * connection.open();
 * const { cid } = await connection.command('chat.start', { channel: 'chat' });
 * ```
 */
export function createConnection(
  options: ConnectionOptions,
  results: ResultSchemas,
  frames: FrameGuard,
): Connection {
  return connectionWith(options, checksOf(results, frames));
}

/**
 * {@link createConnection} with its checks, or a function that loads them: then they load when the connection first
 * connects (a visitor's page does not wait for them), and frames that arrive before they are here wait for them, in
 * order. A failed load is tried again with the next connect.
 *
 * @internal
 */
export function connectionWith(
  options: ConnectionOptions,
  checksOrLoad: ConnectionChecks | (() => Promise<ConnectionChecks>),
): Connection {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const commandTimeoutMs = options.commandTimeoutMs ?? 15_000;
  const machine = createMachineStore(connectionMachine);
  const $subject = atom<WelcomeFrame['subject'] | undefined>(undefined);
  const eventListeners = new Set<(event: DeliveredEvent) => void>();
  const noticeListeners = new Set<(notice: Notice) => void>();
  const pending = new Map<string, Pending>();
  const cursors = new Map<string, Cursor>();
  let heads: Record<string, number> = {};
  let link: TransportLink | undefined;
  let linkGeneration = 0;
  let welcomed = false;
  let resumeToken: string | undefined;
  let heartbeatMs = 0;
  let lastFrameAt = 0;
  // At most one timer of each kind exists at any time.
  let retryTimer: unknown;
  let livenessTimer: unknown;
  let nextCommandId = 1;
  let byeRetryAfterMs: number | undefined;
  let byeError: ErrorPayload | undefined;
  let refusedResume = false;
  // Why the connection is down, told once per reason (not per retry) to the developer console.
  let reportedCode: string | undefined;
  let linkOpened = false;
  let unopenedTries = 0;
  // An expired token is asked for afresh once per welcome; a second refusal stops.
  let tokenRenewed = false;
  let hidden = false;
  let unbindEnvironment: (() => void) | undefined;
  let checks = typeof checksOrLoad === 'function' ? undefined : checksOrLoad;
  let loadingChecks = false;
  /**
   * What links reported before the checks were here (frames, and a close after them), in order, each with the
   * generation of its link; run with the checks, or without them (frames dropped) when they could not load.
   */
  const early: [number, (loaded: ConnectionChecks | undefined) => void][] = [];

  const state = () => machine.$snapshot.get().value;

  function clearTimer(handle: unknown): undefined {
    if (handle !== undefined) clock.clearTimeout(handle);
    return undefined;
  }

  function loadChecks(): void {
    if (checks || loadingChecks || typeof checksOrLoad !== 'function') return;
    loadingChecks = true;
    const replay = (loaded: ConnectionChecks | undefined) => {
      for (const [generation, step] of early.splice(0)) if (generation === linkGeneration) step(loaded);
    };
    checksOrLoad().then(
      (loaded) => {
        checks = loaded;
        replay(loaded);
      },
      () => {
        // Tried again with the next connect; a link that is never welcomed is replaced.
        loadingChecks = false;
        replay(undefined);
      },
    );
  }

  /** Runs `step` with the checks now, or once they are here: what a link reports keeps its order. */
  function withChecks(step: (loaded: ConnectionChecks | undefined) => void): void {
    if (checks) step(checks);
    else early.push([linkGeneration, step]);
  }

  async function connect(): Promise<void> {
    retryTimer = clearTimer(retryTimer);
    loadChecks();
    const generation = ++linkGeneration;
    let token: string;
    try {
      token = typeof options.token === 'function' ? await options.token() : options.token;
    } catch (error) {
      return linkLost({ code: 1006, reason: `token unavailable: ${String(error)}` });
    }
    if (generation !== linkGeneration || state() === 'closed') return;
    welcomed = false;
    linkOpened = false;
    link = options.transport.open({
      onOpen() {
        if (generation !== linkGeneration) return;
        linkOpened = true;
        lastFrameAt = clock.now();
        const cursorsToResume = Object.fromEntries([...cursors].map(([cid, cursor]) => [cid, cursor.last]));
        send({
          t: 'hello',
          v: PROTOCOL_VERSION,
          token,
          ...(options.capabilities ? { capabilities: options.capabilities } : {}),
          ...(resumeToken ? { resume: { token: resumeToken, cursors: cursorsToResume } } : {}),
        });
      },
      onFrame(raw) {
        if (generation === linkGeneration) receive(raw);
      },
      onClose(info) {
        if (generation === linkGeneration) withChecks(() => linkLost(info));
      },
    });
    // A link that never opens or never welcomes us (a black-holed connect, a stuck proxy, a frozen leader tab)
    // is as dead as one that stopped answering.
    livenessTimer = clearTimer(livenessTimer);
    livenessTimer = clock.setTimeout(() => {
      livenessTimer = undefined;
      if (!welcomed && generation === linkGeneration) replaceDeadLink();
    }, commandTimeoutMs);
  }

  function send(frame: object): void {
    link?.send(JSON.stringify(frame));
  }

  function linkLost(info: LinkCloseInfo): void {
    link = undefined;
    welcomed = false;
    livenessTimer = clearTimer(livenessTimer);
    for (const command of pending.values()) command.timer = clearTimer(command.timer);
    const bye = byeError;
    byeError = undefined;
    if (state() === 'closed') return;
    // A transport names the URL only of a socket that never opened (the multi-tab leader's links open at once, while
    // its real socket may not).
    unopenedTries = linkOpened && info.url === undefined ? 0 : unopenedTries + 1;
    if (refusedResume && resumeToken !== undefined) {
      refusedResume = false;
      resumeToken = undefined;
      machine.send({ type: 'LINK_LOST', reason: info.reason });
      scheduleRetry(0);
      return;
    }
    if (bye?.code === 'auth/token-expired' && typeof options.token === 'function' && !tokenRenewed) {
      // The app can fix this one: its token function is asked for a fresh token, once.
      tokenRenewed = true;
      machine.send({ type: 'LINK_LOST', reason: info.reason });
      scheduleRetry(0);
      return;
    }
    const wrongPath = info.status === 404 && unopenedTries >= UNOPENED_TRIES;
    if (REFUSED_FOR_GOOD.has(info.code) || wrongPath) {
      // Retrying the same credentials, site, origin, path or frames cannot succeed: stop, and fail what waits.
      const error = wrongPath
        ? clientError('connection/wrong-path', { url: info.url ?? '?', status: 404 }).toPayload()
        : (bye ?? { code: 'connection/closed', message: `Refused (${info.code} ${info.reason}).` });
      machine.send({ type: 'REFUSED', fatal: true, reason: info.reason, error });
      report(error, console.error);
      failAll(HelplineError.fromPayload(error));
      return;
    }
    const retryAfterMs = info.retryAfterMs ?? byeRetryAfterMs;
    byeRetryAfterMs = undefined;
    // A refusal that says when to come back (a rate limit, a database outage) is worth showing; so is a server
    // that never let a socket open, tries in a row.
    const error =
      bye?.retryAfterMs !== undefined
        ? bye
        : unopenedTries >= UNOPENED_TRIES
          ? clientError('connection/unreachable', {
              url: info.url ?? 'the server',
              attempts: unopenedTries,
            }).toPayload()
          : undefined;
    machine.send({
      type: 'LINK_LOST',
      reason: info.reason,
      ...(retryAfterMs ? { retryAfterMs } : {}),
      ...(error ? { error } : {}),
    });
    if (error) report(error, console.warn);
    scheduleRetry(retryAfterMs);
  }

  function report(error: ErrorPayload, print: (message: string) => void): void {
    if (reportedCode === error.code) return;
    reportedCode = error.code;
    print(`[helpline] cannot connect: ${error.code}: ${error.message} See ERROR_CATALOG['${error.code}'].`);
  }

  function scheduleRetry(retryAfterMs: number | undefined): void {
    if (retryTimer !== undefined || state() === 'closed') return;
    const attempt = machine.$snapshot.get().context.attempt;
    const delay = Math.max(backoffDelay(attempt, backoff, random), retryAfterMs ?? 0);
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      if (machine.send({ type: 'RETRY' }).ok) void connect();
    }, delay);
  }

  function receive(raw: string): void {
    lastFrameAt = clock.now();
    withChecks((loaded) => {
      const parsed = loaded?.frame(raw);
      // A frame we cannot understand is dropped; the server is the one to fix, and the link stays up.
      if (loaded && parsed?.ok) handle(parsed.value, loaded);
    });
  }

  function handle(frame: ServerFrame, loaded: ConnectionChecks): void {
    switch (frame.t) {
      case 'welcome':
        welcome(frame);
        return;
      case 'ping':
        send({ t: 'pong', ts: frame.ts });
        return;
      case 'pong':
        return; // Answer to our probe: receiving it already refreshed `lastFrameAt`.
      case 'ack':
      case 'nack':
        answer(frame, loaded);
        return;
      case 'evt':
        arrive({ cid: frame.cid, seq: frame.seq, at: frame.at, ev: frame.ev });
        return;
      case 'gap': {
        const cursor = cursorOf(frame.cid);
        void backfill(frame.cid, cursor);
        return;
      }
      case 'notice':
        for (const listener of noticeListeners) listener(frame.notice);
        return;
      case 'bye':
        // The close that follows carries the code; keep the server's retry hint for it.
        byeRetryAfterMs = frame.error.retryAfterMs;
        byeError = frame.error as ErrorPayload;
        // A refused resume token (expired, already used) is not a refused identity: drop it, connect afresh.
        refusedResume = frame.error.field === 'resume.token';
        return;
    }
  }

  function welcome(frame: WelcomeFrame): void {
    welcomed = true;
    reportedCode = undefined;
    tokenRenewed = false;
    resumeToken = frame.resumeToken;
    heartbeatMs = frame.heartbeatMs;
    heads = frame.heads ?? {};
    $subject.set(frame.subject);
    // What waited goes out first, in the order it was asked for. Commands that listeners of `OPENED` issue are
    // sent by `command()` itself and must not go out a second time here.
    const waiting = [...pending.values()];
    armLiveness();
    for (const command of waiting) transmit(command);
    machine.send({ type: 'OPENED' });
    // Not resumed (a fresh start after a refused resume token): nothing was replayed, so fetch what we missed.
    if (!frame.resumed) for (const [cid, cursor] of cursors) if (cursor.last > 0) void backfill(cid, cursor);
    checkCaughtUp();
  }

  function checkCaughtUp(): void {
    if (!welcomed || state() !== 'connected') return;
    for (const cursor of cursors.values()) if (cursor.backfilling) return;
    for (const [cid, head] of Object.entries(heads)) {
      const cursor = cursors.get(cid);
      if (cursor && (cursor.last < head || cursor.backfilling)) return;
    }
    machine.send({ type: 'CAUGHT_UP' });
  }

  function armLiveness(): void {
    livenessTimer = clearTimer(livenessTimer);
    if (heartbeatMs <= 0) return;
    livenessTimer = clock.setTimeout(() => {
      livenessTimer = undefined;
      if (!isAlive() && !hidden) return replaceDeadLink();
      armLiveness();
    }, heartbeatMs);
  }

  /** Two missed ping intervals mean the socket is dead even if it looks open. */
  function isAlive(): boolean {
    return clock.now() - lastFrameAt <= heartbeatMs * 2;
  }

  function replaceDeadLink(): void {
    const dead = link;
    linkGeneration++;
    dead?.close(CLOSE_CODES.timeout, 'liveness timeout');
    linkLost({ code: CLOSE_CODES.timeout, reason: 'liveness timeout' });
  }

  function answer(frame: Extract<ServerFrame, { t: 'ack' | 'nack' }>, loaded: ConnectionChecks): void {
    const command = pending.get(frame.id);
    if (!command) return; // An answer to a command already settled (a duplicate after resend).
    pending.delete(frame.id);
    command.timer = clearTimer(command.timer);
    if (frame.t === 'nack') {
      command.reject(HelplineError.fromPayload(frame.error as ErrorPayload));
      return;
    }
    const result = loaded.result(command.op, frame.result);
    if (result.ok) command.resolve(result.value);
    else command.reject(result.error);
  }

  function transmit(command: Pending): void {
    if (!welcomed || !link) return;
    send({ t: 'cmd', id: command.id, op: command.op, args: command.args });
    command.timer = clearTimer(command.timer);
    command.timer = clock.setTimeout(() => {
      command.timer = undefined;
      if (!pending.has(command.id)) return;
      if (command.persistent) {
        // The ack may be lost on a half-dead link: check liveness, then send again (the server dedupes).
        if (!isAlive() && !hidden) replaceDeadLink();
        else transmit(command);
        return;
      }
      pending.delete(command.id);
      command.reject(clientError('connection/timeout', { op: command.op, ms: commandTimeoutMs }));
    }, commandTimeoutMs);
  }

  function failAll(error: HelplineError): void {
    for (const command of pending.values()) {
      clearTimer(command.timer);
      command.reject(error);
    }
    pending.clear();
  }

  // ─── ordered delivery ────────────────────────────────────────────────────────────────────────

  function cursorOf(cid: string): Cursor {
    let cursor = cursors.get(cid);
    if (!cursor) {
      cursor = { last: 0, ahead: new Map(), backfilling: false };
      cursors.set(cid, cursor);
    }
    return cursor;
  }

  function deliver(cursor: Cursor, event: DeliveredEvent): void {
    cursor.last = event.seq;
    for (const listener of eventListeners) listener(event);
  }

  function drain(cursor: Cursor): void {
    for (let next = cursor.ahead.get(cursor.last + 1); next; next = cursor.ahead.get(cursor.last + 1)) {
      cursor.ahead.delete(next.seq);
      deliver(cursor, next);
    }
    for (const seq of cursor.ahead.keys()) if (seq <= cursor.last) cursor.ahead.delete(seq);
  }

  function arrive(event: DeliveredEvent): void {
    const cursor = cursorOf(event.cid);
    if (event.seq <= cursor.last) return; // Already delivered: a replay or a retry.
    if (event.seq === cursor.last + 1 && !cursor.backfilling) {
      deliver(cursor, event);
      drain(cursor);
    } else {
      cursor.ahead.set(event.seq, event);
      if (!cursor.backfilling) void backfill(event.cid, cursor);
    }
    checkCaughtUp();
  }

  /** Fetches what is missing from history, then delivers everything in order. */
  async function backfill(cid: string, cursor: Cursor): Promise<void> {
    if (cursor.backfilling) return;
    cursor.backfilling = true;
    try {
      for (;;) {
        const page = await command('history', { cid, after: cursor.last });
        for (const { seq, at, ev } of page.events) {
          if (seq === cursor.last + 1) deliver(cursor, { cid, seq, at, ev });
        }
        drain(cursor);
        if (cursor.last >= page.lastSeq || page.events.length === 0) break;
      }
    } catch {
      // Backfill is retried on the next event or resume; nothing delivered out of order meanwhile.
    } finally {
      cursor.backfilling = false;
      drain(cursor);
      checkCaughtUp();
    }
  }

  // ─── public API ──────────────────────────────────────────────────────────────────────────────

  function command<Op extends CommandOp>(
    op: Op,
    args: CommandArgs<Op>,
    commandOptions: CommandOptions = {},
  ): Promise<CommandResult<Op>> {
    // Arguments are validated by the server, which answers a bad field with `validation/field`; checking them
    // here too would ship every command schema to every page.
    if (state() === 'closed') return Promise.reject(clientError('connection/closed'));
    // Acting is as good a reason to connect as listening.
    if (state() === 'idle') connection.open();
    return new Promise<CommandResult<Op>>((resolve, reject) => {
      const entry: Pending = {
        id: `q${nextCommandId++}`,
        op,
        args,
        persistent: commandOptions.persistent === true,
        resolve: resolve as (result: unknown) => void,
        reject,
      };
      pending.set(entry.id, entry);
      transmit(entry);
    });
  }

  const connection: Connection = {
    $state: machine.$snapshot,
    $subject,
    open() {
      if (state() !== 'idle' || !machine.send({ type: 'CONNECT' }).ok) return;
      const environment = options.environment === undefined ? defaultEnvironment() : options.environment;
      if (environment) unbindEnvironment = bindEnvironment(connection, environment);
      void connect();
    },
    close() {
      // The page's listeners go with the deliberate close, also after a refusal for good already closed the link.
      unbindEnvironment?.();
      unbindEnvironment = undefined;
      // Already closed (a refusal for good, or a second close): nothing more to do, and nothing to warn about.
      if (state() === 'closed' || !machine.send({ type: 'CLOSE' }).ok) return;
      retryTimer = clearTimer(retryTimer);
      livenessTimer = clearTimer(livenessTimer);
      linkGeneration++;
      link?.close(CLOSE_CODES.normal, 'closed by client');
      link = undefined;
      failAll(clientError('connection/closed'));
    },
    command,
    follow(cid, afterSeq) {
      const cursor = cursorOf(cid);
      if (afterSeq > cursor.last) {
        cursor.last = afterSeq;
        drain(cursor);
      }
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onNotice(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    probe() {
      if (state() === 'reconnecting') {
        // Back online: retry now instead of waiting out the back-off.
        retryTimer = clearTimer(retryTimer);
        if (machine.send({ type: 'RETRY' }).ok) void connect();
        return;
      }
      if (!welcomed || !link) return;
      // Ask for proof of life now; no frame within the probe window means the socket is dead.
      const sentAt = clock.now();
      send({ t: 'ping', ts: sentAt });
      livenessTimer = clearTimer(livenessTimer);
      livenessTimer = clock.setTimeout(() => {
        livenessTimer = undefined;
        if (lastFrameAt < sentAt && !hidden) return replaceDeadLink();
        armLiveness();
      }, PROBE_TIMEOUT_MS);
    },
    suspend() {
      const current = state();
      if (
        current !== 'connecting' &&
        current !== 'connected' &&
        current !== 'caught-up' &&
        current !== 'reconnecting'
      )
        return;
      retryTimer = clearTimer(retryTimer);
      linkGeneration++; // Whatever the old link still reports is ignored.
      link?.close(CLOSE_CODES.normal, 'page suspended');
      link = undefined;
      welcomed = false;
      livenessTimer = clearTimer(livenessTimer);
      for (const command of pending.values()) command.timer = clearTimer(command.timer);
      if (current === 'connected' || current === 'caught-up') {
        machine.send({ type: 'LINK_LOST', reason: 'page suspended' });
      }
      machine.send({ type: 'GIVE_UP' });
    },
    resume() {
      if (state() === 'suspended' && machine.send({ type: 'RETRY' }).ok) void connect();
    },
    setHidden(value) {
      hidden = value;
    },
  };
  return connection;
}
