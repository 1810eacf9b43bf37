import { SLA_WARNING_SHARE, type SlaTargetsStatus, slaTargetsStatus } from '../interaction/messaging.sla';
import { firstResponseDueAt, resolutionDueAt } from './case.machine';
import type { CaseSnapshot } from './case.types';

/** A case's SLA at a moment: both due times of the current episode and where each target stands. */
export interface CaseSlaStatus extends SlaTargetsStatus {
  /** When the first response is (or was) due, epoch ms. */
  readonly firstResponseDueAt: number;
  /** When resolution is (or was) due, epoch ms. */
  readonly resolutionDueAt: number;
}

/**
 * The SLA standing of a case's current episode at `now`: `at-risk` is the breach warning (the last 20% of a target
 * by default), `breached` a target missed. Derived, never stored; the machine's timer records breaches when they
 * happen, and this agrees with it. Pure, so tests step a fake clock through it. A solved or closed case counts as
 * answered and resolved at `solvedAt`.
 *
 * @example
 * ```ts
 * const status = caseSlaStatus(kase, Date.now());
 * if (status.standing === 'at-risk') warn(kase);
 * ```
 */
export function caseSlaStatus(
  snapshot: CaseSnapshot,
  now: number,
  warningShare: number = SLA_WARNING_SHARE,
): CaseSlaStatus {
  const { context } = snapshot;
  const done = snapshot.value === 'solved' || snapshot.value === 'closed';
  const resolvedAt = done ? (context.timestamps.solvedAt ?? context.timestamps.updatedAt) : undefined;
  const firstDue = firstResponseDueAt(context);
  const resolutionDue = resolutionDueAt(context);
  return {
    firstResponseDueAt: firstDue,
    resolutionDueAt: resolutionDue,
    ...slaTargetsStatus({
      openedAt: context.openedAt,
      firstResponseDueAt: firstDue,
      resolutionDueAt: resolutionDue,
      // Solving without a reply (a duplicate, nothing to answer) leaves no reply due.
      respondedAt: context.firstResponseAt ?? resolvedAt,
      resolvedAt,
      now,
      warningShare,
    }),
  };
}
