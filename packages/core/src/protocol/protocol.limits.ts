/** Version of the wire protocol. A server refuses a `hello` with another major version. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol name negotiated on connect. */
export const SUBPROTOCOL = 'helpline.v1';

/** Size limits of every field and frame; the server enforces them, the client checks them before sending. */
export const LIMITS = {
  /** Largest frame accepted, in UTF-8 bytes. */
  frameBytes: 64 * 1024,
  /** Longest chat message, in characters. */
  text: 4000,
  /** Longest display name or label. */
  name: 120,
  /** Longest id (conversation, queue, message…). */
  id: 64,
  /** Longest token (JWT or opaque). */
  token: 4096,
  /** Longest CSAT comment or offline-message subject line. */
  comment: 1000,
  /** Longest wrap-up note. */
  notes: 4000,
  /** Most pre-chat fields in one request. */
  prechatFields: 20,
  /** Longest pre-chat value. */
  prechatValue: 500,
  /** Most conversations in one resume. */
  cursors: 200,
  /** Largest history page. */
  historyPage: 200,
} as const;

/** WebSocket close codes used by the server (4000–4999 are application codes). */
export const CLOSE_CODES = {
  /** Normal, deliberate close by the client. */
  normal: 1000,
  /** The server is shutting down or restarting: reconnect with back-off. */
  goingAway: 1001,
  /** The server restarts, or another instance of the deployment takes over (cluster mode): resume elsewhere now. */
  serviceRestart: 1012,
  /** The server cannot serve the connection yet (cluster mode: no leader is known): reconnect after a back-off. */
  tryAgainLater: 1013,
  /** The frame was not valid protocol: do not retry the same frame. */
  protocolError: 4400,
  /** Authentication failed: get a new token before reconnecting. */
  unauthorized: 4401,
  /** The page's origin may not connect to the site (`site/origin-not-allowed`): do not retry. */
  forbidden: 4403,
  /** No such site (`site/unknown`), or no Helpline endpoint at this path (`connection/wrong-path`): do not retry. */
  notFound: 4404,
  /** The connection was replaced by a newer one for the same session. */
  replaced: 4409,
  /** Too many connections or frames: reconnect after `retryAfterMs`. */
  rateLimited: 4429,
  /** The client missed too many pings. */
  timeout: 4408,
} as const;
