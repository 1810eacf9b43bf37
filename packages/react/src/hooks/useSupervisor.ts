'use client';
import { useHelpline } from '../context/HelplineContext';
import type { BoardAgent, BoardQueue, KpiReport, SupervisorBoardState } from '../supervisor/supervisor.types';
import { constantStore, useStore } from './useStore';

const EMPTY: SupervisorBoardState = { queues: [], agents: [] };
const emptyBoard = constantStore(EMPTY);
const noKpis = constantStore(undefined);

/**
 * The live board of the provider's supervisor session (queues, agents), or an empty board without one or
 * before its first snapshot.
 *
 * @example
 * ```tsx
 * const { queues, agents, waiting = [] } = useBoard();
 * ```
 */
export function useBoard(): SupervisorBoardState {
  return useStore(useHelpline().supervisor?.$board ?? emptyBoard) ?? EMPTY;
}

/**
 * Live queue figures (waiting, longest wait, SLA target, open) from the supervisor board; empty without a
 * supervisor session.
 *
 * @example
 * ```tsx
 * const queues = useQueueStats();
 * const waiting = queues.reduce((sum, q) => sum + q.waiting, 0);
 * ```
 */
export function useQueueStats(): readonly BoardQueue[] {
  return useBoard().queues;
}

/**
 * Agents on the supervisor board (presence, reason, since, held interactions); empty without a supervisor
 * session.
 *
 * @example
 * ```tsx
 * const available = useAgentsBoard().filter((a) => a.presence === 'available');
 * ```
 */
export function useAgentsBoard(): readonly BoardAgent[] {
  return useBoard().agents;
}

/**
 * Today's KPI report from the supervisor session, or `undefined` (no session, or not loaded yet).
 *
 * @example
 * ```tsx
 * const kpis = useKpis();
 * kpis?.serviceLevel; // 0.87
 * ```
 */
export function useKpis(): KpiReport | undefined {
  return useStore(useHelpline().supervisor?.$kpis ?? noKpis);
}
