import type { Interaction } from '../interaction/interaction.types';
import { type HelplineError, helplineError } from '../protocol/errors';
import type { Queue, SurveyPolicy } from './queue.types';

/** The survey of a queue that configures none: CSAT only, answered within 24 hours, nothing on the keypad. */
export const DEFAULT_SURVEY: SurveyPolicy = { csat: true, nps: false, windowHours: 24, keypad: false };

/** What a contact's customer is asked afterwards, as interactions carry it on the wire (`interaction.survey`). */
export interface SurveyOffer {
  /** A 1–5 rating with an optional comment. */
  readonly csat: boolean;
  /** The 0–10 Net Promoter question, asked after the rating. */
  readonly nps: boolean;
  /** Hours after the end during which answers are accepted. */
  readonly windowHours: number;
}

/** One customer's answers, as `csat.submit` carries them. */
export interface SurveyAnswer {
  readonly score: 1 | 2 | 3 | 4 | 5;
  readonly comment?: string | undefined;
  /** 0–10; only where the queue asks it. */
  readonly nps?: number | undefined;
}

/**
 * The survey policy of `queue` (the default one when it configures none, or when the queue is unknown).
 *
 * @example
 * ```ts
 * surveyOf({ ...queue, survey: { csat: true, nps: true, windowHours: 48, keypad: false } }).nps; // true
 * ```
 */
export function surveyOf(queue: Pick<Queue, 'survey'> | undefined): SurveyPolicy {
  return queue?.survey ?? DEFAULT_SURVEY;
}

/** The part of a queue's policy its customers see (`keypad` is the server's business). */
export function surveyOffer(policy: SurveyPolicy): SurveyOffer {
  return { csat: policy.csat, nps: policy.nps, windowHours: policy.windowHours };
}

/** When answers to the survey of an interaction that ended at `endedAt` stop being accepted, epoch ms. */
export function surveyClosesAt(policy: Pick<SurveyPolicy, 'windowHours'>, endedAt: number): number {
  return endedAt + policy.windowHours * 3_600_000;
}

/**
 * Why an answer to the survey of `interaction` must be refused at `now`, or `undefined` when it may be recorded.
 * In order: the contact is not over (`conflict/state`), it was answered already (`conflict/state`, state `rated`),
 * the queue does not ask this (`survey/not-asked`), the window closed (`survey/closed`).
 *
 * @example
 * ```ts
 * const refusal = surveyRefusal(interaction, state, surveyOf(queue), { score: 4, nps: 9 }, clock.now());
 * if (refusal) throw refusal;
 * ```
 */
export function surveyRefusal(
  interaction: Pick<Interaction, 'id' | 'queueId' | 'endedBy' | 'csat' | 'timestamps'>,
  state: string,
  policy: SurveyPolicy,
  answer: Pick<SurveyAnswer, 'nps'>,
  now: number,
): HelplineError | undefined {
  if (!interaction.endedBy)
    return helplineError('conflict/state', { operation: 'rate', entity: 'conversation', state });
  if (interaction.csat) {
    return helplineError('conflict/state', { operation: 'rate', entity: 'conversation', state: 'rated' });
  }
  if (!policy.csat) return helplineError('survey/not-asked', { queue: interaction.queueId, survey: 'CSAT' });
  if (answer.nps !== undefined && !policy.nps) {
    return helplineError('survey/not-asked', { queue: interaction.queueId, survey: 'NPS' }, { field: 'nps' });
  }
  const { endedAt } = interaction.timestamps;
  if (endedAt !== undefined && now > surveyClosesAt(policy, endedAt)) {
    return helplineError('survey/closed', { cid: interaction.id, hours: policy.windowHours });
  }
  return undefined;
}
