import { type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of the outbound-call (click-to-dial) error codes: why a number was not dialled. They live apart from
 * the core's (`ERROR_MESSAGES`) so that the visitor's widget, which never dials, does not ship them.
 */
export const DIAL_ERROR_MESSAGES = {
  'dial/invalid-number': '[{scope}] {field} "{number}" is not a valid phone number: {rule}.',
  'dial/outside-hours':
    'Calling hours for {number} are {start}–{end} in {timeZone}; it is {localTime} there. Next allowed: {nextAllowed} ({nextAllowedUtc}).',
  'dial/do-not-call': 'The number {number} is on the do-not-call list.',
  'dial/no-caller-id': 'Queue {queue} has no caller ID for outbound calls.',
  'dial/no-voice': 'You cannot place a call now: {detail}.',
  'dial/disabled': 'Outbound calls are not enabled on this server.',
} as const satisfies Record<`dial/${string}`, string>;

/** Why each outbound-call error usually happens and what to do about it (merged into `ERROR_GUIDE`). */
export const DIAL_ERROR_GUIDE = {
  'dial/invalid-number': {
    cause:
      'The number could not be read as a phone number of a real numbering plan (E.164), in international form or national form in the queue’s default region.',
    action: 'Correct the number, or write it in international form with its country code (+44 20 7946 0958).',
  },
  'dial/outside-hours': {
    cause:
      'It is outside the queue’s calling hours in the customer’s time zone (derived from the number’s country, or the one given).',
    action: 'Call back at the next allowed time the message names, or schedule a callback.',
  },
  'dial/do-not-call': {
    cause: 'A supervisor put the number on the do-not-call list.',
    action: 'Do not call it. A supervisor may take it off the list (`dnc.remove`) when the customer asks.',
  },
  'dial/no-caller-id': {
    cause: 'The queue has no caller ID in the server’s `outbound` configuration, and no default is set.',
    action: 'Set `outbound.queues.<queue>.callerId` (or `outbound.callerId`) to a number you own, in E.164.',
  },
  'dial/no-voice': {
    cause:
      'The agent is offline, has no voice capacity (configuration, or no console that can take calls), or is on another call.',
    action: 'Go available in a console with a microphone, finish the current call, then dial again.',
  },
  'dial/disabled': {
    cause: 'The server was started without outbound calling (`HubOptions.dial`).',
    action: 'Configure outbound calling on the server (docs/voice.md, click-to-dial).',
  },
} as const satisfies Record<keyof typeof DIAL_ERROR_MESSAGES, { cause: string; action: string }>;

/** An error code of outbound calls (click-to-dial). */
export type DialErrorCode = keyof typeof DIAL_ERROR_MESSAGES;

/**
 * Creates a {@link HelplineError} of outbound calls with its catalog message, as `helplineError` does for the core's
 * codes.
 *
 * @example
 * ```ts
 * throw dialError('dial/do-not-call', { number: '+442079460958' });
 * ```
 */
export function dialError(
  code: DialErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(DIAL_ERROR_MESSAGES[code], params), options);
}
