import { LIMITS } from '@helpline/core';
import { html, nothing, type TemplateResult } from 'lit';
import { renderField } from '../chat/prechat.view';
import type { PanelContext } from '../panel/context';
import { alertFor, errorText, formValues } from '../panel/form';

/** The offline message form (every queue closed), or its confirmation once sent. */
export function renderOffline(ctx: PanelContext): TemplateResult {
  const { model, i18n } = ctx;
  const interaction = model.session.$interaction.get();
  if (interaction?.channel === 'offline-message') {
    return html`<p role="status">${i18n.t('offlineSent')}</p>
      <button part="button back-home" @click=${() => model.newConversation()}>${i18n.t('back')}</button>`;
  }
  const errors = model.$fieldErrors.get();
  const prefill = model.prefill();
  const messageError = errors.message;
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const { message = '', ...values } = formValues(event.currentTarget as HTMLFormElement);
    void model.leaveOfflineMessage(values, message);
  };
  return html`<form part="offline" novalidate @submit=${submit}>
    ${model.offlineFields().map((field) => renderField(field, i18n, errors, prefill[field.name]))}
    <div part="field">
      <label for="offline-message"
        >${i18n.t('fieldMessage')} <span class="hint">${i18n.t('requiredMark')}</span></label
      >
      <textarea
        id="offline-message"
        name="message"
        rows="4"
        required
        maxlength=${LIMITS.text}
        aria-invalid=${messageError ? 'true' : 'false'}
        aria-describedby="offline-message-error"
      ></textarea>
      <p id="offline-message-error" part="field-error">
        ${messageError ? errorText(messageError, i18n, i18n.t('fieldMessage')) : nothing}
      </p>
    </div>
    ${alertFor(model.$error.get(), i18n)}
    <button part="button submit" class="primary" ?disabled=${model.$busy.get()}>${i18n.t('offlineSubmit')}</button>
  </form>`;
}
