import { html, nothing, type TemplateResult } from 'lit';
import type { PanelContext } from '../panel/context';
import { alertFor } from '../panel/form';
import type { CallSnapshot, CallState } from './call.types';

const STATE_KEYS = {
  idle: 'callIntro',
  dialing: 'callConnecting',
  connecting: 'callConnecting',
  ringing: 'callRinging',
  active: 'callActive',
  held: 'callHeld',
  ended: 'callEnded',
  failed: 'callFailed',
} as const satisfies Record<CallState, string>;

let unsubscribe: (() => void) | undefined;

async function startCall(ctx: PanelContext): Promise<void> {
  const { model, state } = ctx;
  if (state.calling || !ctx.voice) return;
  state.calling = true;
  model.clearError();
  ctx.requestUpdate();
  try {
    const voice = await ctx.voice();
    const call = await voice.call({
      session: model.session,
      language: ctx.i18n.locale,
      ...(model.$topic.get() ? { topic: model.$topic.get() } : {}),
    });
    state.call = call;
    unsubscribe?.();
    unsubscribe = call.$call.listen(() => ctx.requestUpdate());
  } catch (error) {
    model.fail(error);
  } finally {
    state.calling = false;
    ctx.requestUpdate();
  }
}

function formatDuration(ms: number, ctx: PanelContext): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${ctx.i18n.formatNumber(minutes)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Click-to-call: a start button that loads the voice engine on demand, then the call's state, mute and hang
 * up. The engine (WebRTC or Vonage) is injected; tests drive a fake one.
 */
export function renderCall(ctx: PanelContext): TemplateResult {
  const { i18n, state, model } = ctx;
  const snapshot: CallSnapshot | undefined = state.call?.$call.get();
  const callState: CallState = snapshot?.state ?? 'idle';
  const live = callState !== 'idle' && callState !== 'ended' && callState !== 'failed';
  const stateText =
    callState === 'idle'
      ? state.calling
        ? i18n.t('callConnecting')
        : ''
      : snapshot?.media === 'reconnecting'
        ? i18n.t('callReconnecting')
        : i18n.t(STATE_KEYS[callState]);
  const duration =
    callState === 'active' && snapshot?.connectedAt !== undefined
      ? formatDuration(Date.now() - snapshot.connectedAt, ctx)
      : '';
  return html`
    ${callState === 'idle' ? html`<p>${i18n.t('callIntro')}</p>` : nothing}
    <p part="call-state" role="status">${stateText}${duration ? html` <span part="call-timer">${duration}</span>` : nothing}</p>
    ${alertFor(model.$error.get(), i18n)}
    ${
      live && state.call
        ? html`<div part="call-controls">
          <button
            part="button mute"
            aria-pressed=${snapshot?.muted ? 'true' : 'false'}
            @click=${() => state.call?.setMuted(!snapshot?.muted)}
          >
            ${snapshot?.muted ? i18n.t('unmute') : i18n.t('mute')}
          </button>
          <button part="button hang-up" class="primary" @click=${() => state.call?.hangUp()}>${i18n.t('hangUp')}</button>
        </div>`
        : html`<button part="button start-call" class="primary" ?disabled=${state.calling} @click=${() => startCall(ctx)}>
          ${i18n.t('startCall')}
        </button>`
    }
  `;
}
