'use client';
/**
 * `@helpline/react`: React bindings for Helpline — a provider and hooks over core sessions.
 *
 * @packageDocumentation
 */
export {
  HelplineContext,
  type HelplineContextValue,
  HelplineProvider,
  type HelplineProviderProps,
  useHelpline,
  useMaybeHelpline,
} from './context/HelplineContext';
