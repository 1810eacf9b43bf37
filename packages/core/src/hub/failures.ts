import { type HelplineError, isHelplineError } from '../protocol/errors';
import type { HubLogger } from './hub.types';

/** How soon a step that storage refused without a hint is tried again. */
export const STORAGE_RETRY_MS = 1_000;

/** Reports a failure no command answers for (a timer's step, routing): `what` failed with `error`. */
export type ReportFailure = (what: string, error: unknown) => void;

/** A storage outage: the step changed nothing and may be tried again. */
export function isRetryable(error: unknown): error is HelplineError {
  return isHelplineError(error) && error.code === 'unavailable';
}

/** How long to wait before trying a step again that storage refused. */
export function retryDelayOf(error: HelplineError): number {
  return error.retryAfterMs ?? STORAGE_RETRY_MS;
}

/** Reports to the operator's logger, or to the console when the hub has none. */
export function failureReporter(logger: HubLogger | undefined): ReportFailure {
  return (what, error) => {
    if (logger) logger.error(what, error);
    else console.error(`[helpline] ${what} failed`, error);
  };
}
