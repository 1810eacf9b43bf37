import type { ButtonHTMLAttributes, MouseEvent } from 'react';

/** Props a props getter returns for a `<button>`: yours merged over ours, `onClick` chained. */
export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement>;

/**
 * Merges a props getter's own attributes (aria, type) with the caller's, and runs `action` after the caller's
 * `onClick` unless it called `preventDefault()`.
 * @internal
 */
export function buttonProps(action: () => unknown, own: ButtonProps, user: ButtonProps = {}): ButtonProps {
  return {
    type: 'button',
    ...own,
    ...user,
    onClick(event: MouseEvent<HTMLButtonElement>) {
      user.onClick?.(event);
      if (!event.defaultPrevented) action();
    },
  };
}
