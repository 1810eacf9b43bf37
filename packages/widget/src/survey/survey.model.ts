import { isHelplineError, type WireInteraction } from '@helpline/core';
import { atom } from 'nanostores';
import { isFinished, type WidgetModel } from '../panel/widget.model';

/**
 * Where the visitor is in the survey after a contact: the 1–5 `rating`, then `nps` when the queue asks it; `sent` once
 * recorded (or answered before, in another tab), `skipped`, or `closed` when the server says it is too late.
 */
export type SurveyStep = 'rating' | 'nps' | 'sent' | 'skipped' | 'closed';

/** The survey of one contact as the visitor answers it. */
export interface SurveyProgress {
  readonly step: SurveyStep;
  /** The rating of the first step, kept while NPS is asked (both are sent together). */
  readonly score?: 1 | 2 | 3 | 4 | 5 | undefined;
  readonly comment?: string | undefined;
}

/**
 * The survey after a chat or a call, as the widget asks it. It lives in the survey's own chunk (loaded when a
 * contact ends), one per widget model; it is the only writer of its progress.
 */
export interface SurveyModel {
  /** The progress of the current contact's survey (a new contact starts at `rating`). */
  progress(): SurveyProgress;
  /** Answers the rating; it is sent, or — when the queue asks NPS — kept until the NPS step. */
  rate(score: 1 | 2 | 3 | 4 | 5, comment?: string): Promise<void>;
  /** Answers NPS (0–10) and sends it with the rating. */
  answerNps(score: number): Promise<void>;
  /** At the rating: nothing is sent. At the NPS step: the rating is sent without NPS. */
  skip(): Promise<void>;
}

/**
 * Whether the widget asks the visitor to rate `interaction`: it is over, an agent took part, and its queue asks
 * (`interaction.survey.csat`, on unless switched off).
 */
export function offersSurvey(interaction: WireInteraction | undefined): interaction is WireInteraction {
  return (
    interaction !== undefined &&
    isFinished(interaction) &&
    interaction.survey?.csat !== false &&
    interaction.participants.some((participant) => participant.role === 'agent')
  );
}

const surveys = new WeakMap<WidgetModel, SurveyModel>();

/** The survey model of `model`, created on first use; `onChange` hears its progress (the panel re-renders). */
export function surveyModelOf(model: WidgetModel, onChange: () => void): SurveyModel {
  let survey = surveys.get(model);
  if (!survey) {
    survey = createSurveyModel(model, onChange);
    surveys.set(model, survey);
  }
  return survey;
}

function createSurveyModel(model: WidgetModel, onChange: () => void): SurveyModel {
  // Progress is kept with the contact it belongs to: another contact reads as a fresh survey.
  const $answers = atom<SurveyProgress & { readonly cid?: string | undefined }>({ step: 'rating' });
  const cid = () => model.$current.get()?.id;
  const progress = (): SurveyProgress => {
    const answers = $answers.get();
    return answers.cid === cid() ? answers : { step: 'rating' };
  };
  const set = (next: SurveyProgress) => $answers.set({ ...next, cid: cid() });
  $answers.listen(onChange);

  /** Sends the answers; a late one closes the survey, one answered before (another tab) counts as sent. */
  async function send(score: 1 | 2 | 3 | 4 | 5, comment: string | undefined, nps?: number): Promise<void> {
    let outcome: SurveyStep = 'sent';
    const sent = await model.perform(async () => {
      try {
        await model.session.rate(score, comment, nps);
      } catch (error) {
        if (!isHelplineError(error) || (error.code !== 'survey/closed' && error.code !== 'conflict/state'))
          throw error;
        outcome = error.code === 'survey/closed' ? 'closed' : 'sent';
      }
    });
    if (sent) set({ step: outcome });
  }

  return {
    progress,
    async rate(score, comment) {
      const text = comment?.trim() || undefined;
      if (model.$current.get()?.survey?.nps) {
        model.clearError();
        set({ step: 'nps', score, ...(text ? { comment: text } : {}) });
      } else await send(score, text);
    },
    async answerNps(nps) {
      const { step, score, comment } = progress();
      if (step === 'nps' && score !== undefined) await send(score, comment, nps);
    },
    async skip() {
      const { step, score, comment } = progress();
      model.clearError();
      if (step === 'nps' && score !== undefined) await send(score, comment);
      else if (step === 'rating') set({ step: 'skipped' });
    },
  };
}
