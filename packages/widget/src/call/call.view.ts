import type { WireInteraction } from '@helpline/core';
import { phaseOf } from '@helpline/core';
import { html, nothing, type TemplateResult } from 'lit';
import type { PanelContext } from '../panel/context';
import { alertFor } from '../panel/form';
import { standingText } from '../panel/standing';
import { isFinished } from '../panel/widget.model';
import { renderSurvey } from '../survey/survey.view';
import { renderRecorder } from '../voicemail/voicemail.view';
import type { CallSnapshot, CallState, WidgetCall } from './call.types';

const STATE_KEYS = {
  idle: 'callIntro',
  dialing: 'callConnecting',
  connecting: 'callConnecting',
  ringing: 'callRinging',
  active: 'callActive',
  held: 'callHeld',
  // The visitor waits on hold while the agent consults; a conference is a call like any other to them.
  consulting: 'callHeld',
  conferenced: 'callActive',
  ended: 'callEnded',
  failed: 'callFailed',
} as const satisfies Record<CallState, string>;

let unsubscribe: (() => void) | undefined;

/** The view follows `call` from now on. */
function follow(ctx: Pick<PanelContext, 'state' | 'requestUpdate'>, call: WidgetCall): void {
  ctx.state.call = call;
  unsubscribe?.();
  unsubscribe = call.$call.listen(() => ctx.requestUpdate());
}

async function startCall(ctx: PanelContext): Promise<void> {
  const { model, state } = ctx;
  if (state.calling || !ctx.voice) return;
  state.calling = true;
  state.reattached = undefined;
  model.clearError();
  ctx.requestUpdate();
  try {
    const voice = await ctx.voice();
    const call = await voice.call({
      session: model.session,
      language: ctx.i18n.locale,
      ...(model.$topic.get() ? { topic: model.$topic.get() } : {}),
    });
    follow(ctx, call);
  } catch (error) {
    model.fail(error);
  } finally {
    state.calling = false;
    ctx.requestUpdate();
  }
}

/**
 * After a reload: takes over the live call of voice interaction `interaction` (the panel calls this whenever the
 * conversation it shows is a voice one; nothing happens while a call runs here or is being placed). When it cannot —
 * the engine cannot re-attach, the call is gone, the microphone is refused — the interaction is ended, and the call
 * view says why; a call another tab runs is left alone.
 */
export async function reattachCall(
  ctx: Pick<PanelContext, 'model' | 'voice' | 'state' | 'requestUpdate'>,
  interaction: WireInteraction,
): Promise<void> {
  const { model, state } = ctx;
  const cid = interaction.id;
  if (isFinished(interaction) || state.call || state.calling || state.reattaching) return;
  if (state.reattached?.cid === cid) return;
  state.reattaching = cid;
  ctx.requestUpdate();
  let outcome: 'attached' | 'ended' | 'elsewhere' = 'ended';
  try {
    const voice = await ctx.voice?.();
    const found = voice?.attach ? await voice.attach({ session: model.session, cid }) : undefined;
    if (found === 'elsewhere') outcome = 'elsewhere';
    else if (found) {
      follow(ctx, found);
      outcome = 'attached';
    }
  } catch (error) {
    model.fail(error);
  }
  state.reattaching = undefined;
  if (outcome !== 'attached') {
    state.reattached = { cid, outcome };
    if (outcome === 'ended') await model.session.endChat().catch(() => undefined);
  }
  ctx.requestUpdate();
}

function formatDuration(ms: number, ctx: PanelContext): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${ctx.i18n.formatNumber(minutes)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Click-to-call: a start button that loads the voice engine on demand, then the call's state, mute and hang
 * up. While the call waits in the queue it shows the place in line and the estimated wait (as the chat does); after
 * a reload it takes the call over, or says why it ended; once over, the survey. The engine (WebRTC or Vonage) is
 * injected; tests drive a fake one.
 */
export function renderCall(ctx: PanelContext): TemplateResult {
  const { i18n, state, model } = ctx;
  const interaction = model.$current.get();
  const voiceInteraction = interaction?.channel === 'voice' ? interaction : undefined;
  const snapshot: CallSnapshot | undefined = state.call?.$call.get();
  const over = voiceInteraction !== undefined && isFinished(voiceInteraction);
  // The interaction is the truth about the end (the other side may have hung up while the call was away).
  const callState: CallState = over && snapshot?.state !== 'failed' ? 'ended' : (snapshot?.state ?? 'idle');
  const live = callState !== 'idle' && callState !== 'ended' && callState !== 'failed';
  // Waiting in line for an agent (once offered, the agent's phone rings: the call's own state says so).
  const waiting =
    voiceInteraction !== undefined &&
    phaseOf('voice', voiceInteraction.state) === 'waiting' &&
    (callState === 'idle' || callState === 'dialing' || callState === 'ringing');
  const reattaching = voiceInteraction !== undefined && state.reattaching === voiceInteraction.id;
  const reattached =
    voiceInteraction !== undefined && state.reattached?.cid === voiceInteraction.id
      ? state.reattached.outcome
      : undefined;

  let stateText = '';
  if (reattaching) stateText = i18n.t('callReattaching');
  else if (reattached === 'elsewhere' && !over) stateText = i18n.t('callElsewhere');
  else if (waiting && (state.call || !state.calling)) stateText = i18n.t('waiting');
  else if (callState === 'idle')
    stateText = state.calling || voiceInteraction ? i18n.t('callConnecting') : '';
  else if (snapshot?.media === 'reconnecting' && live) stateText = i18n.t('callReconnecting');
  else stateText = i18n.t(STATE_KEYS[callState]);
  const duration =
    callState === 'active' && snapshot?.connectedAt !== undefined
      ? formatDuration(Date.now() - snapshot.connectedAt, ctx)
      : '';
  const startOver = () => {
    state.call = undefined;
    state.reattached = undefined;
    state.score = undefined;
    state.nps = undefined;
    model.newConversation();
  };

  // Nobody answered within the queue's limit: the caller may leave a voicemail instead (the call then ends).
  const voicemail = ctx.config.voicemail;
  if (waiting && voiceInteraction && state.voicemailFrom === voiceInteraction.id) {
    return renderRecorder(ctx, voiceInteraction.id);
  }
  const waitedMs = voiceInteraction ? Date.now() - voiceInteraction.timestamps.createdAt : 0;
  const mayLeaveVoicemail = waiting && voicemail !== undefined && waitedMs >= voicemail.afterSeconds * 1000;
  if (waiting && voicemail && !mayLeaveVoicemail && state.voicemailTimer === undefined) {
    state.voicemailTimer = setTimeout(
      () => {
        state.voicemailTimer = undefined;
        ctx.requestUpdate();
      },
      voicemail.afterSeconds * 1000 - waitedMs,
    );
  }
  const voicemailOffer = mayLeaveVoicemail
    ? html`<p part="call-note">${i18n.t('voicemailNoAnswer')}</p>
        <button
          part="button leave-voicemail"
          @click=${() => {
            state.voicemailFrom = voiceInteraction?.id;
            ctx.requestUpdate();
          }}
        >
          ${i18n.t('voicemailLeave')}
        </button>`
    : nothing;

  let actions: TemplateResult | typeof nothing = nothing;
  if (live && state.call) {
    actions = html`<div part="call-controls">
      <button
        part="button mute"
        aria-pressed=${snapshot?.muted ? 'true' : 'false'}
        @click=${() => state.call?.setMuted(!snapshot?.muted)}
      >
        ${snapshot?.muted ? i18n.t('unmute') : i18n.t('mute')}
      </button>
      <button part="button hang-up" class="primary" @click=${() => state.call?.hangUp()}>${i18n.t('hangUp')}</button>
    </div>`;
  } else if (over) {
    actions = html`<button part="button back-to-start" @click=${startOver}>${i18n.t('backToStart')}</button>`;
  } else if (!voiceInteraction) {
    actions = html`<button
      part="button start-call"
      class="primary"
      ?disabled=${state.calling}
      @click=${() => startCall(ctx)}
    >
      ${i18n.t('startCall')}
    </button>`;
  }

  return html`
    ${callState === 'idle' && !voiceInteraction ? html`<p>${i18n.t('callIntro')}</p>` : nothing}
    <p part="call-state" role="status">${stateText}${duration ? html` <span part="call-timer">${duration}</span>` : nothing}</p>
    ${
      waiting && !reattaching && model.session.$position.get()
        ? html`<p part="status queue" role="status">${standingText(ctx)}</p>`
        : nothing
    }
    ${
      // The visitor is told whenever the call is recorded, and when the agent pauses it (polite: it does not interrupt).
      live && snapshot?.recording
        ? html`<p part="call-note call-recording" role="status" aria-live="polite">
            ${i18n.t(snapshot.recording === 'paused' ? 'callRecordingPaused' : 'callRecorded')}
          </p>`
        : nothing
    }
    ${reattached === 'ended' ? html`<p part="call-note" role="status">${i18n.t('callReattachFailed')}</p>` : nothing}
    ${alertFor(model.$error.get(), i18n)}
    ${over ? renderSurvey(ctx, 'call') : nothing}
    ${voicemailOffer}
    ${actions}
  `;
}
