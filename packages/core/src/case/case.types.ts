import type { Snapshot } from '../machine';

/**
 * Where a case (ticket) stands: `open` (someone works on it), `pending` (waiting for the customer), `solved`
 * (answered — reopened when the customer comes back), `closed` (final: a new contact then starts a new case).
 */
export type CaseState = 'open' | 'pending' | 'solved' | 'closed';

/** Every case state, in the order a case usually passes through them. */
export const CASE_STATES = ['open', 'pending', 'solved', 'closed'] as const satisfies readonly CaseState[];

/** How urgent a case is; the console sorts by it after status. */
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';

/** Every case priority, least urgent first. */
export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly CasePriority[];

/**
 * Service-level targets of a case, seconds: the first agent response and the resolution are due this long after
 * the case (or its reopening) opened. Same shape as a messaging queue's targets.
 */
export interface CaseSlaTargets {
  readonly firstResponseSeconds: number;
  readonly resolutionSeconds: number;
}

/** Targets of a case when its queue sets none: first response within 8 hours, resolution within 3 days. */
export const DEFAULT_CASE_SLA: CaseSlaTargets = {
  firstResponseSeconds: 8 * 3600,
  resolutionSeconds: 3 * 86_400,
};

/** Who changed a case: the agent (or supervisor) by id, the customer, or the system (a timer). */
export type CaseActor = 'agent' | 'customer' | 'system';

/** Everything that can happen to a case; every event carries `at` (epoch ms). */
export type CaseEvent =
  /** Back to work from `pending` (the agent, not the customer, resumes it). */
  | { readonly type: 'OPEN'; readonly at: number }
  /** Waiting for the customer. */
  | { readonly type: 'PEND'; readonly at: number }
  /** Answered: the customer's problem is solved (until they say otherwise). */
  | { readonly type: 'SOLVE'; readonly at: number }
  /** Done for good; only a solved case closes. */
  | { readonly type: 'CLOSE'; readonly at: number }
  /** Staff reopen a solved case (a customer's answer reopens it through {@link CaseEvent} `CONTACT`). */
  | { readonly type: 'REOPEN'; readonly at: number }
  /**
   * The customer wrote about the case on `interactionId` (linked now if it was not). A `pending` case is open
   * again; a `solved` one is reopened — a second contact, so it no longer counts as solved at first contact.
   */
  | { readonly type: 'CONTACT'; readonly at: number; readonly interactionId: string }
  /** Staff link another interaction about the case; linking to a `solved` case reopens it (a new contact). */
  | { readonly type: 'LINK'; readonly at: number; readonly interactionId: string }
  /** An agent answered the customer: the first response of the current episode, if it is the first. */
  | { readonly type: 'AGENT_REPLY'; readonly at: number }
  /** Fields staff may change while the case is not closed; omitted fields stay as they are. */
  | {
      readonly type: 'UPDATE';
      readonly at: number;
      readonly subject?: string | undefined;
      readonly priority?: CasePriority | undefined;
      readonly queueId?: string | undefined;
      /** `null` unassigns. */
      readonly assigneeId?: string | null | undefined;
      readonly tags?: readonly string[] | undefined;
    }
  /** An SLA target of the current episode fell due (the machine's timer): it is recorded as breached. */
  | { readonly type: 'SLA_DUE'; readonly at: number };

/** The type names of {@link CaseEvent}. */
export type CaseEventType = CaseEvent['type'];

/** When things happened to a case, epoch ms. */
export interface CaseTimestamps {
  readonly createdAt: number;
  /** Last change of any kind. */
  readonly updatedAt: number;
  /** The last time it was solved (cleared by a reopening). */
  readonly solvedAt?: number | undefined;
  readonly closedAt?: number | undefined;
}

/**
 * Facts about one case. Which state it is in lives in the snapshot's `value`; the SLA standing is derived
 * ({@link caseSlaStatus}), never stored — except the breaches the machine's timer recorded.
 */
export interface CaseContext {
  readonly subject: string;
  readonly priority: CasePriority;
  /** The queue whose agents may see and work the case. */
  readonly queueId: string;
  readonly assigneeId?: string | undefined;
  readonly tags: readonly string[];
  /** Every interaction about the case, on any channel, first one first. */
  readonly interactionIds: readonly string[];
  readonly sla: CaseSlaTargets;
  /** When the current episode started: creation, or the reopening (epoch ms). SLA targets run from here. */
  readonly openedAt: number;
  /** The first agent response of the current episode, epoch ms. */
  readonly firstResponseAt?: number | undefined;
  /** The timer found the first response of this episode overdue. */
  readonly firstResponseBreached: boolean;
  /** The timer found the resolution of this episode overdue. */
  readonly resolutionBreached: boolean;
  /** Contacts about the case: the first one, each newly linked interaction and each time the customer came back. */
  readonly contacts: number;
  /** How often a solved case was reopened. */
  readonly reopenCount: number;
  readonly timestamps: CaseTimestamps;
}

/** A case machine snapshot. */
export type CaseSnapshot = Snapshot<CaseState, CaseContext>;

/** A case as stored and sent: its id, its customer and its snapshot. */
export interface CaseRecord {
  readonly id: string;
  /** The customer the case belongs to (see docs/customers.md). */
  readonly customerId: string;
  readonly snapshot: CaseSnapshot;
}

/** An internal note on a case: written by staff, never shown to the customer. */
export interface CaseNote {
  readonly id: string;
  readonly caseId: string;
  readonly authorId: string;
  readonly text: string;
  /** Epoch ms. */
  readonly at: number;
}
