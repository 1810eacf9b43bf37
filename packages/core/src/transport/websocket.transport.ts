import { SUBPROTOCOL } from '../protocol/protocol.limits';
import type { LinkCloseInfo, LinkHandlers, Transport, TransportLink } from './transport.types';

// Handler properties are declared with method syntax (checked bivariantly), so both the DOM `WebSocket` and the
// `ws` package's class fit, although their event classes differ.
type Handler<E> = { handle(event: E): void }['handle'];

/** The part of a WebSocket the transport uses: the browser's `WebSocket` and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `WebSocket` from the `ws` package in Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The server's WebSocket endpoint, e.g. `wss://help.example.com/v1/ws`. Never put a token in it. */
  readonly url: string;
  /** The site the widget or console belongs to; sent as the `site` query parameter (not a secret). */
  readonly site?: string | undefined;
  /** The WebSocket class to use; defaults to the global one (Node 20 has none: pass `ws`'s). */
  readonly WebSocketImpl?: WebSocketConstructor | undefined;
}

const OPEN = 1;
/** A WebSocket client may only close with 1000 or an application code; anything else would throw. */
const sendableCloseCode = (code: number): number =>
  code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
/** A close reason must fit in 123 UTF-8 bytes. */
const sendableReason = (reason: string): string => {
  let out = reason;
  while (new TextEncoder().encode(out).length > 123) out = out.slice(0, -1);
  return out;
};

/** Adds `site` to the endpoint's query string. Only the site travels in the URL: the token goes in `hello`. */
export function endpointUrl(url: string, site: string | undefined): string {
  if (site === undefined) return url;
  const [base, hash] = url.split('#', 2) as [string, string | undefined];
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}site=${encodeURIComponent(site)}${hash === undefined ? '' : `#${hash}`}`;
}

/** Reads the server's retry hint out of a `bye` frame, without validating anything else (the connection does). */
function retryHintOf(raw: string): number | undefined {
  if (!raw.includes('"bye"')) return undefined;
  try {
    const frame = JSON.parse(raw) as { t?: unknown; error?: { retryAfterMs?: unknown } };
    const hint = frame.t === 'bye' ? frame.error?.retryAfterMs : undefined;
    return typeof hint === 'number' && Number.isFinite(hint) && hint > 0 ? hint : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A transport over WebSocket with the `helpline.v1` subprotocol: one socket per link, raw JSON text frames, the
 * close code and reason (plus the `retryAfterMs` of a preceding `bye`) reported once. Reconnection is the
 * connection's job, not this one's.
 *
 * @example
 * ```ts
 * const transport = createWebSocketTransport({ url: 'wss://help.example.com/v1/ws', site: 'shop' });
 * const session = createVisitorSession({ transport, token });
 * // Node 20: createWebSocketTransport({ url, WebSocketImpl: WebSocket }) with `import { WebSocket } from 'ws'`
 * ```
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport {
  const WebSocketImpl =
    options.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocketImpl === undefined) {
    throw new TypeError(
      '[helpline] no WebSocket implementation: pass `WebSocketImpl` (in Node 20, the `ws` package)',
    );
  }
  const url = endpointUrl(options.url, options.site);

  return {
    open(handlers: LinkHandlers): TransportLink {
      let closed = false;
      let opened = false;
      let retryAfterMs: number | undefined;
      let socket: WebSocketLike | undefined;

      /** Reports the end of the link once, and detaches from the socket so nothing arrives afterwards. */
      const finish = (info: LinkCloseInfo, deliberate = false) => {
        if (closed) return;
        closed = true;
        if (socket) {
          socket.onopen = null;
          socket.onmessage = null;
          socket.onclose = null;
          // Some implementations (ws) throw on an `error` event nobody listens to, e.g. when a socket that is
          // still connecting is closed: keep a listener that ignores it.
          socket.onerror = ignore;
        }
        const hint = info.retryAfterMs ?? retryAfterMs;
        // A link that never opened names where it tried, so the connection can say so.
        const told = {
          ...info,
          ...(hint === undefined ? {} : { retryAfterMs: hint }),
          ...(opened || deliberate ? {} : { url }),
        };
        // Asynchronous, as a socket's own events are: the caller may still be inside `open` or `close`.
        queueMicrotask(() => handlers.onClose(told));
      };

      try {
        socket = new WebSocketImpl(url, SUBPROTOCOL);
      } catch (error) {
        // A malformed URL or a blocked port: the link is born closed, the connection backs off and retries.
        finish({
          code: 1006,
          reason: `cannot open: ${error instanceof Error ? error.message : String(error)}`,
        });
        return { send() {}, close() {} };
      }
      const current = socket;
      current.onopen = () => {
        opened = true;
        if (!closed) handlers.onOpen();
      };
      current.onmessage = (event) => {
        if (closed || typeof event.data !== 'string') return; // The protocol is text frames only.
        retryAfterMs = retryHintOf(event.data) ?? retryAfterMs;
        handlers.onFrame(event.data);
      };
      current.onclose = (event) => finish({ code: event.code, reason: event.reason });
      current.onerror = (event) => {
        // In browsers an error event carries no detail and precedes a close; Node's `ws` names the HTTP status of a
        // refused upgrade. Report the link lost once, right away.
        const status = /server response: (\d{3})/.exec(
          String((event as { message?: unknown })?.message),
        )?.[1];
        finish({ code: 1006, reason: 'socket error', ...(status ? { status: Number(status) } : {}) });
        closeQuietly(current, 1000, 'socket error');
      };

      return {
        send(raw) {
          if (closed || current.readyState !== OPEN) return;
          try {
            current.send(raw);
          } catch {
            // The socket is going away; its close event follows.
          }
        },
        close(code = 1000, reason = 'closed by client') {
          if (closed) return;
          // Report at once: a half-open socket may never finish its closing handshake.
          finish({ code, reason }, true);
          closeQuietly(current, sendableCloseCode(code), sendableReason(reason));
        },
      };
    },
  };
}

function ignore(): void {}

function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}
