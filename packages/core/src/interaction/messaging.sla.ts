import type { MessagingChannel } from './interaction.types';
import {
  type MessagingSla,
  type MessagingSlaPolicy,
  type MessagingSnapshot,
  messagingSla,
} from './messaging.machine';

// Where an open conversation stands against its queue's targets, derived at a moment — never stored: a breach changes
// no state, so the board computes it from the machine's facts (episode start, first reply, resolution) and the clock.
// The clocks run in calendar time through `pending` and `snoozed` (docs/channels.md says why).

/**
 * Targets of each messaging channel when a queue sets none: email answered within 4 hours and resolved within 24;
 * SMS, WhatsApp and Messenger — conversations customers expect to be quick — answered within 15 minutes and resolved
 * within 8 hours.
 */
export const DEFAULT_MESSAGING_SLA: Readonly<Record<MessagingChannel, MessagingSlaPolicy>> = {
  email: { firstResponseSeconds: 4 * 3600, resolutionSeconds: 24 * 3600 },
  sms: { firstResponseSeconds: 15 * 60, resolutionSeconds: 8 * 3600 },
  whatsapp: { firstResponseSeconds: 15 * 60, resolutionSeconds: 8 * 3600 },
  messenger: { firstResponseSeconds: 15 * 60, resolutionSeconds: 8 * 3600 },
};

/** The share of a target left when a conversation counts as at risk, unless a caller says otherwise: the last 20%. */
export const SLA_WARNING_SHARE = 0.2;

/**
 * Where one target stands: `on-track` (time left), `at-risk` (in the last {@link SLA_WARNING_SHARE} of the target),
 * `breached` (overdue, or met late), `met` (done in time: the first reply came, or it was resolved).
 */
export type SlaStanding = 'on-track' | 'at-risk' | 'breached' | 'met';

/** A conversation's SLA at a moment: both due times and where each target stands. */
export interface MessagingSlaStatus extends MessagingSla, SlaTargetsStatus {}

const RANK: Readonly<Record<SlaStanding, number>> = { met: 0, 'on-track': 1, 'at-risk': 2, breached: 3 };

/**
 * One target's standing at `now`: it ran from `startedAt` to `dueAt`; `doneAt` is when it was met, if it was. Due
 * exactly at `now` is still in time (as {@link messagingSla} counts it).
 *
 * @example
 * ```ts
 * slaStanding({ startedAt: 0, dueAt: 100, now: 85 }); // 'at-risk'
 * ```
 */
export function slaStanding(target: {
  readonly startedAt: number;
  readonly dueAt: number;
  readonly doneAt?: number | undefined;
  readonly now: number;
  readonly warningShare?: number | undefined;
}): SlaStanding {
  const { startedAt, dueAt, doneAt, now } = target;
  if (doneAt !== undefined) return doneAt > dueAt ? 'breached' : 'met';
  if (now > dueAt) return 'breached';
  return now >= warningAt(startedAt, dueAt, target.warningShare) ? 'at-risk' : 'on-track';
}

function warningAt(startedAt: number, dueAt: number, share = SLA_WARNING_SHARE): number {
  return dueAt - Math.max(0, dueAt - startedAt) * share;
}

/**
 * The SLA of a conversation's current episode at `now`, with a standing per target and the moment it next changes.
 * Pure: the same snapshot, policy and `now` give the same answer, so tests step a fake clock through it.
 *
 * @example
 * ```ts
 * const status = messagingSlaStatus(conversation, DEFAULT_MESSAGING_SLA.email, Date.now());
 * if (status.standing === 'breached') highlight(conversation);
 * ```
 */
export function messagingSlaStatus(
  snapshot: MessagingSnapshot,
  policy: MessagingSlaPolicy,
  now: number,
  warningShare: number = SLA_WARNING_SHARE,
): MessagingSlaStatus {
  const sla = messagingSla(snapshot, policy, now);
  const { openedAt, firstResponseAt, timestamps } = snapshot.context;
  const resolvedAt = snapshot.value === 'resolved' ? (timestamps.endedAt ?? now) : undefined;
  return {
    ...sla,
    ...slaTargetsStatus({
      openedAt,
      firstResponseDueAt: sla.firstResponseDueAt,
      resolutionDueAt: sla.resolutionDueAt,
      // Resolving without a reply (spam, nothing to answer) leaves no reply due.
      respondedAt: firstResponseAt ?? resolvedAt,
      resolvedAt,
      now,
      warningShare,
    }),
  };
}

/** Where the two targets of an episode stand at a moment, and when that next changes by the clock alone. */
export interface SlaTargetsStatus {
  readonly firstResponse: SlaStanding;
  readonly resolution: SlaStanding;
  /** The worse of the two that is not `met`: `breached` over `at-risk` over `on-track`; `met` when both are. */
  readonly standing: SlaStanding;
  /** The next moment a standing changes by the clock alone, epoch ms; `undefined` when none does. */
  readonly changesAt: number | undefined;
}

/**
 * The standing of both targets of an episode that opened at `openedAt` (first response and resolution), at `now`.
 * Shared by conversations ({@link messagingSlaStatus}) and cases, so both warn and breach alike.
 *
 * @example
 * ```ts
 * slaTargetsStatus({ openedAt: 0, firstResponseDueAt: 100, resolutionDueAt: 1000, now: 85 }).standing; // 'at-risk'
 * ```
 */
export function slaTargetsStatus(episode: {
  readonly openedAt: number;
  readonly firstResponseDueAt: number;
  readonly resolutionDueAt: number;
  /** When the first response came (or what stands for it), if it did. */
  readonly respondedAt?: number | undefined;
  /** When the episode was resolved, if it was. */
  readonly resolvedAt?: number | undefined;
  readonly now: number;
  readonly warningShare?: number | undefined;
}): SlaTargetsStatus {
  const { openedAt, firstResponseDueAt, resolutionDueAt, now } = episode;
  const warningShare = episode.warningShare ?? SLA_WARNING_SHARE;
  const firstResponse = slaStanding({
    startedAt: openedAt,
    dueAt: firstResponseDueAt,
    doneAt: episode.respondedAt,
    now,
    warningShare,
  });
  const resolution = slaStanding({
    startedAt: openedAt,
    dueAt: resolutionDueAt,
    doneAt: episode.resolvedAt,
    now,
    warningShare,
  });
  const open = [
    ...(firstResponse === 'on-track' || firstResponse === 'at-risk' ? [firstResponseDueAt] : []),
    ...(resolution === 'on-track' || resolution === 'at-risk' ? [resolutionDueAt] : []),
  ];
  // A target on track changes at its warning, one at risk just after its due time.
  const moments = open
    .flatMap((dueAt) => [warningAt(openedAt, dueAt, warningShare), dueAt + 1])
    .map(Math.ceil)
    .filter((at) => at > now);
  const standing = RANK[firstResponse] >= RANK[resolution] ? firstResponse : resolution;
  return {
    firstResponse,
    resolution,
    standing,
    changesAt: moments.length > 0 ? Math.min(...moments) : undefined,
  };
}

/**
 * The SLA targets of a queue for `channel`: the queue's own setting for that channel, else
 * {@link DEFAULT_MESSAGING_SLA}.
 */
export function messagingSlaPolicyOf(
  queue: {
    readonly messagingSla?: Readonly<Partial<Record<MessagingChannel, MessagingSlaPolicy>>> | undefined;
  },
  channel: MessagingChannel,
): MessagingSlaPolicy {
  return queue.messagingSla?.[channel] ?? DEFAULT_MESSAGING_SLA[channel];
}
