'use client';
import {
  createElement,
  type ForwardRefExoticComponent,
  forwardRef,
  type HTMLAttributes,
  type PropsWithoutRef,
  type ReactNode,
  type RefAttributes,
  useRef,
} from 'react';
import { useBrowserLayoutEffect } from '../hooks/useBrowserLayoutEffect';

/** What a React wrapper of a custom element needs to know about it (generated from `custom-elements.json`). */
export interface ElementComponentOptions {
  readonly tagName: string;
  readonly displayName: string;
  /** Props set as DOM properties (objects, booleans, anything not a string attribute). */
  readonly properties: readonly string[];
  /** Event props and the DOM events they listen to: `{ onHelplineToggle: 'helpline-toggle' }`. */
  readonly events: Readonly<Record<string, string>>;
}

/** The props of a wrapped element: its own props, plus the usual HTML attributes and children. */
export type ElementComponentProps<TProps> = TProps &
  Omit<HTMLAttributes<HTMLElement>, keyof TProps> & { readonly children?: ReactNode };

/**
 * Wraps a custom element for React 18 and 19, in the spirit of `@lit/react`: listed properties are set on
 * the element (not stringified into attributes), listed events become `onX` props, everything else is passed
 * as attributes. The element must be defined by its own package (for `<helpline-widget>`:
 * `defineHelplineWidget()` from `@helpline/widget`).
 *
 * @example
 * ```tsx
 * const Widget = createElementComponent<{ open?: boolean }>({
 *   tagName: 'helpline-widget', displayName: 'HelplineWidget', properties: ['open'], events: {},
 * });
 * ```
 */
export function createElementComponent<TProps extends object, TElement extends HTMLElement = HTMLElement>(
  options: ElementComponentOptions,
): ForwardRefExoticComponent<PropsWithoutRef<ElementComponentProps<TProps>> & RefAttributes<TElement>> {
  // A factory by design: each wrapper is created once, at module level, by the generated file.
  // biome-ignore lint/correctness/noComponentHookFactories: see above
  const Component = forwardRef<TElement, ElementComponentProps<TProps>>((props, forwardedRef) => {
    const element = useRef<TElement | null>(null);
    const attributes: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    const handlers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(props)) {
      if (options.properties.includes(key)) properties[key] = value;
      else if (Object.hasOwn(options.events, key)) handlers[key] = value;
      else attributes[key] = value;
    }
    const latestHandlers = useRef(handlers);
    latestHandlers.current = handlers;

    useBrowserLayoutEffect(() => {
      const node = element.current as unknown as Record<string, unknown> | null;
      if (!node) return;
      for (const [key, value] of Object.entries(properties)) if (value !== undefined) node[key] = value;
    });

    useBrowserLayoutEffect(() => {
      const node = element.current;
      if (!node) return;
      const stops = Object.entries(options.events).map(([prop, type]) => {
        const listener = (event: Event) => {
          const handler = latestHandlers.current[prop];
          if (typeof handler === 'function') handler(event);
        };
        node.addEventListener(type, listener);
        return () => node.removeEventListener(type, listener);
      });
      return () => {
        for (const stop of stops) stop();
      };
    }, []);

    return createElement(options.tagName, {
      ...attributes,
      ref(node: TElement | null) {
        element.current = node;
        if (typeof forwardedRef === 'function') forwardedRef(node);
        else if (forwardedRef) forwardedRef.current = node;
      },
    });
  });
  Component.displayName = options.displayName;
  return Component;
}
