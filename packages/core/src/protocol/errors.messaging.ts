import { type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of the messaging channels' error codes (SMS, WhatsApp and Messenger through the Vonage Messages API).
 * They live apart from the core's (`ERROR_MESSAGES`) so that clients without these channels do not ship them.
 */
export const MESSAGING_ERROR_MESSAGES = {
  'messaging/webhook-refused': 'The Vonage Messages webhook was refused: {detail}.',
  'messaging/window-closed':
    'WhatsApp accepts free text only within 24 hours of the customer’s last message (last {lastInbound}); send a template.',
  'messaging/template-unknown': 'Template {template} is not configured for {sender}.',
  'messaging/unsupported': 'The {channel} channel cannot send {what}.',
  'messaging/not-configured': 'No {channel} sender {sender} is configured on this server.',
  'messaging/vonage-api': 'The Vonage Messages API answered {status} to {operation} ({detail}).',
  'messaging/media': 'The media of message {id} could not be taken in ({detail}).',
} as const satisfies Record<`messaging/${string}`, string>;

/** Why each messaging error usually happens and what to do about it (merged into `ERROR_GUIDE`). */
export const MESSAGING_ERROR_GUIDE = {
  'messaging/webhook-refused': {
    cause:
      'A Messages API webhook had no valid signature (HS256 with the signature secret), was too old, was replayed, or its body did not match its payload_hash.',
    action:
      "Set the account's signature secret in the environment variable the messaging section names, and enable signed webhooks for the application in the Vonage dashboard.",
  },
  'messaging/window-closed': {
    cause:
      'The customer last wrote on WhatsApp more than 24 hours ago (or never): WhatsApp only delivers approved templates outside this customer-care window.',
    action:
      "Send one of the number's configured templates; free text is possible again once the customer answers.",
  },
  'messaging/template-unknown': {
    cause:
      'The template named is not configured for this WhatsApp number (or for the queue of the conversation).',
    action:
      "Pick one of the templates the conversation's messaging state lists, or add it to the configuration.",
  },
  'messaging/unsupported': {
    cause: 'The channel cannot carry this content (media or a template on SMS, a template on Messenger).',
    action: 'Send text, or reach the customer on a channel that takes the media.',
  },
  'messaging/not-configured': {
    cause: 'The number or page the message is from or to is not in the messaging configuration.',
    action: 'Add it to `messaging.senders` with the queue it feeds (see docs/messaging.md).',
  },
  'messaging/vonage-api': {
    cause:
      'The Vonage Messages API refused the send (bad credentials, an unknown or unlinked number, invalid parameters, no credit) or could not be reached.',
    action:
      'The message is kept with a failed receipt; check the credentials and senders in the messaging configuration and the server log, then send again.',
  },
  'messaging/media': {
    cause:
      'The media URL of an inbound message could not be fetched, or the file is not allowed by the attachment rules.',
    action: 'The text of the message is kept; ask the customer to send the file again if it is needed.',
  },
} as const satisfies Record<keyof typeof MESSAGING_ERROR_MESSAGES, { cause: string; action: string }>;

/** An error code of the messaging channels. */
export type MessagingErrorCode = keyof typeof MESSAGING_ERROR_MESSAGES;

/**
 * Creates a {@link HelplineError} of the messaging channels with its catalog message, as `helplineError` does for the
 * core's codes.
 *
 * @example
 * ```ts
 * throw messagingFailure('messaging/window-closed', { lastInbound: '2026-12-05T09:12:00Z' });
 * ```
 */
export function messagingFailure(
  code: MessagingErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(MESSAGING_ERROR_MESSAGES[code], params), options);
}
