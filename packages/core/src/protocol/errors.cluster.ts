import { type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of cluster mode's error codes. Only servers raise them, so they live apart from the core's
 * (`ERROR_MESSAGES`), which every client ships.
 */
export const CLUSTER_ERROR_MESSAGES = {
  'cluster/stale-epoch': 'This instance does not hold the {lease} lease ({detail}); nothing was written.',
} as const satisfies Record<`cluster/${string}`, string>;

/** An error code of cluster mode. */
export type ClusterErrorCode = keyof typeof CLUSTER_ERROR_MESSAGES;

/**
 * Creates a {@link HelplineError} of cluster mode with its catalog message, as `helplineError` does for the core's
 * codes.
 *
 * @example
 * ```ts
 * throw clusterFailure('cluster/stale-epoch', { lease: 'router', detail: 'won epoch 4, now at 5' });
 * ```
 */
export function clusterFailure(
  code: ClusterErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(CLUSTER_ERROR_MESSAGES[code], params), options);
}
