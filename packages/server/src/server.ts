import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Hub } from '@helpline/core/hub';
import type { Auth } from './auth/auth';
import {
  createHelplineHandler,
  type HelplineHandler,
  type HelplineHandlerOptions,
  PEER_PATH,
} from './handler';
import { API_SECURITY_HEADERS, endRawResponse } from './http/security-headers';
import { createLogger } from './log/logger';
import type { SqlStorage } from './storage/sql.storage';

/** How to start a server: the handler's options, and where to listen. */
export interface ServerOptions extends HelplineHandlerOptions {
  /** Port to listen on; 0 picks a free one. Default 8787. */
  readonly port?: number | undefined;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string | undefined;
}

/** A running server. */
export interface HelplineServer {
  /** `http://host:port` (plus the base path, when there is one). */
  readonly url: string;
  /** `ws://host:port/v1/ws`. */
  readonly socketUrl: string;
  readonly port: number;
  /** The hub: in cluster mode (PostgreSQL), the leader's, this instance's own only while it leads. */
  readonly hub: Hub;
  /** Cluster mode only: this instance's id, and whether it leads now. */
  readonly cluster?: HelplineHandler['cluster'];
  readonly storage: SqlStorage;
  readonly auth: Auth;
  /** Stops accepting, says "going away" (1001) to every socket, drains storage writes, closes storage. */
  close(): Promise<void>;
}

/**
 * The host the other instances reach this one at: the address it listens on, or — listening on every interface —
 * the machine's first non-internal IPv4 address (loopback when it has none).
 */
function reachableHost(address: AddressInfo): string {
  if (address.address !== '0.0.0.0' && address.address !== '::') {
    return address.family === 'IPv6' ? `[${address.address}]` : address.address;
  }
  const external = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate?.family === 'IPv4' && !candidate.internal);
  return external?.address ?? '127.0.0.1';
}

/**
 * Starts the Helpline server: {@link createHelplineHandler} (storage, the hub with restored interactions, the
 * HTTP API and the WebSocket endpoint) on an HTTP server of its own, one port.
 *
 * @example
 * ```ts
 * const server = await startServer({ config: parseConfig(DEV_CONFIG), storage: { kind: 'pglite', dataDir: './.helpline-data' }, dev: true });
 * console.log(server.url);
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function startServer(options: ServerOptions): Promise<HelplineServer> {
  const log = options.logger ?? createLogger();
  const handler = await createHelplineHandler({ ...options, logger: log });
  const http: Server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000 },
    (request, response) => {
      if (handler.handleRequest(request, response)) return;
      // Outside the base path: nothing of ours, but the same headers as every other answer.
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) response.setHeader(name, value);
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
    },
  );
  http.on('upgrade', (request, socket, head) => {
    if (!handler.handleUpgrade(request, socket, head))
      endRawResponse(socket, 404, 'Not Found', API_SECURITY_HEADERS);
  });
  // Requests Node refuses before any handler runs (malformed, headers too large, too slow) are answered here,
  // so that they carry the same headers; Node's own answer would carry none.
  http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    endRawResponse(socket, status, STATUS_CODES[status] ?? 'Bad Request', API_SECURITY_HEADERS);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A port in use must not leave the database (and its thread) open.
    await handler.close();
    throw error;
  }
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  const url = `${origin}${handler.basePath}`;
  if (handler.cluster && !options.cluster?.peerUrl) {
    const peerHost = options.cluster?.peerHost ?? reachableHost(address);
    await handler.cluster.advertise(`ws://${peerHost}:${address.port}${handler.basePath}${PEER_PATH}`);
  }

  log.info('listening', {
    url,
    port: address.port,
    storage: handler.storage.kind,
    dev: options.dev === true,
    queues: options.config.queues.length,
    agents: options.config.agents.length,
    sites: options.config.sites.size,
    restored: handler.hub.interactions().length,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    socketUrl: `ws://${host}:${address.port}${handler.socketPath}`,
    port: address.port,
    hub: handler.hub,
    ...(handler.cluster ? { cluster: handler.cluster } : {}),
    storage: handler.storage,
    auth: handler.auth,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await handler.close();
        http.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
