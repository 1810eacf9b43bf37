import { type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of the Vonage integration's error codes. They live apart from the core's (`ERROR_MESSAGES`) so that
 * clients without Vonage — a visitor's widget — do not ship them.
 */
export const VONAGE_ERROR_MESSAGES = {
  'voice/vonage-unavailable': 'The Vonage voice client could not be loaded ({detail}).',
  'voice/vonage-token': 'Vonage refused the session token ({detail}).',
  'voice/vonage-session': 'The Vonage session failed ({detail}).',
  'voice/vonage-network': 'Vonage could not be reached ({detail}).',
  'voice/vonage-call': 'The Vonage call could not {operation} ({detail}).',
  'voice/vonage-webhook': 'The Vonage webhook was refused: {detail}.',
  'voice/vonage-api': 'The Vonage Voice API answered {status} to {operation}.',
  'voice/vonage-disabled': 'Vonage voice is not configured on this server.',
} as const satisfies Record<`voice/vonage-${string}`, string>;

/** An error code of the Vonage integration. */
export type VonageErrorCode = keyof typeof VONAGE_ERROR_MESSAGES;

/**
 * Creates a {@link HelplineError} of the Vonage integration with its catalog message, as `helplineError` does for
 * the core's codes.
 *
 * @example
 * ```ts
 * throw vonageFailure('voice/vonage-api', { status: 502, operation: 'create a call' });
 * ```
 */
export function vonageFailure(
  code: VonageErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(VONAGE_ERROR_MESSAGES[code], params), options);
}
