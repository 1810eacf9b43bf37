'use client';
import { useCallback, useState } from 'react';

/** The state of an action a component started: running, and the error it failed with (until the next run). */
export interface ActionState {
  readonly pending: boolean;
  /** What the last run threw (usually a `HelplineError`), or `undefined`. */
  readonly error?: unknown | undefined;
  /** Runs `task`; resolves with its result, or with `undefined` after recording its error. Never rejects. */
  run<T>(task: () => Promise<T>): Promise<T | undefined>;
}

/**
 * Tracks one async action for a component: `pending` to disable buttons, `error` to show why it failed.
 *
 * @example
 * ```tsx
 * const action = useAction();
 * <button disabled={action.pending} onClick={() => action.run(() => agent.accept(cid))}>Accept</button>
 * ```
 */
export function useAction(): ActionState {
  const [state, setState] = useState<{ pending: boolean; error?: unknown }>({ pending: false });
  const run = useCallback(<T>(task: () => Promise<T>) => {
    setState({ pending: true });
    return new Promise<T>((resolve) => resolve(task())).then(
      (result) => {
        setState({ pending: false });
        return result;
      },
      (error: unknown) => {
        setState({ pending: false, error });
        return undefined;
      },
    );
  }, []);
  return { ...state, run };
}
