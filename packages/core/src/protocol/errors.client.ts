import { type ERROR_MESSAGES, type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of the codes a client raises itself — its connection, frame checks and composer — copied from
 * `ERROR_MESSAGES` (the type checker holds every copy equal to the original), so that a visitor's bundle ships
 * these and not the whole catalog of server errors.
 */
export const CLIENT_ERROR_MESSAGES = {
  'protocol/invalid-frame': 'The frame is not valid: {detail}',
  'limit/size': '{field} is too large: {size} > {max}.',
  'conflict/state': 'Cannot {operation}: the {entity} is {state}.',
  'validation/field': '[{scope}] {field} {detail}',
  'connection/closed': 'The connection is closed.',
  'connection/timeout': 'No answer to {op} within {ms} ms.',
  'connection/wrong-path': 'No Helpline WebSocket at {url} (HTTP {status}); the endpoint is /v1/ws.',
  'connection/unreachable':
    'No WebSocket to {url} after {attempts} tries: the server is down, or refused the upgrade (check the path, /v1/ws).',
} as const satisfies { readonly [Code in keyof typeof ERROR_MESSAGES]?: (typeof ERROR_MESSAGES)[Code] };

/** A code a client raises itself. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_MESSAGES;

/** `helplineError` for the codes a client raises, without the rest of the catalog in its bundle. */
export function clientError(
  code: ClientErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(CLIENT_ERROR_MESSAGES[code], params), options);
}
