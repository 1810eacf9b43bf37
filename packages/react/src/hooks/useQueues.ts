'use client';
import type { Queue } from '@helpline/core';
import { useHelpline } from '../context/HelplineContext';
import type { CannedResponse } from '../context/helpline.types';

const none: readonly never[] = [];

/**
 * The queues given to the provider: dispositions, ACW policy, SLA targets.
 *
 * @example
 * ```tsx
 * const queue = useQueues().find((q) => q.id === interaction.queueId);
 * const dispositions = queue?.dispositions ?? [];
 * ```
 */
export function useQueues(): readonly Queue[] {
  return useHelpline().queues ?? none;
}

/**
 * The canned responses of queue `queueId` given to the provider (none when not configured).
 *
 * @example
 * ```tsx
 * const responses = useCannedResponses(interaction.queueId);
 * ```
 */
export function useCannedResponses(queueId: string | undefined): readonly CannedResponse[] {
  return useHelpline().cannedResponses?.[queueId ?? ''] ?? none;
}
