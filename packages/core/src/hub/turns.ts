/** Each conversation's turn: tasks of one conversation run one after another, so seq assignment never interleaves. */
export interface Turns {
  /** Runs `task` after every earlier task of the same conversation (whether those succeeded or failed). */
  serialized<T>(cid: string, task: () => Promise<T>): Promise<T>;
  /** True while a task of the conversation runs or waits. */
  busy(cid: string): boolean;
}

/**
 * Creates the per-conversation turns of a hub.
 *
 * @example
 * ```ts
 * const turns = createTurns();
 * await turns.serialized(cid, () => log.commit(current, change));
 * ```
 */
export function createTurns(): Turns {
  const locks = new Map<string, Promise<unknown>>();
  return {
    serialized<T>(cid: string, task: () => Promise<T>): Promise<T> {
      const previous = locks.get(cid) ?? Promise.resolve();
      const next = previous.then(task, task);
      const settled = next.then(
        () => undefined,
        () => undefined,
      );
      locks.set(cid, settled);
      void settled.then(() => {
        if (locks.get(cid) === settled) locks.delete(cid);
      });
      return next;
    },
    busy: (cid) => locks.has(cid),
  };
}
