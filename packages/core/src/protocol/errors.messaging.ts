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
