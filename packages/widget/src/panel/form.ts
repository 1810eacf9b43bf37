import { html, nothing, type TemplateResult } from 'lit';
import { localize, type PrechatField } from '../config/site-config';
import type { Translator } from '../i18n/i18n';
import { fieldLabelKey, type WidgetError } from './widget.model';

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

/** The form's values as strings. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) if (typeof value === 'string') values[key] = value;
  return values;
}
