'use client';
import { type RefObject, useCallback, useRef } from 'react';
import { useBrowserLayoutEffect } from './useBrowserLayoutEffect';

/** How close to its end (px) a log counts as read to the end: rounding and sub-pixel layouts leave a little. */
const END_SLACK_PX = 24;

/** Whether `log` shows its last line. */
function isScrolledToEnd(log: HTMLElement): boolean {
  return log.scrollHeight - log.scrollTop - log.clientHeight <= END_SLACK_PX;
}

/**
 * Keeps a scrolling log at its end as it grows, as chat logs do: while the reader is at the end, what arrives
 * (`content` changed) scrolls into view; once they scroll up to read, it stays where they are until they come back
 * to the end, or call `toEnd` (on sending their own message). Put `ref` and `onScroll` on the scrolling element.
 */
export function useStickToEnd<T extends HTMLElement>(
  content: unknown,
): { readonly ref: RefObject<T | null>; readonly onScroll: () => void; readonly toEnd: () => void } {
  const ref = useRef<T | null>(null);
  const atEnd = useRef(true);
  const onScroll = useCallback(() => {
    // A log without layout (hidden) says nothing about where the reader is.
    if (ref.current && ref.current.clientHeight > 0) atEnd.current = isScrolledToEnd(ref.current);
  }, []);
  const toEnd = useCallback(() => {
    atEnd.current = true;
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, []);
  // `content` is what arrives: each change may have grown the log.
  useBrowserLayoutEffect(() => {
    const log = ref.current;
    if (!log) return;
    const stick = () => {
      if (atEnd.current) log.scrollTop = log.scrollHeight;
    };
    stick();
    // An image finishing its load after this render makes the log taller; load events do not bubble.
    log.addEventListener('load', stick, true);
    return () => log.removeEventListener('load', stick, true);
  }, [content]);
  return { ref, onScroll, toEnd };
}
