'use client';
import { useCallback, useSyncExternalStore } from 'react';

/**
 * The store shape the hooks read: a nanostores atom (`$presence`, `$offers`…) or anything with the same
 * `get` / `listen`. `listen` must not call the listener at once; `get` must return the same value until it
 * changes.
 */
export interface ReadableStore<T> {
  get(): T;
  listen(listener: (value: T) => void): () => void;
}

/**
 * Subscribes a component to a store and returns its value; the component re-renders when it changes.
 * Every Helpline hook is this plus a little shaping.
 *
 * @example
 * ```tsx
 * const presence = useStore(agent.$presence);
 * ```
 */
export function useStore<T>($store: ReadableStore<T>): T {
  const subscribe = useCallback((onChange: () => void) => $store.listen(onChange), [$store]);
  const get = useCallback(() => $store.get(), [$store]);
  return useSyncExternalStore(subscribe, get, get);
}

/** A store that never changes: what a hook reads when its session is missing, so hooks stay unconditional. */
export function constantStore<T>(value: T): ReadableStore<T> {
  return { get: () => value, listen: () => () => {} };
}
