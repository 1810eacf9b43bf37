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

/** Which SLA target of a case a milestone is about. */
export type CaseSlaTarget = 'first-response' | 'resolution';

/**
 * A moment the SLA timer of a case waits for: the breach warning (`at-risk`, when the last share of a target starts)
 * or the breach itself (`breached`, one millisecond past due).
 */
export interface CaseSlaMilestone {
  readonly kind: 'at-risk' | 'breached';
  readonly target: CaseSlaTarget;
  /** When it happens, epoch ms. */
  readonly at: number;
  /** When the target is due, epoch ms. */
  readonly dueAt: number;
}

/**
 * The SLA milestones of a case's current episode still ahead of it, earliest first: none once it is solved or closed;
 * none for the first response once one came; none for a target whose breach the machine already recorded. Pure: the hub's timer arms the
 * first one that lies in the future and records the breaches that fell due (docs/cases.md).
 *
 * @example
 * ```ts
 * const [next] = caseSlaMilestones(kase).filter((m) => m.at > Date.now());
 * ```
 */
export function caseSlaMilestones(
  snapshot: CaseSnapshot,
  warningShare: number = SLA_WARNING_SHARE,
): CaseSlaMilestone[] {
  const { value, context } = snapshot;
  if (value !== 'open' && value !== 'pending') return [];
  // A target whose breach is recorded has nothing left to warn of.
  const of = (
    target: CaseSlaTarget,
    dueAt: number,
    seconds: number,
    breached: boolean,
  ): CaseSlaMilestone[] =>
    breached
      ? []
      : [
          { kind: 'at-risk', target, at: dueAt - Math.round(seconds * 1000 * warningShare), dueAt },
          { kind: 'breached', target, at: dueAt + 1, dueAt },
        ];
  return [
    ...(context.firstResponseAt === undefined
      ? of(
          'first-response',
          firstResponseDueAt(context),
          context.sla.firstResponseSeconds,
          context.firstResponseBreached,
        )
      : []),
    ...of('resolution', resolutionDueAt(context), context.sla.resolutionSeconds, context.resolutionBreached),
  ].sort((a, b) => a.at - b.at);
}
