// Test support (Node only, never exported from the package): the real hub behind a `ws` server on 127.0.0.1, with
// the faults the connection must survive. Node tests import it directly; the browser tests reach it through the
// web-test-runner plugin in scripts/lib/realtime-harness.mjs.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  createHub,
  createMemoryStorage,
  devAuthenticate,
  type Hub,
  type HubOptions,
  type HubStorage,
} from '../hub';
import { helplineError } from '../protocol/errors';
import { SUBPROTOCOL } from '../protocol/protocol.limits';
import { supportQueue, testAgent } from '../testing';

/** Options of {@link startHubServer}. */
export interface HubServerOptions {
  /** Overrides of the hub's options (default: the support queue, agent `alice`, dev tokens, memory storage). */
  readonly hub?: Partial<HubOptions>;
}

/** One accepted WebSocket, as the server saw it. */
export interface AcceptedSocket {
  /** Request path and query of the upgrade. */
  readonly url: string;
  /** The negotiated subprotocol. */
  readonly protocol: string;
  /** Close code the server saw, once closed. */
  closedWith?: number;
}

/** A hub behind a real WebSocket server, with fault injection. */
export interface HubServer {
  /** `ws://127.0.0.1:<port>/ws`. */
  readonly url: string;
  readonly hub: Hub;
  readonly storage: HubStorage;
  /** Every socket accepted so far, in order. */
  readonly accepted: readonly AcceptedSocket[];
  /** Sockets open now. */
  readonly openSockets: number;
  /** Frames received from clients so far (a pong proves a ping arrived). */
  readonly receivedFrames: number;
  /** Closes every socket from the server with `code` (1001: the server is restarting). */
  closeAll(code: number, reason?: string): void;
  /** Sends `bye` with a `limit/rate` error carrying `retryAfterMs`, then closes with 4429, as a rate limit does. */
  refuseAll(retryAfterMs: number): void;
  /** Current sockets go half-open: the server neither reads nor writes on them, and never closes them. */
  blackhole(): void;
  /** While true, new upgrades are answered with HTTP 503 (the server is unreachable). */
  setRefusing(refusing: boolean): void;
  /**
   * While true, the server still handles what arrives but sends nothing back (no ack, no event, no ping): the
   * downstream half of every link is dead, so a client cannot know its messages were stored.
   */
  setMuted(muted: boolean): void;
  /** Message texts stored in conversation `cid`, in `seq` order. */
  messages(cid: string): Promise<string[]>;
  stop(): Promise<void>;
}

interface Live {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly record: AcceptedSocket;
  blackholed: boolean;
}

/**
 * Starts the hub behind a `ws` server on 127.0.0.1 (port 0).
 *
 * @example
 * ```ts
 * const server = await startHubServer();
 * const transport = createWebSocketTransport({ url: server.url, WebSocketImpl: WebSocket });
 * ```
 */
export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const storage = options.hub?.storage ?? createMemoryStorage();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    ...options.hub,
    storage,
  });
  const live = new Set<Live>();
  const accepted: AcceptedSocket[] = [];
  let refusing = false;
  let muted = false;
  let receivedFrames = 0;

  const http = createServer((_request, response) => {
    response.writeHead(426).end('WebSocket only');
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (refusing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws, request, socket));
  });

  function attach(ws: WebSocket, request: IncomingMessage, socket: Socket): void {
    const record: AcceptedSocket = { url: request.url ?? '', protocol: ws.protocol };
    accepted.push(record);
    const entry: Live = { ws, socket, record, blackholed: false };
    live.add(entry);
    const site = new URL(request.url ?? '/', 'http://localhost').searchParams.get('site');
    const connection = hub.connect(
      {
        send(raw) {
          if (entry.blackholed || muted || ws.readyState !== ws.OPEN) return;
          ws.send(raw);
        },
        close(code, reason) {
          if (!entry.blackholed) ws.close(code, reason);
        },
      },
      { ip: socket.remoteAddress ?? '', ...(site ? { site } : {}) },
    );
    ws.on('message', (data, isBinary) => {
      if (entry.blackholed || isBinary) return;
      receivedFrames++;
      connection.receive(data.toString());
    });
    ws.on('close', (code) => {
      record.closedWith = code;
      live.delete(entry);
      connection.disconnected();
    });
    ws.on('error', () => undefined);
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}/ws`,
    hub,
    storage,
    accepted,
    get receivedFrames() {
      return receivedFrames;
    },
    get openSockets() {
      return [...live].filter((entry) => !entry.blackholed).length;
    },
    closeAll(code, reason = 'server closing') {
      for (const entry of [...live]) entry.ws.close(code, reason);
    },
    refuseAll(retryAfterMs) {
      const error = helplineError(
        'limit/rate',
        { seconds: Math.ceil(retryAfterMs / 1000) },
        { retryAfterMs },
      );
      for (const entry of [...live]) {
        entry.ws.send(JSON.stringify({ t: 'bye', code: 4429, error: error.toPayload() }));
        entry.ws.close(4429, error.code);
      }
    },
    blackhole() {
      for (const entry of live) {
        entry.blackholed = true;
        entry.socket.pause(); // Nothing the client sends is read, not even its close frame.
      }
    },
    setRefusing(value) {
      refusing = value;
    },
    setMuted(value) {
      muted = value;
    },
    async messages(cid) {
      const events = await storage.events(cid, 0, 10_000);
      return events.flatMap((e) => (e.ev.type === 'message' ? [e.ev.text] : []));
    },
    async stop() {
      hub.close();
      for (const entry of live) entry.ws.terminate();
      live.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
