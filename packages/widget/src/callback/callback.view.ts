import { html, nothing, type TemplateResult } from 'lit';
import type { MessageKey } from '../i18n/i18n';
import type { PanelContext } from '../panel/context';
import { alertFor, errorText, formValues } from '../panel/form';
import { countryOptions, defaultRegion, toE164 } from './phone';

/** Slots that have not started yet, earliest first. */
function upcomingSlots(ctx: PanelContext, now: number) {
  return [...(ctx.config.callbackSlots ?? [])]
    .filter((slot) => slot.start > now)
    .sort((a, b) => a.start - b.start);
}

/** What the confirmation says once the callback left the queue, by its state (`callbackCancelled` has no phone). */
const CALLBACK_OUTCOMES: Readonly<Record<string, MessageKey>> = {
  dialing: 'callbackCalling',
  active: 'callbackCalling',
  'wrap-up': 'callbackDone',
  completed: 'callbackDone',
  'retry-wait': 'callbackRetrying',
  failed: 'callbackNotReached',
  cancelled: 'callbackCancelled',
};

function renderConfirmation(ctx: PanelContext): TemplateResult {
  const { model, i18n, state } = ctx;
  const interaction = model.session.$interaction.get();
  const phone = state.lastCallback?.phone ?? interaction?.customer.phone ?? '';
  // The server's plan wins: an agent or supervisor may have moved the callback since it was requested.
  const slot = interaction?.callback?.slot?.start ?? state.lastCallback?.slot ?? 'asap';
  const status = model.$callbackCancelled.get() ? 'cancelled' : interaction?.state;
  // Once the agent has dialed, the promise becomes what happened; a callback that is over can only be left.
  const outcome = status ? CALLBACK_OUTCOMES[status] : undefined;
  if (outcome) {
    return html`<p role="status" part="callback-confirmation">${i18n.t(outcome, { phone })}</p>
      ${
        status === 'dialing' || status === 'active'
          ? nothing
          : status === 'retry-wait'
            ? cancelButton(ctx)
            : html`<button part="button back-home" @click=${() => model.newConversation()}>${i18n.t('back')}</button>`
      }`;
  }
  const text =
    slot === 'asap'
      ? i18n.t('callbackAsapConfirmed', { phone })
      : i18n.t('callbackSlotConfirmed', { phone, time: i18n.formatDateTime(slot) });
  return html`<p role="status" part="callback-confirmation">${text}</p>
    ${cancelButton(ctx)}`;
}

function cancelButton({ model, i18n }: PanelContext): TemplateResult {
  return html`${alertFor(model.$error.get(), i18n)}
    <button part="button cancel-callback" ?disabled=${model.$busy.get()} @click=${() => model.cancelCallback()}>
      ${i18n.t('cancelCallback')}
    </button>`;
}

/**
 * The callback form — country and phone (E.164), "as soon as possible" or a slot shown in the visitor's time
 * zone — or the confirmation with a cancel button once requested. Loaded on demand: the chat never pays for
 * the country list.
 */
export function renderCallback(ctx: PanelContext): TemplateResult {
  const { model, i18n, state } = ctx;
  if (model.session.$interaction.get()?.channel === 'callback') return renderConfirmation(ctx);
  const errors = model.$fieldErrors.get();
  const region = defaultRegion([i18n.locale === 'en' ? undefined : i18n.locale, ...navigator.languages]);
  const slots = upcomingSlots(ctx, Date.now());
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const phone = toE164(values.country ?? region, values.phone ?? '');
    const slot = state.slotMode === 'asap' ? 'asap' : values.slot ? Number(values.slot) : undefined;
    if (await model.requestCallback(phone, slot)) {
      if (phone && slot !== undefined) state.lastCallback = { phone, slot };
      ctx.requestUpdate();
    }
  };
  const setMode = (mode: 'asap' | 'slot') => () => {
    state.slotMode = mode;
    ctx.requestUpdate();
  };
  return html`<form part="callback" novalidate @submit=${submit}>
    <div class="row">
      <div part="field">
        <label for="country">${i18n.t('country')}</label>
        <select id="country" name="country" autocomplete="country">
          ${countryOptions(i18n.locale).map(
            (option) =>
              html`<option value=${option.region} ?selected=${option.region === region}>
                ${option.name} (+${option.code})
              </option>`,
          )}
        </select>
      </div>
    </div>
    <div part="field">
      <label for="phone">${i18n.t('phone')}</label>
      <input
        id="phone"
        name="phone"
        type="tel"
        autocomplete="tel"
        inputmode="tel"
        required
        aria-invalid=${errors.phone ? 'true' : 'false'}
        aria-describedby="phone-hint phone-error"
      />
      <p id="phone-hint" class="hint">${i18n.t('phoneHint')}</p>
      <p id="phone-error" part="field-error">${errors.phone ? errorText(errors.phone, i18n) : nothing}</p>
    </div>
    <fieldset>
      <legend>${i18n.t('whenLabel')}</legend>
      <label
        ><input type="radio" name="when" value="asap" .checked=${state.slotMode === 'asap'} @change=${setMode('asap')} />
        ${i18n.t('asap')}</label
      >
      <p class="hint">${i18n.t('asapHint')}</p>
      ${
        slots.length > 0
          ? html`<label
            ><input type="radio" name="when" value="slot" .checked=${state.slotMode === 'slot'} @change=${setMode('slot')} />
            ${i18n.t('pickSlot')}</label
          >`
          : nothing
      }
    </fieldset>
    ${
      state.slotMode === 'slot'
        ? html`<div part="field">
          <label for="slot">${i18n.t('slotLabel')}</label>
          <select
            id="slot"
            name="slot"
            aria-invalid=${errors.slot ? 'true' : 'false'}
            aria-describedby="zone-note slot-error"
          >
            ${slots.map(
              (slot) =>
                html`<option value=${String(slot.start)}>
                  ${i18n.formatDateTime(slot.start)} – ${i18n.formatTime(slot.end)}
                </option>`,
            )}
          </select>
          <p id="zone-note" class="hint">${i18n.t('timeZoneNote', { zone })}</p>
          <p id="slot-error" part="field-error">${errors.slot ? errorText(errors.slot, i18n) : nothing}</p>
        </div>`
        : nothing
    }
    ${alertFor(model.$error.get(), i18n)}
    <button part="button submit" class="primary" ?disabled=${model.$busy.get()}>${i18n.t('callbackSubmit')}</button>
  </form>`;
}
