/** Why a link closed: the WebSocket close code, a reason, and an optional retry hint from the server. */
export interface LinkCloseInfo {
  readonly code: number;
  readonly reason: string;
  /** The server asked to wait this long before reconnecting. */
  readonly retryAfterMs?: number | undefined;
  /** Where the link tried to connect; set only when its socket never opened (and it was not closed on purpose). */
  readonly url?: string | undefined;
  /** The HTTP status that refused the upgrade, where the platform tells (Node's `ws` does; browsers never do). */
  readonly status?: number | undefined;
}

/** Callbacks a transport calls on one link. */
export interface LinkHandlers {
  /** The link is open; frames may be sent. */
  onOpen(): void;
  /** One raw frame from the server (a JSON string). */
  onFrame(raw: string): void;
  /** The link is gone (closed by either side or broken). Called once. */
  onClose(info: LinkCloseInfo): void;
}

/** One open duplex link to a server. */
export interface TransportLink {
  /** Sends one raw frame (a JSON string). Frames sent before `onOpen` or after close are dropped. */
  send(raw: string): void;
  /** Closes the link deliberately. `onClose` still fires. */
  close(code?: number, reason?: string): void;
}

/**
 * A way to reach a Helpline server: the WebSocket transport in browsers, the memory transport in tests and
 * offline demos. The connection layer above it owns reconnection, resume and the outbox; a transport only
 * opens links and moves frames.
 *
 * @example
 * ```ts
 * const link = transport.open({ onOpen() {}, onFrame(raw) {}, onClose(info) {} });
 * ```
 */
export interface Transport {
  open(handlers: LinkHandlers): TransportLink;
}
