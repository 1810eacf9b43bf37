import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type HelplineError, helplineError, LIMITS, SUBPROTOCOL } from '@helpline/core';
import type { Hub } from '@helpline/core/hub';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ServerConfig } from '../config/config';
import { endRawResponse, securityHeaders } from '../http/security-headers';
import type { Logger } from '../log/logger';

/** Path of the WebSocket endpoint. */
export const SOCKET_PATH = '/v1/ws';
/** A client that lets this much pile up unsent is too slow to keep: it is closed and may resume. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Pings written per turn of the event loop. */
const PING_BATCH = 256;

/** What {@link createSocketServer} needs. */
export interface SocketOptions {
  readonly hub: Hub;
  readonly config: ServerConfig;
  readonly log: Logger;
  /** True when `origin` may open a socket for `site` (or for staff, without a site). */
  readonly isAllowedOrigin: (origin: string, site: string | undefined) => boolean;
  /**
   * The part of `limits.connectionsPerIp` this instance allows (default 1): 1/N in a cluster of N live instances,
   * rounded up, so the deployment allows about what one instance would.
   */
  readonly limitShare?: (() => number) | undefined;
}

/** The WebSocket side of the server. */
export interface SocketServer {
  /** Handles an HTTP upgrade request (`server.on('upgrade', …)`). */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets. */
  readonly size: number;
  /** Resolves when every socket has closed, or after `timeoutMs` when it terminates the rest. */
  drained(timeoutMs: number): Promise<void>;
}

/** Refuses an upgrade with a plain-text answer carrying the server's security headers. */
function reject(
  request: IncomingMessage,
  socket: Duplex,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  endRawResponse(socket, status, reason, { ...securityHeaders(request), ...headers });
}

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/**
 * WebSockets on the HTTP server: subprotocol `helpline.v1` required, frames up to `LIMITS.frameBytes`, the
 * Origin checked against the site's allowlist, a cap on sockets per address, and each socket attached to the
 * hub with its address, site and origin. No token is ever read from the URL: the first frame is `hello`.
 */
export function createSocketServer(options: SocketOptions): SocketServer {
  const { hub, log } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.frameBytes,
    clientTracking: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  // A handshake ws itself refuses (wrong method, bad key or version) is answered by us, with our headers.
  wss.on('wsClientError', (error, socket, request) => {
    if (/method/i.test(error.message)) reject(request, socket, 405, error.message, { allow: 'GET' });
    else if (/version/i.test(error.message))
      reject(request, socket, 400, error.message, { 'sec-websocket-version': '13, 8' });
    else reject(request, socket, 400, error.message);
  });
  const perIp = new Map<string, number>();
  const limit = options.config.file.limits.connectionsPerIp;
  // The hub pings every socket in one go; with 10,000 sockets writing them all at once stalls the event loop for
  // a noticeable time. Pings carry no order, so they are written in small batches between other work.
  const pings: (() => void)[] = [];
  let pinging = false;
  const drainPings = () => {
    for (const write of pings.splice(0, PING_BATCH)) write();
    if (pings.length > 0) setImmediate(drainPings);
    else pinging = false;
  };
  const deferPing = (write: () => void) => {
    pings.push(write);
    if (!pinging) {
      pinging = true;
      setImmediate(drainPings);
    }
  };

  function attach(
    ws: WebSocket,
    ip: string,
    site: string | undefined,
    origin: string | undefined,
    country: string | undefined,
  ): void {
    const count = (perIp.get(ip) ?? 0) + 1;
    perIp.set(ip, count);
    const release = () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    };
    if (count > Math.max(1, Math.ceil(limit * (options.limitShare?.() ?? 1)))) {
      const error = helplineError('limit/rate', { seconds: 10 }, { retryAfterMs: 10_000 });
      ws.send(JSON.stringify({ t: 'bye', code: CLOSE_CODES.rateLimited, error: error.toPayload() }));
      ws.close(CLOSE_CODES.rateLimited, 'limit/rate');
      ws.on('close', release);
      log.warn('socket.refused', { ip, site, reason: 'too many sockets from this address', count });
      return;
    }
    const write = (raw: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(CLOSE_CODES.rateLimited, 'slow consumer');
        return;
      }
      ws.send(raw);
    };
    const connection = hub.connect(
      {
        send: write,
        ping: (raw) => deferPing(() => write(raw)),
        close(code, reason) {
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
            ws.close(code, reason.slice(0, 120));
        },
      },
      { ip, ...(site ? { site } : {}), ...(origin ? { origin } : {}), ...(country ? { country } : {}) },
    );
    log.debug('socket.open', { ip, site, origin });
    ws.on('message', (data) => connection.receive(text(data)));
    ws.on('error', (error) => log.debug('socket.error', { ip }, error));
    ws.on('close', (code) => {
      connection.disconnected();
      release();
      log.debug('socket.close', { ip, site, code });
    });
  }

  /**
   * Refuses a Helpline client in its own protocol: a browser sees nothing of an HTTP refusal (only close code 1006),
   * but it does see a `bye` and a close code. The socket is closed before anything it sends is read.
   */
  function refuseInProtocol(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    code: number,
    error: HelplineError,
  ): void {
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify({ t: 'bye', code, error: error.toPayload() }));
      ws.close(code, error.code);
    });
  }

  return {
    upgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://helpline.invalid');
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim());
      const ours = offered.includes(SUBPROTOCOL);
      if (url.pathname !== SOCKET_PATH) {
        if (!ours) return reject(request, socket, 404, 'Not Found');
        const error = helplineError('connection/wrong-path', { url: url.pathname, status: 404 });
        return refuseInProtocol(request, socket, head, CLOSE_CODES.notFound, error);
      }
      if (!ours) return reject(request, socket, 400, `Subprotocol ${SUBPROTOCOL} required`);
      const site = url.searchParams.get('site') ?? undefined;
      if (site !== undefined && !options.config.sites.has(site)) {
        const error = helplineError('site/unknown', { site });
        return refuseInProtocol(request, socket, head, CLOSE_CODES.notFound, error);
      }
      const origin = request.headers.origin;
      // Browsers always send Origin; other clients (servers, tests) cannot be stopped by it anyway.
      if (origin !== undefined && !options.isAllowedOrigin(origin, site)) {
        log.warn('socket.refused', {
          ip: request.socket.remoteAddress,
          site,
          origin,
          reason: 'origin not allowed',
        });
        const error = helplineError('site/origin-not-allowed', { origin, site: site ?? '(staff)' });
        return refuseInProtocol(request, socket, head, CLOSE_CODES.forbidden, error);
      }
      const ip = request.socket.remoteAddress ?? '-';
      // Only a header the operator named (set by their own proxy) says where the client is.
      const { countryHeader } = options.config.file.routing;
      const claimed = countryHeader ? String(request.headers[countryHeader] ?? '').toUpperCase() : '';
      const country = /^[A-Z]{2}$/.test(claimed) ? claimed : undefined;
      wss.handleUpgrade(request, socket, head, (ws) => attach(ws, ip, site, origin, country));
    },
    get size() {
      return wss.clients.size;
    },
    async drained(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (wss.clients.size > 0 && Date.now() < deadline) {
        const [first] = wss.clients;
        if (!first) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          first.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
