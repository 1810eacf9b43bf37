import { html, nothing, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { PrechatField } from '../config/site-config';
import type { Translator } from '../i18n/i18n';
import type { PanelContext } from '../panel/context';
import { alertFor, errorText, fieldLabel, formValues } from '../panel/form';
import type { FieldErrors } from '../panel/widget.model';

// The pre-chat form is its own chunk: the panel paints without it, and identified visitors never load it.

/** Label, control and its error for one pre-chat field; the control is uncontrolled (read on submit). */
export function renderField(
  field: PrechatField,
  i18n: Translator,
  errors: FieldErrors,
  value = '',
): TemplateResult {
  const id = `field-${field.name}`;
  const label = fieldLabel(field, i18n);
  const error = errors[field.name];
  const errorId = `${id}-error`;
  const common = {
    name: field.name,
    required: field.required === true,
    invalid: error ? 'true' : 'false',
    describedBy: error ? errorId : undefined,
  };
  const control =
    field.type === 'textarea'
      ? html`<textarea
          id=${id}
          name=${common.name}
          rows="3"
          ?required=${common.required}
          aria-invalid=${common.invalid}
          aria-describedby=${ifDefined(common.describedBy)}
          .value=${value}
        ></textarea>`
      : html`<input
          id=${id}
          name=${common.name}
          type=${field.type ?? 'text'}
          autocomplete=${ifDefined(field.autocomplete ?? (field.type === 'email' ? 'email' : undefined))}
          ?required=${common.required}
          aria-invalid=${common.invalid}
          aria-describedby=${ifDefined(common.describedBy)}
          .value=${value}
        />`;
  return html`<div part="field">
    <label for=${id}
      >${label}${field.required ? html` <span class="hint">${i18n.t('requiredMark')}</span>` : nothing}</label
    >
    ${control}
    ${error ? html`<p id=${errorId} part="field-error">${errorText(error, i18n, label)}</p>` : nothing}
  </div>`;
}

/** The pre-chat form: the site's fields, prefilled for identified visitors. */
export function renderPrechat(ctx: PanelContext): TemplateResult {
  const { model, i18n } = ctx;
  const errors = model.$fieldErrors.get();
  const prefill = model.prefill();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void model.startChat(formValues(event.currentTarget as HTMLFormElement));
  };
  return html`<form part="prechat" novalidate @submit=${submit} aria-describedby="prechat-intro">
    <p id="prechat-intro">${i18n.t('prechatIntro')}</p>
    ${model.prechatFields().map((field) => renderField(field, i18n, errors, prefill[field.name]))}
    ${alertFor(model.$error.get(), i18n)}
    <button part="button submit" class="primary" ?disabled=${model.$busy.get()}>${i18n.t('startChat')}</button>
  </form>`;
}
