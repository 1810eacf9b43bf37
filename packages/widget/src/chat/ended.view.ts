import { LIMITS } from '@helpline/core';
import { html, type TemplateResult } from 'lit';
import type { PanelContext } from '../panel/context';
import { alertFor, formValues } from '../panel/form';
import { buildTranscript, downloadText } from './transcript';

/** The end of a chat: CSAT (1–5 and a comment), transcript download, and a way to start over. */
export function renderEnded(ctx: PanelContext): TemplateResult {
  const { model, i18n, state } = ctx;
  const rated = model.$rated.get() || model.session.$interaction.get()?.csat !== undefined;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const score = Number(values.score);
    if (score >= 1 && score <= 5) void model.rate(score as 1 | 2 | 3 | 4 | 5, values.comment);
  };
  const download = () =>
    downloadText(buildTranscript(model.session.$messages.get(), i18n), `${i18n.t('transcriptTitle')}.txt`);
  return html`<div part="footer">
    <p role="status">${i18n.t('chatEnded')}</p>
    ${
      rated
        ? html`<p role="status">${i18n.t('csatThanks')}</p>`
        : html`<form part="csat" @submit=${submit}>
          <fieldset>
            <legend>${i18n.t('csatQuestion')}</legend>
            <div class="stars">
              ${([1, 2, 3, 4, 5] as const).map(
                (score) =>
                  html`<label
                    ><input
                      type="radio"
                      name="score"
                      .value=${String(score)}
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
          <button part="button submit" class="primary" ?disabled=${state.score === undefined || model.$busy.get()}>
            ${i18n.t('csatSubmit')}
          </button>
        </form>`
    }
    <button part="button transcript" @click=${download}>${i18n.t('downloadTranscript')}</button>
    <button part="button new-chat" @click=${() => model.newConversation()}>${i18n.t('newChat')}</button>
  </div>`;
}
