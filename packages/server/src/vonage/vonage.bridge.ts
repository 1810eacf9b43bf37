import { randomBytes } from 'node:crypto';
import {
  type ConversationEvent,
  type ErrorPayload,
  HelplineError,
  helplineError,
  type Notice,
  PROTOCOL_VERSION,
  type ServerFrame,
} from '@helpline/core';
import type { Authenticate, ConnectionMeta, Hub, Subject } from '@helpline/core/hub';

// A caller on the phone has no browser, so the server is its client: one in-process hub connection per call,
// as the customer, through the same hello, commands, events and notices a widget uses. The customer is then
// "online" for the hub while the phone leg lasts, and the gateway hears what the widget would (queue position,
// the agent joining, state changes, call snapshots) without any hook into the hub's internals.

const BRIDGE_TOKEN = /^hlbridge_[0-9a-f]{32}$/;

/** Tokens of bridge connections: minted in process, never sent anywhere, resolved before the real auth. */
export interface BridgeTokens {
  /** A one-use token that authenticates as `subject`. */
  issue(subject: Subject): string;
  /** The hub's `authenticate`: bridge tokens first, then `inner`. */
  wrap(inner: Authenticate): Authenticate;
}

/** Creates the registry of bridge tokens. */
export function createBridgeTokens(): BridgeTokens {
  const tokens = new Map<string, Subject>();
  return {
    issue(subject) {
      const token = `hlbridge_${randomBytes(16).toString('hex')}`;
      tokens.set(token, subject);
      return token;
    },
    wrap(inner) {
      return (token) => {
        if (!BRIDGE_TOKEN.test(token)) return inner(token);
        const subject = tokens.get(token);
        tokens.delete(token);
        if (!subject) throw helplineError('auth/invalid-token', { detail: 'unknown bridge token' });
        return subject;
      };
    },
  };
}

/** What a bridge connection hears. */
export interface BridgeListener {
  event?(cid: string, ev: ConversationEvent): void;
  notice?(notice: Notice): void;
  /** The hub closed the connection (shutdown). */
  closed?(): void;
}

/** One customer's connection to the hub. */
export interface BridgeClient {
  readonly subject: Subject;
  /** Sends a command as the customer; resolves with the ack's result, rejects with the nack's error. */
  command(op: string, args: unknown): Promise<unknown>;
  close(): void;
}

/** Opens a hub connection as `subject` and waits for its welcome. */
export function openBridge(
  hub: Hub,
  tokens: BridgeTokens,
  subject: Subject,
  meta: ConnectionMeta,
  listener: BridgeListener,
): Promise<BridgeClient> {
  const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let nextId = 1;
  let closed = false;
  let welcomed: (() => void) | undefined;
  let refused: ((error: unknown) => void) | undefined;

  const connection = hub.connect(
    {
      send(raw) {
        const frame = JSON.parse(raw) as ServerFrame;
        switch (frame.t) {
          case 'welcome':
            welcomed?.();
            return;
          case 'ping':
            connection.receive(JSON.stringify({ t: 'pong', ts: frame.ts }));
            return;
          case 'ack':
            pending.get(frame.id)?.resolve(frame.result);
            pending.delete(frame.id);
            return;
          case 'nack':
            pending.get(frame.id)?.reject(HelplineError.fromPayload(frame.error as ErrorPayload));
            pending.delete(frame.id);
            return;
          case 'evt':
            listener.event?.(frame.cid, frame.ev);
            return;
          case 'notice':
            listener.notice?.(frame.notice);
            return;
          case 'bye':
            refused?.(HelplineError.fromPayload(frame.error as ErrorPayload));
            return;
          default:
            return;
        }
      },
      close() {
        if (closed) return;
        closed = true;
        for (const waiter of pending.values()) waiter.reject(helplineError('connection/closed'));
        pending.clear();
        listener.closed?.();
      },
    },
    meta,
  );

  const client: BridgeClient = {
    subject,
    command(op, args) {
      if (closed) return Promise.reject(helplineError('connection/closed'));
      const id = `b${nextId++}`;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        connection.receive(JSON.stringify({ t: 'cmd', id, op, args }));
      });
    },
    close() {
      if (closed) return;
      closed = true;
      connection.disconnected();
      for (const waiter of pending.values()) waiter.reject(helplineError('connection/closed'));
      pending.clear();
    },
  };

  return new Promise<BridgeClient>((resolve, reject) => {
    welcomed = () => resolve(client);
    refused = reject;
    connection.receive(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, token: tokens.issue(subject) }));
  });
}
