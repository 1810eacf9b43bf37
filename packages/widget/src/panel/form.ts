import { html, nothing, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { localize, type PrechatField } from '../config/site-config';
import type { Translator } from '../i18n/i18n';
import { type FieldErrors, fieldLabelKey, type WidgetError } from './widget.model';

/** The visible label of a pre-chat field. */
export function fieldLabel(field: PrechatField, i18n: Translator): string {
  if (field.label) return localize(field.label, i18n.locale);
  const key = fieldLabelKey(field.name);
  return key ? i18n.t(key) : field.name;
}

/** A widget error as text; `{field}` becomes the field's label. */
export function errorText(error: WidgetError, i18n: Translator, label?: string): string {
  return i18n.t(error.key, { ...error.params, ...(label ? { field: label } : {}) });
}

/** The alert under a form or composer: announced at once, and linked with `aria-describedby`. */
export function alertFor(
  error: WidgetError | undefined,
  i18n: Translator,
  id = 'form-error',
): TemplateResult {
  return html`<p id=${id} part="error" role="alert">${error ? errorText(error, i18n) : nothing}</p>`;
}

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

/** The form's values as strings. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) if (typeof value === 'string') values[key] = value;
  return values;
}
