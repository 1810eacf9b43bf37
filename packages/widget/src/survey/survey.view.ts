import { LIMITS } from '@helpline/core';
import { html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { PanelContext } from '../panel/context';
import { alertFor, formValues } from '../panel/form';
import { offersSurvey, type SurveyModel, surveyModelOf } from './survey.model';

const NPS_SCORES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

// A step that replaces the form the visitor was in takes focus once, so keyboard and screen-reader users land in it.
const focused = new WeakSet<Element>();
const focusOnce = ref((element) => {
  if (!(element instanceof HTMLElement) || focused.has(element)) return;
  focused.add(element);
  queueMicrotask(() => element.focus());
});

/** The 1–5 rating and a comment; "Next" when NPS follows, "Send rating" when it does not; "Skip". */
function renderRating(
  ctx: PanelContext,
  survey: SurveyModel,
  question: string,
  asksNps: boolean,
): TemplateResult {
  const { model, i18n, state } = ctx;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const score = Number(values.score);
    if (score >= 1 && score <= 5) void survey.rate(score as 1 | 2 | 3 | 4 | 5, values.comment);
  };
  return html`<form part="csat" @submit=${submit}>
    <fieldset>
      <legend>${question}</legend>
      <div class="stars">
        ${([1, 2, 3, 4, 5] as const).map(
          (score) =>
            html`<label
              ><input
                type="radio"
                name="score"
                .value=${String(score)}
                .checked=${state.score === score}
                aria-label=${i18n.t('csatScore', { score })}
                @change=${() => {
                  state.score = score;
                  ctx.requestUpdate();
                }}
              /><span aria-hidden="true">${i18n.formatNumber(score)}</span></label
            >`,
        )}
      </div>
    </fieldset>
    <label for="comment">${i18n.t('csatComment')}</label>
    <textarea id="comment" name="comment" rows="2" maxlength=${LIMITS.comment}></textarea>
    ${alertFor(model.$error.get(), i18n)}
    <div class="row">
      <button type="button" part="button skip" ?disabled=${model.$busy.get()} @click=${() => survey.skip()}>
        ${i18n.t('surveySkip')}
      </button>
      <button part="button submit" class="primary" ?disabled=${state.score === undefined || model.$busy.get()}>
        ${i18n.t(asksNps ? 'csatNext' : 'csatSubmit')}
      </button>
    </div>
  </form>`;
}

/** "How likely are you to recommend us…": 0–10 as one radio group, its ends named; "Send answers" or "Skip". */
function renderNps(ctx: PanelContext, survey: SurveyModel): TemplateResult {
  const { model, i18n, state } = ctx;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const value = formValues(event.currentTarget as HTMLFormElement).nps;
    if (value !== undefined && value !== '') void survey.answerNps(Number(value));
  };
  return html`<form part="nps" @submit=${submit}>
    <fieldset aria-describedby="nps-ends" tabindex="-1" ${focusOnce}>
      <legend>${i18n.t('npsQuestion')}</legend>
      <div class="scale">
        ${NPS_SCORES.map(
          (score) =>
            html`<label
              ><input
                type="radio"
                name="nps"
                .value=${String(score)}
                .checked=${state.nps === score}
                aria-label=${i18n.t('npsScore', { score })}
                @change=${() => {
                  state.nps = score;
                  ctx.requestUpdate();
                }}
              /><span aria-hidden="true">${i18n.formatNumber(score)}</span></label
            >`,
        )}
      </div>
      <p id="nps-ends" class="scale-ends">
        <span>${i18n.formatNumber(0)} · ${i18n.t('npsLow')}</span>
        <span>${i18n.formatNumber(10)} · ${i18n.t('npsHigh')}</span>
      </p>
    </fieldset>
    ${alertFor(model.$error.get(), i18n)}
    <div class="row">
      <button type="button" part="button skip" ?disabled=${model.$busy.get()} @click=${() => survey.skip()}>
        ${i18n.t('surveySkip')}
      </button>
      <button part="button submit" class="primary" ?disabled=${state.nps === undefined || model.$busy.get()}>
        ${i18n.t('npsSubmit')}
      </button>
    </div>
  </form>`;
}

/**
 * The survey after a chat or a call, as its queue asks it (`interaction.survey`): the 1–5 rating with a comment,
 * then — when the queue turns it on — NPS 0–10; both can be skipped. Answers go to the server together; a late one
 * says the survey has closed. Nothing shows for contacts no agent took part in.
 */
export function renderSurvey(ctx: PanelContext, kind: 'chat' | 'call'): TemplateResult | typeof nothing {
  const { model, i18n } = ctx;
  const interaction = model.$current.get();
  if (!offersSurvey(interaction)) return nothing;
  const survey = surveyModelOf(model, ctx.requestUpdate);
  const { step } = survey.progress();
  if (step === 'sent' || interaction.csat !== undefined) {
    return html`<p part="survey-done" role="status">${i18n.t('csatThanks')}</p>`;
  }
  if (step === 'closed') return html`<p part="survey-done" role="status">${i18n.t('surveyClosed')}</p>`;
  if (step === 'skipped') return nothing;
  if (step === 'nps') return renderNps(ctx, survey);
  const question = i18n.t(kind === 'call' ? 'csatQuestionCall' : 'csatQuestion');
  return renderRating(ctx, survey, question, interaction.survey?.nps === true);
}
