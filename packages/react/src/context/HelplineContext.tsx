'use client';
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import type { HelplineClients } from './helpline.types';

/** The React context {@link HelplineProvider} fills; prefer {@link useHelpline} over reading it directly. */
export const HelplineContext = createContext<HelplineClients | null>(null);

const FIELDS = [
  'agent',
  'visitor',
  'supervisor',
  'voice',
  'queues',
  'cannedResponses',
  'topics',
  'clock',
  'locale',
  'messages',
] as const satisfies readonly (keyof HelplineClients)[];

/** Props of {@link HelplineProvider}: the sessions and configuration, and the tree that uses them. */
export interface HelplineProviderProps extends HelplineClients {
  readonly children?: ReactNode | undefined;
}

/**
 * Makes Helpline sessions (agent, visitor, supervisor, voice) and console configuration available to every
 * hook and component below it.
 *
 * @example
 * ```tsx
 * const agent = createAgentSession({ transport, token });
 * <HelplineProvider agent={agent} queues={queues}>
 *   <AgentConsole />
 * </HelplineProvider>
 * ```
 */
export function HelplineProvider({ children, ...clients }: HelplineProviderProps): ReactNode {
  // A new value only when one of the fields changed, so consumers do not re-render for nothing.
  const value = useMemo(
    () => clients,
    // biome-ignore lint/correctness/useExhaustiveDependencies: the deps are every field of `clients`
    FIELDS.map((field) => clients[field]),
  );
  return <HelplineContext.Provider value={value}>{children}</HelplineContext.Provider>;
}

/**
 * Returns what the nearest {@link HelplineProvider} provides; throws when there is none.
 * Use {@link useMaybeHelpline} in components that also work without one.
 *
 * @example
 * ```tsx
 * const { agent } = useHelpline();
 * ```
 */
export function useHelpline(): HelplineClients {
  const context = useContext(HelplineContext);
  if (context === null) {
    throw new Error('[helpline] no <HelplineProvider> above this component');
  }
  return context;
}

/** Returns what the nearest {@link HelplineProvider} provides, or `undefined` when there is none (unlike {@link useHelpline}). */
export function useMaybeHelpline(): HelplineClients | undefined {
  return useContext(HelplineContext) ?? undefined;
}

/**
 * The session `key` of the nearest provider; throws a message naming the missing provider prop.
 * @internal
 */
export function useClient<K extends 'agent' | 'supervisor'>(key: K): NonNullable<HelplineClients[K]> {
  const client = useHelpline()[key];
  if (!client) throw new Error(`[helpline] no ${key} in <HelplineProvider>`);
  return client as NonNullable<HelplineClients[K]>;
}
