'use client';
import { createContext, type ReactNode, useContext } from 'react';

/** What {@link HelplineProvider} puts in context; boxed so that a provided `undefined` is still "provided". */
export interface HelplineContextValue {
  readonly client: unknown;
}

/** The React context {@link HelplineProvider} fills; prefer {@link useHelpline} over reading it directly. */
export const HelplineContext = createContext<HelplineContextValue | null>(null);
HelplineContext.displayName = 'HelplineContext';

/** Props of {@link HelplineProvider}. */
export interface HelplineProviderProps<TClient> {
  /** The Helpline client (a core session) that hooks below this provider use. */
  value: TClient;
  children?: ReactNode;
}

/**
 * Makes a Helpline client available to every hook and component below it.
 *
 * @example
 * ```tsx
 * <HelplineProvider value={session}>
 *   <AgentConsole />
 * </HelplineProvider>
 * ```
 */
export function HelplineProvider<TClient>({ value, children }: HelplineProviderProps<TClient>): ReactNode {
  return <HelplineContext.Provider value={{ client: value }}>{children}</HelplineContext.Provider>;
}

/**
 * Returns the client of the nearest {@link HelplineProvider}; throws when there is none.
 * Use {@link useMaybeHelpline} in components that also work without one.
 *
 * @example
 * ```tsx
 * const session = useHelpline<AgentSession>();
 * ```
 */
export function useHelpline<TClient = unknown>(): TClient {
  const context = useContext(HelplineContext);
  if (context === null) {
    throw new Error(
      '[helpline] useHelpline() was called outside a <HelplineProvider>. Wrap your component tree in ' +
        '<HelplineProvider value={session}>, or call useMaybeHelpline() if the provider is optional.',
    );
  }
  return context.client as TClient;
}

/** Returns the client of the nearest {@link HelplineProvider}, or `undefined` when there is none (unlike {@link useHelpline}). */
export function useMaybeHelpline<TClient = unknown>(): TClient | undefined {
  return useContext(HelplineContext)?.client as TClient | undefined;
}
