import { ERROR_MESSAGES, type ErrorCode } from './errors';
import { ATTACHMENT_ERROR_MESSAGES } from './errors.attachment';
import { CLUSTER_ERROR_MESSAGES } from './errors.cluster';
import { DIAL_ERROR_GUIDE, DIAL_ERROR_MESSAGES } from './errors.dial';
import { MESSAGING_ERROR_GUIDE, MESSAGING_ERROR_MESSAGES } from './errors.messaging';
import { VONAGE_ERROR_MESSAGES } from './errors.vonage';

/** Why an error usually happens and what to do about it, by code. */
export const ERROR_GUIDE = {
  'machine/illegal-event': {
    cause:
      'An action was attempted that the current state does not permit (for example, ending a chat twice).',
    action: 'Check `can(event)` or the derived flags before calling the action.',
  },
  'protocol/invalid-frame': {
    cause:
      'A message did not match its schema: a wrong type, a missing field, an oversized string or a forbidden key.',
    action: 'Send frames built with the typed helpers of @helpline/core/protocol.',
  },
  'protocol/unsupported-version': {
    cause: 'Client and server were built from different major versions.',
    action: 'Upgrade the client package to match the server.',
  },
  'protocol/unknown-command': {
    cause: 'The command name is not part of this protocol version.',
    action: 'Upgrade the client or check the command name.',
  },
  'auth/required': {
    cause: 'The first frame on a connection was not `hello`, or it carried no token.',
    action: 'Send `hello` with a token first.',
  },
  'auth/invalid-token': {
    cause: 'The token is forged, expired, uses a forbidden algorithm or belongs to someone else.',
    action: 'Obtain a fresh token from your identity provider and reconnect.',
  },
  'auth/token-expired': {
    cause:
      'The token was good once, but its `exp` has passed (a console left open overnight, a long-cached token).',
    action:
      'Give the session a token function (`token: () => fetchToken()`): it is asked once more for a fresh token; otherwise sign in again.',
  },
  'site/unknown': {
    cause:
      'The `site` the widget or console names is not in the server configuration (a typo, or another server).',
    action: 'Use a site id from the `sites` section of the server config, or add the site there.',
  },
  'site/origin-not-allowed': {
    cause: "The page's origin (scheme, host and port) is not in the site's `origins` list.",
    action:
      "Add the page's origin, e.g. `https://shop.example.com`, to the site's `origins` in the server config.",
  },
  'auth/forbidden': {
    cause: 'The resource belongs to another subject, or the role lacks the permission.',
    action: 'Use an id you own, or a token with the needed role.',
  },
  'not-found': {
    cause: 'The id is unknown, or it is not visible to you.',
    action: 'Check the id.',
  },
  'conflict/state': {
    cause: 'The operation does not fit the current state (for example, a message to an ended chat).',
    action: 'Refresh the state and try again if it still applies.',
  },
  'validation/field': {
    cause: 'A field failed its rule.',
    action: 'Correct the field and submit again.',
  },
  'limit/rate': {
    cause: 'A rate limit for this address, site or subject was reached.',
    action: 'Wait `retryAfterMs` before retrying.',
  },
  'limit/size': {
    cause: 'A field or frame exceeded its size limit.',
    action: 'Shorten the input.',
  },
  'queue/closed': {
    cause: 'The queue is outside its business hours or on a closure day.',
    action: 'Offer a callback slot or an offline message instead.',
  },
  'agent/capacity': {
    cause: 'The agent already handles as many interactions of that channel as allowed.',
    action: 'Finish an interaction first, or route to another agent.',
  },
  'agent/unavailable': {
    cause: 'The agent is offline or away.',
    action: 'Pick an available agent or a queue.',
  },
  'wrapup/disposition-required': {
    cause: 'The queue requires a disposition for every interaction.',
    action: 'Choose a disposition.',
  },
  'connection/closed': {
    cause: 'The session was closed deliberately, or the server refused it for good.',
    action: 'Create a new session.',
  },
  'connection/timeout': {
    cause: 'The server did not acknowledge the command in time.',
    action: 'The command is retried automatically when it is idempotent; otherwise try again.',
  },
  'connection/wrong-path': {
    cause: 'The WebSocket URL points at a path where no Helpline endpoint listens (for example `/ws`).',
    action: 'Connect to `wss://<your server>/v1/ws`.',
  },
  'connection/unreachable': {
    cause:
      'Several tries in a row never opened a socket: the server is down or unreachable, or something in front of it (a proxy, a wrong path) refused the WebSocket upgrade. Browsers do not say which.',
    action:
      'Check the URL and its path (`/v1/ws`) and that the server is running; the client keeps retrying with back-off meanwhile.',
  },
  'voice/permission-denied': {
    cause: 'The visitor or the browser refused access to the microphone.',
    action: 'Allow microphone access in the browser settings, then call again.',
  },
  'voice/no-device': {
    cause: 'The device has no audio input, or it was unplugged.',
    action: 'Connect a microphone and try again.',
  },
  'voice/device-busy': {
    cause: 'Another program holds the audio device exclusively.',
    action: 'Close the other program and try again.',
  },
  internal: {
    cause: 'An unexpected failure.',
    action: 'Try again; if it persists, report it with the time it happened.',
  },
  unavailable: {
    cause: 'The server could not reach its database (an outage or a restart). The command changed nothing.',
    action: 'Retry after `retryAfterMs`; clients that keep an outbox do so on their own.',
  },
  'agent/has-work': {
    cause: 'Going offline while holding interactions would leave their customers without an agent.',
    action: 'End or transfer them first, or go away instead: you keep them and get no new offers.',
  },
  'voice/vonage-unavailable': {
    cause:
      'The optional peer dependency @vonage/client-sdk is not installed, or its chunk failed to download.',
    action: 'Install @vonage/client-sdk 2.3.1 next to @helpline/core, or check the network and call again.',
  },
  'voice/vonage-token': {
    cause:
      'The Vonage client JWT is empty, expired, signed for another application, or names an unknown user.',
    action:
      "Check the server's vonage.applicationId and private key; the client fetches a fresh token on retry.",
  },
  'voice/vonage-session': {
    cause: 'The Vonage session timed out, was closed by Vonage, or too many sessions are open for this user.',
    action: 'Call again; close other tabs or devices signed in as the same user.',
  },
  'voice/vonage-network': {
    cause: "The browser could not reach Vonage's servers (offline, firewall, proxy blocking WebSockets).",
    action: 'Check the connection; the call can be retried after `retryAfterMs`.',
  },
  'voice/vonage-call': {
    cause:
      'Vonage refused a call operation (answer, mute, DTMF, hang up, reconnect) or the call no longer exists.',
    action: 'Try again; if the call is gone, start a new one.',
  },
  'voice/vonage-webhook': {
    cause:
      'A webhook request had no valid signature, was too old, was replayed, or its body did not match its hash.',
    action:
      "Set the application's signature secret in the server config and enable signed webhooks in the Vonage dashboard.",
  },
  'voice/vonage-api': {
    cause: 'The Vonage Voice API refused a request (bad credentials, unknown call, invalid number or NCCO).',
    action:
      'Check the application id, private key and numbers in the vonage config section and the server log.',
  },
  'voice/vonage-disabled': {
    cause: 'The server configuration has no `vonage` section.',
    action: 'Add the vonage section (see docs/vonage.md) or use the WebRTC voice provider.',
  },
  'voice/unreachable': {
    cause: 'A call needs the other party connected right now; they closed the page or lost their connection.',
    action: 'Keep chatting, or try the call again when they are back online.',
  },
  'voice/unsupported': {
    cause: 'The page is not a secure context (https), or the browser lacks WebRTC or microphone access.',
    action: 'Serve the page over https and use a current browser; offer a callback instead.',
  },
  'survey/closed': {
    cause:
      "The answer came later than the queue's survey window (`survey.windowHours`, default 24) after the end.",
    action:
      'Nothing to do for the customer; lengthen the window in the queue configuration if answers come late.',
  },
  'survey/not-asked': {
    cause: "The queue's survey does not include this question (CSAT switched off, or NPS not switched on).",
    action:
      "Ask only what `interaction.survey` says; switch the question on in the queue's `survey` to collect it.",
  },
  'cluster/stale-epoch': {
    cause:
      'A transaction of the routing leader checked its epoch and found a newer one: another instance took the lead while this one was frozen, partitioned or lost its lease connection.',
    action:
      'Nothing to undo: the transaction was rolled back. The instance stops leading; it follows, and contends again.',
  },
  'attachment/type-not-allowed': {
    cause:
      "The file's type (as its content shows, not as its name or the browser says) is not on the site's allow-list.",
    action:
      "Send a file of an allowed type, or add the type to the site's `attachments.types` in the server config.",
  },
  'attachment/too-large': {
    cause: "The file is larger than the site's `attachments.maxBytes`.",
    action: 'Send a smaller file (compress it, or split it), or raise the limit in the server config.',
  },
  'attachment/empty': {
    cause: 'The file has no content.',
    action: 'Pick the file again; it may not have been saved yet.',
  },
  'attachment/type-mismatch': {
    cause: 'The content of the file is of another kind than the type it was declared with (a renamed file).',
    action: 'Send the file with its real extension and type.',
  },
  'attachment/rejected': {
    cause: "The server's file check (virus scanner hook) refused the file.",
    action: 'Do not send this file; check it with a virus scanner.',
  },
  'attachment/incomplete': {
    cause: 'A message named an attachment whose upload has not completed.',
    action: 'Finish the upload (`upload()` resolves once it is complete), then send the message.',
  },
  'attachment/offset': {
    cause: 'An upload chunk did not start where the stored bytes end (a retried or lost chunk).',
    action:
      'Ask where the upload stands (`HEAD` or the error) and continue from that byte; `upload()` does this.',
  },
  'attachment/disabled': {
    cause: 'The server was started without an attachment store.',
    action: 'Start the server with attachments enabled (docs/attachments.md).',
  },
  ...MESSAGING_ERROR_GUIDE,
  ...DIAL_ERROR_GUIDE,
} as const satisfies Record<ErrorCode, { cause: string; action: string }>;

/** One entry of the error catalog. */
export interface ErrorCatalogEntry {
  /** Message template with `{placeholders}`. */
  readonly message: string;
  /** The usual cause. */
  readonly cause: string;
  /** What to do about it. */
  readonly action: string;
}

/**
 * The error catalog: for every code, its message template, usual cause and what to do. For documentation,
 * support tooling and UIs that explain errors.
 *
 * @example
 * ```ts
 * ERROR_CATALOG['limit/rate'].action; // 'Wait `retryAfterMs` before retrying.'
 * ```
 */
export const ERROR_CATALOG: Readonly<Record<ErrorCode, ErrorCatalogEntry>> =
  /* @__PURE__ */ Object.fromEntries(
    Object.entries({
      ...ERROR_MESSAGES,
      ...VONAGE_ERROR_MESSAGES,
      ...CLUSTER_ERROR_MESSAGES,
      ...ATTACHMENT_ERROR_MESSAGES,
      ...MESSAGING_ERROR_MESSAGES,
      ...DIAL_ERROR_MESSAGES,
    }).map(([code, message]) => [code, { message, ...ERROR_GUIDE[code as ErrorCode] }]),
  ) as Record<ErrorCode, ErrorCatalogEntry>;
