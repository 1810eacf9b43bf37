import { isEmailAddress } from '@helpline/core';
import { css, html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { PanelContext } from '../panel/context';
import type { WidgetModel } from '../panel/widget.model';
import { type EmailTextKey, emailText } from './email.i18n';

// "Continue by email", a chunk of its own: the panel loads it when a chat shows on a site whose server sends mail.
// The visitor gives an address (checked here with core's `isEmailAddress`, and again by the server); once they have
// left, the server mails them the conversation and the agent's new replies, and their answer by mail joins the chat.
// The address is shown back as text, never HTML.

/** View-local state of one panel's form. */
interface EmailForm {
  open: boolean;
  busy: boolean;
  /** The address the server took. */
  address?: string;
  /** Why the last try failed, as a text key. */
  error?: EmailTextKey;
  /** The conversation it is for: a new chat starts without one. */
  cid?: string;
}

const forms = new WeakMap<WidgetModel, EmailForm>();
const styled = new WeakSet<ShadowRoot>();

function formOf(ctx: PanelContext, cid: string): EmailForm {
  let form = forms.get(ctx.model);
  if (!form || form.cid !== cid) {
    form = { open: false, busy: false, cid };
    forms.set(ctx.model, form);
  }
  return form;
}

/** Adopts this chunk's styles into the panel's shadow root (once). */
function adopt(element: Element | undefined): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot) || styled.has(root)) return;
  styled.add(root);
  const sheet = emailStyles.styleSheet;
  if (sheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Moves focus to `selector` in the panel once it rendered (the form's field, or the button that opened it). */
function focusLater(element: Element | undefined, selector: string): void {
  const root = element?.getRootNode() as ShadowRoot | undefined;
  requestAnimationFrame(() => root?.querySelector<HTMLElement>(selector)?.focus());
}

async function save(ctx: PanelContext, form: EmailForm, cid: string, input: HTMLInputElement): Promise<void> {
  const address = input.value.trim();
  form.error = isEmailAddress(address) ? undefined : 'invalid';
  if (form.error) {
    ctx.requestUpdate();
    focusLater(input, '#email-address');
    return;
  }
  form.busy = true;
  ctx.requestUpdate();
  try {
    // The server stores the address as sent (its answer is empty): the confirmation shows what was sent.
    await ctx.model.session.connection.command('conversation.email', { cid, address });
    form.address = address;
    form.open = false;
    focusLater(input, '[part~="email-confirmation"] button');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    form.error =
      code === 'validation/field'
        ? 'invalid'
        : code === 'messaging/not-configured'
          ? 'unavailable'
          : 'failed';
    focusLater(input, '#email-address');
  } finally {
    form.busy = false;
    ctx.requestUpdate();
  }
}

/**
 * The "Get replies by email" offer of the chat in `ctx`: a button, the form it opens (label, hint, error announced),
 * or the confirmation of the address the server took.
 */
export function renderEmailLeg(ctx: PanelContext): TemplateResult {
  const cid = ctx.model.session.$interaction.get()?.id;
  if (!cid) return html``;
  const form = formOf(ctx, cid);
  const locale = ctx.i18n.locale;
  const t = (key: EmailTextKey) => emailText(locale, key, form.address);
  const toggle = (open: boolean, element?: Element) => {
    form.open = open;
    form.error = undefined;
    ctx.requestUpdate();
    focusLater(element, open ? '#email-address' : '[part~="email-offer"]');
  };
  if (form.address && !form.open) {
    return html`<p part="email-confirmation" role="status" ${ref(adopt)}>
      <span dir="auto">${t('confirmed')}</span>
      <button type="button" part="button email-change" @click=${(event: Event) => toggle(true, event.currentTarget as Element)}>
        ${t('change')}
      </button>
    </p>`;
  }
  if (!form.open) {
    return html`<button
      type="button"
      part="button email-offer"
      aria-expanded="false"
      aria-controls="email-form"
      ${ref(adopt)}
      @click=${(event: Event) => toggle(true, event.currentTarget as Element)}
    >
      ${t('offer')}
    </button>`;
  }
  return html`<form
    id="email-form"
    part="email-form"
    novalidate
    ${ref(adopt)}
    @keydown=${(event: KeyboardEvent) => {
      if (event.key === 'Escape') toggle(false, event.currentTarget as Element);
    }}
    @submit=${(event: SubmitEvent) => {
      event.preventDefault();
      const target = event.currentTarget as HTMLFormElement;
      void save(ctx, form, cid, target.elements.namedItem('address') as HTMLInputElement);
    }}
  >
    <label for="email-address">${t('label')}</label>
    <p id="email-hint" part="email-hint" class="hint">${t('hint')}</p>
    <input
      id="email-address"
      name="address"
      type="email"
      autocomplete="email"
      inputmode="email"
      maxlength="254"
      required
      dir="ltr"
      .value=${form.address ?? ''}
      aria-invalid=${form.error === 'invalid' ? 'true' : 'false'}
      aria-describedby="email-hint email-error"
    />
    <p id="email-error" part="email-error" role="alert">${form.error ? t(form.error) : nothing}</p>
    <div class="row">
      <button type="button" part="button email-cancel" @click=${(event: Event) => toggle(false, event.currentTarget as Element)}>
        ${t('cancel')}
      </button>
      <button part="button email-submit" class="primary" ?disabled=${form.busy}>${t('submit')}</button>
    </div>
  </form>`;
}

/** The styles of the email offer, adopted by the panel when this chunk loads. */
export const emailStyles = css`
  [part~='email-form'] {
    display: grid;
    gap: 6px;
    margin: 6px 0;
    padding: var(--helpline-email-padding, 10px);
    border: 1px solid var(--_border);
    border-radius: var(--helpline-radius, 10px);
  }
  [part~='email-error']:empty {
    display: none;
  }
  [part~='email-confirmation'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin: 6px 0;
    overflow-wrap: anywhere;
  }
`;
