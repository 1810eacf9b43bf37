// A minimal reliable protocol client for fault tests: an outbox resent until acked (same clientMsgId), resume
// with cursors, gap and hole backfill through `history`, and its own liveness check. It is deliberately
// independent of core's connection code: the server must hold the delivery contract for any correct client.
import { randomUUID } from 'node:crypto';
import type { ConversationEvent, ServerFrame } from '@helpline/core';
import { SUBPROTOCOL } from '@helpline/core';
import WebSocket from 'ws';

/** One message as this peer saw it arrive. */
export interface Received {
  readonly seq: number;
  readonly from: string;
  readonly text: string;
}

export class ReliablePeer {
  readonly received: Received[] = [];
  /** Events seen more than once (a replay overlapping live delivery); they must not be applied twice. */
  duplicates = 0;
  reconnects = 0;
  private ws: WebSocket | undefined;
  private welcomed = false;
  private resumeToken: string | undefined;
  private lastSeq = 0;
  private stopped = false;
  private lastFrameAt = 0;
  private nextId = 1;
  private backfilling = false;
  private readonly outbox: { clientMsgId: string; text: string }[] = [];
  private readonly acked = new Set<string>();
  private readonly pendingSends = new Map<string, string>(); // command id → clientMsgId
  private readonly pendingHistory = new Set<string>();
  private readonly liveness: ReturnType<typeof setInterval>;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly cid: string,
    private readonly origin: string | undefined,
  ) {
    this.liveness = setInterval(() => {
      // A link that says nothing for 1.5 s while pings are due every 250 ms is dead (a black hole).
      if (this.ws && this.welcomed && Date.now() - this.lastFrameAt > 1_500) this.ws.terminate();
    }, 100);
    this.connect();
  }

  get unacked(): number {
    return this.outbox.filter((m) => !this.acked.has(m.clientMsgId)).length;
  }

  /** Queues a message; it is sent now if connected, else on the next welcome. */
  send(text: string): void {
    const message = { clientMsgId: randomUUID(), text };
    this.outbox.push(message);
    if (this.welcomed) this.sendMessage(message);
  }

  /** Resolves when `done()` holds, re-checked on every frame; rejects after `timeoutMs`. */
  until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out: ${what} (unacked ${this.unacked}, received ${this.received.length})`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.liveness);
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url, [SUBPROTOCOL], this.origin ? { origin: this.origin } : {});
    this.ws = ws;
    this.welcomed = false;
    ws.on('open', () => {
      this.lastFrameAt = Date.now();
      const resume = this.resumeToken
        ? { token: this.resumeToken, cursors: { [this.cid]: this.lastSeq } }
        : undefined;
      ws.send(JSON.stringify({ t: 'hello', v: 1, token: this.token, ...(resume ? { resume } : {}) }));
    });
    ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as ServerFrame));
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.welcomed = false;
      this.pendingSends.clear();
      this.pendingHistory.clear();
      this.backfilling = false;
      if (this.stopped) return;
      this.reconnects++;
      setTimeout(() => this.connect(), 20 + Math.random() * 40);
    });
  }

  private command(op: string, args: object): string {
    const id = `p${this.nextId++}`;
    this.ws?.send(JSON.stringify({ t: 'cmd', id, op, args }));
    return id;
  }

  private sendMessage(message: { clientMsgId: string; text: string }): void {
    const id = this.command('message.send', { cid: this.cid, ...message });
    this.pendingSends.set(id, message.clientMsgId);
  }

  private backfill(): void {
    if (this.backfilling || !this.welcomed) return;
    this.backfilling = true;
    this.pendingHistory.add(this.command('history', { cid: this.cid, after: this.lastSeq }));
  }

  private apply(seq: number, ev: ConversationEvent): void {
    if (seq <= this.lastSeq) {
      this.duplicates++;
      return;
    }
    if (seq > this.lastSeq + 1) {
      this.backfill();
      return;
    }
    this.lastSeq = seq;
    if (ev.type === 'message') this.received.push({ seq, from: ev.from.id, text: ev.text });
  }

  private onFrame(frame: ServerFrame): void {
    this.lastFrameAt = Date.now();
    switch (frame.t) {
      case 'welcome':
        this.welcomed = true;
        this.resumeToken = frame.resumeToken;
        // Replay follows the welcome when the cursor is close enough; the history call covers the rest.
        if (!frame.resumed || (frame.heads?.[this.cid] ?? 0) <= this.lastSeq) this.backfill();
        for (const message of this.outbox)
          if (!this.acked.has(message.clientMsgId)) this.sendMessage(message);
        break;
      case 'bye':
        // A resume token the server no longer knows: start afresh and backfill from the cursor.
        if (frame.error.code === 'auth/invalid-token') this.resumeToken = undefined;
        break;
      case 'ping':
        this.ws?.send(JSON.stringify({ t: 'pong', ts: frame.ts }));
        break;
      case 'evt':
        if (frame.cid === this.cid) this.apply(frame.seq, frame.ev);
        break;
      case 'gap':
        this.backfill();
        break;
      case 'ack': {
        const sent = this.pendingSends.get(frame.id);
        if (sent) {
          this.pendingSends.delete(frame.id);
          this.acked.add(sent);
        }
        if (this.pendingHistory.delete(frame.id)) {
          this.backfilling = false;
          const page = frame.result as { events: { seq: number; ev: ConversationEvent }[]; lastSeq: number };
          for (const { seq, ev } of page.events) this.apply(seq, ev);
          if (this.lastSeq < page.lastSeq) this.backfill();
        }
        break;
      }
      case 'nack':
        if (this.pendingHistory.delete(frame.id)) this.backfilling = false;
        this.pendingSends.delete(frame.id);
        break;
      default:
        break;
    }
    for (const listener of [...this.listeners]) listener();
  }
}
