// A raw-protocol client for the cluster scenarios that behaves like core's connection where it matters to delivery
// — it resumes with its cursors through the balancer when its link drops or goes silent, backfills from history
// when it sees a hole or a `gap`, and sends messages again (same `clientMsgId`) until they are acknowledged — and
// records everything: each link (where the balancer sent it, what it resumed from), each frame with the time and
// link it came on, each command with its reply. cluster.assert.ts judges those records.
import type { CommandOp, ConversationEvent, ServerFrame } from '@helpline/core';
import type { RoundRobinProxy } from '../../packages/server/src/testing/balancer';
import { TestClient } from '../../packages/server/src/testing/harness';

/** One connection of a client. */
export interface ClientLink {
  readonly index: number;
  readonly openedAt: number;
  /** The instance the balancer sent it to. */
  readonly instance: number | undefined;
  /** The `seq` the client already held per conversation when it said hello (what it resumed from). */
  readonly base: Readonly<Record<string, number>>;
  welcomedAt?: number;
  resumed?: boolean;
  closedAt?: number;
  /** Why it ended: the close code, `silent` (no frame for too long), `no-welcome`, or `bye <code>`. */
  closedBy?: string;
}

/** A frame the client received (pings left out), when, and on which link. */
export interface ReceivedFrame {
  readonly at: number;
  readonly link: number;
  readonly frame: ServerFrame;
}

/** A command the client sent and what came back; a persistent one may have been sent on several links. */
export interface SentCommand {
  readonly id: string;
  readonly op: CommandOp;
  readonly args: Readonly<Record<string, unknown>>;
  readonly at: number;
  readonly links: number[];
  reply?: {
    readonly at: number;
    readonly ok: boolean;
    readonly result?: unknown;
    readonly code?: string;
  };
}

/** What a command came to. */
export type CommandReply = { ok: true; result: unknown } | { ok: false; code: string };

/** An event the client holds, and how it got it. */
export interface HeldEvent {
  readonly ev: ConversationEvent;
  readonly at: number;
  readonly via: 'link' | 'history';
}

/** What a client recorded: all the judge reads of it. */
export interface ClientRecord {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  readonly links: readonly ClientLink[];
  readonly received: readonly ReceivedFrame[];
  readonly commands: readonly SentCommand[];
  /** Events held per conversation, by `seq`, however they came. */
  readonly held: ReadonlyMap<string, ReadonlyMap<number, HeldEvent>>;
}

/** Options of a {@link ClusterClient}. */
export interface ClusterClientOptions {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  readonly token: string;
  readonly socketUrl: string;
  readonly balancer: RoundRobinProxy;
  /** A link that brings no frame for 2.5 heartbeats is dead (the server pings every heartbeat). */
  readonly heartbeatMs: number;
  readonly random: () => number;
  /** Every frame, after it is recorded (scripts react to offers and events through it). */
  readonly onFrame?: (frame: ServerFrame) => void;
  /** After each welcome (an agent restores its presence). */
  readonly onWelcome?: (link: ClientLink) => void;
}

/**
 * A new anonymous visitor's token from `httpUrl` (a balancer), asked again while the deployment refuses or cannot
 * answer (an instance is down, no leader yet); rejects once `deadline` (epoch ms) has passed.
 */
export async function visitorSessionToken(httpUrl: string, site: string, deadline: number): Promise<string> {
  for (;;) {
    if (Date.now() > deadline) throw new Error('no visitor session before the deadline');
    try {
      const response = await fetch(`${httpUrl}/v1/sessions/visitor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status === 201) return ((await response.json()) as { token: string }).token;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const COMMAND_TIMEOUT_MS = 5_000;
/**
 * A connect that has not been welcomed this long after it began — the socket never opened, or opened and no
 * welcome came — is given up and tried again, as core's connection does (its `commandTimeoutMs` bounds the open and
 * the welcome together). A balancer that has not yet marked a frozen instance down still hands it connections: the
 * kernel accepts them and nothing ever answers.
 */
const CONNECT_TIMEOUT_MS = COMMAND_TIMEOUT_MS;
/** A persistent command gives up after this long (its script then reports it). */
const PERSISTENT_GIVE_UP_MS = 60_000;
const HISTORY_PAGE = 100;

interface Pending {
  readonly command: SentCommand;
  readonly persistent: boolean;
  readonly resolve: (reply: CommandReply) => void;
  timer?: NodeJS.Timeout;
  giveUp?: NodeJS.Timeout;
}

/** A reconnecting, recording raw-protocol client (see the file's header). */
export class ClusterClient implements ClientRecord {
  readonly name: string;
  readonly role: 'visitor' | 'agent';
  readonly links: ClientLink[] = [];
  readonly received: ReceivedFrame[] = [];
  readonly commands: SentCommand[] = [];
  /** Events held per conversation, by `seq`, however they came. */
  readonly held = new Map<string, Map<number, HeldEvent>>();
  /** Resume tokens the server refused (the client then connected afresh). */
  resumeRefused = 0;
  subjectId: string | undefined;

  private socket: TestClient | undefined;
  private link: ClientLink | undefined;
  private resumeToken: string | undefined;
  private lastFrameAt = 0;
  private closed = false;
  private failures = 0;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly followed = new Set<string>();
  private readonly backfilling = new Set<string>();
  private readonly watchdog: NodeJS.Timeout;
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: ClusterClientOptions) {
    this.name = options.name;
    this.role = options.role;
    this.watchdog = setInterval(() => this.checkLiveness(), 250);
  }

  /** Connects (retrying until a welcome); resolves once welcomed. */
  start(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** True while a link is welcomed. */
  get up(): boolean {
    return this.link?.welcomedAt !== undefined && this.link.closedAt === undefined;
  }

  /** Resolves once a link is welcomed, or after `timeoutMs` (then `up` says which). */
  async whenUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.up && !this.closed && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
  }

  /** The highest `seq` up to which the client holds every event of `cid`. */
  contiguous(cid: string): number {
    const events = this.held.get(cid);
    let seq = 0;
    while (events?.has(seq + 1)) seq++;
    return seq;
  }

  /** Resumes `cid` from now on (a visitor's own conversation, a chat an agent took). */
  follow(cid: string): void {
    this.followed.add(cid);
  }

  /** The conversation's events the client holds, in `seq` order (holes left out). */
  events(cid: string): { seq: number; ev: ConversationEvent }[] {
    return [...(this.held.get(cid) ?? new Map<number, HeldEvent>()).entries()]
      .sort(([a], [b]) => a - b)
      .map(([seq, { ev }]) => ({ seq, ev }));
  }

  /**
   * Sends a command. A persistent one (a message, a start with a request id) is sent again on each new link and
   * after a timeout until it is answered, as core's outbox does; others fail with `connection/lost` when their
   * link drops and `connection/timeout` when no reply comes.
   */
  command(
    op: CommandOp,
    args: Readonly<Record<string, unknown>>,
    options: { persistent?: boolean } = {},
  ): Promise<CommandReply> {
    const command: SentCommand = { id: `${this.name}.${this.nextId++}`, op, args, at: Date.now(), links: [] };
    this.commands.push(command);
    return new Promise((resolve) => {
      const entry: Pending = { command, persistent: options.persistent === true, resolve };
      this.pending.set(command.id, entry);
      if (entry.persistent)
        entry.giveUp = setTimeout(
          () => this.settle(command.id, { ok: false, code: 'gave-up' }),
          PERSISTENT_GIVE_UP_MS,
        );
      if (this.up) this.transmit(entry);
      else if (!entry.persistent) this.settle(command.id, { ok: false, code: 'connection/lost' });
    });
  }

  /** Closes for good. */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, code: 'closed' });
    this.socket?.close();
  }

  private async connectLoop(): Promise<void> {
    while (!this.closed) {
      if (await this.connectOnce()) {
        this.failures = 0;
        return;
      }
      this.failures++;
      // Full jitter, 50 ms doubling to 2 s: the run waits on faults, not on back-off.
      const cap = Math.min(2_000, 50 * 2 ** Math.min(this.failures, 6));
      await new Promise((resolve) => setTimeout(resolve, this.options.random() * cap));
    }
  }

  /**
   * One attempt: open a socket through the balancer, say hello (resuming), wait for the welcome — all within
   * {@link CONNECT_TIMEOUT_MS}.
   */
  private async connectOnce(): Promise<boolean> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    const opening = TestClient.open(
      this.options.socketUrl,
      this.role === 'agent' ? { site: '', origin: null } : {},
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), CONNECT_TIMEOUT_MS);
    });
    let socket: TestClient | undefined;
    try {
      socket = await Promise.race([opening, timedOut]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
    if (!socket) {
      // The upgrade never came back: whatever it comes to later is of no use.
      opening.then(
        (late) => late.terminate(),
        () => {},
      );
      return false;
    }
    const base: Record<string, number> = {};
    for (const cid of this.followed) base[cid] = this.contiguous(cid);
    const link: ClientLink = {
      index: this.links.length,
      openedAt: Date.now(),
      instance: this.options.balancer.instanceOf(socket.localPort ?? 0),
      base,
    };
    this.links.push(link);
    this.socket = socket;
    this.link = link;
    this.lastFrameAt = Date.now();
    socket.onFrame = (frame) => this.receive(link, frame);
    socket.onClose = ({ code }) => this.lost(link, String(code));
    socket.sendFrame({
      t: 'hello',
      v: 1,
      token: this.options.token,
      ...(this.resumeToken ? { resume: { token: this.resumeToken, cursors: base } } : {}),
    });
    try {
      const reply = await socket.waitFor(
        (f) => f.t === 'welcome' || f.t === 'bye',
        'welcome',
        Math.max(0, deadline - Date.now()),
      );
      if (reply.t === 'bye') {
        link.closedBy = `bye ${reply.error.code}`;
        // A resume token the server does not know (any more): connect afresh, the cursors still hold.
        if (reply.error.field === 'resume.token') {
          this.resumeRefused++;
          this.resumeToken = undefined;
        }
        socket.terminate();
        return false;
      }
    } catch {
      link.closedBy ??= 'no-welcome';
      socket.terminate();
      return false;
    }
    return link.closedAt === undefined;
  }

  private receive(link: ClientLink, frame: ServerFrame): void {
    if (link !== this.link) return;
    const at = Date.now();
    this.lastFrameAt = at;
    if (frame.t === 'ping' || frame.t === 'pong') return;
    this.received.push({ at, link: link.index, frame });
    if (frame.t === 'welcome') {
      link.welcomedAt = at;
      link.resumed = frame.resumed;
      this.resumeToken = frame.resumeToken;
      this.subjectId = frame.subject.id;
      for (const entry of this.pending.values()) if (entry.persistent) this.transmit(entry);
      this.options.onWelcome?.(link);
    } else if (frame.t === 'evt') {
      this.hold(frame.cid, frame.seq, frame.ev, at, 'link');
      if (frame.seq > this.contiguous(frame.cid) + 1) void this.backfill(frame.cid);
    } else if (frame.t === 'gap') {
      void this.backfill(frame.cid);
    } else if (frame.t === 'ack') {
      this.settle(frame.id, { ok: true, result: frame.result });
    } else if (frame.t === 'nack') {
      this.settle(frame.id, { ok: false, code: frame.error.code });
    }
    this.options.onFrame?.(frame);
  }

  private hold(cid: string, seq: number, ev: ConversationEvent, at: number, via: HeldEvent['via']): void {
    const events = this.held.get(cid) ?? new Map<number, HeldEvent>();
    this.held.set(cid, events);
    if (!events.has(seq)) events.set(seq, { ev, at, via });
  }

  /** Reads the events after the last contiguous one from history, page by page (as after a `gap`). */
  async backfill(cid: string): Promise<void> {
    if (this.backfilling.has(cid)) return;
    this.backfilling.add(cid);
    try {
      for (;;) {
        const after = this.contiguous(cid);
        const reply = await this.command('history', { cid, after, limit: HISTORY_PAGE });
        if (!reply.ok) return;
        const { events } = reply.result as { events: { seq: number; at: number; ev: ConversationEvent }[] };
        for (const event of events) this.hold(cid, event.seq, event.ev, Date.now(), 'history');
        if (events.length < HISTORY_PAGE) return;
      }
    } finally {
      this.backfilling.delete(cid);
    }
  }

  private transmit(entry: Pending): void {
    const { command } = entry;
    const link = this.link;
    if (!link || !this.socket) return;
    command.links.push(link.index);
    this.socket.sendFrame({ t: 'cmd', id: command.id, op: command.op, args: command.args });
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (!this.pending.has(command.id)) return;
      if (!entry.persistent) this.settle(command.id, { ok: false, code: 'connection/timeout' });
      // The ack may be lost on a half-dead link: a silent link is replaced, a live one gets the command again.
      else if (Date.now() - this.lastFrameAt > 2.5 * this.options.heartbeatMs) this.drop('silent');
      else if (this.up) this.transmit(entry);
    }, COMMAND_TIMEOUT_MS);
  }

  private settle(id: string, reply: CommandReply): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    clearTimeout(entry.giveUp);
    entry.command.reply = {
      at: Date.now(),
      ok: reply.ok,
      ...(reply.ok ? { result: reply.result } : { code: reply.code }),
    };
    entry.resolve(reply);
  }

  private checkLiveness(): void {
    if (this.up && Date.now() - this.lastFrameAt > 2.5 * this.options.heartbeatMs) this.drop('silent');
  }

  /** Gives up on the current link (it went silent) and connects again. */
  private drop(why: string): void {
    const link = this.link;
    if (!link || link.closedAt !== undefined) return;
    link.closedBy = why;
    this.socket?.terminate();
    this.lost(link, why);
  }

  private lost(link: ClientLink, why: string): void {
    if (link.closedAt !== undefined) return;
    link.closedAt = Date.now();
    link.closedBy ??= why;
    if (link !== this.link) return;
    for (const entry of [...this.pending.values()])
      if (!entry.persistent) this.settle(entry.command.id, { ok: false, code: 'connection/lost' });
    if (!this.closed && link.welcomedAt !== undefined) void this.start();
  }
}
