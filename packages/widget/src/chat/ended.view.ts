import { html, type TemplateResult } from 'lit';
import type { PanelContext } from '../panel/context';
import { renderSurvey } from '../survey/survey.view';
import { buildTranscript, downloadText } from './transcript';

/** The end of a chat: the survey (rating, then NPS where the queue asks it), transcript download, start over. */
export function renderEnded(ctx: PanelContext): TemplateResult {
  const { model, i18n, state } = ctx;
  const download = () =>
    downloadText(buildTranscript(model.session.$messages.get(), i18n), `${i18n.t('transcriptTitle')}.txt`);
  const startOver = () => {
    state.score = undefined;
    state.nps = undefined;
    model.newConversation();
  };
  return html`<div part="footer">
    <p role="status">${i18n.t('chatEnded')}</p>
    ${renderSurvey(ctx, 'chat')}
    <button part="button transcript" @click=${download}>${i18n.t('downloadTranscript')}</button>
    <button part="button new-chat" @click=${startOver}>${i18n.t('newChat')}</button>
  </div>`;
}
