'use client';
import { useHelpline } from '../context/HelplineContext';
import type { SupervisorSessionLike } from './supervisor.types';

/** The provider's supervisor session; throws a clear error without one. */
export function useSupervisorSession(): SupervisorSessionLike {
  const { supervisor } = useHelpline();
  if (!supervisor)
    throw new Error('[helpline] the supervisor components need <HelplineProvider supervisor={…}>');
  return supervisor;
}
